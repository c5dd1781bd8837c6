//! AI/BI dashboards and Genie spaces: the draft (missing parent, the service's rewrite of the
//! document, etags, rename in the tree), publish / unpublish, schedules and subscriptions,
//! trash; Genie's serialized space, etag and 403 for a missing space; permissions; paging.

use serde_json::{Value, json};

use crate::common::{self, Emu};

const D: &str = "/api/2.0/lakeview/dashboards";
const G: &str = "/api/2.0/genie/spaces";

async fn warehouse(emu: &Emu) -> String {
    let w = emu
        .ok(
            "/api/2.0/sql/warehouses",
            json!({"name": "wh", "cluster_size": "2X-Small", "max_num_clusters": 1}),
        )
        .await;
    w["id"].as_str().unwrap().to_string()
}

const DOC: &str = r#"{"pages": [{"name": "p1", "displayName": "Sales"}], "datasets": [{"name": "d1", "query": "SELECT * FROM t"}]}"#;

async fn dashboard(emu: &Emu, name: &str, wh: &str) -> Value {
    emu.ok(
        D,
        json!({"display_name": name, "warehouse_id": wh, "serialized_dashboard": DOC,
               "parent_path": "/Workspace/Shared/bi"}),
    )
    .await
}

#[tokio::test]
async fn drafts_rewrite_etags_rename_publish_and_trash() {
    let emu = common::start().await;
    let wh = warehouse(&emu).await;
    // match cloud behaviour: a missing parent folder is a 404; clients mkdirs and retry.
    let (s, e) = emu
        .post(D, json!({"display_name": "x", "parent_path": "/Shared/bi"}))
        .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (404, Some("RESOURCE_DOES_NOT_EXIST"))
    );
    emu.ok("/api/2.0/workspace/mkdirs", json!({"path": "/Shared/bi"}))
        .await;
    let d = dashboard(&emu, "Sales", &wh).await;
    let id = d["dashboard_id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    assert_eq!(d["parent_path"], "/Shared/bi");
    assert_eq!(d["path"], "/Shared/bi/Sales.lvdash.json");
    // The text changes, the document does not (besides pageType).
    let text = d["serialized_dashboard"].as_str().unwrap();
    assert_ne!(text, DOC);
    let doc: Value = serde_json::from_str(text).unwrap();
    assert_eq!(doc["datasets"][0]["query"], "SELECT * FROM t");
    assert_eq!(doc["pages"][0]["pageType"], "PAGE_TYPE_CANVAS");
    let st = emu
        .get_ok("/api/2.0/workspace/get-status?path=/Shared/bi/Sales.lvdash.json")
        .await;
    assert_eq!(
        (st["object_type"].as_str(), st["resource_id"].as_str()),
        (Some("DASHBOARD"), Some(id.as_str()))
    );

    // A stale etag is refused; a fresh one moves on; a rename moves the tree entry.
    let path = format!("{D}/{id}");
    let etag = d["etag"].as_str().unwrap().to_string();
    let (s, u) = emu
        .call(
            "PATCH",
            &path,
            Some(json!({"display_name": "Revenue", "etag": etag})),
        )
        .await;
    assert_eq!(s, 200, "{u}");
    assert_ne!(u["etag"], etag.as_str());
    assert_eq!(u["path"], "/Shared/bi/Revenue.lvdash.json");
    let (s, _) = emu
        .call(
            "PATCH",
            &path,
            Some(json!({"display_name": "X", "etag": etag})),
        )
        .await;
    assert_eq!(s, 409);
    let (s, _) = emu
        .call("PATCH", &path, Some(json!({"parent_path": "/Shared"})))
        .await;
    assert_eq!(s, 400, "parent_path is immutable");

    // Publish: a copy with its own warehouse; gone again after unpublish.
    let (s, e) = emu.get(&format!("{path}/published")).await;
    assert_eq!(s, 404);
    assert_eq!(
        e["message"],
        format!("Unable to find published dashboard [{id}]")
    );
    let (s, _) = emu
        .post(
            &format!("{path}/published"),
            json!({"warehouse_id": "nope"}),
        )
        .await;
    assert_eq!(s, 400);
    let p = emu
        .ok(
            &format!("{path}/published"),
            json!({"embed_credentials": false}),
        )
        .await;
    assert_eq!(
        (p["embed_credentials"].as_bool(), p["warehouse_id"].as_str()),
        (Some(false), Some(wh.as_str()))
    );
    assert_eq!(
        emu.get_ok(&format!("{path}/published")).await["display_name"],
        "Revenue"
    );
    assert_eq!(
        emu.call("DELETE", &format!("{path}/published"), None)
            .await
            .0,
        200
    );
    assert_eq!(emu.get(&format!("{path}/published")).await.0, 404);

    // Trash: readable with TRASHED, gone from the list and the tree; twice is refused.
    assert_eq!(emu.call("DELETE", &path, None).await.0, 200);
    assert_eq!(emu.get_ok(&path).await["lifecycle_state"], "TRASHED");
    assert!(emu.get_ok(D).await.get("dashboards").is_none());
    let all = emu.get_ok(&format!("{D}?show_trashed=true")).await;
    assert_eq!(all["dashboards"][0]["dashboard_id"], id.as_str());
    assert_eq!(emu.call("DELETE", &path, None).await.0, 403);
    assert_eq!(
        emu.get("/api/2.0/workspace/get-status?path=/Shared/bi/Revenue.lvdash.json")
            .await
            .0,
        404
    );
}

