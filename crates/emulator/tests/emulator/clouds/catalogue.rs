//! Each cloud offers its own node types, Spark versions and zones; every AWS node type of the
//! typical seed has an equivalent on the other two clouds, and one AWS type has none; the
//! built-in policies name only the cloud's own node types.

use brickport_emulator::Cloud;
use serde_json::Value;

use super::on;

/// (id, cores, memory MB, GPUs, deprecated) of every listed node type.
async fn node_types(cloud: Cloud) -> Vec<(String, f64, u64, u64, bool)> {
    let emu = on(cloud).await;
    let b = emu.get_ok("/api/2.1/clusters/list-node-types").await;
    b["node_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["node_type_id"].as_str().unwrap().to_string(),
                n["num_cores"].as_f64().unwrap(),
                n["memory_mb"].as_u64().unwrap(),
                n["num_gpus"].as_u64().unwrap_or(0),
                n["is_deprecated"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

async fn versions(cloud: Cloud) -> Vec<String> {
    let emu = on(cloud).await;
    let b = emu.get_ok("/api/2.0/clusters/spark-versions").await;
    (b["versions"].as_array().unwrap().iter())
        .map(|v| v["key"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn each_cloud_lists_its_own_node_types() {
    let aws = node_types(Cloud::Aws).await;
    let azure = node_types(Cloud::Azure).await;
    let gcp = node_types(Cloud::Gcp).await;
    let has = |l: &[(String, f64, u64, u64, bool)], id: &str| l.iter().any(|n| n.0 == id);
    for id in [
        "i3.xlarge",
        "m5d.large",
        "r5d.2xlarge",
        "g4dn.xlarge",
        "c5d.4xlarge",
    ] {
        assert!(has(&aws, id) && !has(&azure, id) && !has(&gcp, id), "{id}");
    }
    for id in [
        "Standard_DS3_v2",
        "Standard_D4ds_v5",
        "Standard_E8ds_v4",
        "Standard_NC6s_v3",
        "Standard_F8s",
    ] {
        assert!(has(&azure, id) && !has(&aws, id), "{id}");
    }
    for id in ["n2-highmem-4", "n1-standard-4", "a2-highgpu-1g"] {
        assert!(has(&gcp, id) && !has(&azure, id), "{id}");
    }
    for list in [&aws, &azure, &gcp] {
        assert!(list.iter().any(|n| n.4), "some types are deprecated");
        assert!(list.iter().any(|n| n.3 > 0), "some types have GPUs");
    }
    // Every AWS type of the typical seed has a current equivalent on the other clouds: same
    // cores and GPUs, memory within a factor of 2.
    let equivalent = |list: &[(String, f64, u64, u64, bool)], n: &(String, f64, u64, u64, bool)| {
        list.iter()
            .any(|m| !m.4 && m.1 == n.1 && m.3 == n.3 && m.2 * 2 >= n.2 && m.2 <= n.2 * 2)
    };
    for id in [
        "i3.xlarge",
        "m5d.large",
        "m5d.xlarge",
        "r5d.xlarge",
        "c5d.xlarge",
        "g4dn.xlarge",
    ] {
        let n = aws.iter().find(|n| n.0 == id).unwrap();
        assert!(equivalent(&azure, n) && equivalent(&gcp, n), "{id}");
    }
    let big = aws.iter().find(|n| n.0 == "p3.8xlarge").unwrap();
    assert!(!equivalent(&azure, big) && !equivalent(&gcp, big));
}

#[tokio::test]
async fn spark_versions_differ_by_cloud_and_name_lts_and_flavours() {
    let aws = versions(Cloud::Aws).await;
    let azure = versions(Cloud::Azure).await;
    let gcp = versions(Cloud::Gcp).await;
    for key in [
        "15.4.x-scala2.12",
        "15.4.x-cpu-ml-scala2.12",
        "15.4.x-gpu-ml-scala2.12",
        "15.4.x-photon-scala2.12",
    ] {
        assert!(
            aws.contains(&key.into()) && azure.contains(&key.into()) && gcp.contains(&key.into()),
            "{key}"
        );
    }
    // An older non-LTS release only AWS still offers.
    assert!(aws.contains(&"15.3.x-scala2.12".into()));
    assert!(!azure.contains(&"15.3.x-scala2.12".into()));
    assert!(!gcp.contains(&"15.3.x-scala2.12".into()));
    let emu = on(Cloud::Azure).await;
    let b = emu.get_ok("/api/2.1/clusters/spark-versions").await;
    let name = |k: &str| {
        b["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["key"] == k)
            .unwrap()["name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(
        name("15.4.x-gpu-ml-scala2.12"),
        "15.4 LTS ML (includes Apache Spark 3.5.0, GPU, Scala 2.12)"
    );
    assert!(!name("16.2.x-scala2.12").contains("LTS"));
}

#[tokio::test]
async fn zones_per_cloud() {
    let zones = |b: Value| (b["zones"].clone(), b["default_zone"].clone());
    let (z, d) = zones(
        on(Cloud::Aws)
            .await
            .get_ok("/api/2.0/clusters/list-zones")
            .await,
    );
    assert_eq!(d, "us-east-1a");
    assert!(z.as_array().unwrap().contains(&"us-east-1b".into()));
    let (z, d) = zones(
        on(Cloud::Gcp)
            .await
            .get_ok("/api/2.0/clusters/list-zones")
            .await,
    );
    assert_eq!(d, "us-central1-a");
    assert_eq!(z.as_array().unwrap().len(), 4);
    let (z, d) = zones(
        on(Cloud::Azure)
            .await
            .get_ok("/api/2.0/clusters/list-zones")
            .await,
    );
    assert_eq!((z.as_array().unwrap().len(), d), (0, Value::Null));
}

#[tokio::test]
async fn a_cluster_on_azure_takes_azure_node_types_only() {
    let emu = on(Cloud::Azure).await;
    let spec = |node: &str| {
        serde_json::json!({"cluster_name": "c", "spark_version": "15.4.x-scala2.12",
                           "node_type_id": node, "num_workers": 1})
    };
    emu.ok("/api/2.1/clusters/create", spec("Standard_DS3_v2"))
        .await;
    let r = emu
        .post("/api/2.1/clusters/create", spec("i3.xlarge"))
        .await;
    super::assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    assert!(
        r.1["message"].as_str().unwrap().contains("i3.xlarge"),
        "{}",
        r.1
    );
    let r = emu
        .post(
            "/api/2.0/instance-pools/create",
            serde_json::json!({"instance_pool_name": "p", "node_type_id": "m5d.xlarge"}),
        )
        .await;
    super::assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    // The empty seed on Azure offers the Azure catalogue too (it is the default seed).
    let mut c = spec("Standard_DS3_v2");
    c["spark_version"] = "15.3.x-scala2.12".into();
    let r = emu.post("/api/2.1/clusters/create", c).await;
    super::assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
}

#[tokio::test]
async fn a_saved_workspace_keeps_its_cloud() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("state.json");
    let opts = |cloud| brickport_emulator::EmulatorOptions {
        cloud,
        state_file: Some(file.clone()),
        ..crate::common::options()
    };
    let emu = crate::common::start_with(opts(Cloud::Gcp)).await;
    emu.ok(
        "/api/2.1/clusters/create",
        serde_json::json!({"cluster_name": "c", "spark_version": "15.4.x-scala2.12",
                           "node_type_id": "n2-standard-4", "num_workers": 1}),
    )
    .await;
    emu.running.shutdown().await.unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("\"cloud\": \"gcp\""),
        "the cloud is in the state file"
    );
    // Restarted without --cloud (AWS by default), it is still the GCP workspace it was.
    let again = crate::common::start_with(opts(Cloud::Aws)).await;
    let zones = again.get_ok("/api/2.0/clusters/list-zones").await;
    assert_eq!(zones["default_zone"], "us-central1-a");
    assert_eq!(again.get("/api/2.0/instance-profiles/list").await.0, 404);
}

/// A workspace's built-in policy families and default policies name only node types its
/// own cloud offers (an Azure workspace's Personal Compute never allows `i3.xlarge`).
#[tokio::test]
async fn built_in_policies_name_only_the_clouds_own_node_types() {
    for cloud in [Cloud::Aws, Cloud::Azure, Cloud::Gcp] {
        let offered: Vec<String> = node_types(cloud).await.into_iter().map(|n| n.0).collect();
        let emu = on(cloud).await;
        let family = emu.get_ok("/api/2.0/policy-families/personal-vm").await;
        let listed = emu.get_ok("/api/2.0/policies/clusters/list").await;
        let default = (listed["policies"].as_array().unwrap().iter())
            .find(|p| p["policy_family_id"] == "personal-vm" && p["is_default"] == true)
            .unwrap()
            .clone();
        for definition in [&family["definition"], &default["definition"]] {
            let d: Value = serde_json::from_str(definition.as_str().unwrap()).unwrap();
            let allowed = d["node_type_id"]["values"].as_array().unwrap();
            assert_eq!(allowed.len(), 3, "{cloud:?}: {d}");
            for n in allowed.iter().chain([&d["node_type_id"]["defaultValue"]]) {
                let n = n.as_str().unwrap();
                assert!(offered.iter().any(|o| o == n), "{cloud:?}: {n} not offered");
            }
        }
    }
}
