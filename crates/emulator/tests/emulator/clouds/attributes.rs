//! Cloud attributes checked as the platform checks them: another cloud's block refused on
//! every write that carries a cluster (clusters, pools, job and task clusters, pipeline
//! clusters), the own cloud's values checked (availability, zone, instance profile, EBS).

use brickport_emulator::Cloud;
use serde_json::{Value, json};

use super::{assert_error, on};
use crate::common::Emu;

const ARN: &str = "arn:aws:iam::123456789012:instance-profile/etl";

fn cluster(node: &str, attrs: Option<(&str, Value)>) -> Value {
    let mut c = json!({"cluster_name": "c", "spark_version": "15.4.x-scala2.12",
                       "node_type_id": node, "num_workers": 1});
    if let Some((field, v)) = attrs {
        c[field] = v;
    }
    c
}

/// The message of a write refused with 400 INVALID_PARAMETER_VALUE.
async fn refused(emu: &Emu, path: &str, body: Value) -> String {
    let r = emu.post(path, body).await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    r.1["message"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn aws_attributes_are_refused_everywhere_on_azure() {
    let emu = on(Cloud::Azure).await;
    let aws = json!({"availability": "SPOT_WITH_FALLBACK", "first_on_demand": 1});
    let node = "Standard_DS3_v2";
    let m = refused(
        &emu,
        "/api/2.1/clusters/create",
        cluster(node, Some(("aws_attributes", aws.clone()))),
    )
    .await;
    assert_eq!(
        m,
        "aws_attributes can only be specified for clusters running in AWS"
    );
    let id = emu
        .ok("/api/2.1/clusters/create", cluster(node, None))
        .await["cluster_id"]
        .clone();
    emu.wait_cluster(id.as_str().unwrap(), "RUNNING").await;
    let mut edit = cluster(node, Some(("aws_attributes", aws.clone())));
    edit["cluster_id"] = id;
    let m = refused(&emu, "/api/2.1/clusters/edit", edit).await;
    assert!(m.starts_with("aws_attributes can only"), "{m}");
    let pool = json!({"instance_pool_name": "p", "node_type_id": node, "aws_attributes": {"availability": "SPOT"}});
    refused(&emu, "/api/2.0/instance-pools/create", pool).await;
    let job = json!({"name": "j", "job_clusters": [{"job_cluster_key": "k",
        "new_cluster": cluster(node, Some(("aws_attributes", aws.clone())))}]});
    refused(&emu, "/api/2.2/jobs/create", job).await;
    let task = json!({"name": "j", "tasks": [{"task_key": "t", "notebook_task": {"notebook_path": "/a"},
        "new_cluster": cluster(node, Some(("gcp_attributes", json!({"availability": "ON_DEMAND_GCP"}))))}]});
    let m = refused(&emu, "/api/2.2/jobs/create", task).await;
    assert!(m.starts_with("gcp_attributes can only be specified"), "{m}");
    // A job saved clean cannot be updated or reset into a foreign block either.
    let id = emu.ok("/api/2.2/jobs/create", json!({"name": "ok"})).await["job_id"].clone();
    let settings = json!({"job_clusters": [{"job_cluster_key": "k",
        "new_cluster": cluster(node, Some(("aws_attributes", aws.clone())))}]});
    refused(
        &emu,
        "/api/2.2/jobs/update",
        json!({"job_id": id, "new_settings": settings}),
    )
    .await;
    refused(
        &emu,
        "/api/2.2/jobs/reset",
        json!({"job_id": id, "new_settings": settings}),
    )
    .await;
    let pipeline = json!({"name": "p", "clusters": [{"label": "default", "num_workers": 1,
        "aws_attributes": aws}]});
    refused(&emu, "/api/2.0/pipelines", pipeline).await;
    // Its own block is accepted everywhere.
    let azure = json!({"availability": "SPOT_WITH_FALLBACK_AZURE", "first_on_demand": 1, "spot_bid_max_price": -1});
    emu.ok(
        "/api/2.1/clusters/create",
        cluster(node, Some(("azure_attributes", azure.clone()))),
    )
    .await;
    emu.ok(
        "/api/2.0/pipelines",
        json!({"name": "p2", "clusters": [{"label": "default", "azure_attributes": azure}]}),
    )
    .await;
}

#[tokio::test]
async fn azure_and_gcp_attributes_are_refused_on_aws_and_gcp_checks_its_own() {
    let emu = on(Cloud::Aws).await;
    let m = refused(
        &emu,
        "/api/2.1/clusters/create",
        cluster(
            "i3.xlarge",
            Some(("azure_attributes", json!({"availability": "SPOT_AZURE"}))),
        ),
    )
    .await;
    assert_eq!(
        m,
        "azure_attributes can only be specified for clusters running in Azure"
    );
    let gcp = on(Cloud::Gcp).await;
    let with = |v: Value| cluster("n2-highmem-4", Some(("gcp_attributes", v)));
    gcp.ok(
        "/api/2.1/clusters/create",
        with(json!({"availability": "PREEMPTIBLE_WITH_FALLBACK_GCP", "zone_id": "HA"})),
    )
    .await;
    gcp.ok(
        "/api/2.1/clusters/create",
        with(json!({"zone_id": "us-central1-b", "local_ssd_count": 1})),
    )
    .await;
    refused(
        &gcp,
        "/api/2.1/clusters/create",
        with(json!({"availability": "SPOT"})),
    )
    .await;
    refused(
        &gcp,
        "/api/2.1/clusters/create",
        with(json!({"zone_id": "us-east-1a"})),
    )
    .await;
    refused(
        &gcp,
        "/api/2.1/clusters/create",
        cluster("n2-highmem-4", Some(("aws_attributes", json!({})))),
    )
    .await;
    // A GCP pool names its availability `gcp_availability`.
    gcp.ok(
        "/api/2.0/instance-pools/create",
        json!({"instance_pool_name": "p", "node_type_id": "n2-highmem-4",
        "gcp_attributes": {"gcp_availability": "PREEMPTIBLE_GCP"}}),
    )
    .await;
}

#[tokio::test]
async fn aws_attributes_values_and_instance_profiles_are_checked() {
    let emu = on(Cloud::Aws).await;
    let with = |v: Value| cluster("i3.xlarge", Some(("aws_attributes", v)));
    let good = json!({"availability": "SPOT_WITH_FALLBACK", "first_on_demand": 1, "zone_id": "auto",
        "spot_bid_price_percent": 100, "ebs_volume_type": "GENERAL_PURPOSE_SSD",
        "ebs_volume_count": 1, "ebs_volume_size": 100});
    emu.ok("/api/2.1/clusters/create", with(good.clone())).await;
    emu.ok(
        "/api/2.1/clusters/create",
        with(json!({"zone_id": "us-east-1c"})),
    )
    .await;
    for bad in [
        json!({"availability": "SPOT_AZURE"}),
        json!({"zone_id": "eu-west-1a"}),
        json!({"first_on_demand": -1}),
        json!({"ebs_volume_type": "MAGNETIC"}),
        json!({"ebs_volume_count": 11}),
    ] {
        refused(&emu, "/api/2.1/clusters/create", with(bad)).await;
    }
    // A pool's instances are spot or on demand, never "with fallback".
    let pool = |a: &str| {
        json!({"instance_pool_name": a, "node_type_id": "i3.xlarge",
        "aws_attributes": {"availability": a, "zone_id": "us-east-1a"}})
    };
    emu.ok("/api/2.0/instance-pools/create", pool("SPOT")).await;
    refused(
        &emu,
        "/api/2.0/instance-pools/create",
        pool("SPOT_WITH_FALLBACK"),
    )
    .await;

    // An instance profile must be registered before a cluster, job cluster or pipeline uses it.
    let mut profiled = good.clone();
    profiled["instance_profile_arn"] = json!(ARN);
    let m = refused(&emu, "/api/2.1/clusters/create", with(profiled.clone())).await;
    assert!(m.contains(ARN), "{m}");
    let job = json!({"name": "j", "job_clusters": [{"job_cluster_key": "k", "new_cluster": with(profiled.clone())}]});
    refused(&emu, "/api/2.2/jobs/create", job.clone()).await;
    let pipeline = json!({"name": "p", "clusters": [{"label": "default", "aws_attributes": profiled.clone()}]});
    refused(&emu, "/api/2.0/pipelines", pipeline.clone()).await;
    emu.ok(
        "/api/2.0/instance-profiles/add",
        json!({"instance_profile_arn": ARN}),
    )
    .await;
    emu.ok("/api/2.1/clusters/create", with(profiled)).await;
    emu.ok("/api/2.2/jobs/create", job).await;
    emu.ok("/api/2.0/pipelines", pipeline).await;
}
