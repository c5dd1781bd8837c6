//! Retries: 429/503 with and without Retry-After, the budget, 500 REQUEST_LIMIT_EXCEEDED, and
//! the outcome-unknown rule for writes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use brickport_api::{ApiError, ClientOptions, Family};
use serde_json::json;

use crate::server::{RawAction, client, client_with, raw_server, serve};

#[derive(Default)]
struct Counts {
    hits: AtomicUsize,
}

/// Answers `failure` for the first `fail_times` calls, then 200 `{"done": n}`.
fn flaky(fail_times: usize, failure: fn() -> Response) -> (Router, Arc<Counts>) {
    let counts = Arc::new(Counts::default());
    let handler = move |State(c): State<Arc<Counts>>| async move {
        let n = c.hits.fetch_add(1, Ordering::SeqCst);
        if n < fail_times {
            failure()
        } else {
            axum::Json(json!({"done": n})).into_response()
        }
    };
    let router = Router::new()
        .route("/api/2.2/jobs/get", get(handler))
        .route("/api/2.2/jobs/create", post(handler))
        .with_state(counts.clone());
    (router, counts)
}

fn too_many(retry_after: Option<&'static str>) -> Response {
    let mut headers = HeaderMap::new();
    if let Some(v) = retry_after {
        headers.insert("retry-after", v.parse().unwrap());
    }
    let body = json!({"error_code": "REQUEST_LIMIT_EXCEEDED", "message": "Too many requests"});
    (StatusCode::TOO_MANY_REQUESTS, headers, axum::Json(body)).into_response()
}

#[tokio::test]
async fn retries_429_with_retry_after() {
    let (router, counts) = flaky(2, || too_many(Some("0")));
    let c = client(&serve(router).await);
    let v = c
        .get_json("/api/2.2/jobs/get", &[("job_id", "1")])
        .await
        .unwrap();
    assert_eq!(v, json!({"done": 2}));
    assert_eq!(counts.hits.load(Ordering::SeqCst), 3);
    let s = c.stats().family(Family::Jobs);
    assert_eq!((s.requests, s.retries, s.rate_limited), (3, 2, 2));
}

