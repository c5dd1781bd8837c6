//! The AI/BI handlers: Lakeview dashboards (the draft's unwrapped body, publish, schedules and
//! subscriptions under their dashboard, every list paged by `page_token` under its own key),
//! and Genie spaces (`include_serialized_space`, `PATCH`); each in its own rate-limit family.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{Method, Uri};
use brickport_api::Family;
use brickport_api::types::genie::GenieSpaceRequest;
use brickport_api::types::lakeview::{
    CronSchedule, Dashboard, DestinationSubscriber, PublishRequest, Schedule, Subscriber,
    Subscription,
};
use futures::TryStreamExt;
use serde_json::{Value, json};

use crate::server::{client, serve};

type Log = Arc<Mutex<Vec<(String, String, HashMap<String, String>, Value)>>>;

/// A page of `items` (under `key`) two at a time, by a numeric `page_token`.
fn token_page(key: &str, items: &[Value], q: &HashMap<String, String>) -> Value {
    let start: usize = q.get("page_token").map_or(0, |t| t.parse().unwrap());
    let page: Vec<Value> = items.iter().skip(start).take(2).cloned().collect();
    let mut body = json!({ key: page });
    if start + 2 < items.len() {
        body["next_page_token"] = json!((start + 2).to_string());
    }
    body
}

fn answer(method: &str, path: &str, q: &HashMap<String, String>) -> Value {
    let ids =
        |p: &str, n: usize| -> Vec<Value> { (1..=n).map(|i| json!({p: format!("{i}")})).collect() };
    match (method, path) {
        ("GET", "/api/2.0/lakeview/dashboards") => {
            token_page("dashboards", &ids("dashboard_id", 3), q)
        }
        ("POST", "/api/2.0/lakeview/dashboards") => {
            json!({"dashboard_id": "d1", "etag": "1", "lifecycle_state": "ACTIVE"})
        }
        ("GET", "/api/2.0/lakeview/dashboards/d1/schedules") => {
            token_page("schedules", &ids("schedule_id", 3), q)
        }
        ("POST", "/api/2.0/lakeview/dashboards/d1/schedules") => {
            json!({"schedule_id": "s1", "etag": "1", "pause_status": "PAUSED"})
        }
        ("GET", "/api/2.0/lakeview/dashboards/d1/schedules/s1/subscriptions") => {
            token_page("subscriptions", &ids("subscription_id", 1), q)
        }
        ("POST", "/api/2.0/lakeview/dashboards/d1/published") => {
            json!({"embed_credentials": false, "warehouse_id": "w"})
        }
        ("GET", "/api/2.0/genie/spaces") => token_page("spaces", &ids("space_id", 3), q),
        ("POST", "/api/2.0/genie/spaces") => json!({"space_id": "g1", "title": "t"}),
        _ => json!({}),
    }
}

