//! Compute and orchestration kinds over real HTTP: clusters, libraries, policies, pools,
//! warehouses, Git folders and credentials, jobs, global init scripts.
//!
//! Each test starts its own emulator on 127.0.0.1:0 and talks to it with a plain reqwest
//! client. Tests that need a transitional state (PENDING, TERMINATING) use a long start delay
//! so the state cannot pass while the test looks at it; tests that need RUNNING use a short
//! one and poll.

use std::time::Duration;

use base64::Engine;
use brickport_emulator::EmulatorOptions;
use serde_json::{Value, json};

use crate::common::{self, ADMIN, Emu, USER};

/// An emulator whose new clusters stay PENDING for `start_delay_ms`.
async fn start(start_delay_ms: u64) -> Emu {
    common::start_with(EmulatorOptions {
        cluster_start_delay: Duration::from_millis(start_delay_ms),
        ..common::options()
    })
    .await
}

fn spec(name: &str) -> Value {
    json!({"cluster_name": name, "spark_version": "15.4.x-scala2.12",
           "node_type_id": "i3.xlarge", "num_workers": 2})
}

fn assert_error(resp: &(u16, Value), status: u16, code: &str) {
    assert_eq!(resp.0, status, "{}", resp.1);
    assert_eq!(resp.1["error_code"], code, "{}", resp.1);
}

#[tokio::test]
async fn cluster_pending_rejects_start_and_edit_then_terminates_and_is_deleted() {
    let emu = start(60_000).await;
    let id = emu.ok("/api/2.1/clusters/create", spec("a")).await["cluster_id"]
        .as_str()
        .unwrap()
        .to_string();
    // MMDD-HHMMSS-xxxxxxxx
    let parts: Vec<&str> = id.split('-').collect();
    assert_eq!(
        parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
        [4, 6, 8],
        "{id}"
    );
    let (_, c) = emu
        .get(&format!("/api/2.0/clusters/get?cluster_id={id}"))
        .await;
    assert_eq!(c["state"], "PENDING");
    assert_eq!(c["cluster_source"], "API");
    assert_eq!(c["creator_user_name"], "admin@example.com");
    assert_eq!(c["default_tags"]["ClusterId"], id.as_str());
    assert_eq!(c["driver_node_type_id"], "i3.xlarge");
    assert!(c.get("driver").is_none(), "no driver while pending");

    let r = emu
        .post("/api/2.1/clusters/start", json!({"cluster_id": id}))
        .await;
    assert_error(&r, 400, "INVALID_STATE");
    assert_eq!(
        r.1["message"],
        format!("Cluster {id} is in unexpected state Pending.")
    );
    let mut edit = spec("a2");
    edit["cluster_id"] = json!(id);
    assert_error(
        &emu.post("/api/2.1/clusters/edit", edit).await,
        400,
        "INVALID_STATE",
    );

    emu.ok("/api/2.1/clusters/delete", json!({"cluster_id": id}))
        .await;
    assert_eq!(emu.cluster_state(&id).await, "TERMINATING");
    emu.ok(
        "/api/2.1/clusters/permanent-delete",
        json!({"cluster_id": id}),
    )
    .await;
    let r = emu
        .get(&format!("/api/2.1/clusters/get?cluster_id={id}"))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    assert_eq!(r.1["message"], format!("Cluster {id} does not exist"));
    let (_, l) = emu.get("/api/2.1/clusters/list").await;
    assert!(l.get("clusters").is_none(), "{l}");
    let r = emu
        .post("/api/2.1/clusters/start", json!({"cluster_id": id}))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
}

