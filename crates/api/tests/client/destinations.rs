//! Notification destinations: the handlers' methods, paths and bodies on the wire, the list's
//! `page_size`/`page_token` paging under `results`, and write-only parts that reach the wire
//! but never a `Debug` of what the client returns or sends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{Method, Uri};
use brickport_api::Secret;
use brickport_api::types::notification_destinations::{
    DestinationConfig, DestinationRequest, GenericWebhookConfig,
};
use futures::TryStreamExt;
use serde_json::{Value, json};

use crate::server::{client, serve};

type Log = Arc<Mutex<Vec<(String, String, HashMap<String, String>, Value)>>>;

const PASSWORD: &str = "pw-7f3e-destination";

/// A small imitation: two pages of list results; get/create/update answer the object with
/// `*_set` flags only, as the platform does.
async fn server(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> axum::Json<Value> {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let path = uri.path().to_string();
    log.lock()
        .unwrap()
        .push((method.to_string(), path.clone(), q.clone(), body));
    let object = json!({"id": "d-1", "display_name": "hook", "destination_type": "WEBHOOK",
        "config": {"generic_webhook": {"url_set": true, "password_set": true, "username_set": false}}});
    axum::Json(match (method.as_str(), path.as_str()) {
        ("GET", "/api/2.0/notification-destinations") => match q.get("page_token") {
            None => json!({"results": [
                {"id": "d-1", "display_name": "hook", "destination_type": "WEBHOOK"},
                {"id": "d-2", "display_name": "team", "destination_type": "EMAIL"}],
                "next_page_token": "n2"}),
            Some(t) if t == "n2" => json!({"results": [
                {"id": "d-3", "display_name": "pager", "destination_type": "PAGERDUTY"}]}),
            Some(other) => panic!("unexpected token {other}"),
        },
        ("DELETE", _) => json!({}),
        _ => object,
    })
}

#[tokio::test]
async fn destinations_on_the_wire() {
    let log: Log = Arc::default();
    let router = Router::new().fallback(server).with_state(log.clone());
    let c = client(&serve(router).await);
    let nd = c.notification_destinations();

    let listed: Vec<_> = nd.list(Some(2)).try_collect().await.unwrap();
    let names: Vec<_> = listed
        .iter()
        .filter_map(|d| d.display_name.clone())
        .collect();
    assert_eq!(names, ["hook", "team", "pager"]);
    let queries: Vec<_> = log.lock().unwrap().iter().map(|e| e.2.clone()).collect();
    assert_eq!(queries[0].get("page_size").map(String::as_str), Some("2"));
    assert_eq!(queries[1].get("page_token").map(String::as_str), Some("n2"));

    let read = nd.get("d-1").await.unwrap();
    let hook = read.config.unwrap().generic_webhook.unwrap();
    assert_eq!((hook.url_set, hook.username_set), (Some(true), Some(false)));
    assert!(hook.url.is_none(), "write-only parts are never read back");

    let request = DestinationRequest {
        display_name: Some("hook".into()),
        config: Some(DestinationConfig {
            generic_webhook: Some(GenericWebhookConfig {
                url: Some(Secret::new("https://hooks.example.com/x")),
                password: Some(Secret::new(PASSWORD)),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    };
    let created = nd.create(&request).await.unwrap();
    assert_eq!(created.id.as_deref(), Some("d-1"));
    nd.update("d-1", &request).await.unwrap();
    nd.delete("d-1").await.unwrap();

    let seen: Vec<_> = log.lock().unwrap().clone();
    let writes: Vec<(&str, &str)> = seen[3..]
        .iter()
        .map(|(m, p, _, _)| (m.as_str(), p.as_str()))
        .collect();
    assert_eq!(
        writes,
        [
            ("POST", "/api/2.0/notification-destinations"),
            ("PATCH", "/api/2.0/notification-destinations/d-1"),
            ("DELETE", "/api/2.0/notification-destinations/d-1"),
        ]
    );
    let sent = json!({"display_name": "hook", "config": {"generic_webhook": {
        "url": "https://hooks.example.com/x", "password": PASSWORD}}});
    assert_eq!(seen[3].3, sent);
    assert_eq!(seen[4].3, sent);
    let shown = format!("{request:?} {created:?}");
    assert!(
        !shown.contains(PASSWORD) && !shown.contains("hooks.example.com"),
        "{shown}"
    );
}
