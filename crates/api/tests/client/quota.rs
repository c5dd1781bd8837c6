//! The job-creation quota: a create past the client's quota waits for the window instead of
//! failing, a server-side quota refusal (someone else used the quota) is retried after a
//! pause, and a waiting create holds nothing else up. The server is a small axum app with
//! the platform's sliding-window quota and its exact refusal; windows are short so each test
//! takes about a second.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use brickport_api::{ApiError, ClientOptions, CreationQuota, Family, FamilyLimit, WorkspaceClient};
use serde_json::json;

use crate::server::{client_with, serve};

const CREATE: &str = "/api/2.2/jobs/create";

/// A server allowing `limit` creations per `window`, counting like the platform (only
/// creations that happened).
struct Quota {
    limit: usize,
    window: Duration,
    recent: Mutex<VecDeque<Instant>>,
    created: Mutex<u64>,
    refused: Mutex<u64>,
}

impl Quota {
    fn counts(&self) -> (u64, u64) {
        (*self.created.lock().unwrap(), *self.refused.lock().unwrap())
    }
}

async fn create(State(q): State<Arc<Quota>>) -> Response {
    let now = Instant::now();
    let mut recent = q.recent.lock().unwrap();
    while recent
        .front()
        .is_some_and(|t| now.duration_since(*t) >= q.window)
    {
        recent.pop_front();
    }
    if recent.len() >= q.limit {
        *q.refused.lock().unwrap() += 1;
        let n = q.limit;
        let message = format!(
            "There were already {n} jobs created in past 3600 seconds, exceeding rate limit: {n} job creations per 3600 seconds."
        );
        let body = json!({"error_code": "INVALID_STATE", "message": message});
        return (StatusCode::BAD_REQUEST, axum::Json(body)).into_response();
    }
    recent.push_back(now);
    let mut created = q.created.lock().unwrap();
    *created += 1;
    axum::Json(json!({"job_id": *created})).into_response()
}

async fn quota_server(limit: usize, window: Duration) -> (String, Arc<Quota>) {
    let q = Arc::new(Quota {
        limit,
        window,
        recent: Mutex::new(VecDeque::new()),
        created: Mutex::new(0),
        refused: Mutex::new(0),
    });
    let router = Router::new()
        .route(CREATE, post(create))
        .route("/api/2.2/jobs/get", get(|| async { axum::Json(json!({})) }))
        .with_state(q.clone());
    (serve(router).await, q)
}

/// Sends `n` creates at once; their results in order.
async fn create_all(c: &WorkspaceClient, n: usize) -> Vec<Result<serde_json::Value, ApiError>> {
    let calls: Vec<_> = (0..n)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(
                async move { c.post_json(CREATE, &json!({"name": format!("j{i}")})).await },
            )
        })
        .collect();
    let mut out = Vec::new();
    for call in calls {
        out.push(call.await.unwrap());
    }
    out
}

fn with_quota(max: usize, window: Duration) -> ClientOptions {
    let mut options = ClientOptions::fast(Duration::from_secs(5));
    options.throttle.job_creations = Some(CreationQuota { max, window });
    options
}

#[tokio::test]
async fn a_create_past_the_client_quota_waits_for_the_window() {
    let window = Duration::from_millis(700);
    let (base, server) = quota_server(3, window).await;
    let mut options = with_quota(3, window);
    // Any server refusal would now fail the call at once: the creates must not meet one.
    options.retry.quota_budget = Duration::ZERO;
    let c = client_with(&base, options);
    let started = Instant::now();
    let results = create_all(&c, 4).await;
    for r in &results {
        assert!(r.is_ok(), "{r:?}");
    }
    assert_eq!(server.counts(), (4, 0), "(created, refused)");
    // The fourth could only go once the first three had left the window.
    assert!(started.elapsed() >= Duration::from_millis(600));
}

#[tokio::test]
async fn a_server_quota_refusal_is_retried_after_a_pause() {
    // The client has no quota of its own (another tool shares the workspace, say): the
    // server refuses the fourth create, which succeeds once the server's window frees.
    let (base, server) = quota_server(3, Duration::from_millis(500)).await;
    let mut options = ClientOptions::fast(Duration::from_secs(5));
    options.throttle.job_creations = None;
    options.retry.quota_pause = Duration::from_millis(150);
    let c = client_with(&base, options);
    let results = create_all(&c, 4).await;
    for r in &results {
        assert!(r.is_ok(), "{r:?}");
    }
    let (created, refused) = server.counts();
    assert_eq!(created, 4);
    assert!(refused >= 1, "the server refused at least once");
    assert_eq!(c.stats().family(Family::Jobs).retries, refused);
}

#[tokio::test]
async fn a_quota_refusal_past_its_budget_stays_readable() {
    let (base, server) = quota_server(0, Duration::from_secs(60)).await;
    let mut options = ClientOptions::fast(Duration::from_secs(5));
    options.retry.quota_pause = Duration::from_millis(100);
    options.retry.quota_budget = Duration::from_millis(350);
    let c = client_with(&base, options);
    let err = c
        .post_json(CREATE, &json!({"name": "x"}))
        .await
        .unwrap_err();
    match &err {
        ApiError::RetryBudgetExhausted { attempts, last, .. } => {
            assert!(*attempts >= 3, "{attempts}");
            assert_eq!(last.status(), Some(400));
        }
        other => panic!("expected RetryBudgetExhausted, got {other:?}"),
    }
    let text = err.to_string();
    assert!(text.contains("jobs/create"), "{text}");
    assert!(text.contains("job creations per"), "{text}");
    assert_eq!(server.counts().0, 0);
}

#[tokio::test]
async fn a_create_waiting_for_the_quota_holds_nothing_else_up() {
    let (base, server) = quota_server(10, Duration::from_secs(60)).await;
    let mut options = with_quota(1, Duration::from_millis(800));
    // One request of the jobs family in flight at a time: were the waiting create holding
    // that slot, the read below could not go.
    options.throttle.set(
        Family::Jobs,
        FamilyLimit {
            max_concurrent: 1,
            requests_per_second: f64::INFINITY,
        },
    );
    let c = client_with(&base, options);
    c.post_json(CREATE, &json!({"name": "first"}))
        .await
        .unwrap();
    let second = tokio::spawn({
        let c = c.clone();
        async move { c.post_json(CREATE, &json!({"name": "second"})).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    c.get_json("/api/2.2/jobs/get", &[("job_id", "1")])
        .await
        .unwrap();
    assert!(
        !second.is_finished(),
        "the second create waits for the window"
    );
    assert_eq!(server.counts(), (1, 0));
    second.await.unwrap().unwrap();
    assert_eq!(server.counts(), (2, 0));
}