#[tokio::test]
async fn cluster_runs_restarts_on_edit_terminates_and_starts_again() {
    let emu = start(40).await;
    let id = emu.ok("/api/2.1/clusters/create", spec("b")).await["cluster_id"]
        .as_str()
        .unwrap()
        .to_string();
    emu.wait_cluster(&id, "RUNNING").await;
    let (_, c) = emu
        .get(&format!("/api/2.1/clusters/get?cluster_id={id}"))
        .await;
    assert!(
        c["driver"].is_object() && c["executors"].as_array().unwrap().len() == 2,
        "{c}"
    );
    assert!(c["spark_context_id"].is_i64());

    let mut edit = spec("b-renamed");
    edit["cluster_id"] = json!(id);
    edit["state"] = json!("IGNORED read-only field");
    emu.ok("/api/2.1/clusters/edit", edit).await;
    emu.wait_cluster(&id, "RUNNING").await;
    let (_, c) = emu
        .get(&format!("/api/2.1/clusters/get?cluster_id={id}"))
        .await;
    assert_eq!(c["cluster_name"], "b-renamed");
    assert!(c["last_restarted_time"].is_i64());

    emu.ok("/api/2.1/clusters/delete", json!({"cluster_id": id}))
        .await;
    emu.wait_cluster(&id, "TERMINATED").await;
    let (_, c) = emu
        .get(&format!("/api/2.1/clusters/get?cluster_id={id}"))
        .await;
    assert_eq!(c["termination_reason"]["code"], "USER_REQUEST");
    assert!(c["terminated_time"].is_i64());
    // Edit of a terminated cluster is allowed and it stays terminated.
    let mut edit = spec("b3");
    edit["cluster_id"] = json!(id);
    emu.ok("/api/2.1/clusters/edit", edit).await;
    assert_eq!(emu.cluster_state(&id).await, "TERMINATED");
    emu.ok("/api/2.1/clusters/start", json!({"cluster_id": id}))
        .await;
    emu.wait_cluster(&id, "RUNNING").await;

    // Libraries: installed on a running cluster.
    let lib = json!({"pypi": {"package": "requests==2.32.0"}});
    emu.ok(
        "/api/2.0/libraries/install",
        json!({"cluster_id": id, "libraries": [lib]}),
    )
    .await;
    let (_, st) = emu
        .get(&format!(
            "/api/2.0/libraries/cluster-status?cluster_id={id}"
        ))
        .await;
    assert_eq!(st["library_statuses"][0]["status"], "INSTALLED", "{st}");
    let bad = emu
        .post(
            "/api/2.0/libraries/install",
            json!({"cluster_id": id, "libraries": [{"nope": 1}]}),
        )
        .await;
    assert_error(&bad, 400, "INVALID_PARAMETER_VALUE");

    // Uninstall on a running cluster waits for the next restart.
    let body = json!({"cluster_id": id, "libraries": [lib]});
    emu.ok("/api/2.0/libraries/uninstall", body).await;
    let status = format!("/api/2.0/libraries/cluster-status?cluster_id={id}");
    let (_, st) = emu.get(&status).await;
    assert_eq!(st["library_statuses"][0]["status"], "UNINSTALL_ON_RESTART");
    emu.ok("/api/2.1/clusters/restart", json!({"cluster_id": id}))
        .await;
    emu.wait_cluster(&id, "RUNNING").await;
    assert!(emu.get(&status).await.1.get("library_statuses").is_none());

    // Resize: only a running cluster, RESIZING then RUNNING with the new size.
    let body = json!({"cluster_id": id, "autoscale": {"min_workers": 1, "max_workers": 3}});
    emu.ok("/api/2.1/clusters/resize", body).await;
    emu.wait_cluster(&id, "RUNNING").await;
    let (_, c) = emu
        .get(&format!("/api/2.1/clusters/get?cluster_id={id}"))
        .await;
    assert_eq!(c["autoscale"]["max_workers"], 3);
    assert!(c.get("num_workers").is_none());
    emu.ok("/api/2.1/clusters/delete", json!({"cluster_id": id}))
        .await;
    emu.wait_cluster(&id, "TERMINATED").await;
    let r = emu
        .post(
            "/api/2.1/clusters/resize",
            json!({"cluster_id": id, "num_workers": 1}),
        )
        .await;
    assert_error(&r, 400, "INVALID_STATE");
}

