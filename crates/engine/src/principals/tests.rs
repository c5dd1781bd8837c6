//! The renames alone: names, paths, the walk over a spec, and merged users.

use serde_json::json;

use super::*;

fn maps() -> Principals {
    Principals {
        users: BTreeMap::from([("boss@example.com".into(), "chief@new.org".into())]),
        user_domains: BTreeMap::from([("example.com".into(), "example.org".into())]),
        service_principals: BTreeMap::from([("app-1".into(), "app-9".into())]),
    }
}

#[test]
fn exact_names_win_over_domains_and_case_is_ignored() {
    let p = maps();
    assert_eq!(
        p.rename_user("Boss@Example.com").unwrap().0,
        "chief@new.org"
    );
    let (to, why) = p.rename_user("a.b@EXAMPLE.com").unwrap();
    assert_eq!(to, "a.b@example.org");
    assert_eq!(why, "[translate.user_domains] example.com = example.org");
    assert_eq!(p.rename_user("a@other.com"), None);
    assert_eq!(p.rename_user("data-team"), None);
    assert_eq!(p.rename_sp("app-1").unwrap().0, "app-9");
}

#[test]
fn paths_under_a_renamed_home_move_with_it() {
    let p = maps();
    let r = |s: &str| p.rename_path(s).map(|x| x.0);
    assert_eq!(
        r("/Users/a@example.com").as_deref(),
        Some("/Users/a@example.org")
    );
    assert_eq!(
        r("/Workspace/Users/a@example.com/lib/x.whl").as_deref(),
        Some("/Workspace/Users/a@example.org/lib/x.whl")
    );
    assert_eq!(r("/Users/app-1/nb").as_deref(), Some("/Users/app-9/nb"));
    assert_eq!(
        r("/Repos/a@example.com/etl").as_deref(),
        Some("/Repos/a@example.org/etl")
    );
    assert_eq!(r("/Shared/a@example.com/x"), None);
    assert_eq!(r("dbfs:/Users/a@example.com/x"), None);
}

#[test]
fn the_walk_renames_principal_fields_and_home_paths_only() {
    let p = maps();
    let mut key = "/Users/a@example.com/nb".to_string();
    let mut spec = json!({
        "run_as": {"user_name": "a@example.com"},
        "acl": [{"user_name": "boss@example.com"}, {"service_principal_name": "app-1"},
                {"group_name": "a@example.com"}],
        "tasks": [{"notebook_task": {"notebook_path": "/Users/a@example.com/nb"}}],
        "email_notifications": {"on_failure": ["a@example.com"]},
        "description": "mail a@example.com",
    });
    let done = p.translate("notebooks", &mut key, &mut spec);
    assert_eq!(key, "/Users/a@example.org/nb");
    assert_eq!(spec["run_as"]["user_name"], "a@example.org");
    assert_eq!(spec["acl"][0]["user_name"], "chief@new.org");
    assert_eq!(spec["acl"][1]["service_principal_name"], "app-9");
    assert_eq!(
        spec["acl"][2]["group_name"], "a@example.com",
        "a group keeps its name"
    );
    assert_eq!(
        spec["tasks"][0]["notebook_task"]["notebook_path"],
        "/Users/a@example.org/nb"
    );
    assert_eq!(
        spec["email_notifications"]["on_failure"][0],
        "a@example.org"
    );
    assert_eq!(
        spec["description"], "mail a@example.com",
        "free text is left alone"
    );
    let fields: Vec<&str> = done.iter().map(|r| r.field.as_str()).collect();
    assert!(fields.contains(&"key") && fields.contains(&"acl[1].service_principal_name"));
    assert_eq!(done.len(), 6, "{done:?}");
    // Nothing to do without a map.
    let mut k2 = "/Users/a@example.com".to_string();
    assert!(
        Principals::default()
            .translate("x", &mut k2, &mut json!({}))
            .is_empty()
    );
}

#[test]
fn users_merged_into_one_are_named() {
    let mut p = maps();
    p.user_domains
        .insert("example.net".into(), "example.org".into());
    let users = [
        "a@example.com",
        "a@example.net",
        "b@example.com",
        "b@example.org",
    ]
    .map(String::from);
    let merged = p.merged_users(&users);
    assert_eq!(merged.len(), 2, "{merged:?}");
    assert!(merged[0].contains("a@example.com") && merged[0].contains("a@example.net"));
    assert!(merged[1].contains("b@example.org (kept)"), "{merged:?}");
    assert!(maps().merged_users(&users[..1]).is_empty());
    p.service_principals.insert("app-2".into(), "app-9".into());
    assert_eq!(p.merged_sps(&["app-1".into(), "app-2".into()]).len(), 1);
}
