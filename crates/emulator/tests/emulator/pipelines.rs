//! Pipelines: the GetPipelineResponse shape, name uniqueness, full-replace edits, a continuous
//! pipeline running on create, stop, updates counted, paging and filters, the one owner, and
//! jobs' pipeline tasks.

use serde_json::{Value, json};

use crate::common::{self, Emu};

const P: &str = "/api/2.0/pipelines";

async fn create(emu: &Emu, body: Value) -> String {
    let b = emu.ok(P, body).await;
    b["pipeline_id"].as_str().unwrap().to_string()
}

async fn get(emu: &Emu, id: &str) -> Value {
    emu.get_ok(&format!("{P}/{id}")).await
}

async fn started(emu: &Emu) -> u64 {
    emu.stats().await["pipeline_updates_started"]
        .as_u64()
        .unwrap()
}

#[tokio::test]
async fn shape_names_edit_and_delete() {
    let emu = common::start().await;
    let id = create(
        &emu,
        json!({"name": "etl", "libraries": [{"notebook": {"path": "/Shared/dlt/bronze"}}],
               "configuration": {"k": "v"}, "parameters": {"p": "1"}, "development": true,
               "clusters": [{"label": "default", "num_workers": 2, "apply_policy_default_values": true}]}),
    )
    .await;
    assert_eq!(id.len(), 36);
    let g = get(&emu, &id).await;
    assert_eq!(g["pipeline_id"], id.as_str());
    assert_eq!(g["name"], "etl");
    assert_eq!(g["state"], "IDLE");
    assert_eq!(g["spec"]["id"], id.as_str());
    assert_eq!(g["spec"]["name"], "etl");
    // match cloud behaviour: an HMS pipeline without storage gets the default location.
    assert_eq!(g["spec"]["storage"], format!("dbfs:/pipelines/{id}"));
    assert!(
        g["spec"]["clusters"][0]
            .get("apply_policy_default_values")
            .is_none()
    );
    assert_eq!(g["parameters"], json!({"p": "1"}));
    assert!(g["spec"].get("parameters").is_none() && g.get("run_as").is_none());
    assert_eq!(g["creator_user_name"], "admin@example.com");
    assert_eq!(g["run_as_user_name"], "admin@example.com");
    assert!(g["last_modified"].as_i64().unwrap() > 0);
    assert_eq!(g["effective_publishing_mode"], "DEFAULT_PUBLISHING_MODE");

    // Names are unique unless the request says otherwise.
    let (s, e) = emu.post(P, json!({"name": "etl"})).await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (409, Some("RESOURCE_CONFLICT"))
    );
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .contains("allow_duplicate_names")
    );
    let twin = create(&emu, json!({"name": "etl", "allow_duplicate_names": true})).await;
    assert!(
        get(&emu, &twin).await["spec"]
            .get("allow_duplicate_names")
            .is_none()
    );
    let (s, _) = emu.post(P, json!({"name": "x", "target": "a.b"})).await;
    assert_eq!(s, 400);

    // Edit replaces the whole spec; a rename onto a taken name is refused.
    let path = format!("{P}/{id}");
    let put = |body: Value| emu.call("PUT", &path, Some(body));
    let (s, e) = put(json!({"name": "renamed", "catalog": "main", "schema": "s"})).await;
    assert_eq!(s, 400, "storage cannot become a catalog: {e}");
    let (s, _) = put(json!({"name": "renamed", "storage": format!("dbfs:/pipelines/{id}")})).await;
    assert_eq!(s, 200);
    let g2 = get(&emu, &id).await;
    assert_eq!(g2["name"], "renamed");
    assert!(g2["spec"].get("configuration").is_none() && g2.get("parameters").is_none());
    assert!(g2["last_modified"].as_i64() >= g["last_modified"].as_i64());
    let (s, _) = emu
        .call(
            "PUT",
            &format!("{P}/{twin}"),
            Some(json!({"name": "renamed"})),
        )
        .await;
    assert_eq!(s, 409);
    let (s, _) = put(json!({"name": "renamed", "expected_last_modified": 1})).await;
    assert_eq!(s, 409);

    let (s, _) = emu.call("DELETE", &format!("{P}/{id}"), None).await;
    assert_eq!(s, 200);
    let (s, e) = emu.get(&format!("{P}/{id}")).await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (404, Some("RESOURCE_DOES_NOT_EXIST"))
    );
    assert_eq!(
        e["message"],
        format!("The specified pipeline {id} was not found.")
    );
    assert_eq!(started(&emu).await, 0, "nothing was ever started");
}

