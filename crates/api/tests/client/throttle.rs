//! Throttling: the per-family concurrency cap holds (the server measures in-flight requests),
//! and a 429 halves the family's rate.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use brickport_api::{ClientOptions, Family, FamilyLimit, ThrottleOptions};
use serde_json::json;

use crate::server::{client_with, serve};

#[derive(Default)]
struct InFlight {
    now: AtomicUsize,
    max: AtomicUsize,
}

async fn slow(State(s): State<Arc<InFlight>>) -> impl IntoResponse {
    let now = s.now.fetch_add(1, Ordering::SeqCst) + 1;
    s.max.fetch_max(now, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(40)).await;
    s.now.fetch_sub(1, Ordering::SeqCst);
    axum::Json(json!({}))
}

async fn run(throttle: ThrottleOptions) -> usize {
    let state = Arc::new(InFlight::default());
    let router = Router::new()
        .route("/api/2.2/jobs/get", get(slow))
        .with_state(state.clone());
    let mut options = ClientOptions::fast(Duration::from_secs(5));
    options.throttle = throttle;
    let c = client_with(&serve(router).await, options);
    let calls = (0..12).map(|_| {
        let c = c.clone();
        tokio::spawn(async move { c.get_json("/api/2.2/jobs/get", &[]).await })
    });
    for call in calls.collect::<Vec<_>>() {
        call.await.unwrap().unwrap();
    }
    assert_eq!(c.stats().family(Family::Jobs).requests, 12);
    state.max.load(Ordering::SeqCst)
}

#[tokio::test]
async fn concurrency_cap_holds() {
    let mut capped = ThrottleOptions::unlimited();
    capped.set(
        Family::Jobs,
        FamilyLimit {
            max_concurrent: 3,
            requests_per_second: f64::INFINITY,
        },
    );
    let max = run(capped).await;
    assert!(max <= 3, "at most 3 in flight, server saw {max}");
    // Without a cap the same load overlaps more: the measurement itself works.
    let uncapped = run(ThrottleOptions::unlimited()).await;
    assert!(
        uncapped > 3,
        "uncapped run should overlap, server saw {uncapped}"
    );
}

#[tokio::test]
async fn a_429_halves_the_family_rate() {
    let hits = Arc::new(AtomicUsize::new(0));
    let router = Router::new()
        .route(
            "/api/2.0/permissions/jobs/1",
            get(|State(h): State<Arc<AtomicUsize>>| async move {
                if h.fetch_add(1, Ordering::SeqCst) == 0 {
                    let mut r = (StatusCode::TOO_MANY_REQUESTS, "slow down").into_response();
                    r.headers_mut().insert("retry-after", "0".parse().unwrap());
                    r
                } else {
                    axum::Json(json!({"object_id": "/jobs/1"})).into_response()
                }
            }),
        )
        .with_state(hits);
    let mut options = ClientOptions::fast(Duration::from_secs(5));
    options.throttle.set(
        Family::Permissions,
        FamilyLimit {
            max_concurrent: 4,
            requests_per_second: 200.0,
        },
    );
    let c = client_with(&serve(router).await, options);
    assert_eq!(
        c.stats().family(Family::Permissions).current_rate,
        Some(200.0)
    );
    c.permissions().get("jobs", "1").await.unwrap();
    let s = c.stats().family(Family::Permissions);
    assert_eq!(s.rate_limited, 1);
    assert_eq!(s.current_rate, Some(100.0));
    assert_eq!(
        c.stats().family(Family::Jobs).current_rate,
        None,
        "unconfigured family is unlimited"
    );
}
