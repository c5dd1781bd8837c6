//! Genie spaces: identifiers renamed, text listed, a newer version no difference, a space at
//! the root.

use super::*;

#[test]
fn tables_are_renamed_text_is_listed_and_a_newer_version_is_no_difference() {
    let doc = json!({
        "version": 1,
        "config": {"sample_questions": [{"id": "q", "question": ["from prod.sales.x?"]}]},
        "data_sources": {"tables": [
            {"identifier": "prod.sales.orders"}, {"identifier": "main.s.t"},
        ]},
    });
    let s = GenieSpace {
        space_id: Some("g".into()),
        title: Some("Sales".into()),
        parent_path: Some("/Workspace/Shared".into()),
        warehouse_id: Some("w".into()),
        serialized_space: Some(doc.to_string()),
        ..GenieSpace::default()
    };
    assert_eq!(key_of(&s), "/Shared/Sales");
    let map = [("prod".to_string(), "prod_eu".to_string())].into();
    let (spec, manual) = build(&s, "/Shared/Sales", &map);
    let tables = &spec["serialized_space"]["data_sources"]["tables"];
    assert_eq!(tables[0]["identifier"], "prod_eu.sales.orders");
    assert_eq!(tables[1]["identifier"], "main.s.t");
    assert_eq!(manual.len(), 1);
    assert!(manual[0].text.contains("`prod` → `prod_eu`"));
    let mut stored = spec["serialized_space"].clone();
    stored["version"] = json!(2);
    stored["data_sources"]["metric_views"] = json!([]);
    let mut body = spec.clone();
    body["serialized_space"] = stored;
    let t = TargetObject {
        id: "g".into(),
        key: "k".into(),
        body,
        facts: Default::default(),
    };
    assert!(
        GenieSpaces
            .compare(
                &SourceObject::new("g", "k", json!({}), json!({})),
                &spec,
                &t
            )
            .is_empty()
    );
    let mut older = t.clone();
    older.body["serialized_space"]["version"] = json!(0);
    assert_eq!(
        crate::json::subset_diff(&upgraded(&spec, &older), &older.body),
        ["serialized_space.version"]
    );
    let req = request(
        &SourceObject::new("g", "k", json!({}), json!({})),
        &spec,
        false,
    )
    .unwrap();
    assert!(req.parent_path.is_none());
    assert!(
        req.serialized_space
            .unwrap()
            .contains("prod_eu.sales.orders")
    );
}

#[test]
fn a_space_at_the_root_keeps_its_folder_out_of_the_reference() {
    let s = GenieSpace {
        title: Some("t".into()),
        parent_path: Some("/Workspace".into()),
        ..GenieSpace::default()
    };
    let (mut spec, _) = build(&s, "/t", &BTreeMap::new());
    let mut facts = crate::kinds::Facts::default();
    crate::kinds::shared::hold_root_parent(&mut spec, &mut facts);
    assert!(spec.get("parent_path").is_none(), "no folder to wait for");
    let mut obj = SourceObject::new("g", "/t", json!({}), spec.clone());
    obj.facts = facts;
    let req = request(&obj, &spec, true).unwrap();
    assert_eq!(req.parent_path.as_deref(), Some("/"), "created at the root");
}
