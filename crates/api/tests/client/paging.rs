//! Each pagination style across several pages, with short pages in the middle.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use brickport_api::paginate;
use brickport_api::types::jobs::JobListQuery;
use brickport_api::types::scim::ScimQuery;
use futures::TryStreamExt;
use serde_json::{Value, json};

use crate::server::{client, serve};

type Q = Query<HashMap<String, String>>;

#[derive(Default)]
struct Seen {
    queries: Mutex<Vec<HashMap<String, String>>>,
}

fn record(seen: &Seen, q: &HashMap<String, String>) {
    seen.queries.lock().unwrap().push(q.clone());
}

/// SCIM: 250 users; the page starting at 101 is short (7 items), as a capped server may do.
async fn scim_users(State(seen): State<Arc<Seen>>, Query(q): Q) -> axum::Json<Value> {
    record(&seen, &q);
    let start: usize = q["startIndex"].parse().unwrap();
    let count: usize = q["count"].parse().unwrap();
    assert!(start >= 1, "SCIM startIndex is 1-based");
    let page = if start == 101 { 7 } else { count.min(100) };
    let total = 250;
    let resources: Vec<Value> = (start..(start + page).min(total + 1))
        .map(|i| json!({"id": i.to_string(), "userName": format!("u{i}@x.com"), "urn:custom": {"k": i}}))
        .collect();
    let mut body = json!({"totalResults": total, "startIndex": start, "itemsPerPage": 0});
    if !resources.is_empty() {
        body["Resources"] = json!(resources);
    }
    axum::Json(body)
}

/// page_token style: pages of 3, 0 (empty but with a token), 1, 3 clusters.
async fn clusters_list(State(seen): State<Arc<Seen>>, Query(q): Q) -> axum::Json<Value> {
    record(&seen, &q);
    let (range, next) = match q.get("page_token").map(String::as_str) {
        None => (0..3, Some("p1")),
        Some("p1") => (3..3, Some("p2")),
        Some("p2") => (3..4, Some("p3")),
        Some("p3") => (4..7, None),
        Some(other) => panic!("unexpected token {other}"),
    };
    let clusters: Vec<Value> = range
        .map(|i| json!({"cluster_id": format!("c{i}")}))
        .collect();
    let mut body = json!({ "clusters": clusters });
    if let Some(n) = next {
        body["next_page_token"] = json!(n);
    } else {
        body["next_page_token"] = json!("");
    }
    axum::Json(body)
}

/// Repos: the token travels in a query parameter named `next_page_token`.
async fn repos_list(State(seen): State<Arc<Seen>>, Query(q): Q) -> axum::Json<Value> {
    record(&seen, &q);
    assert!(
        !q.contains_key("page_token"),
        "repos take next_page_token, not page_token"
    );
    match q.get("next_page_token").map(String::as_str) {
        None => axum::Json(json!({"repos": [{"id": 1}, {"id": 2}], "next_page_token": "r2"})),
        Some("r2") => axum::Json(json!({"repos": [{"id": 3}], "next_page_token": "r3"})),
        Some("r3") => axum::Json(json!({"repos": [{"id": 4}, {"id": 5}]})),
        Some(other) => panic!("unexpected token {other}"),
    }
}

/// Jobs list: 230 jobs, pages of `limit` (≤ 100) except a short second page.
async fn jobs_list(State(seen): State<Arc<Seen>>, Query(q): Q) -> axum::Json<Value> {
    record(&seen, &q);
    let limit: usize = q["limit"].parse().unwrap();
    assert!((1..=100).contains(&limit));
    let offset: usize = q.get("page_token").map(|t| t.parse().unwrap()).unwrap_or(0);
    let size = if offset == 100 { 10 } else { limit };
    let end = (offset + size).min(230);
    let jobs: Vec<Value> = (offset..end)
        .map(|i| json!({"job_id": i, "settings": {"name": format!("j{i}")}}))
        .collect();
    let mut body = json!({ "jobs": jobs, "has_more": end < 230 });
    if end < 230 {
        body["next_page_token"] = json!(end.to_string());
    }
    axum::Json(body)
}

/// Jobs 2.2 get: 250 tasks over 3 pages, 120 job clusters over 2, parameters on page 1 only.
async fn jobs_get(State(seen): State<Arc<Seen>>, Query(q): Q) -> axum::Json<Value> {
    record(&seen, &q);
    let page: usize = q.get("page_token").map(|t| t.parse().unwrap()).unwrap_or(0);
    let slice = |n: usize, prefix: &str| -> Vec<Value> {
        (page * 100..((page + 1) * 100).min(n))
            .map(|i| json!({ "key": format!("{prefix}{i}") }))
            .collect()
    };
    let mut settings =
        json!({"name": "big", "tasks": slice(250, "t"), "job_clusters": slice(120, "c")});
    if page == 0 {
        settings["parameters"] = json!([{"name": "p", "default": "1"}]);
    }
    let mut body = json!({"job_id": q["job_id"].parse::<i64>().unwrap(), "settings": settings});
    if page < 2 {
        body["next_page_token"] = json!((page + 1).to_string());
    }
    axum::Json(body)
}