async fn recorder(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> axum::Json<Value> {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let path = uri.path().to_string();
    let a = answer(method.as_str(), &path, &q);
    log.lock()
        .unwrap()
        .push((method.to_string(), path, q, body));
    axum::Json(a)
}

async fn setup() -> (brickport_api::WorkspaceClient, Log) {
    let log: Log = Arc::default();
    let router = Router::new().fallback(recorder).with_state(log.clone());
    (client(&serve(router).await), log)
}

fn last(log: &Log) -> (String, String, HashMap<String, String>, Value) {
    log.lock().unwrap().last().cloned().unwrap()
}

#[tokio::test]
async fn dashboards_draft_publish_schedules_and_subscriptions() {
    let (c, log) = setup().await;
    let lv = c.lakeview();
    let d = Dashboard {
        display_name: Some("Sales".into()),
        parent_path: Some("/Shared/bi".into()),
        warehouse_id: Some("w".into()),
        serialized_dashboard: Some(r#"{"pages":[]}"#.into()),
        ..Dashboard::default()
    };
    assert_eq!(
        lv.create(&d).await.unwrap().dashboard_id.as_deref(),
        Some("d1")
    );
    let (m, p, _, body) = last(&log);
    assert_eq!(
        (m.as_str(), p.as_str()),
        ("POST", "/api/2.0/lakeview/dashboards")
    );
    assert_eq!(
        body,
        json!({"display_name": "Sales", "parent_path": "/Shared/bi", "warehouse_id": "w",
               "serialized_dashboard": "{\"pages\":[]}"}),
        "the dashboard is the body, unwrapped"
    );
    lv.update("d1", &d).await.unwrap();
    assert_eq!(last(&log).0, "PATCH");

    let publish = PublishRequest {
        embed_credentials: Some(false),
        warehouse_id: Some("w".into()),
        ..PublishRequest::default()
    };
    let published = lv.publish("d1", &publish).await.unwrap();
    assert_eq!(published.embed_credentials, Some(false));
    assert_eq!(
        last(&log).3,
        json!({"embed_credentials": false, "warehouse_id": "w"})
    );
    lv.unpublish("d1").await.unwrap();
    let (m, p, _, _) = last(&log);
    assert_eq!(
        (m.as_str(), p.as_str()),
        ("DELETE", "/api/2.0/lakeview/dashboards/d1/published")
    );

    let s = Schedule {
        display_name: Some("daily".into()),
        cron_schedule: Some(CronSchedule {
            quartz_cron_expression: Some("0 0 8 * * ?".into()),
            timezone_id: Some("UTC".into()),
            ..CronSchedule::default()
        }),
        pause_status: Some("PAUSED".into()),
        ..Schedule::default()
    };
    let created = lv.create_schedule("d1", &s).await.unwrap();
    assert_eq!(created.schedule_id.as_deref(), Some("s1"));
    lv.update_schedule("d1", "s1", &s).await.unwrap();
    let (m, p, _, body) = last(&log);
    assert_eq!(
        (m.as_str(), p.as_str()),
        ("PUT", "/api/2.0/lakeview/dashboards/d1/schedules/s1")
    );
    assert_eq!(body["cron_schedule"]["timezone_id"], "UTC");

    let sub = Subscription {
        subscriber: Some(Subscriber {
            destination_subscriber: Some(DestinationSubscriber {
                destination_id: Some("dest".into()),
                ..DestinationSubscriber::default()
            }),
            ..Subscriber::default()
        }),
        ..Subscription::default()
    };
    lv.create_subscription("d1", "s1", &sub).await.unwrap();
    let (_, p, _, body) = last(&log);
    assert_eq!(
        p,
        "/api/2.0/lakeview/dashboards/d1/schedules/s1/subscriptions"
    );
    assert_eq!(
        body,
        json!({"subscriber": {"destination_subscriber": {"destination_id": "dest"}}})
    );
    lv.delete_subscription("d1", "s1", "x").await.unwrap();
    assert_eq!(
        last(&log).1,
        "/api/2.0/lakeview/dashboards/d1/schedules/s1/subscriptions/x"
    );
    lv.delete_schedule("d1", "s1").await.unwrap();
    assert_eq!(last(&log).0, "DELETE");
    lv.trash("d1").await.unwrap();
    assert_eq!(last(&log).1, "/api/2.0/lakeview/dashboards/d1");
    assert!(c.stats().family(Family::Lakeview).requests >= 10);
}

#[tokio::test]
async fn every_aibi_list_pages() {
    let (c, log) = setup().await;
    let lv = c.lakeview();
    let dashboards: Vec<String> = lv
        .list()
        .map_ok(|d| d.dashboard_id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(dashboards, ["1", "2", "3"]);
    assert_eq!(last(&log).2["page_token"], "2");
    assert_eq!(last(&log).2["page_size"], "100");
    let schedules: Vec<_> = lv.schedules("d1").try_collect().await.unwrap();
    assert_eq!(schedules.len(), 3);
    let subs: Vec<_> = lv.subscriptions("d1", "s1").try_collect().await.unwrap();
    assert_eq!(subs[0].subscription_id.as_deref(), Some("1"));

    let spaces: Vec<_> = c.genie().list().try_collect().await.unwrap();
    assert_eq!(spaces.len(), 3);
    assert_eq!(c.stats().family(Family::Genie).requests, 2);
}

#[tokio::test]
async fn genie_asks_for_the_serialized_space_and_patches() {
    let (c, log) = setup().await;
    let g = c.genie();
    g.get("g1", true).await.unwrap();
    let (_, path, q, _) = last(&log);
    assert_eq!(path, "/api/2.0/genie/spaces/g1");
    assert_eq!(q["include_serialized_space"], "true");
    let req = GenieSpaceRequest {
        title: Some("t".into()),
        warehouse_id: Some("w".into()),
        serialized_space: Some(r#"{"version":1}"#.into()),
        ..GenieSpaceRequest::default()
    };
    assert_eq!(
        g.create(&req).await.unwrap().space_id.as_deref(),
        Some("g1")
    );
    assert_eq!(last(&log).3["serialized_space"], r#"{"version":1}"#);
    g.update("g1", &req).await.unwrap();
    assert_eq!(last(&log).0, "PATCH");
    g.trash("g1").await.unwrap();
    assert_eq!(last(&log).0, "DELETE");
}
