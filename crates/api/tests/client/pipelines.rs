//! The pipelines handlers: the spec at the top level of create and edit (unknown fields
//! kept), `get`'s answer with its spec and `run_as`, the paged list with its filter and page
//! size, the exact-name lookup over a `name LIKE` filter, stop and delete.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{Method, Uri};
use brickport_api::Family;
use brickport_api::types::pipelines::{
    CreatePipeline, EditPipeline, PipelineListQuery, PipelineSpec, RunAs,
};
use futures::TryStreamExt;
use serde_json::{Value, json};

use crate::server::{client, serve};

type Log = Arc<Mutex<Vec<(String, String, HashMap<String, String>, Value)>>>;

/// Three pipelines in pages of two; `name LIKE 'a_b'` matches `a_b` and `axb`.
fn list_page(q: &HashMap<String, String>) -> Value {
    let all = [("p1", "a_b"), ("p2", "axb"), ("p3", "other")];
    let like = q.get("filter").map(|f| f.as_str());
    let names: Vec<(&str, &str)> = all
        .into_iter()
        .filter(|(_, n)| like != Some("name LIKE 'a_b'") || *n != "other")
        .collect();
    let start: usize = q.get("page_token").map_or(0, |t| t.parse().unwrap());
    let page: Vec<Value> = names
        .iter()
        .skip(start)
        .take(2)
        .map(|(id, n)| json!({"pipeline_id": id, "name": n, "state": "IDLE"}))
        .collect();
    let mut body = json!({ "statuses": page });
    if start + 2 < names.len() {
        body["next_page_token"] = json!((start + 2).to_string());
    }
    body
}

async fn recorder(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> axum::Json<Value> {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    log.lock().unwrap().push((
        method.to_string(),
        uri.path().to_string(),
        q.clone(),
        body.clone(),
    ));
    axum::Json(match (method.as_str(), uri.path()) {
        ("GET", "/api/2.0/pipelines") => list_page(&q),
        ("POST", "/api/2.0/pipelines") => json!({"pipeline_id": "new-1"}),
        ("GET", "/api/2.0/pipelines/p1") => json!({
            "pipeline_id": "p1", "name": "a_b", "state": "IDLE",
            "run_as": {"service_principal_name": "11111111-2222-3333-4444-555555555555"},
            "parameters": {"k": "v"},
            "effective_publishing_mode": "DEFAULT_PUBLISHING_MODE",
            "spec": {"id": "p1", "name": "a_b", "continuous": true, "catalog": "main",
                     "schema": "s", "future_field": {"x": 1},
                     "libraries": [{"notebook": {"path": "/Shared/dlt"}}]}
        }),
        _ => json!({}),
    })
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
async fn get_keeps_unknown_fields_and_create_sends_the_spec_at_the_top() {
    let (c, log) = setup().await;
    let p = c.pipelines().get("p1").await.unwrap();
    let spec = p.spec.clone().unwrap();
    assert_eq!(spec.continuous, Some(true));
    assert_eq!(spec.extra["future_field"], json!({"x": 1}));
    assert_eq!(
        p.run_as.as_ref().unwrap().service_principal_name.as_deref(),
        Some("11111111-2222-3333-4444-555555555555")
    );
    assert_eq!(
        p.extra["effective_publishing_mode"],
        "DEFAULT_PUBLISHING_MODE"
    );

    let create = CreatePipeline {
        spec: PipelineSpec {
            id: None,
            continuous: Some(false),
            ..spec.clone()
        },
        allow_duplicate_names: Some(false),
        run_as: p.run_as.clone(),
        parameters: p.parameters.clone(),
        ..CreatePipeline::default()
    };
    assert_eq!(c.pipelines().create(&create).await.unwrap(), "new-1");
    let (method, path, _, body) = last(&log);
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("POST", "/api/2.0/pipelines")
    );
    assert_eq!(
        body,
        json!({"name": "a_b", "continuous": false, "catalog": "main", "schema": "s",
               "libraries": [{"notebook": {"path": "/Shared/dlt"}}], "future_field": {"x": 1},
               "allow_duplicate_names": false, "parameters": {"k": "v"},
               "run_as": {"service_principal_name": "11111111-2222-3333-4444-555555555555"}})
    );

    let edit = EditPipeline {
        spec: PipelineSpec {
            name: Some("renamed".into()),
            ..PipelineSpec::default()
        },
        run_as: Some(RunAs {
            user_name: Some("a@x.com".into()),
            ..RunAs::default()
        }),
        ..EditPipeline::default()
    };
    c.pipelines().edit("p1", &edit).await.unwrap();
    let (method, path, _, body) = last(&log);
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("PUT", "/api/2.0/pipelines/p1")
    );
    assert_eq!(
        body,
        json!({"name": "renamed", "run_as": {"user_name": "a@x.com"}})
    );
    c.pipelines().stop("p1").await.unwrap();
    assert_eq!(
        (last(&log).0, last(&log).1),
        ("POST".to_string(), "/api/2.0/pipelines/p1/stop".to_string())
    );
    c.pipelines().delete("p1").await.unwrap();
    assert_eq!(last(&log).0, "DELETE");
}

#[tokio::test]
async fn list_pages_and_finds_by_exact_name() {
    let (c, log) = setup().await;
    let all: Vec<String> = c
        .pipelines()
        .list(&PipelineListQuery {
            max_results: Some(500),
            ..PipelineListQuery::default()
        })
        .map_ok(|p| p.pipeline_id.unwrap())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(all, ["p1", "p2", "p3"]);
    let queries: Vec<HashMap<String, String>> =
        log.lock().unwrap().iter().map(|e| e.2.clone()).collect();
    assert_eq!(queries.len(), 2, "two pages");
    assert!(
        queries.iter().all(|q| q["max_results"] == "100"),
        "the page size is capped at 100: {queries:?}"
    );
    assert_eq!(queries[1]["page_token"], "2");

    // `_` is a LIKE wildcard: the filter matches `axb` too, the lookup keeps only `a_b`.
    let named = c.pipelines().named("a_b").await.unwrap();
    let ids: Vec<&str> = named
        .iter()
        .filter_map(|p| p.pipeline_id.as_deref())
        .collect();
    assert_eq!(ids, ["p1"]);
    assert_eq!(last(&log).2["filter"], "name LIKE 'a_b'");
    assert_eq!(
        PipelineListQuery::name_like("it's").filter.as_deref(),
        Some("name LIKE 'it''s'")
    );
    assert_eq!(
        Family::from_path("/api/2.0/pipelines/p1"),
        Family::Pipelines
    );
    // Two pages, then one for the two names the filter matches.
    assert_eq!(c.stats().family(Family::Pipelines).requests, 3);
}