#[tokio::test]
async fn continuous_runs_stop_idles_and_updates_are_counted() {
    let emu = common::start().await;
    let id = create(&emu, json!({"name": "stream", "continuous": true})).await;
    let g = get(&emu, &id).await;
    assert_eq!(g["state"], "RUNNING");
    assert_eq!(g["latest_updates"][0]["state"], "RUNNING");
    assert_eq!(started(&emu).await, 1);
    let (s, e) = emu.post(&format!("{P}/{id}/updates"), json!({})).await;
    assert_eq!((s, e["error_code"].as_str()), (400, Some("INVALID_STATE")));
    emu.ok(&format!("{P}/{id}/stop"), json!({})).await;
    let g = get(&emu, &id).await;
    assert_eq!(g["state"], "IDLE");
    assert_eq!(g["latest_updates"][0]["state"], "CANCELED");
    // Stopping an idle pipeline is a no-op.
    emu.ok(&format!("{P}/{id}/stop"), json!({})).await;

    let trig = create(&emu, json!({"name": "batch"})).await;
    assert_eq!(get(&emu, &trig).await["state"], "IDLE");
    let u = emu
        .ok(
            &format!("{P}/{trig}/updates"),
            json!({"full_refresh": true}),
        )
        .await;
    let uid = u["update_id"].as_str().unwrap();
    assert_eq!(get(&emu, &trig).await["state"], "RUNNING");
    let info = emu.get_ok(&format!("{P}/{trig}/updates/{uid}")).await;
    assert_eq!(info["update"]["full_refresh"], true);
    assert_eq!(info["update"]["cause"], "API_CALL");
    assert_eq!(started(&emu).await, 2);

    // Turning continuous off leaves the running update running until stopped.
    emu.call(
        "PUT",
        &format!("{P}/{id}"),
        Some(json!({"name": "stream", "continuous": true})),
    )
    .await;
    assert_eq!(
        get(&emu, &id).await["state"],
        "IDLE",
        "already continuous: not restarted"
    );
    emu.ok(&format!("{P}/{trig}/stop"), json!({})).await;
    let (s, _) = emu
        .call(
            "PUT",
            &format!("{P}/{trig}"),
            Some(json!({"name": "batch", "continuous": true})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        get(&emu, &trig).await["state"],
        "RUNNING",
        "switched on: started"
    );
    emu.call(
        "PUT",
        &format!("{P}/{trig}"),
        Some(json!({"name": "batch"})),
    )
    .await;
    assert_eq!(get(&emu, &trig).await["state"], "RUNNING");
    assert_eq!(started(&emu).await, 3);
    let ups = emu.get_ok(&format!("{P}/{trig}/updates")).await;
    assert_eq!(ups["updates"].as_array().unwrap().len(), 2);
}

async fn names(emu: &Emu, query: &str) -> (Vec<String>, Option<String>) {
    let b = emu.get_ok(&format!("{P}?{query}")).await;
    let names = b["statuses"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|p| p["name"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default();
    (names, b["next_page_token"].as_str().map(str::to_string))
}

#[tokio::test]
async fn list_pages_filters_and_orders() {
    let emu = common::start().await;
    for i in 0..7 {
        let lib = if i % 2 == 0 { "notebook" } else { "file" };
        create(
            &emu,
            json!({"name": format!("p{i}-{lib}"), "libraries": [{lib: {"path": format!("/Shared/dlt/n{i}")}}]}),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let (page, next) = names(&emu, &format!("max_results=3&page_token={token}")).await;
        assert!(page.len() <= 3);
        seen.extend(page);
        pages += 1;
        match next {
            Some(t) => token = t,
            None => break,
        }
    }
    assert_eq!((seen.len(), pages), (7, 3));
    let b = emu.get_ok(P).await;
    assert!(
        b["statuses"][0].get("spec").is_none(),
        "list items have no spec"
    );
    let (s, _) = emu.get(&format!("{P}?max_results=101")).await;
    assert_eq!(s, 400);
    let (page, _) = names(&emu, "filter=name%20LIKE%20%27%25-file%27").await;
    assert_eq!(page.len(), 3);
    assert!(page.iter().all(|n| n.ends_with("-file")));
    let (page, _) = names(&emu, "filter=notebook%3D%27%2FShared%2Fdlt%2Fn4%27").await;
    assert_eq!(page, vec!["p4-notebook".to_string()]);
    let (s, _) = emu.get(&format!("{P}?filter=name%3D%27x%27")).await;
    assert_eq!(s, 400);
    let (page, _) = names(&emu, "order_by=name%20desc&max_results=2").await;
    assert_eq!(page, vec!["p6-notebook".to_string(), "p5-file".to_string()]);
}

fn owners(p: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for e in p["access_control_list"].as_array().unwrap() {
        for perm in e["all_permissions"].as_array().unwrap() {
            if perm["permission_level"] == "IS_OWNER" {
                let who = e["user_name"]
                    .as_str()
                    .or(e["service_principal_name"].as_str());
                out.push(who.unwrap().to_string());
            }
        }
    }
    out
}

#[tokio::test]
async fn run_as_and_permissions_have_exactly_one_owner() {
    let emu = common::start().await;
    let (_, sp) = emu
        .post(
            "/api/2.0/preview/scim/v2/ServicePrincipals",
            json!({"displayName": "robot"}),
        )
        .await;
    let app = sp["applicationId"].as_str().unwrap().to_string();
    let id = create(
        &emu,
        json!({"name": "owned", "run_as": {"service_principal_name": app}}),
    )
    .await;
    let g = get(&emu, &id).await;
    assert_eq!(g["run_as"], json!({"service_principal_name": app}));
    assert_eq!(g["run_as_user_name"], app.as_str());
    let perms = format!("/api/2.0/permissions/pipelines/{id}");
    let p = emu.get_ok(&perms).await;
    assert_eq!(p["object_type"], "pipelines");
    assert_eq!(p["object_id"], format!("/pipelines/{id}"));
    assert_eq!(owners(&p), vec![app.clone()]);

    // An ownerless PUT is refused; two owners too; a PATCH moves the one owner.
    let acl = |v: Value| Some(json!({ "access_control_list": v }));
    let (s, e) = emu
        .call(
            "PUT",
            &perms,
            acl(json!([{"user_name": "bob@example.com", "permission_level": "CAN_RUN"}])),
        )
        .await;
    assert_eq!(s, 400);
    assert!(e["message"].as_str().unwrap().contains("exactly one owner"));
    let (s, _) = emu
        .call(
            "PUT",
            &perms,
            acl(json!([
            {"user_name": "bob@example.com", "permission_level": "IS_OWNER"},
            {"service_principal_name": app, "permission_level": "IS_OWNER"}])),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = emu
        .call(
            "PUT",
            &perms,
            acl(json!([{"user_name": "bob@example.com", "permission_level": "CAN_EDIT"}])),
        )
        .await;
    assert_eq!(s, 400, "CAN_EDIT is not a pipeline level");
    let (s, p) = emu
        .call(
            "PATCH",
            &perms,
            acl(json!([{"user_name": "bob@example.com", "permission_level": "IS_OWNER"}])),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(owners(&p), vec!["bob@example.com".to_string()]);
    assert_eq!(get(&emu, &id).await["run_as_user_name"], "bob@example.com");
    let levels = emu.get_ok(&format!("{perms}/permissionLevels")).await;
    assert_eq!(levels["permission_levels"].as_array().unwrap().len(), 4);
    let (s, e) = emu.get("/api/2.0/permissions/pipelines/nope").await;
    assert_eq!(
        (s, e["message"].as_str()),
        (404, Some("Pipeline 'nope' does not exist."))
    );
    // Deleting the pipeline forgets its grants.
    emu.call("DELETE", &format!("{P}/{id}"), None).await;
    let (s, _) = emu.get(&perms).await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn job_pipeline_tasks_need_an_existing_pipeline() {
    let emu = common::start().await;
    let task = |pid: &str| json!({"name": "refresh", "tasks": [{"task_key": "t", "pipeline_task": {"pipeline_id": pid}}]});
    let (s, _) = emu.post("/api/2.1/jobs/create", task("missing")).await;
    assert_eq!(s, 400);
    let id = create(&emu, json!({"name": "etl"})).await;
    let (s, job) = emu.post("/api/2.1/jobs/create", task(&id)).await;
    assert_eq!(s, 200, "{job}");
    assert_eq!(
        started(&emu).await,
        0,
        "a job's pipeline task starts nothing by itself"
    );
}
