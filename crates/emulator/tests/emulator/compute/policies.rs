//! Cluster policies (defaults, validation, families) and instance pools (edit rules).

use serde_json::{Value, json};

use super::{assert_error, start};
use crate::common::USER;

#[tokio::test]
async fn policies_defaults_validation_and_families() {
    let emu = start(0).await;
    let (_, l) = emu.get("/api/2.0/policies/clusters/list").await;
    let defaults: Vec<&str> = l["policies"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["is_default"] == true)
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    for name in [
        "Personal Compute",
        "Power User Compute",
        "Shared Compute",
        "Legacy Shared Compute",
        "Job Compute",
    ] {
        assert!(defaults.contains(&name), "{name} missing from {defaults:?}");
    }
    let personal = l["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Personal Compute")
        .unwrap();
    let pid = personal["policy_id"].as_str().unwrap();
    assert!(
        pid.len() == 16
            && pid
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_lowercase())
    );
    assert_eq!(personal["policy_family_id"], "personal-vm");
    assert_error(
        &emu.post(
            "/api/2.0/policies/clusters/delete",
            json!({"policy_id": pid}),
        )
        .await,
        400,
        "INVALID_PARAMETER_VALUE",
    );

    let r = emu
        .post(
            "/api/2.0/policies/clusters/create",
            json!({"name": "bad", "definition": "{not json"}),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    for def in [
        json!({"a": "plain"}),
        json!({"a": {"type": "fixed"}}),
        json!({"a": {"type": "nope"}}),
    ] {
        let body = json!({"name": "bad", "definition": def.to_string()});
        let r = emu.post("/api/2.0/policies/clusters/create", body).await;
        assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    }
    let def = json!({"spark_version": {"type": "fixed", "value": "15.4.x-scala2.12"}}).to_string();
    let id = emu
        .ok(
            "/api/2.0/policies/clusters/create",
            json!({"name": "team", "definition": def}),
        )
        .await["policy_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = emu
        .post(
            "/api/2.0/policies/clusters/create",
            json!({"name": "team", "definition": "{}"}),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    let r = emu
        .post(
            "/api/2.0/policies/clusters/create",
            json!({"name": "x", "definition": "{}", "policy_family_id": "personal-vm"}),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    let r = emu
        .call_as(
            USER,
            "POST",
            "/api/2.0/policies/clusters/create",
            Some(json!({"name": "u"})),
        )
        .await;
    assert_error(&r, 403, "PERMISSION_DENIED");

    let over = json!({"autotermination_minutes": {"type": "fixed", "value": 30}}).to_string();
    let fam = emu
        .ok("/api/2.0/policies/clusters/create", json!({"name": "fam", "policy_family_id": "personal-vm", "policy_family_definition_overrides": over}))
        .await["policy_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, p) = emu
        .get(&format!("/api/2.0/policies/clusters/get?policy_id={fam}"))
        .await;
    let merged: Value = serde_json::from_str(p["definition"].as_str().unwrap()).unwrap();
    assert_eq!(merged["autotermination_minutes"]["value"], 30);
    assert_eq!(
        merged["num_workers"]["value"], 0,
        "family definition kept under the override"
    );
    assert_eq!(p["creator_user_name"], "admin@example.com");
    assert_eq!(p["is_default"], false);

    emu.ok(
        "/api/2.0/policies/clusters/delete",
        json!({"policy_id": id}),
    )
    .await;
    assert_error(
        &emu.get(&format!("/api/2.0/policies/clusters/get?policy_id={id}"))
            .await,
        404,
        "RESOURCE_DOES_NOT_EXIST",
    );

    let (_, f1) = emu.get("/api/2.0/policy-families?max_results=2").await;
    assert_eq!(f1["policy_families"].as_array().unwrap().len(), 2);
    let t = f1["next_page_token"].as_str().unwrap();
    let (_, f2) = emu
        .get(&format!(
            "/api/2.0/policy-families?max_results=2&page_token={t}"
        ))
        .await;
    assert_eq!(f2["policy_families"].as_array().unwrap().len(), 2);
    let (s, f) = emu.get("/api/2.0/policy-families/job-cluster").await;
    assert_eq!((s, f["name"].as_str()), (200, Some("Job Compute")));
}

#[tokio::test]
async fn pool_edit_keeps_node_type_and_updates_editable_fields() {
    let emu = start(0).await;
    let r = emu
        .post(
            "/api/2.0/instance-pools/create",
            json!({"instance_pool_name": "p"}),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    let id = emu
        .ok("/api/2.0/instance-pools/create", json!({"instance_pool_name": "p", "node_type_id": "i3.xlarge", "min_idle_instances": 1, "max_capacity": 5}))
        .await["instance_pool_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = emu
        .post(
            "/api/2.0/instance-pools/edit",
            json!({"instance_pool_id": id, "instance_pool_name": "p", "node_type_id": "m5d.large"}),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    let r = emu
        .post(
            "/api/2.0/instance-pools/edit",
            json!({"instance_pool_id": id, "instance_pool_name": "p"}),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    emu.ok("/api/2.0/instance-pools/edit", json!({"instance_pool_id": id, "instance_pool_name": "p2", "node_type_id": "i3.xlarge", "max_capacity": 10})).await;
    let (_, p) = emu
        .get(&format!(
            "/api/2.0/instance-pools/get?instance_pool_id={id}"
        ))
        .await;
    assert_eq!(p["instance_pool_name"], "p2");
    assert_eq!(p["max_capacity"], 10);
    assert_eq!(p["state"], "ACTIVE");
    assert_eq!(p["default_tags"]["DatabricksInstancePoolId"], id.as_str());
    assert!(p["stats"].is_object());
    let (_, l) = emu.get("/api/2.0/instance-pools/list").await;
    assert_eq!(l["instance_pools"].as_array().unwrap().len(), 1);
    emu.ok(
        "/api/2.0/instance-pools/delete",
        json!({"instance_pool_id": id}),
    )
    .await;
    assert_error(
        &emu.get(&format!(
            "/api/2.0/instance-pools/get?instance_pool_id={id}"
        ))
        .await,
        404,
        "RESOURCE_DOES_NOT_EXIST",
    );
}
