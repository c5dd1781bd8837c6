//! Compute across clouds: an AWS-flavoured `typical` source migrated into a target that offers
//! other node types and fewer Spark versions (Azure's names; once the emulator has clouds,
//! `--cloud azure`): every cluster spec — clusters, pools, job clusters, pipeline clusters,
//! policies — uses what the target offers, of the same size; no `aws_attributes` left; each
//! substitution in the report; a re-run writes nothing; an explicit map wins and updates
//! exactly the objects it changes; an object with no equivalent fails alone; a map to a node
//! type the target does not offer is a pre-check error.

use std::collections::BTreeMap;

use brickport_api::types::clusters::Cluster;
use brickport_emulator::kinds::clusters::{NodeType, SparkVersion};
use brickport_emulator::{EmulatorOptions, SeedSpec};
use brickport_engine::{EngineOptions, NoProgress, Outcome, RunReport, migrate, plan, validate};
use futures::TryStreamExt;
use serde_json::{Value, json};

use crate::support::{Pair, options};

/// The target's node types: Azure's names, no 8-core type and no Storage Optimized one left
/// (the deprecated one aside).
fn azure_like(template: &NodeType) -> Vec<NodeType> {
    let row =
        |id: &str, cores: f64, mem: u64, category: &str, gpus: u32, deprecated: bool| NodeType {
            node_type_id: id.into(),
            description: id.into(),
            instance_type_id: id.into(),
            num_cores: cores,
            memory_mb: mem,
            category: category.into(),
            num_gpus: gpus,
            is_deprecated: deprecated,
            ..template.clone()
        };
    vec![
        row("Standard_D2ds_v5", 2.0, 8192, "General Purpose", 0, false),
        row("Standard_DS3_v2", 4.0, 14336, "General Purpose", 0, false),
        row("Standard_D4ds_v5", 4.0, 16384, "General Purpose", 0, false),
        row("Standard_E4ds_v4", 4.0, 32768, "Memory Optimized", 0, false),
        row("Standard_F4s", 4.0, 8192, "Compute Optimized", 0, false),
        row("Standard_L4s", 4.0, 32768, "Storage Optimized", 0, true),
        row(
            "Standard_NC4as_T4_v3",
            4.0,
            28672,
            "GPU Accelerated",
            1,
            false,
        ),
    ]
}

/// A typical AWS source and an empty target offering [`azure_like`] node types and no Spark
/// 12.2 or 13.3.
async fn pair() -> Pair {
    let at = |seed, id_seed| EmulatorOptions {
        seed,
        ..options(id_seed)
    };
    let p = Pair::of(at(SeedSpec::Typical, 41), at(SeedSpec::None, 42)).await;
    let mut st = p.dst.emulator().lock();
    let template = st.clusters.node_types[0].clone();
    st.clusters.node_types = azure_like(&template);
    st.clusters
        .spark_versions
        .retain(|v: &SparkVersion| !v.key.starts_with("12.2") && !v.key.starts_with("13.3"));
    // The built-in policy families (and their default policies) name the target's own types.
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

/// A source cluster on AWS with every kind of attribute, and one whose node type the target
/// has no equivalent of (8 cores).
async fn aws_clusters(p: &Pair) -> (String, String) {
    let spec = |name: &str, node: &str| -> Cluster {
        serde_json::from_value(json!({
            "cluster_name": name, "spark_version": "13.3.x-scala2.12",
            "node_type_id": node, "driver_node_type_id": "m5d.xlarge", "num_workers": 1,
            "aws_attributes": {"availability": "SPOT_WITH_FALLBACK", "first_on_demand": 1,
                "zone_id": "us-west-2a", "ebs_volume_type": "GENERAL_PURPOSE_SSD",
                "ebs_volume_count": 1, "ebs_volume_size": 100,
                "instance_profile_arn": "arn:aws:iam::111111111111:instance-profile/etl"}
        }))
        .unwrap()
    };
    let c = p.source.clusters();
    let spot = c.create(&spec("Spot ETL", "i3.xlarge")).await.unwrap();
    let big = c.create(&spec("Big Storage", "i3.2xlarge")).await.unwrap();
    (spot, big)
}

fn opts(p: &Pair) -> EngineOptions {
    p.options(8)
}

/// Every cluster spec of the target (clusters, pools, job clusters, pipeline clusters), as
/// (where, spec).
async fn target_specs(p: &Pair) -> Vec<(String, Value)> {
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
fn translations(r: &RunReport) -> BTreeMap<(String, String), Vec<brickport_engine::Translation>> {
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
        nodes.detail.contains("i3.2xlarge") && nodes.detail.contains("no equivalent"),
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
                .contains("12.2.x-scala2.12 → 14.3.x-scala2.12"),
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
    // Only the 8-core cluster fails (and what needs it: nothing), with the reason.
    assert_eq!(failed.len(), 1, "{}", r.to_markdown());
    assert!(failed[0].key.contains(&big), "{failed:?}");
    assert!(
        failed[0]
            .detail
            .as_deref()
            .unwrap()
            .contains("no equivalent of node type i3.2xlarge"),
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
    assert!(r.manual_actions.iter().any(|a| {
        a.action
            .contains("instance profile arn:aws:iam::111111111111:instance-profile/etl")
    }));
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
