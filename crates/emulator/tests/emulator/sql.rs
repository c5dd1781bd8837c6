//! Databricks SQL objects: queries (wrapped bodies, `update_mask`, trash, name conflicts,
//! paging), visualizations, alerts (current and v2), their tree entries and permissions, the
//! legacy lists, and jobs' SQL task references.

use serde_json::{Value, json};

use crate::common::{self, Emu};

const Q: &str = "/api/2.0/sql/queries";

async fn warehouse(emu: &Emu) -> String {
    let w = emu
        .ok(
            "/api/2.0/sql/warehouses",
            json!({"name": "wh", "cluster_size": "2X-Small", "max_num_clusters": 1}),
        )
        .await;
    w["id"].as_str().unwrap().to_string()
}

async fn query(emu: &Emu, name: &str, wh: &str) -> Value {
    emu.ok(
        Q,
        json!({"query": {"display_name": name, "query_text": "SELECT 1", "warehouse_id": wh,
                         "parent_path": "/Workspace/Shared/sql", "catalog": "main",
                         "parameters": [{"name": "p", "title": "P", "text_value": {"value": "x"}}]}}),
    )
    .await
}

async fn mkdirs(emu: &Emu, path: &str) {
    emu.ok("/api/2.0/workspace/mkdirs", json!({ "path": path }))
        .await;
}

#[tokio::test]
async fn queries_live_in_the_tree_update_by_mask_and_trash() {
    let emu = common::start().await;
    let wh = warehouse(&emu).await;
    // match cloud behaviour: the parent folder must exist.
    let (s, e) = emu
        .post(
            Q,
            json!({"query": {"display_name": "q", "parent_path": "/Shared/sql"}}),
        )
        .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (404, Some("RESOURCE_DOES_NOT_EXIST"))
    );
    mkdirs(&emu, "/Shared/sql").await;
    let q = query(&emu, "Revenue", &wh).await;
    let id = q["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 36);
    assert_eq!(q["lifecycle_state"], "ACTIVE");
    assert_eq!(q["owner_user_name"], "admin@example.com");
    // match cloud behaviour: parent_path comes back with the /Workspace prefix.
    assert_eq!(q["parent_path"], "/Workspace/Shared/sql");
    let st = emu
        .get_ok("/api/2.0/workspace/get-status?path=/Shared/sql/Revenue")
        .await;
    assert_eq!(st["object_type"], "QUERY");
    assert_eq!(st["resource_id"], id.as_str());

    // A taken name is refused unless the request asks for a free one.
    let (s, e) = emu
        .post(
            Q,
            json!({"query": {"display_name": "Revenue", "parent_path": "/Shared/sql"}}),
        )
        .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (400, Some("RESOURCE_ALREADY_EXISTS"))
    );
    let twin = emu
        .ok(
            Q,
            json!({"auto_resolve_display_name": true,
                   "query": {"display_name": "Revenue", "parent_path": "/Shared/sql"}}),
        )
        .await;
    assert_eq!(twin["display_name"], "Revenue (1)");

    // The mask says what changes: a field not named stays, a named absent one is cleared.
    let path = format!("{Q}/{id}");
    let (s, u) = emu
        .call(
            "PATCH",
            &path,
            Some(json!({"update_mask": "display_name,catalog",
                        "query": {"display_name": "Income", "query_text": "ignored"}})),
        )
        .await;
    assert_eq!(s, 200, "{u}");
    assert_eq!(u["display_name"], "Income");
    assert_eq!(u["query_text"], "SELECT 1");
    assert!(u.get("catalog").is_none());
    assert_eq!(
        emu.get("/api/2.0/workspace/get-status?path=/Shared/sql/Income")
            .await
            .0,
        200
    );
    let (s, _) = emu
        .call(
            "PATCH",
            &path,
            Some(json!({"query": {"display_name": "x"}})),
        )
        .await;
    assert_eq!(s, 400, "update_mask is required");
    let (s, _) = emu
        .call(
            "PATCH",
            &path,
            Some(json!({"update_mask": "parent_path", "query": {"parent_path": "/Shared"}})),
        )
        .await;
    assert_eq!(s, 400, "parent_path is create-only");
    let (s, u) = emu
        .call(
            "PATCH",
            &path,
            Some(json!({"update_mask": "owner_user_name",
                        "query": {"owner_user_name": "bob@example.com"}})),
        )
        .await;
    assert_eq!(
        (s, u["owner_user_name"].as_str()),
        (200, Some("bob@example.com"))
    );

    // Delete = trash: readable by id, gone from the list and the tree.
    let (s, _) = emu.call("DELETE", &path, None).await;
    assert_eq!(s, 200);
    let g = emu.get_ok(&path).await;
    assert_eq!(g["lifecycle_state"], "TRASHED");
    let l = emu.get_ok(Q).await;
    assert_eq!(l["results"].as_array().unwrap().len(), 1);
    assert!(l["results"][0].get("parent_path").is_none());
    let (s, _) = emu
        .get("/api/2.0/workspace/get-status?path=/Shared/sql/Income")
        .await;
    assert_eq!(s, 404);
    let (s, e) = emu.get(&format!("{Q}/nope")).await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (404, Some("RESOURCE_DOES_NOT_EXIST"))
    );
}