#[tokio::test]
async fn retries_429_without_retry_after_even_for_writes() {
    let (router, counts) = flaky(2, || too_many(None));
    let c = client(&serve(router).await);
    let v = c
        .post_json("/api/2.2/jobs/create", &json!({"name": "x"}))
        .await
        .unwrap();
    assert_eq!(v, json!({"done": 2}));
    assert_eq!(counts.hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn retries_503_for_writes() {
    let (router, counts) = flaky(1, || {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"error_code": "TEMPORARILY_UNAVAILABLE", "message": "later"})),
        )
            .into_response()
    });
    let c = client(&serve(router).await);
    c.post_json("/api/2.2/jobs/create", &json!({}))
        .await
        .unwrap();
    assert_eq!(counts.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn retries_500_naming_request_limit_exceeded() {
    let (router, counts) = flaky(1, || {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({"error_code": "INTERNAL_ERROR", "message": "REQUEST_LIMIT_EXCEEDED: throttled"})),
        )
            .into_response()
    });
    let c = client(&serve(router).await);
    c.get_json("/api/2.2/jobs/get", &[]).await.unwrap();
    assert_eq!(counts.hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn other_errors_are_not_retried() {
    let (router, counts) = flaky(5, || {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            axum::Json(json!({"error_code": "INTERNAL_ERROR", "message": "boom"})),
        )
            .into_response()
    });
    let c = client(&serve(router).await);
    let err = c.get_json("/api/2.2/jobs/get", &[]).await.unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert_eq!(counts.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn budget_exhausted_with_retry_after() {
    // The server asks for 1 s, the budget is 300 ms: the client gives up at once.
    let (router, counts) = flaky(usize::MAX, || too_many(Some("1")));
    let c = client_with(
        &serve(router).await,
        ClientOptions::fast(Duration::from_millis(300)),
    );
    let err = c.get_json("/api/2.2/jobs/get", &[]).await.unwrap_err();
    match &err {
        ApiError::RetryBudgetExhausted { attempts, last, .. } => {
            assert_eq!(*attempts, 1);
            assert_eq!(last.status(), Some(429));
        }
        other => panic!("expected RetryBudgetExhausted, got {other:?}"),
    }
    assert!(err.is_rate_limited());
    assert_eq!(counts.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn budget_exhausted_with_backoff() {
    let (router, counts) = flaky(usize::MAX, || too_many(None));
    let c = client_with(
        &serve(router).await,
        ClientOptions::fast(Duration::from_millis(400)),
    );
    let err = c.get_json("/api/2.2/jobs/get", &[]).await.unwrap_err();
    assert!(
        matches!(err, ApiError::RetryBudgetExhausted { .. }),
        "{err:?}"
    );
    let hits = counts.hits.load(Ordering::SeqCst);
    assert!(
        hits >= 3,
        "several attempts expected within the budget, got {hits}"
    );
    assert!(err.to_string().contains("giving up after"), "{err}");
}

#[tokio::test]
async fn write_whose_answer_is_lost_is_not_replayed() {
    let (base, seen) = raw_server(|_| RawAction::HangUp).await;
    let c = client(&base);
    let err = c
        .post_json("/api/2.2/jobs/create", &json!({"name": "x"}))
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert!(err.to_string().contains("look the object up"), "{err}");
    assert_eq!(
        seen.lock().unwrap().clone(),
        vec!["POST /api/2.2/jobs/create".to_string()]
    );
}

#[tokio::test]
async fn read_whose_answer_is_lost_is_retried() {
    let (base, seen) = raw_server(|n| {
        if n == 0 {
            RawAction::HangUp
        } else {
            RawAction::Ok
        }
    })
    .await;
    let c = client(&base);
    let v = c
        .get_json("/api/2.2/jobs/get", &[("job_id", "1")])
        .await
        .unwrap();
    assert_eq!(v, json!({"ok": true}));
    assert_eq!(seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn write_timing_out_after_send_is_outcome_unknown_and_read_is_retried() {
    let (base, seen) = raw_server(|n| {
        if n < 2 {
            RawAction::Stall
        } else {
            RawAction::Ok
        }
    })
    .await;
    let mut options = ClientOptions::fast(Duration::from_secs(5));
    options.timeout = Duration::from_millis(300);
    let c = client_with(&base, options);
    let err = c
        .post_json("/api/2.2/jobs/reset", &json!({"job_id": 1}))
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    assert_eq!(seen.lock().unwrap().len(), 1);
    // Request 1 stalls too, request 2 answers: the read gets through on its second attempt.
    let v = c.get_json("/api/2.2/jobs/get", &[]).await.unwrap();
    assert_eq!(v, json!({"ok": true}));
    assert_eq!(seen.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn write_that_cannot_connect_is_a_transport_error_not_outcome_unknown() {
    let c = client("http://127.0.0.1:1");
    let err = c
        .post_json("/api/2.2/jobs/create", &json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Transport { .. }), "{err:?}");
    // Every attempt failed to connect, and each was counted as a request.
    assert_eq!(c.stats().family(Family::Jobs).requests, 3);
}

/// Answers 200 `{"n": n}` to request `n`, except `failing` (500).
fn failing_at(failing: std::ops::Range<usize>) -> (Router, Arc<Counts>) {
    let counts = Arc::new(Counts::default());
    let handler = move |State(c): State<Arc<Counts>>| async move {
        let n = c.hits.fetch_add(1, Ordering::SeqCst);
        if failing.contains(&n) {
            let body = json!({"error_code": "INTERNAL_ERROR", "message": "boom"});
            (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(body)).into_response()
        } else {
            axum::Json(json!({"n": n})).into_response()
        }
    };
    let router = Router::new().fallback(handler).with_state(counts.clone());
    (router, counts)
}

#[tokio::test]
async fn one_500_fails_its_request_alone_and_the_gate_stays_open() {
    let (router, counts) = failing_at(1..2);
    let c = client(&serve(router).await);
    c.get_json("/api/2.2/jobs/get", &[]).await.unwrap();
    let err = c.get_json("/api/2.2/jobs/get", &[]).await.unwrap_err();
    assert_eq!(err.status(), Some(500), "{err:?}");
    assert_eq!(*c.outages().borrow(), brickport_api::Outage::Answering);
    let v = c.get_json("/api/2.2/jobs/get", &[]).await.unwrap();
    assert_eq!(v, json!({"n": 2}), "no probe, no wait");
    assert_eq!(counts.hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn a_burst_of_500s_across_requests_closes_the_gate_until_a_probe_answers() {
    // Requests 1 to 8 fail: the first four calls fail on their own (their 500s could be
    // theirs alone); the fifth closes the gate, waits, and gets through once it opens.
    let (router, _) = failing_at(1..9);
    let c = client(&serve(router).await);
    c.get_json("/api/2.2/jobs/get", &[]).await.unwrap();
    for _ in 0..4 {
        let err = c.get_json("/api/2.2/jobs/get", &[]).await.unwrap_err();
        assert_eq!(err.status(), Some(500), "{err:?}");
    }
    let mut outages = c.outages();
    let v = c.get_json("/api/2.2/jobs/get", &[]).await.unwrap();
    assert!(v["n"].as_u64().unwrap() >= 9, "{v}");
    // It was shown (the probes failed for a while), and it is over.
    assert!(outages.has_changed().unwrap());
    assert_eq!(
        *outages.borrow_and_update(),
        brickport_api::Outage::Answering
    );
}

#[tokio::test]
async fn a_write_lost_in_an_outage_is_still_outcome_unknown_and_never_replayed() {
    // Request 0 answers; the write (1) gets no answer; then everything answers.
    let (base, seen) = raw_server(|n| {
        if n == 1 {
            RawAction::HangUp
        } else {
            RawAction::Ok
        }
    })
    .await;
    let c = client(&base);
    c.get_json("/api/2.2/jobs/get", &[]).await.unwrap();
    let err = c
        .post_json("/api/2.2/jobs/create", &json!({"name": "x"}))
        .await
        .unwrap_err();
    assert!(err.is_outcome_unknown(), "{err:?}");
    // The look-up that follows goes through once the gate's probe is answered.
    c.get_json("/api/2.2/jobs/get", &[]).await.unwrap();
    let seen = seen.lock().unwrap().clone();
    let posts = seen.iter().filter(|r| r.starts_with("POST")).count();
    assert_eq!(posts, 1, "the write was replayed: {seen:?}");
}

#[tokio::test]
async fn a_read_that_always_loses_its_answer_while_probes_pass_ends_within_its_budget() {
    // Request 0 answers; then every read loses its answer while every probe between is
    // answered: the gate opens each time, and the call must not go round for ever.
    let (base, _) = raw_server(|n| {
        if n % 2 == 1 {
            RawAction::HangUp
        } else {
            RawAction::Ok
        }
    })
    .await;
    let c = client(&base);
    c.get_json("/api/2.2/jobs/get", &[]).await.unwrap();
    let call = c.get_json("/api/2.2/jobs/get", &[]);
    let err = tokio::time::timeout(Duration::from_secs(30), call)
        .await
        .expect("the call went round for ever")
        .unwrap_err();
    assert!(
        matches!(err, ApiError::RetryBudgetExhausted { .. }),
        "{err:?}"
    );
}