/// Offset/has_more style.
async fn has_more_list(Query(q): Q) -> axum::Json<Value> {
    let offset: usize = q["offset"].parse().unwrap();
    let limit: usize = q["limit"].parse().unwrap();
    let size = if offset == 4 { 1 } else { limit };
    let end = (offset + size).min(11);
    let runs: Vec<Value> = (offset..end).map(|i| json!({"run_id": i})).collect();
    axum::Json(json!({"runs": runs, "has_more": end < 11}))
}

async fn setup() -> (brickport_api::WorkspaceClient, Arc<Seen>) {
    let seen = Arc::new(Seen::default());
    let router = Router::new()
        .route("/api/2.0/preview/scim/v2/Users", get(scim_users))
        .route("/api/2.1/clusters/list", get(clusters_list))
        .route("/api/2.0/repos", get(repos_list))
        .route("/api/2.2/jobs/list", get(jobs_list))
        .route("/api/2.2/jobs/get", get(jobs_get))
        .route("/api/2.1/jobs/runs/list", get(has_more_list))
        .with_state(seen.clone());
    (client(&serve(router).await), seen)
}

#[tokio::test]
async fn scim_pages_by_start_index_and_ignores_short_pages() {
    let (c, seen) = setup().await;
    let users: Vec<_> = c
        .scim()
        .users()
        .list(&ScimQuery::default())
        .try_collect()
        .await
        .unwrap();
    let ids: Vec<String> = users.iter().map(|u| u.id.clone().unwrap()).collect();
    let expected: Vec<String> = (1..=250).map(|i| i.to_string()).collect();
    assert_eq!(ids, expected);
    // Unknown fields survive.
    assert_eq!(users[0].extra["urn:custom"], json!({"k": 1}));
    let queries = seen.queries.lock().unwrap();
    let starts: Vec<&str> = queries.iter().map(|q| q["startIndex"].as_str()).collect();
    assert_eq!(starts, ["1", "101", "108", "208", "251"]);
    assert!(queries.iter().all(|q| q["count"] == "100"));
}

#[tokio::test]
async fn scim_filter_is_sent() {
    let (c, seen) = setup().await;
    let _ = c
        .scim()
        .users()
        .find_eq("userName", "u3@x.com")
        .await
        .unwrap();
    let queries = seen.queries.lock().unwrap();
    assert_eq!(queries[0]["filter"], r#"userName eq "u3@x.com""#);
}

#[tokio::test]
async fn page_token_style_follows_tokens_through_empty_pages() {
    let (c, seen) = setup().await;
    let clusters: Vec<_> = c.clusters().list().try_collect().await.unwrap();
    let ids: Vec<String> = clusters
        .iter()
        .map(|c| c.cluster_id.clone().unwrap())
        .collect();
    assert_eq!(ids, ["c0", "c1", "c2", "c3", "c4", "c5", "c6"]);
    assert_eq!(seen.queries.lock().unwrap().len(), 4);
}

#[tokio::test]
async fn repos_use_the_next_page_token_query_parameter() {
    let (c, _) = setup().await;
    let repos: Vec<_> = c.repos().list(None).try_collect().await.unwrap();
    let ids: Vec<i64> = repos.iter().map(|r| r.id.unwrap()).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
}

#[tokio::test]
async fn jobs_list_pages_with_limit_at_most_100() {
    let (c, seen) = setup().await;
    let jobs: Vec<_> = c
        .jobs()
        .list(&JobListQuery::default())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(jobs.len(), 230);
    assert_eq!(jobs[229].job_id, Some(229));
    let queries = seen.queries.lock().unwrap();
    assert_eq!(queries.len(), 4, "pages of 100, 10 (short), 100, 20");
}

#[tokio::test]
async fn jobs_get_concatenates_paged_arrays() {
    let (c, seen) = setup().await;
    let job = c.jobs().get(42).await.unwrap();
    assert_eq!(job.job_id, Some(42));
    let settings = job.settings.unwrap();
    let tasks = settings.tasks.unwrap();
    assert_eq!(tasks.len(), 250);
    assert_eq!(tasks[249]["key"], "t249");
    assert_eq!(settings.job_clusters.unwrap().len(), 120);
    assert_eq!(settings.parameters.unwrap().len(), 1);
    assert!(!job.extra.contains_key("next_page_token"));
    assert_eq!(seen.queries.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn has_more_style_pages_by_offset() {
    let (c, _) = setup().await;
    let runs: Vec<Value> =
        paginate::has_more(c, "/api/2.1/jobs/runs/list".into(), Vec::new(), "runs", 4)
            .try_collect()
            .await
            .unwrap();
    let ids: Vec<i64> = runs.iter().map(|r| r["run_id"].as_i64().unwrap()).collect();
    assert_eq!(ids, (0..11).collect::<Vec<_>>());
}
