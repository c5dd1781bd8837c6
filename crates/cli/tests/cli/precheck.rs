//! The pre-check's severities through the binary: a catalogue the target does not serve
//! (NOT_IMPLEMENTED) is one *unknown* finding and the run goes on; a node type with no
//! equivalent in the target is one *warning* (listed once, with the clusters using it), the
//! run goes on and only those clusters fail, saying why; `--strict` makes that warning an
//! error: `validate` exits 1, `migrate` 2 before anything is written.

use brickport_emulator::{Cloud, EmulatorOptions, FaultRule, RateLimitSpec, RuleAction};
use serde_json::{Value, json};

use crate::support::*;

/// An AWS source with two clusters — `etl` on i3.xlarge (Azure has an equivalent) and
/// `gpu-big` on p3.8xlarge (none has 32 cores and 4 GPUs) — and a target of `cloud`.
fn pair(sb: &mut Sandbox, cloud: Cloud) -> String {
    let fast = |cloud| EmulatorOptions {
        cloud,
        rate_limits: RateLimitSpec::Off,
        ..EmulatorOptions::default()
    };
    let src = sb.emulator(
        &[&format!("{SOURCE_TOKEN}:alice@source.example")],
        fast(Cloud::Aws),
    );
    let dst = sb.emulator(
        &[&format!("{TARGET_TOKEN}:bob@target.example")],
        fast(cloud),
    );
    sb.databrickscfg(&format!(
        "[src]\nhost = {src}\ntoken = {SOURCE_TOKEN}\n\n[dst]\nhost = {dst}\ntoken = {TARGET_TOKEN}\n"
    ));
    write_fast_config(sb);
    let c = api(&src, SOURCE_TOKEN);
    sb.rt.block_on(async {
        for (name, node, version) in [
            ("etl", "i3.xlarge", "16.4.x-scala2.12"),
            ("gpu-big", "p3.8xlarge", "16.4.x-gpu-ml-scala2.12"),
        ] {
            let body = json!({"cluster_name": name, "spark_version": version,
                              "node_type_id": node, "driver_node_type_id": node,
                              "num_workers": 1, "autotermination_minutes": 60});
            c.post_json("/api/2.1/clusters/create", &body)
                .await
                .unwrap();
        }
    });
    dst
}

fn checks_named<'a>(doc: &'a Value, name: &str) -> Vec<&'a Value> {
    let all = doc["checks"].as_array().unwrap();
    all.iter().filter(|c| c["name"] == name).collect()
}

#[test]
fn node_types_not_implemented_is_one_unknown_finding_and_migrate_proceeds() {
    let mut sb = Sandbox::new();
    let dst = pair(&mut sb, Cloud::Aws);
    let mut rule = FaultRule::nth(
        "GET",
        "/api/2.1/clusters/list-node-types",
        1,
        RuleAction::Error {
            status: 501,
            error_code: "NOT_IMPLEMENTED".into(),
            message: Some("This API is not implemented here.".into()),
        },
    );
    rule.count = 1000;
    let _ = dst;
    sb.emulators[1].set_fault_rules(vec![rule]);
    let out = sb.run_between(&["validate", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["ok"], true, "{doc}");
    let nodes = checks_named(&doc, "cluster node types");
    assert_eq!(nodes.len(), 1, "{doc}");
    assert_eq!(nodes[0]["severity"], "unknown", "{doc}");
    assert!(
        !nodes[0]["detail"].as_str().unwrap().contains("lacks"),
        "{doc}"
    );
    let out = sb.run_between(&["validate"]);
    assert!(
        out.stdout.contains("unknown") && out.stdout.contains("the run can start"),
        "{out:?}"
    );

    let out = sb.run_between(&["migrate"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stderr.contains("pre-check unknown") || out.stdout.contains("pre-check unknown"),
        "{out:?}"
    );
}

#[test]
fn a_node_type_with_no_equivalent_is_a_warning_and_only_its_cluster_fails() {
    let mut sb = Sandbox::new();
    pair(&mut sb, Cloud::Azure);
    let out = sb.run_between(&["validate", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    let nodes = checks_named(&doc, "cluster node types");
    assert_eq!(nodes.len(), 1, "{doc}");
    assert_eq!(nodes[0]["severity"], "warning", "{doc}");
    assert_eq!(
        nodes[0]["ok"], true,
        "a warning does not stop the run: {doc}"
    );
    let detail = nodes[0]["detail"].as_str().unwrap();
    assert_eq!(
        detail.matches("p3.8xlarge").count(),
        1,
        "listed once: {detail}"
    );

    let out = sb.run_between(&["migrate", "--output", "json"]);
    assert_eq!(out.code, 1, "finished with a failure: {out:?}");
    let doc = out.json();
    let objects = doc["objects"].as_array().unwrap();
    let cluster = |name: &str| {
        objects
            .iter()
            .find(|o| o["kind"] == "clusters" && o["key"].as_str().unwrap().starts_with(name))
            .unwrap_or_else(|| panic!("{name}: {doc}"))
            .clone()
    };
    assert_eq!(cluster("gpu-big")["outcome"], "failed", "{doc}");
    assert!(
        cluster("gpu-big")["detail"]
            .as_str()
            .unwrap()
            .contains("p3.8xlarge"),
        "{doc}"
    );
    assert_eq!(cluster("etl")["outcome"], "created", "{doc}");
}

#[test]
fn strict_turns_the_warning_into_an_error_and_nothing_is_written() {
    let mut sb = Sandbox::new();
    pair(&mut sb, Cloud::Azure);
    let out = sb.run_between(&["validate", "--strict", "--output", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["ok"], false, "{doc}");
    assert_eq!(
        checks_named(&doc, "cluster node types")[0]["severity"],
        "error"
    );

    let writes = sb.settled_stats(1).writes;
    let out = sb.run_between(&["migrate", "--strict"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr.contains("pre-check fails, nothing was migrated"),
        "{out:?}"
    );
    assert_eq!(
        sb.settled_stats(1).writes,
        writes,
        "nothing written to the target"
    );
    assert!(!sb.path().join("run/ledger.sqlite").exists());
}
