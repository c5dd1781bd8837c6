//! Jobs: 2.2 paged arrays in `get`, list paging and filters, update and reset.

use serde_json::{Value, json};

use super::{assert_error, spec, start};

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

/// `job_creations_per_hour` replaces the documented quota from the start (a benchmark of
/// 100,000 jobs lifts it; here it is lowered to one so that the second creation is refused).
#[tokio::test]
async fn job_creations_per_hour_sets_the_quota_from_the_start() {
    let emu = crate::common::start_with(brickport_emulator::EmulatorOptions {
        job_creations_per_hour: Some(1),
        ..Default::default()
    })
    .await;
    emu.ok("/api/2.2/jobs/create", json!({"name": "first"}))
        .await;
    let r = emu
        .post("/api/2.2/jobs/create", json!({"name": "second"}))
        .await;
    assert_error(&r, 400, "INVALID_STATE");
}