#[tokio::test]
async fn cluster_create_validates_against_catalogue_pools_and_policies() {
    let emu = start(60_000).await;
    let mut s = spec("v");
    s.as_object_mut().unwrap().remove("spark_version");
    assert_error(
        &emu.post("/api/2.1/clusters/create", s).await,
        400,
        "INVALID_PARAMETER_VALUE",
    );
    let mut s = spec("v");
    s["spark_version"] = json!("99.9.x-scala9");
    assert_error(
        &emu.post("/api/2.1/clusters/create", s).await,
        400,
        "INVALID_PARAMETER_VALUE",
    );
    let mut s = spec("v");
    s["policy_id"] = json!("0000000000000000");
    assert_error(
        &emu.post("/api/2.1/clusters/create", s).await,
        400,
        "INVALID_PARAMETER_VALUE",
    );
    let mut s = spec("v");
    s["autotermination_minutes"] = json!(5);
    assert_error(
        &emu.post("/api/2.1/clusters/create", s).await,
        400,
        "INVALID_PARAMETER_VALUE",
    );

    // A target that lacks a node type rejects it (the store's catalogue is configurable).
    emu.running
        .emulator()
        .lock()
        .clusters
        .node_types
        .retain(|n| n.node_type_id != "i3.xlarge");
    let (_, types) = emu.get("/api/2.1/clusters/list-node-types").await;
    assert!(!types.to_string().contains("\"i3.xlarge\""));
    let r = emu.post("/api/2.1/clusters/create", spec("v")).await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    assert!(r.1["message"].as_str().unwrap().contains("i3.xlarge"));

    // Pools: the node type comes from the pool; sending both is rejected.
    let pool = emu
        .ok(
            "/api/2.0/instance-pools/create",
            json!({"instance_pool_name": "p", "node_type_id": "m5d.large"}),
        )
        .await["instance_pool_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(pool.contains("-pool-"), "{pool}");
    let mut s = spec("pooled");
    s["instance_pool_id"] = json!(pool);
    let r = emu.post("/api/2.1/clusters/create", s.clone()).await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    assert_eq!(
        r.1["message"],
        "The field 'node_type_id' cannot be supplied when an instance pool ID is provided."
    );
    s.as_object_mut().unwrap().remove("node_type_id");
    let id = emu.ok("/api/2.1/clusters/create", s).await["cluster_id"].clone();
    let (_, c) = emu
        .get(&format!(
            "/api/2.1/clusters/get?cluster_id={}",
            id.as_str().unwrap()
        ))
        .await;
    assert_eq!(
        c["node_type_id"], "m5d.large",
        "the GET fills the pool's node type in"
    );
    let (_, v) = emu.get("/api/2.1/clusters/spark-versions").await;
    assert!(
        v["versions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["key"] == "15.4.x-scala2.12")
    );
}

#[tokio::test]
async fn cluster_list_pages_and_filters_pins_and_job_clusters() {
    let emu = start(60_000).await;
    let (_, pols) = emu.get("/api/2.0/policies/clusters/list").await;
    let by_name = |name: &str| {
        pols["policies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["policy_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let policy = by_name("Power User Compute");

    // Policies are enforced: fixed values fill in, broken rules are refused.
    let mut s = spec("personal");
    s["node_type_id"] = json!("m5d.large");
    s.as_object_mut().unwrap().remove("num_workers");
    s["policy_id"] = json!(by_name("Personal Compute"));
    let pc = emu.ok("/api/2.1/clusters/create", s.clone()).await["cluster_id"].clone();
    let (_, c) = emu
        .get(&format!(
            "/api/2.1/clusters/get?cluster_id={}",
            pc.as_str().unwrap()
        ))
        .await;
    assert_eq!(c["num_workers"], 0);
    assert_eq!(
        c["spark_conf"]["spark.databricks.cluster.profile"],
        "singleNode"
    );
    emu.ok(
        "/api/2.1/clusters/permanent-delete",
        json!({"cluster_id": pc}),
    )
    .await;
    s["node_type_id"] = json!("r5d.xlarge");
    let r = emu.post("/api/2.1/clusters/create", s.clone()).await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    assert!(
        r.1["message"]
            .as_str()
            .unwrap()
            .starts_with("Validation failed for node_type_id"),
        "{}",
        r.1
    );
    s["node_type_id"] = json!("m5d.large");
    s["policy_id"] = json!(by_name("Job Compute"));
    let r = emu.post("/api/2.1/clusters/create", s).await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");

    let mut ids = Vec::new();
    for i in 0..5 {
        let mut s = spec(&format!("c{i}"));
        if i < 2 {
            s["policy_id"] = json!(policy);
        }
        ids.push(
            emu.ok("/api/2.1/clusters/create", s).await["cluster_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let job_cluster = {
        let mut st = emu.running.emulator().lock();
        let id = st.ids.cluster_id(0);
        let s = spec("job-1-run-1").as_object().unwrap().clone();
        st.clusters.insert(id, s, "admin@example.com", "JOB", false)
    };
    emu.ok("/api/2.1/clusters/delete", json!({"cluster_id": ids[4]}))
        .await;
    emu.ok("/api/2.1/clusters/pin", json!({"cluster_id": ids[3]}))
        .await;
    let r = emu
        .call_as(
            USER,
            "POST",
            "/api/2.1/clusters/pin",
            Some(json!({"cluster_id": ids[2]})),
        )
        .await;
    assert_error(&r, 403, "PERMISSION_DENIED");

    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let (s, page) = emu
            .get(&format!(
                "/api/2.1/clusters/list?page_size=2&page_token={token}"
            ))
            .await;
        assert_eq!(s, 200, "{page}");
        let batch = page["clusters"].as_array().unwrap();
        assert!(batch.len() <= 2);
        seen.extend(
            batch
                .iter()
                .map(|c| c["cluster_id"].as_str().unwrap().to_string()),
        );
        match page["next_page_token"].as_str() {
            Some(t) if !t.is_empty() => token = t.to_string(),
            _ => break,
        }
    }
    seen.sort();
    let mut all = ids.clone();
    all.push(job_cluster.clone());
    all.sort();
    assert_eq!(seen, all);

    let count = |v: &Value| v["clusters"].as_array().map_or(0, Vec::len);
    let (_, l) = emu
        .get(&format!(
            "/api/2.1/clusters/list?filter_by.policy_id={policy}"
        ))
        .await;
    assert_eq!(count(&l), 2);
    let (_, l) = emu
        .get("/api/2.1/clusters/list?filter_by.is_pinned=true")
        .await;
    assert_eq!(l["clusters"][0]["cluster_id"], ids[3].as_str());
    assert_eq!(count(&l), 1);
    let (_, l) = emu
        .get("/api/2.1/clusters/list?filter_by.cluster_states=TERMINATING&filter_by.cluster_states=TERMINATED")
        .await;
    assert_eq!(count(&l), 2, "{l}");
    let (_, l) = emu
        .get("/api/2.1/clusters/list?filter_by.cluster_sources=JOB")
        .await;
    assert_eq!(l["clusters"][0]["cluster_id"], job_cluster.as_str());
    assert_eq!(count(&l), 1);

    // 2.1 pages at most 100; the legacy 2.0 list answers everything at once.
    {
        let mut st = emu.running.emulator().lock();
        for i in 0..110 {
            let id = st.ids.cluster_id(0);
            let s = spec(&format!("bulk{i}")).as_object().unwrap().clone();
            st.clusters.insert(id, s, "admin@example.com", "UI", false);
        }
    }
    let (_, l) = emu.get("/api/2.1/clusters/list").await;
    assert_eq!(count(&l), 100);
    assert!(l["next_page_token"].is_string());
    let (_, l) = emu.get("/api/2.0/clusters/list").await;
    assert_eq!(count(&l), 116);
    assert!(l.get("next_page_token").is_none());

    // A job cluster cannot be edited or started by hand.
    let mut edit = spec("x");
    edit["cluster_id"] = json!(job_cluster);
    assert_error(
        &emu.post("/api/2.1/clusters/edit", edit).await,
        400,
        "INVALID_PARAMETER_VALUE",
    );
    let r = emu
        .post(
            "/api/2.1/clusters/start",
            json!({"cluster_id": job_cluster}),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
}

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

#[tokio::test]
async fn warehouse_starts_stops_validates_and_creator_is_owner() {
    let emu = start(40).await;
    let body = json!({"name": "wh", "cluster_size": "Small", "auto_stop_mins": 10});
    let id = emu.ok("/api/2.0/sql/warehouses", body.clone()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        id.len() == 16
            && id
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
        "{id}"
    );
    let mut w = emu.warehouse(&id).await;
    for _ in 0..200 {
        if w["state"] == "RUNNING" {
            break;
        }
        assert_eq!(w["state"], "STARTING");
        tokio::time::sleep(Duration::from_millis(20)).await;
        w = emu.warehouse(&id).await;
    }
    assert_eq!(w["state"], "RUNNING");
    assert_eq!(w["num_clusters"], 1);
    assert_eq!(w["health"]["status"], "HEALTHY");
    assert!(w["jdbc_url"].as_str().unwrap().contains(&id));
    assert_eq!(
        w["odbc_params"]["path"],
        format!("/sql/1.0/warehouses/{id}")
    );
    assert_eq!(w["creator_name"], "admin@example.com");

    emu.ok(&format!("/api/2.0/sql/warehouses/{id}/stop"), json!({}))
        .await;
    for _ in 0..200 {
        if emu.warehouse(&id).await["state"] == "STOPPED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(emu.warehouse(&id).await["state"], "STOPPED");
    emu.ok(&format!("/api/2.0/sql/warehouses/{id}/start"), json!({}))
        .await;
    assert!(["STARTING", "RUNNING"].contains(&emu.warehouse(&id).await["state"].as_str().unwrap()));

    let owner = emu
        .running
        .emulator()
        .lock()
        .permissions
        .owner("warehouses", &id)
        .cloned();
    assert_eq!(
        serde_json::to_value(owner).unwrap(),
        json!({"user_name": "admin@example.com"})
    );

    let bad = |over: Value| {
        let mut b = json!({"name": "other", "cluster_size": "Small"});
        for (k, v) in over.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for b in [
        bad(json!({"auto_stop_mins": 5})),
        bad(json!({"cluster_size": "Huge"})),
        bad(json!({"min_num_clusters": 3, "max_num_clusters": 2})),
        bad(json!({"enable_serverless_compute": true, "warehouse_type": "CLASSIC"})),
    ] {
        assert_error(
            &emu.post("/api/2.0/sql/warehouses", b).await,
            400,
            "INVALID_PARAMETER_VALUE",
        );
    }
    assert_error(
        &emu.post("/api/2.0/sql/warehouses", body).await,
        400,
        "RESOURCE_ALREADY_EXISTS",
    );
    emu.ok(
        &format!("/api/2.0/sql/warehouses/{id}/edit"),
        json!({"name": "wh", "cluster_size": "Medium"}),
    )
    .await;
    assert_eq!(emu.warehouse(&id).await["cluster_size"], "Medium");
    let (_, l) = emu.get("/api/2.0/sql/warehouses?page_size=1").await;
    assert_eq!(l["warehouses"].as_array().unwrap().len(), 1);
    let r = emu
        .call_as(
            ADMIN,
            "DELETE",
            &format!("/api/2.0/sql/warehouses/{id}"),
            None,
        )
        .await;
    assert_eq!(r.0, 200);
    assert_error(
        &emu.get(&format!("/api/2.0/sql/warehouses/{id}")).await,
        404,
        "RESOURCE_DOES_NOT_EXIST",
    );
    let (s, c) = emu.get("/api/2.0/sql/config/warehouses").await;
    assert_eq!((s, c["security_policy"].as_str()), (200, Some("NONE")));
}

#[tokio::test]
async fn repos_page_with_next_page_token_param_and_credentials_hide_token() {
    let emu = start(0).await;
    for i in 0..25 {
        let body = json!({"url": format!("https://github.com/org/r{i:02}.git"), "provider": "GITHUB",
                          "path": format!("/Repos/team/r{i:02}")});
        let r = emu.ok("/api/2.0/repos", body).await;
        assert_eq!(r["provider"], "gitHub");
        assert_eq!(r["branch"], "main");
        assert_eq!(r["head_commit_id"].as_str().unwrap().len(), 40);
    }
    emu.ok(
        "/api/2.0/repos",
        json!({"url": "https://github.com/org/x", "provider": "gitHub", "path": "/Repos/other/x"}),
    )
    .await;
    let (_, p1) = emu.get("/api/2.0/repos?path_prefix=/Repos/team").await;
    assert_eq!(p1["repos"].as_array().unwrap().len(), 20);
    let token = p1["next_page_token"].as_str().unwrap();
    let (_, p2) = emu
        .get(&format!(
            "/api/2.0/repos?path_prefix=/Repos/team&next_page_token={token}"
        ))
        .await;
    assert_eq!(p2["repos"].as_array().unwrap().len(), 5);
    assert!(p2.get("next_page_token").is_none());
    assert_eq!(p2["repos"][4]["path"], "/Repos/team/r24");

    let r = emu
        .post(
            "/api/2.0/repos",
            json!({"url": "https://github.com/o/y", "provider": "gitHub", "path": "/Repos/y"}),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    let r = emu
        .post(
            "/api/2.0/repos",
            json!({"url": "https://github.com/o/y", "provider": "svn"}),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    let r = emu.post("/api/2.0/repos", json!({"url": "https://github.com/o/y", "provider": "gitHub", "path": "/Repos/team/r00"})).await;
    assert_error(&r, 400, "RESOURCE_ALREADY_EXISTS");

    let id = p1["repos"][0]["id"].as_i64().unwrap();
    let r = emu
        .call_as(
            ADMIN,
            "PATCH",
            &format!("/api/2.0/repos/{id}"),
            Some(json!({"branch": "dev"})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(
        emu.get(&format!("/api/2.0/repos/{id}")).await.1["branch"],
        "dev"
    );
    emu.call_as(
        ADMIN,
        "PATCH",
        &format!("/api/2.0/repos/{id}"),
        Some(json!({"tag": "v1"})),
    )
    .await;
    assert!(
        emu.get(&format!("/api/2.0/repos/{id}"))
            .await
            .1
            .get("branch")
            .is_none(),
        "tag = detached HEAD"
    );
    assert!(
        emu.running
            .emulator()
            .lock()
            .repos
            .iter()
            .any(|r| r.id == id)
    );
    emu.call_as(ADMIN, "DELETE", &format!("/api/2.0/repos/{id}"), None)
        .await;
    assert_error(
        &emu.get(&format!("/api/2.0/repos/{id}")).await,
        404,
        "RESOURCE_DOES_NOT_EXIST",
    );

    let secret = "ghp_supersecretvalue123";
    let c = emu
        .ok("/api/2.0/git-credentials", json!({"git_provider": "gitHub", "git_username": "me", "personal_access_token": secret}))
        .await;
    let cid = c["credential_id"].as_i64().unwrap();
    let (_, l) = emu.get("/api/2.0/git-credentials").await;
    let (_, g) = emu.get(&format!("/api/2.0/git-credentials/{cid}")).await;
    for text in [
        c.to_string(),
        l.to_string(),
        g.to_string(),
        emu.running.snapshot().to_string(),
    ] {
        assert!(!text.contains(secret), "token leaked: {text}");
    }
    assert_eq!(l["credentials"][0]["git_username"], "me");
    let r = emu
        .call_as(
            ADMIN,
            "PATCH",
            &format!("/api/2.0/git-credentials/{cid}"),
            Some(json!({"git_username": "x"})),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
}

fn tasks(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({"task_key": format!("t{i:03}"), "notebook_task": {"notebook_path": "/Shared/nb"},
                        "job_cluster_key": "main"})
        })
        .collect()
}

#[tokio::test]
async fn jobs_22_get_pages_arrays_and_21_returns_everything() {
    let emu = start(0).await;
    let clusters: Vec<Value> = ["main", "aux"]
        .iter()
        .map(|k| json!({"job_cluster_key": k, "new_cluster": spec("jc")}))
        .collect();
    let id = emu
        .ok(
            "/api/2.2/jobs/create",
            json!({"name": "big", "tasks": tasks(250), "job_clusters": clusters}),
        )
        .await["job_id"]
        .as_i64()
        .unwrap();
    let (_, p1) = emu.get(&format!("/api/2.2/jobs/get?job_id={id}")).await;
    assert_eq!(p1["settings"]["tasks"].as_array().unwrap().len(), 100);
    assert_eq!(p1["settings"]["job_clusters"].as_array().unwrap().len(), 2);
    assert_eq!(
        p1["settings"]["queue"]["enabled"], true,
        "2.2 queues by default"
    );
    let t = p1["next_page_token"].as_str().unwrap();
    let (_, p2) = emu
        .get(&format!("/api/2.2/jobs/get?job_id={id}&page_token={t}"))
        .await;
    assert_eq!(p2["settings"]["tasks"][0]["task_key"], "t100");
    assert!(
        p2["settings"]
            .get("job_clusters")
            .is_none_or(|j| j.as_array().unwrap().is_empty())
    );
    let t = p2["next_page_token"].as_str().unwrap();
    let (_, p3) = emu
        .get(&format!("/api/2.2/jobs/get?job_id={id}&page_token={t}"))
        .await;
    assert_eq!(p3["settings"]["tasks"].as_array().unwrap().len(), 50);
    assert!(p3.get("next_page_token").is_none());

    let (_, all) = emu.get(&format!("/api/2.1/jobs/get?job_id={id}")).await;
    assert_eq!(all["settings"]["tasks"].as_array().unwrap().len(), 250);
    assert!(all.get("next_page_token").is_none());

    let (_, l) = emu.get("/api/2.2/jobs/list?expand_tasks=true").await;
    assert_eq!(l["jobs"][0]["has_more"], true);
    assert_eq!(
        l["jobs"][0]["settings"]["tasks"].as_array().unwrap().len(),
        100
    );
    let (_, l) = emu.get("/api/2.2/jobs/list").await;
    assert!(l["jobs"][0]["settings"].get("tasks").is_none());

    let id21 = emu
        .ok("/api/2.1/jobs/create", json!({"name": "small"}))
        .await["job_id"]
        .as_i64()
        .unwrap();
    let (_, j) = emu.get(&format!("/api/2.1/jobs/get?job_id={id21}")).await;
    assert!(
        j["settings"].get("queue").is_none(),
        "2.1 does not queue by default"
    );
    let owner = emu
        .running
        .emulator()
        .lock()
        .permissions
        .owner("jobs", &id.to_string())
        .cloned();
    assert_eq!(
        serde_json::to_value(owner).unwrap(),
        json!({"user_name": "admin@example.com"})
    );
}

#[tokio::test]
async fn jobs_list_pages_filters_and_rejects_large_limit() {
    let emu = start(0).await;
    for i in 0..25 {
        emu.ok(
            "/api/2.2/jobs/create",
            json!({"name": format!("Job {}", i % 5)}),
        )
        .await;
    }
    // Forged tokens at the edge of usize answer an empty page, not a crash.
    let (s, p) = emu
        .get("/api/2.2/jobs/list?page_token=jobs-18446744073709551615")
        .await;
    assert_eq!((s, &p["has_more"]), (200, &json!(false)), "{p}");
    let (s, _) = emu
        .get("/api/2.0/repos?next_page_token=repos-18446744073709551615")
        .await;
    assert_eq!(s, 200);
    assert_error(
        &emu.get("/api/2.2/jobs/list?limit=101").await,
        400,
        "INVALID_PARAMETER_VALUE",
    );
    assert_error(
        &emu.get("/api/2.2/jobs/list?limit=0").await,
        400,
        "INVALID_PARAMETER_VALUE",
    );
    let (_, d) = emu.get("/api/2.2/jobs/list").await;
    assert_eq!(d["jobs"].as_array().unwrap().len(), 20, "default limit");
    let mut ids = std::collections::BTreeSet::new();
    let mut token = String::new();
    loop {
        let (_, p) = emu
            .get(&format!("/api/2.2/jobs/list?limit=10&page_token={token}"))
            .await;
        for j in p["jobs"].as_array().unwrap() {
            assert!(ids.insert(j["job_id"].as_i64().unwrap()));
        }
        if p["has_more"] == false {
            assert!(p.get("next_page_token").is_none());
            break;
        }
        token = p["next_page_token"].as_str().unwrap().to_string();
    }
    assert_eq!(ids.len(), 25);
    let (_, n) = emu.get("/api/2.2/jobs/list?name=JOB%203").await;
    assert_eq!(n["jobs"].as_array().unwrap().len(), 5);
    let (_, n) = emu.get("/api/2.2/jobs/list?name=Job").await;
    assert!(n.get("jobs").is_none(), "the name filter is exact");
}

#[tokio::test]
async fn jobs_update_merges_by_key_reset_replaces_and_validation_holds() {
    let emu = start(0).await;
    let body = json!({"name": "etl", "tags": {"a": "1"},
        "tasks": [{"task_key": "a", "notebook_task": {"notebook_path": "/a"}},
                  {"task_key": "b", "depends_on": [{"task_key": "a"}], "notebook_task": {"notebook_path": "/b"}}]});
    let id = emu.ok("/api/2.2/jobs/create", body).await["job_id"]
        .as_i64()
        .unwrap();
    emu.ok("/api/2.2/jobs/update", json!({"job_id": id, "new_settings": {
        "tasks": [{"task_key": "b", "notebook_task": {"notebook_path": "/b2"}}, {"task_key": "c", "notebook_task": {"notebook_path": "/c"}}],
        "timeout_seconds": 60}, "fields_to_remove": ["tags"]})).await;
    let (_, j) = emu.get(&format!("/api/2.2/jobs/get?job_id={id}")).await;
    let keys: Vec<&str> = j["settings"]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task_key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["a", "b", "c"]);
    assert_eq!(
        j["settings"]["tasks"][1]["notebook_task"]["notebook_path"],
        "/b2"
    );
    assert_eq!(j["settings"]["name"], "etl");
    assert_eq!(j["settings"]["timeout_seconds"], 60);
    assert!(j["settings"].get("tags").is_none());
    emu.ok(
        "/api/2.2/jobs/update",
        json!({"job_id": id, "fields_to_remove": ["tasks/c"]}),
    )
    .await;
    let (_, j) = emu.get(&format!("/api/2.2/jobs/get?job_id={id}")).await;
    assert_eq!(j["settings"]["tasks"].as_array().unwrap().len(), 2);

    emu.ok(
        "/api/2.2/jobs/reset",
        json!({"job_id": id, "new_settings": {"name": "fresh"}}),
    )
    .await;
    let (_, j) = emu.get(&format!("/api/2.2/jobs/get?job_id={id}")).await;
    assert_eq!(j["settings"]["name"], "fresh");
    assert!(
        j["settings"].get("tasks").is_none(),
        "reset replaces wholesale"
    );

    let dup = json!({"name": "d", "tasks": [{"task_key": "x"}, {"task_key": "x"}]});
    assert_error(
        &emu.post("/api/2.2/jobs/create", dup).await,
        400,
        "INVALID_PARAMETER_VALUE",
    );
    let dangling =
        json!({"name": "d", "tasks": [{"task_key": "x", "depends_on": [{"task_key": "nope"}]}]});
    assert_error(
        &emu.post("/api/2.2/jobs/create", dangling).await,
        400,
        "INVALID_PARAMETER_VALUE",
    );
    let cycle = json!({"name": "d", "tasks": [{"task_key": "x", "depends_on": [{"task_key": "y"}]}, {"task_key": "y", "depends_on": [{"task_key": "x"}]}]});
    assert_error(
        &emu.post("/api/2.2/jobs/create", cycle).await,
        400,
        "INVALID_PARAMETER_VALUE",
    );
    let cluster = json!({"name": "d", "tasks": [{"task_key": "x", "existing_cluster_id": "0101-000000-nothere1"}]});
    assert_error(
        &emu.post("/api/2.2/jobs/create", cluster).await,
        400,
        "INVALID_PARAMETER_VALUE",
    );
    let run_job =
        json!({"name": "d", "tasks": [{"task_key": "x", "run_job_task": {"job_id": 42}}]});
    assert_error(
        &emu.post("/api/2.2/jobs/create", run_job).await,
        400,
        "INVALID_PARAMETER_VALUE",
    );
    let ok_run_job =
        json!({"name": "d", "tasks": [{"task_key": "x", "run_job_task": {"job_id": id}}]});
    emu.ok("/api/2.2/jobs/create", ok_run_job).await;

    emu.ok("/api/2.2/jobs/delete", json!({"job_id": id})).await;
    let r = emu.get(&format!("/api/2.2/jobs/get?job_id={id}")).await;
    assert_error(&r, 404, "RESOURCE_DOES_NOT_EXIST");
    assert_eq!(r.1["message"], format!("Job {id} does not exist."));
    assert_error(
        &emu.get(&format!("/api/2.1/jobs/get?job_id={id}")).await,
        400,
        "INVALID_PARAMETER_VALUE",
    );

    // access_control_list: principals must exist; a named owner replaces the creator.
    let acl = |who: &str, level: &str| json!({"name": "acl", "access_control_list": [{"user_name": who, "permission_level": level}]});
    let r = emu
        .post("/api/2.2/jobs/create", acl("ghost@example.com", "CAN_VIEW"))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    let r = emu
        .post("/api/2.2/jobs/create", acl("admin@example.com", "CAN_USE"))
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    let (_, me) = emu.get("/api/2.0/preview/scim/v2/Me").await;
    let me = me["userName"].as_str().unwrap().to_string();
    let owned = emu.ok("/api/2.2/jobs/create", acl(&me, "CAN_MANAGE")).await["job_id"]
        .as_i64()
        .unwrap();
    let grants = emu
        .running
        .emulator()
        .lock()
        .permissions
        .direct("jobs", &owned.to_string())
        .to_vec();
    let levels: Vec<Value> = grants
        .iter()
        .map(|g| serde_json::to_value(g).unwrap())
        .collect();
    assert_eq!(
        levels,
        [
            json!({"user_name": me, "permission_level": "IS_OWNER"}),
            json!({"user_name": me, "permission_level": "CAN_MANAGE"})
        ]
    );

    // The hourly creation limit (lowered here) answers 400 INVALID_STATE.
    emu.running.emulator().lock().jobs.creation_limit_per_hour = Some(0);
    let r = emu
        .post("/api/2.2/jobs/create", json!({"name": "one too many"}))
        .await;
    assert_error(&r, 400, "INVALID_STATE");
    assert!(
        r.1["message"]
            .as_str()
            .unwrap()
            .contains("job creations per 3600 seconds")
    );
    emu.running.emulator().lock().jobs.creation_limit_per_hour = None;

    let jid = emu
        .ok("/api/2.2/jobs/create", json!({"name": "runme"}))
        .await["job_id"]
        .as_i64()
        .unwrap();
    let run = emu
        .ok("/api/2.2/jobs/run-now", json!({"job_id": jid}))
        .await["run_id"]
        .as_i64()
        .unwrap();
    let (_, r) = emu
        .get(&format!("/api/2.2/jobs/runs/get?run_id={run}"))
        .await;
    assert_eq!(r["state"]["life_cycle_state"], "TERMINATED");
    let (_, l) = emu
        .get(&format!("/api/2.2/jobs/runs/list?job_id={jid}"))
        .await;
    assert_eq!(l["runs"][0]["run_id"], run);
}

#[tokio::test]
async fn init_scripts_shift_positions_and_hide_content_in_list() {
    let emu = start(0).await;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut ids = Vec::new();
    for (name, pos) in [("a", None), ("b", None), ("c", Some(0))] {
        let mut body = json!({"name": name, "script": b64("#!/bin/bash\necho hi")});
        if let Some(p) = pos {
            body["position"] = json!(p);
        }
        ids.push(
            emu.ok("/api/2.0/global-init-scripts", body).await["script_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let order = |l: &Value| -> Vec<(String, i64)> {
        l["scripts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["name"].as_str().unwrap().to_string(),
                    s["position"].as_i64().unwrap(),
                )
            })
            .collect()
    };
    let (_, l) = emu.get("/api/2.0/global-init-scripts").await;
    assert_eq!(
        order(&l),
        [("c".into(), 0), ("a".into(), 1), ("b".into(), 2)]
    );
    assert!(
        l["scripts"][0].get("script").is_none(),
        "list never carries content"
    );
    let (_, g) = emu
        .get(&format!("/api/2.0/global-init-scripts/{}", ids[1]))
        .await;
    assert_eq!(g["script"], b64("#!/bin/bash\necho hi"));
    assert_eq!(g["enabled"], false);

    let r = emu
        .call_as(
            ADMIN,
            "PATCH",
            &format!("/api/2.0/global-init-scripts/{}", ids[1]),
            Some(json!({"name": "b", "script": b64("x"), "position": 0})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    let (_, l) = emu.get("/api/2.0/global-init-scripts").await;
    assert_eq!(
        order(&l),
        [("b".into(), 0), ("c".into(), 1), ("a".into(), 2)]
    );
    let r = emu
        .call_as(
            ADMIN,
            "PATCH",
            &format!("/api/2.0/global-init-scripts/{}", ids[1]),
            Some(json!({"name": "b"})),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    emu.call_as(
        ADMIN,
        "DELETE",
        &format!("/api/2.0/global-init-scripts/{}", ids[2]),
        None,
    )
    .await;
    let (_, l) = emu.get("/api/2.0/global-init-scripts").await;
    assert_eq!(order(&l), [("b".into(), 0), ("a".into(), 1)]);

    let big = b64(&"x".repeat(64 * 1024 + 1));
    let r = emu
        .post(
            "/api/2.0/global-init-scripts",
            json!({"name": "big", "script": big}),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    let r = emu
        .post(
            "/api/2.0/global-init-scripts",
            json!({"name": "nb64", "script": "%%%"}),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    let r = emu
        .call_as(USER, "GET", "/api/2.0/global-init-scripts", None)
        .await;
    assert_error(&r, 403, "PERMISSION_DENIED");
    assert_error(
        &emu.get("/api/2.0/global-init-scripts/NOPE").await,
        404,
        "RESOURCE_DOES_NOT_EXIST",
    );
}