#[tokio::test]
async fn query_lists_page_and_workspace_delete_trashes() {
    let emu = common::start().await;
    let wh = warehouse(&emu).await;
    mkdirs(&emu, "/Shared/sql").await;
    for i in 0..5 {
        query(&emu, &format!("q{i}"), &wh).await;
    }
    let mut names = Vec::new();
    let mut token = String::new();
    loop {
        let b = emu
            .get_ok(&format!("{Q}?page_size=2&page_token={token}"))
            .await;
        for r in b["results"].as_array().unwrap() {
            names.push(r["display_name"].as_str().unwrap().to_string());
        }
        match b["next_page_token"].as_str() {
            Some(t) => token = t.to_string(),
            None => break,
        }
    }
    assert_eq!(names, ["q0", "q1", "q2", "q3", "q4"]);
    let (s, _) = emu.get(&format!("{Q}?page_token=bogus")).await;
    assert_eq!(s, 400);
    // Deleting the folder through the workspace API trashes the queries in it.
    emu.ok(
        "/api/2.0/workspace/delete",
        json!({"path": "/Shared/sql", "recursive": true}),
    )
    .await;
    assert!(
        emu.get_ok(Q).await["results"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A warehouse that does not exist is refused.
    mkdirs(&emu, "/Shared/sql").await;
    let (s, e) = emu
        .post(
            Q,
            json!({"query": {"display_name": "x", "warehouse_id": "0000"}}),
        )
        .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (400, Some("RESOURCE_DOES_NOT_EXIST"))
    );
}

#[tokio::test]
async fn visualizations_alerts_permissions_and_legacy_views() {
    let emu = common::start().await;
    let wh = warehouse(&emu).await;
    mkdirs(&emu, "/Shared/sql").await;
    let qid = query(&emu, "Revenue", &wh).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let v = emu
        .ok(
            "/api/2.0/sql/visualizations",
            json!({"visualization": {"query_id": qid, "type": "CHART", "display_name": "Bars",
                                     "serialized_options": "{\"x\": 1}"}}),
        )
        .await;
    let vid = v["id"].as_str().unwrap().to_string();
    let (s, u) = emu
        .call(
            "PATCH",
            &format!("/api/2.0/sql/visualizations/{vid}"),
            Some(json!({"update_mask": "display_name", "visualization": {"display_name": "Pie"}})),
        )
        .await;
    assert_eq!((s, u["display_name"].as_str()), (200, Some("Pie")));
    let (s, _) = emu
        .post(
            "/api/2.0/sql/visualizations",
            json!({"visualization": {"query_id": qid, "type": "T", "serialized_options": "{"}}),
        )
        .await;
    assert_eq!(s, 400, "serialized_options must be JSON text");
    let list = emu.get_ok(&format!("{Q}/{qid}/visualizations")).await;
    assert_eq!(list["results"][0]["id"], vid.as_str());

    // Alerts need an existing query and a known operator.
    let cond = json!({"op": "GREATER_THAN", "operand": {"column": {"name": "c"}},
                      "threshold": {"value": {"double_value": 1.0}}});
    let (s, _) = emu
        .post(
            "/api/2.0/sql/alerts",
            json!({"alert": {"display_name": "a", "query_id": "nope", "condition": cond}}),
        )
        .await;
    assert_eq!(s, 404);
    let a = emu
        .ok(
            "/api/2.0/sql/alerts",
            json!({"alert": {"display_name": "High", "query_id": qid, "condition": cond,
                             "parent_path": "/Shared/sql"}}),
        )
        .await;
    assert_eq!(a["state"], "UNKNOWN");
    let aid = a["id"].as_str().unwrap().to_string();
    let st = emu
        .get_ok("/api/2.0/workspace/get-status?path=/Shared/sql/High")
        .await;
    assert_eq!(st["object_type"], "ALERT");

    // Permissions: the creator manages; levels as the generic API has them; both spellings.
    let p = emu
        .get_ok(&format!("/api/2.0/permissions/sql/queries/{qid}"))
        .await;
    assert_eq!(p["object_type"], "query");
    assert_eq!(p["object_id"], format!("/sql/queries/{qid}"));
    let (s, _) = emu
        .call(
            "PATCH",
            &format!("/api/2.0/permissions/queries/{qid}"),
            Some(json!({"access_control_list": [{"group_name": "users", "permission_level": "CAN_RUN"}]})),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = emu
        .call(
            "PATCH",
            &format!("/api/2.0/permissions/sql/alerts/{aid}"),
            Some(json!({"access_control_list": [{"group_name": "users", "permission_level": "IS_OWNER"}]})),
        )
        .await;
    assert_eq!(s, 400, "no IS_OWNER level on alerts");

    // The legacy API shows the same query, paged by number.
    let l = emu
        .get_ok("/api/2.0/preview/sql/queries?page_size=1&page=1")
        .await;
    assert_eq!(
        (l["count"].as_u64(), l["page"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(l["results"][0]["id"], qid.as_str());
    assert_eq!(l["results"][0]["query"], "SELECT 1");
    assert!(
        l["results"][0]["parent"]
            .as_str()
            .unwrap()
            .starts_with("folders/")
    );
    let l2 = emu
        .get_ok("/api/2.0/preview/sql/queries?page_size=1&page=2")
        .await;
    assert!(l2["results"].as_array().unwrap().is_empty());
    let ds = emu.get_ok("/api/2.0/preview/sql/data_sources").await;
    assert_eq!(ds[0]["warehouse_id"], wh.as_str());
    assert_eq!(l["results"][0]["data_source_id"], ds[0]["id"]);
    let d = emu
        .ok(
            "/api/2.0/preview/sql/dashboards",
            json!({"name": "Old board"}),
        )
        .await;
    let did = d["id"].as_str().unwrap().to_string();
    emu.ok(
        "/api/2.0/preview/sql/widgets",
        json!({"dashboard_id": did, "visualization_id": vid, "width": 1, "options": {}}),
    )
    .await;
    let full = emu
        .get_ok(&format!("/api/2.0/preview/sql/dashboards/{did}"))
        .await;
    assert_eq!(
        full["widgets"][0]["visualization"]["query"]["id"],
        qid.as_str()
    );
    let ld = emu.get_ok("/api/2.0/preview/sql/dashboards").await;
    assert_eq!(ld["count"], 1);
}

#[tokio::test]
async fn alerts_v2_schedule_and_mask_in_the_query_string() {
    let emu = common::start().await;
    let wh = warehouse(&emu).await;
    mkdirs(&emu, "/Shared/alerts").await;
    let body = json!({"display_name": "Late", "query_text": "SELECT 1 AS c", "warehouse_id": wh,
        "parent_path": "/Shared/alerts",
        "schedule": {"quartz_cron_schedule": "0 0 * * * ?", "timezone_id": "UTC"},
        "evaluation": {"source": {"name": "c"}, "comparison_operator": "GREATER_THAN",
                       "threshold": {"value": {"double_value": 1.0}}}});
    let a = emu.ok("/api/2.0/alerts", body).await;
    let id = a["id"].as_str().unwrap().to_string();
    assert_eq!(a["schedule"]["pause_status"], "UNPAUSED");
    assert_eq!(a["lifecycle_state"], "ACTIVE");
    assert_eq!(a["effective_run_as"]["user_name"], "admin@example.com");
    assert_eq!(a["evaluation"]["state"], "UNKNOWN");
    let st = emu
        .get_ok("/api/2.0/workspace/get-status?path=/Shared/alerts/Late.dbalert.json")
        .await;
    assert_eq!(st["resource_id"], id.as_str());
    let path = format!("/api/2.0/alerts/{id}?update_mask=schedule.pause_status");
    let (s, u) = emu
        .call(
            "PATCH",
            &path,
            Some(json!({"schedule": {"pause_status": "PAUSED"}})),
        )
        .await;
    assert_eq!(s, 200, "{u}");
    assert_eq!(u["schedule"]["pause_status"], "PAUSED");
    assert_eq!(u["schedule"]["timezone_id"], "UTC");
    let l = emu.get_ok("/api/2.0/alerts").await;
    assert_eq!(l["alerts"][0]["id"], id.as_str());
    emu.call("DELETE", &format!("/api/2.0/alerts/{id}"), None)
        .await;
    let (s, e) = emu.get(&format!("/api/2.0/alerts/{id}")).await;
    assert_eq!(s, 404);
    assert_eq!(
        e["message"],
        format!("Alert with ID '{id}' does not exist.")
    );
}

#[tokio::test]
async fn jobs_refuse_sql_tasks_on_missing_objects() {
    let emu = common::start().await;
    let wh = warehouse(&emu).await;
    mkdirs(&emu, "/Shared/sql").await;
    let qid = query(&emu, "Revenue", &wh).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let task = |q: &str| {
        json!({"name": "j", "tasks": [{"task_key": "t",
               "sql_task": {"warehouse_id": wh, "query": {"query_id": q}}}]})
    };
    emu.ok("/api/2.1/jobs/create", task(&qid)).await;
    let (s, e) = emu.post("/api/2.1/jobs/create", task("nope")).await;
    assert_eq!(s, 400);
    assert!(e["message"].as_str().unwrap().contains("nope"));
    let (s, _) = emu
        .post(
            "/api/2.1/jobs/create",
            json!({"name": "d", "tasks": [{"task_key": "t", "dashboard_task": {"dashboard_id": "x"}}]}),
        )
        .await;
    assert_eq!(s, 400);
}
