//! Compute across clouds: an AWS `typical` source migrated into an empty Azure target: every cluster spec — clusters, pools, job clusters, pipeline clusters,
//! policies — uses what the target offers, of the same size; no `aws_attributes` left; each
//! substitution in the report; a re-run writes nothing; an explicit map wins and updates
//! exactly the objects it changes; an object with no equivalent fails alone; a map to a node
//! type the target does not offer is a pre-check error.

use std::collections::BTreeMap;

use brickport_api::types::clusters::Cluster;
use brickport_emulator::{Cloud, EmulatorOptions, SeedSpec};
use brickport_engine::{EngineOptions, NoProgress, Outcome, RunReport, migrate, plan, validate};
use futures::TryStreamExt;
use serde_json::{Value, json};

use crate::support::{Pair, options};

mod clouds;

/// A typical AWS source and an empty Azure target (its built-in policy families naming
/// Azure's node types, as an Azure workspace's do: the emulator's are AWS-flavoured).
async fn pair() -> Pair {
    let at = |seed, id_seed, cloud| EmulatorOptions {
        seed,
        cloud,
        ..options(id_seed)
    };
    let p = Pair::of(
        at(SeedSpec::Typical, 41, Cloud::Aws),
        at(SeedSpec::None, 42, Cloud::Azure),
    )
    .await;
    let mut st = p.dst.emulator().lock();
    let azure = |d: &str| {
        d.replace("\"i3.xlarge\"", "\"Standard_E4ds_v4\"")
            .replace("\"m5d.large\"", "\"Standard_D2ds_v5\"")
            .replace("\"m5d.xlarge\"", "\"Standard_D4ds_v5\"")
    };
    for f in &mut st.policies.families {
        f.definition = azure(&f.definition);
    }
    for policy in st.policies.policies.values_mut() {
        policy.definition = azure(&policy.definition);
    }
    drop(st);
    p
}

/// The instance profile the typical AWS seed registers.
pub(crate) const PROFILE: &str = "arn:aws:iam::123456789012:instance-profile/databricks-etl";

/// A source cluster on AWS with every kind of attribute, and one whose node type no Azure
/// type matches (32 cores, 4 GPUs).
async fn aws_clusters(p: &Pair) -> (String, String) {
    let spec = |name: &str, node: &str| -> Cluster {
        serde_json::from_value(json!({
            "cluster_name": name, "spark_version": "15.3.x-scala2.12",
            "node_type_id": node, "driver_node_type_id": "m5d.xlarge", "num_workers": 1,
            "aws_attributes": {"availability": "SPOT_WITH_FALLBACK", "first_on_demand": 1,
                "zone_id": "us-east-1b", "ebs_volume_type": "GENERAL_PURPOSE_SSD",
                "ebs_volume_count": 1, "ebs_volume_size": 100, "instance_profile_arn": PROFILE}
        }))
        .unwrap()
    };
    let c = p.source.clusters();
    let spot = c.create(&spec("Spot ETL", "i3.xlarge")).await.unwrap();
    let big = c.create(&spec("Big GPU", "p3.8xlarge")).await.unwrap();
    (spot, big)
}

pub(crate) fn opts(p: &Pair) -> EngineOptions {
    p.options(8)
}

/// Every cluster spec of the target (clusters, pools, job clusters, pipeline clusters), as
/// (where, spec).
pub(crate) async fn target_specs(p: &Pair) -> Vec<(String, Value)> {
    let t = &p.target;
    let mut out = Vec::new();
    for c in t.clusters().list().try_collect::<Vec<_>>().await.unwrap() {
        out.push((
            format!("cluster {:?}", c.cluster_name),
            serde_json::to_value(&c).unwrap(),
        ));
    }
    for pool in t.pools().list().await.unwrap() {
        out.push((
            format!("pool {:?}", pool.instance_pool_name),
            serde_json::to_value(&pool).unwrap(),
        ));
    }
    let jobs: Vec<_> = t
        .jobs()
        .list(&Default::default())
        .try_collect()
        .await
        .unwrap();
    for j in jobs {
        let j = serde_json::to_value(t.jobs().get(j.job_id.unwrap()).await.unwrap()).unwrap();
        let s = &j["settings"];
        for jc in s["job_clusters"].as_array().into_iter().flatten() {
            out.push((
                format!("job cluster {}", jc["job_cluster_key"]),
                jc["new_cluster"].clone(),
            ));
        }
        for task in s["tasks"].as_array().into_iter().flatten() {
            if task.get("new_cluster").is_some() {
                out.push((
                    format!("task {}", task["task_key"]),
                    task["new_cluster"].clone(),
                ));
            }
        }
    }
    let pipelines: Vec<_> = t
        .pipelines()
        .list(&Default::default())
        .try_collect()
        .await
        .unwrap();
    for pl in pipelines {
        let pl = serde_json::to_value(
            t.pipelines()
                .get(pl.pipeline_id.as_deref().unwrap())
                .await
                .unwrap(),
        )
        .unwrap();
        for c in pl["spec"]["clusters"].as_array().into_iter().flatten() {
            out.push((format!("pipeline cluster {}", pl["name"]), c.clone()));
        }
    }
    out
}

