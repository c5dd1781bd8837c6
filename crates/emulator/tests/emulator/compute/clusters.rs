//! Clusters over HTTP: states and their transitions, validation against the catalogue, pools and
//! policies, listing with pages and filters.

use serde_json::{Value, json};

use super::{assert_error, spec, start};
use crate::common::USER;

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