#[tokio::test]
async fn schedules_subscriptions_permissions_and_paging() {
    let emu = common::start().await;
    let wh = warehouse(&emu).await;
    emu.ok("/api/2.0/workspace/mkdirs", json!({"path": "/Shared/bi"}))
        .await;
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            dashboard(&emu, &format!("d{i}"), &wh).await["dashboard_id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let page = emu.get_ok(&format!("{D}?page_size=2")).await;
    assert_eq!(page["dashboards"].as_array().unwrap().len(), 2);
    assert!(page["dashboards"][0].get("serialized_dashboard").is_none());
    let next = page["next_page_token"].as_str().unwrap();
    let rest = emu
        .get_ok(&format!("{D}?page_size=2&page_token={next}"))
        .await;
    assert_eq!(rest["dashboards"][0]["dashboard_id"], ids[2].as_str());

    let sp = format!("{D}/{}/schedules", ids[0]);
    let s = emu
        .ok(
            &sp,
            json!({"cron_schedule": {"quartz_cron_expression": "0 0 8 * * ?", "timezone_id": "UTC"},
                        "display_name": "daily"}),
        )
        .await;
    assert_eq!(s["pause_status"], "UNPAUSED");
    let sid = s["schedule_id"].as_str().unwrap().to_string();
    let one = format!("{sp}/{sid}");
    let (st, _) = emu
        .call(
            "PUT",
            &one,
            Some(
                json!({"cron_schedule": s["cron_schedule"], "pause_status": "PAUSED", "etag": "1"}),
            ),
        )
        .await;
    assert_eq!(st, 409, "stale etag");
    let (st, u) = emu
        .call("PUT", &one, Some(json!({"cron_schedule": s["cron_schedule"], "pause_status": "PAUSED", "etag": s["etag"]})))
        .await;
    assert_eq!((st, u["pause_status"].as_str()), (200, Some("PAUSED")));

    let me = emu.get_ok("/api/2.0/preview/scim/v2/Me").await;
    let uid: i64 = me["id"].as_str().unwrap().parse().unwrap();
    let subs = format!("{one}/subscriptions");
    let sub = emu
        .ok(
            &subs,
            json!({"subscriber": {"user_subscriber": {"user_id": uid}}}),
        )
        .await;
    assert_eq!(sub["created_by_user_id"], uid);
    let (st, _) = emu
        .post(
            &subs,
            json!({"subscriber": {"destination_subscriber": {"destination_id": "nope"}}}),
        )
        .await;
    assert_eq!(st, 400);
    assert_eq!(
        emu.get_ok(&subs).await["subscriptions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    for _ in 0..9 {
        emu.ok(&sp, json!({"cron_schedule": {"quartz_cron_expression": "0 0 8 * * ?", "timezone_id": "UTC"}}))
            .await;
    }
    let (st, _) = emu
        .post(&sp, json!({"cron_schedule": {"quartz_cron_expression": "0 0 8 * * ?", "timezone_id": "UTC"}}))
        .await;
    assert_eq!(st, 400, "at most 10 schedules");

    let p = emu
        .get_ok(&format!("/api/2.0/permissions/dashboards/{}", ids[0]))
        .await;
    assert_eq!(p["object_type"], "dashboard");
    let lv = emu
        .get_ok(&format!(
            "/api/2.0/permissions/dashboards/{}/permissionLevels",
            ids[0]
        ))
        .await;
    assert_eq!(lv["permission_levels"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn genie_spaces() {
    let emu = common::start().await;
    let wh = warehouse(&emu).await;
    let body = json!({"title": "Sales Q&A", "warehouse_id": wh,
        "serialized_space": "{\"version\": 1, \"config\": {\"sample_questions\": []}}"});
    let g = emu.ok(G, body).await;
    let id = g["space_id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32);
    // match cloud behaviour: the home folder by default; version 1 upgraded on write.
    assert_eq!(g["parent_path"], "/Users/admin@example.com");
    let doc: Value = serde_json::from_str(g["serialized_space"].as_str().unwrap()).unwrap();
    assert_eq!(doc["version"], 2);
    let plain = emu.get_ok(&format!("{G}/{id}")).await;
    assert!(plain.get("serialized_space").is_none() && plain.get("etag").is_none());
    let full = emu
        .get_ok(&format!("{G}/{id}?include_serialized_space=true"))
        .await;
    let etag = full["etag"].as_str().unwrap().to_string();
    let st = emu
        .get_ok("/api/2.0/workspace/get-status?path=/Users/admin@example.com/Sales Q%26A")
        .await;
    assert_eq!(st["object_type"], "GENIE_SPACE");
    emu.ok(
        "/api/2.0/workspace/mkdirs",
        json!({"path": "/Shared/genie"}),
    )
    .await;
    let (s, u) = emu
        .call(
            "PATCH",
            &format!("{G}/{id}"),
            Some(json!({"parent_path": "/Shared/genie", "etag": etag})),
        )
        .await;
    assert_eq!((s, u["parent_path"].as_str()), (200, Some("/Shared/genie")));
    let (s, _) = emu
        .call(
            "PATCH",
            &format!("{G}/{id}"),
            Some(json!({"title": "x", "etag": etag})),
        )
        .await;
    assert_eq!(s, 409, "stale etag");
    assert_eq!(emu.get_ok(G).await["spaces"][0]["space_id"], id.as_str());
    let p = emu
        .get_ok(&format!("/api/2.0/permissions/genie/{id}"))
        .await;
    assert_eq!(p["object_type"], "genie-space");
    assert_eq!(emu.call("DELETE", &format!("{G}/{id}"), None).await.0, 200);
    // match cloud behaviour: a missing space is 403, not 404.
    let (s, e) = emu.get(&format!("{G}/{id}")).await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (403, Some("PERMISSION_DENIED"))
    );
    assert_eq!(
        emu.get("/api/2.0/workspace/get-status?path=/Shared/genie/Sales Q%26A")
            .await
            .0,
        404
    );
}