/// The report's translations, by (kind, key).
pub(crate) fn translations(
    r: &RunReport,
) -> BTreeMap<(String, String), Vec<brickport_engine::Translation>> {
    r.objects()
        .unwrap()
        .into_iter()
        .filter(|o| !o.translated.is_empty())
        .map(|o| ((o.kind.to_string(), o.key.clone()), o.translated))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aws_workspace_goes_to_an_azure_one_with_every_node_type_and_version_translated() {
    let p = pair().await;
    let (spot, big) = aws_clusters(&p).await;
    let src_nodes: BTreeMap<String, f64> = p
        .src
        .emulator()
        .lock()
        .clusters
        .node_types
        .iter()
        .map(|n| (n.node_type_id.clone(), n.num_cores))
        .collect();
    let (dst_nodes, dst_versions): (BTreeMap<String, f64>, Vec<String>) = {
        let st = p.dst.emulator().lock();
        (
            st.clusters
                .node_types
                .iter()
                .map(|n| (n.node_type_id.clone(), n.num_cores))
                .collect(),
            st.clusters
                .spark_versions
                .iter()
                .map(|v| v.key.clone())
                .collect(),
        )
    };

    // The pre-check says what gets translated, and what has no equivalent.
    let v = validate(&p.source, &p.target, &opts(&p)).await.unwrap();
    let nodes = v
        .checks
        .iter()
        .find(|c| c.name == "cluster node types")
        .unwrap();
    assert!(
        nodes.detail.contains("i3.xlarge → Standard_E4ds_v4"),
        "{nodes:?}"
    );
    assert!(
        nodes.detail.contains("p3.8xlarge") && nodes.detail.contains("no equivalent"),
        "{nodes:?}"
    );
    let versions = v
        .checks
        .iter()
        .find(|c| c.name == "cluster Spark versions")
        .unwrap();
    assert!(
        versions.ok
            && versions
                .detail
                .contains("15.3.x-scala2.12 → 15.4.x-scala2.12"),
        "{versions:?}"
    );

    // `plan` shows the substitutions.
    let planned = plan(&p.source, &p.target, &opts(&p)).await.unwrap();
    assert!(
        planned
            .notable()
            .iter()
            .any(|o| o.translated.iter().any(|t| t.from == "i3.xlarge"))
    );

    let r = migrate(&p.source, &p.target, &opts(&p), &NoProgress)
        .await
        .unwrap();
    let failed: Vec<_> = r
        .objects()
        .unwrap()
        .into_iter()
        .filter(|o| o.outcome == Outcome::Failed)
        .collect();
    // Only the cluster no Azure type matches fails (and what needs it: nothing), with the reason.
    assert_eq!(failed.len(), 1, "{}", r.to_markdown());
    assert!(failed[0].key.contains(&big), "{failed:?}");
    assert!(
        failed[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("no equivalent of node type p3.8xlarge"),
        "{failed:?}"
    );

    // Every spec in the target uses what the target offers, of the source's size.
    let specs = target_specs(&p).await;
    assert!(specs.len() >= 10, "{specs:?}");
    for (at, s) in &specs {
        assert!(s.get("aws_attributes").is_none(), "{at}: {s}");
        for f in ["node_type_id", "driver_node_type_id"] {
            if let Some(n) = s.get(f).and_then(Value::as_str) {
                assert!(dst_nodes.contains_key(n), "{at}: {f} {n}");
            }
        }
        if let Some(v) = s.get("spark_version").and_then(Value::as_str) {
            assert!(dst_versions.iter().any(|k| k == v), "{at}: {v}");
        }
    }
    let report = translations(&r);
    for ((kind, key), ts) in &report {
        for t in ts
            .iter()
            .filter(|t| t.field.ends_with("node_type_id") && !t.to.is_empty())
        {
            assert_eq!(src_nodes[&t.from], dst_nodes[&t.to], "{kind} {key}: {t:?}");
        }
    }
    // The attributes: carried across, the rest left out, each recorded; the profile a manual action.
    let spot_target = specs
        .iter()
        .find(|(at, _)| at.contains("Spot ETL"))
        .unwrap();
    assert_eq!(
        spot_target.1["azure_attributes"]["availability"],
        "SPOT_WITH_FALLBACK_AZURE"
    );
    assert_eq!(spot_target.1["azure_attributes"]["first_on_demand"], 1);
    let spot_t = report
        .iter()
        .find(|((_, k), _)| k.contains(&spot))
        .unwrap()
        .1;
    for field in [
        "node_type_id",
        "spark_version",
        "aws_attributes.availability",
        "aws_attributes.ebs_volume_type",
        "aws_attributes.zone_id",
        "aws_attributes.instance_profile_arn",
    ] {
        assert!(
            spot_t.iter().any(|t| t.field == field),
            "{field}: {spot_t:?}"
        );
    }
    assert!(
        r.manual_actions
            .iter()
            .any(|a| { a.action.contains(&format!("instance profile {PROFILE}")) })
    );
    // The source's instance profiles have no meaning on Azure: skipped, each a manual action.
    let profiles: Vec<_> = (r.objects().unwrap().into_iter())
        .filter(|o| o.kind == "instance_profiles")
        .collect();
    assert!(!profiles.is_empty());
    assert!(
        profiles
            .iter()
            .all(|o| o.outcome == Outcome::Skipped && o.manual.len() == 1),
        "{profiles:?}"
    );
    // Translations of job clusters and policies are there too, and in report.json.
    assert!(report.keys().any(|(k, _)| k == "jobs"), "{report:?}");
    assert!(
        report.keys().any(|(k, _)| k == "cluster_policies"),
        "{report:?}"
    );
    assert!(
        report.keys().any(|(k, _)| k == "instance_pools"),
        "{report:?}"
    );
    let json = std::fs::read_to_string(p.dir.path().join("run/report.json")).unwrap();
    assert!(json.contains("\"translated\"") && json.contains("Standard_E4ds_v4"));

    // A re-run writes nothing.
    let before = p.target_writes();
    let again = migrate(&p.source, &p.target, &opts(&p), &NoProgress)
        .await
        .unwrap();
    assert_eq!(p.target_writes(), before, "{}", again.to_markdown());

    // An explicit map wins, and updates exactly the objects it changes.
    let mut mapped = opts(&p);
    mapped
        .node_types
        .insert("r5d.xlarge".into(), "Standard_DS3_v2".into());
    let r3 = migrate(&p.source, &p.target, &mapped, &NoProgress)
        .await
        .unwrap();
    let using: Vec<_> = translations(&r3)
        .into_iter()
        .filter(|(_, ts)| ts.iter().any(|t| t.from == "r5d.xlarge"))
        .collect();
    assert!(!using.is_empty());
    for (_, ts) in &using {
        assert!(
            ts.iter().any(|t| t.from == "r5d.xlarge"
                && t.to == "Standard_DS3_v2"
                && t.why.contains("translate.node_types")),
            "{ts:?}"
        );
    }
    let updated: Vec<_> = r3
        .objects()
        .unwrap()
        .into_iter()
        .filter(|o| o.outcome == Outcome::Updated)
        .map(|o| (o.kind.to_string(), o.key))
        .collect();
    let expected: Vec<_> = using.iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(updated, expected, "{}", r3.to_markdown());

    // A map to a node type the target does not offer: a pre-check error, naming it.
    let mut bad = opts(&p);
    bad.node_types
        .insert("i3.xlarge".into(), "Standard_Nope_v9".into());
    let v = validate(&p.source, &p.target, &bad).await.unwrap();
    let maps = v
        .checks
        .iter()
        .find(|c| c.name == "translate maps")
        .unwrap();
    assert!(
        !maps.ok && maps.detail.contains("Standard_Nope_v9"),
        "{maps:?}"
    );
}
