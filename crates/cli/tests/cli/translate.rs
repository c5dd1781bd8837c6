//! `[translate]` for compute through the binary: `plan` between an AWS source and an Azure
//! target lists every substitution (text and JSON), an explicit map included; a map to a node
//! type the target does not offer stops `migrate` at the pre-check, naming it, with nothing
//! written.

use crate::across_clouds::reads::aws_to_azure;

#[test]
fn plan_lists_every_translation_and_the_operators_map_wins() {
    let sb = aws_to_azure("[translate.node_types]\n\"m5d.xlarge\" = \"Standard_DS3_v2\"\n");
    // Policies and pools alone: the typical source's account group, not assigned to the
    // empty target, would stop the pre-check of a whole plan.
    let only = ["--only", "cluster_policies,instance_pools"];
    let out = sb.run_between(&[&["plan"][..], &only].concat());
    assert_eq!(out.code, 0, "{out:?}");
    let text = &out.stdout;
    assert!(text.contains("translated ("), "{text}");
    assert!(
        text.contains(
            "node_type_id: i3.xlarge → Standard_E4ds_v4 (the target does not offer i3.xlarge"
        ),
        "{text}"
    );
    assert!(
        text.contains("m5d.xlarge → Standard_DS3_v2 ([translate.node_types])"),
        "{text}"
    );
    assert!(text.contains("aws_attributes.availability"), "{text}");
    let json = (sb.run_between(&[&["plan", "--output", "json"][..], &only].concat())).json();
    let translated: Vec<&serde_json::Value> = json["objects"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|o| o["translated"].as_array().into_iter().flatten())
        .collect();
    assert!(
        translated
            .iter()
            .any(|t| t["from"] == "m5d.xlarge" && t["to"] == "Standard_DS3_v2"),
        "{translated:?}"
    );
}

#[test]
fn a_map_to_a_node_type_the_target_lacks_stops_migrate_before_anything_is_written() {
    let sb = aws_to_azure("[translate.node_types]\n\"i3.xlarge\" = \"Standard_Nope_v9\"\n");
    let out = sb.run_between(&["migrate"]);
    assert_eq!(out.code, 2, "{out:?}");
    let last = out.stderr.lines().last().unwrap_or("");
    assert!(
        last.starts_with("error: the pre-check fails, nothing was migrated"),
        "{out:?}"
    );
    assert!(
        last.contains("translate maps: [translate.node_types] i3.xlarge = Standard_Nope_v9"),
        "{last}"
    );
    assert_eq!(sb.settled_stats(1).writes, 0);
}
