//! The typical seed on each cloud: the same workspace on that cloud's node types, with its
//! cloud attributes on some clusters, pools, job clusters and pipeline clusters, and (on AWS)
//! the instance profiles they name registered.

use std::collections::BTreeSet;

use brickport_emulator::{Cloud, SeedSpec};
use serde_json::Value;

use super::seeded;
use crate::common::Emu;

/// Every cluster spec the workspace holds, with where it was found: all-purpose clusters,
/// pools, jobs' job and task clusters, pipelines' clusters.
async fn cluster_specs(emu: &Emu) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    let c = emu.get_ok("/api/2.1/clusters/list").await;
    for c in c["clusters"].as_array().unwrap() {
        out.push(("cluster", c.clone()));
    }
    let p = emu.get_ok("/api/2.0/instance-pools/list").await;
    for p in p["instance_pools"].as_array().unwrap() {
        out.push(("pool", p.clone()));
    }
    let j = emu
        .get_ok("/api/2.2/jobs/list?expand_tasks=true&limit=100")
        .await;
    for j in j["jobs"].as_array().unwrap() {
        let s = &j["settings"];
        for jc in s["job_clusters"].as_array().into_iter().flatten() {
            out.push(("job cluster", jc["new_cluster"].clone()));
        }
        for t in s["tasks"].as_array().into_iter().flatten() {
            if !t["new_cluster"].is_null() {
                out.push(("task cluster", t["new_cluster"].clone()));
            }
        }
    }
    let l = emu.get_ok("/api/2.0/pipelines?max_results=100").await;
    for p in l["statuses"].as_array().unwrap() {
        let id = p["pipeline_id"].as_str().unwrap();
        let g = emu.get_ok(&format!("/api/2.0/pipelines/{id}")).await;
        for c in g["spec"]["clusters"].as_array().into_iter().flatten() {
            out.push(("pipeline cluster", c.clone()));
        }
    }
    out
}

/// Checks a seeded workspace on `cloud`: node types offered, only its own attributes, and
/// attributes on every kind of holder.
async fn check(cloud: Cloud) -> Vec<(&'static str, Value)> {
    let emu = seeded(cloud, SeedSpec::Typical).await;
    let offered: BTreeSet<String> =
        emu.get_ok("/api/2.1/clusters/list-node-types").await["node_types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["node_type_id"].as_str().unwrap().to_string())
            .collect();
    let specs = cluster_specs(&emu).await;
    let own = cloud.attributes_field();
    let mut carried = BTreeSet::new();
    for (holder, spec) in &specs {
        if let Some(n) = spec["node_type_id"].as_str() {
            assert!(offered.contains(n), "{cloud}: {holder} on {n}");
        }
        for other in Cloud::ALL.iter().filter(|c| **c != cloud) {
            assert!(
                spec.get(other.attributes_field()).is_none(),
                "{cloud}: {holder} {spec}"
            );
        }
        if spec.get(own).is_some() {
            carried.insert(*holder);
        }
    }
    let want: BTreeSet<&str> = match cloud {
        // Azure's pool-backed job clusters carry nothing per cluster.
        Cloud::Azure => ["cluster", "pool", "task cluster", "pipeline cluster"].into(),
        _ => [
            "cluster",
            "pool",
            "job cluster",
            "task cluster",
            "pipeline cluster",
        ]
        .into(),
    };
    assert_eq!(carried, want, "{cloud}");
    specs
}

#[tokio::test]
async fn the_typical_seed_carries_aws_attributes_and_registers_its_profiles() {
    let specs = check(Cloud::Aws).await;
    let aws = |s: &Value| s.get("aws_attributes").cloned();
    let all: Vec<Value> = specs.iter().filter_map(|(_, s)| aws(s)).collect();
    assert!(all.iter().any(|a| a["availability"] == "SPOT_WITH_FALLBACK"
        && a["first_on_demand"] == 1
        && a["zone_id"] == "auto"
        && a["ebs_volume_count"] == 1));
    assert!(all.iter().any(|a| a["zone_id"] == "us-east-1b"));
    let named: BTreeSet<&str> = all
        .iter()
        .filter_map(|a| a["instance_profile_arn"].as_str())
        .collect();
    assert_eq!(named.len(), 1);
    let emu = seeded(Cloud::Aws, SeedSpec::Typical).await;
    let l = emu.get_ok("/api/2.0/instance-profiles/list").await;
    let registered: BTreeSet<&str> = (l["instance_profiles"].as_array().unwrap().iter())
        .map(|p| p["instance_profile_arn"].as_str().unwrap())
        .collect();
    assert_eq!(registered.len(), 2);
    assert!(named.is_subset(&registered));
}

#[tokio::test]
async fn the_typical_seed_on_azure_and_gcp_uses_their_node_types_and_attributes() {
    let azure = check(Cloud::Azure).await;
    assert!(
        azure
            .iter()
            .any(|(_, s)| s["azure_attributes"]["availability"] == "SPOT_WITH_FALLBACK_AZURE")
    );
    assert!(
        azure
            .iter()
            .any(|(_, s)| s["node_type_id"] == "Standard_E4ds_v4")
    );
    let gcp = check(Cloud::Gcp).await;
    assert!(
        gcp.iter()
            .any(|(_, s)| s["gcp_attributes"]["zone_id"] == "HA")
    );
    assert!(
        gcp.iter()
            .any(|(h, s)| *h == "pool"
                && s["gcp_attributes"]["gcp_availability"] == "PREEMPTIBLE_GCP")
    );
    // The same workspace: as many of each holder on every cloud, under the same ids.
    let ids = |specs: &[(&str, Value)]| -> Vec<(String, String)> {
        specs
            .iter()
            .map(|(h, s)| {
                (
                    h.to_string(),
                    s["cluster_id"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(ids(&azure), ids(&gcp));
    // No instance-profiles API there.
    let emu = seeded(Cloud::Gcp, SeedSpec::Scale(200)).await;
    assert_eq!(emu.get("/api/2.0/instance-profiles/list").await.0, 404);
}
