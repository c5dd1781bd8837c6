//! Authentication on the wire: PAT bearer + User-Agent, OAuth M2M token fetch, caching and
//! refresh.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use base64::Engine;
use brickport_api::{WorkspaceClient, WorkspaceConfig};
use serde_json::json;

use crate::server::{TOKEN, client, fast, serve};

#[derive(Default)]
struct Oidc {
    expires_in: u64,
    issued: Mutex<Vec<String>>,
    forms: Mutex<Vec<String>>,
    /// Reject the next API call with 401 (a revoked token).
    revoke_once: Mutex<bool>,
}

async fn token(State(s): State<Arc<Oidc>>, headers: HeaderMap, body: String) -> impl IntoResponse {
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("sp-client-id:sp-client-SECRET-1")
    );
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(expected.as_str()) {
        return (StatusCode::UNAUTHORIZED, axum::Json(json!({"error": "invalid_client", "error_description": "Client authentication failed"})))
            .into_response();
    }
    s.forms.lock().unwrap().push(body);
    let mut issued = s.issued.lock().unwrap();
    let t = format!("oauth-token-{}", issued.len() + 1);
    issued.push(t.clone());
    axum::Json(json!({"access_token": t, "token_type": "Bearer", "expires_in": s.expires_in}))
        .into_response()
}

async fn me(State(s): State<Arc<Oidc>>, headers: HeaderMap) -> impl IntoResponse {
    let latest = s.issued.lock().unwrap().last().cloned().unwrap_or_default();
    let got = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut revoke = s.revoke_once.lock().unwrap();
    if *revoke || got != format!("Bearer {latest}") {
        *revoke = false;
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error_code": "UNAUTHENTICATED", "message": "bad token"})),
        )
            .into_response();
    }
    axum::Json(json!({"id": "1", "userName": "sp"})).into_response()
}

async fn oauth_setup(expires_in: u64, secret: &str) -> (WorkspaceClient, Arc<Oidc>) {
    let state = Arc::new(Oidc {
        expires_in,
        ..Default::default()
    });
    let router = Router::new()
        .route("/oidc/v1/token", post(token))
        .route("/api/2.0/preview/scim/v2/Me", get(me))
        .with_state(state.clone());
    let base = serve(router).await;
    let config = WorkspaceConfig::with_oauth(&base, "sp-client-id", secret).unwrap();
    (WorkspaceClient::new(config, fast()).unwrap(), state)
}

#[tokio::test]
async fn oauth_token_is_fetched_once_and_cached() {
    let (c, s) = oauth_setup(3600, "sp-client-SECRET-1").await;
    for _ in 0..3 {
        assert_eq!(
            c.scim().me().await.unwrap().user_name.as_deref(),
            Some("sp")
        );
    }
    assert_eq!(s.issued.lock().unwrap().len(), 1);
    assert_eq!(
        s.forms.lock().unwrap()[0],
        "grant_type=client_credentials&scope=all-apis"
    );
}

#[tokio::test]
async fn oauth_token_is_refreshed_when_it_expires() {
    // expires_in 0: every call finds the cached token expired and fetches a new one.
    let (c, s) = oauth_setup(0, "sp-client-SECRET-1").await;
    for _ in 0..3 {
        c.scim().me().await.unwrap();
    }
    assert_eq!(s.issued.lock().unwrap().len(), 3);
}

#[tokio::test]
async fn oauth_token_rejected_early_is_refetched_once() {
    let (c, s) = oauth_setup(3600, "sp-client-SECRET-1").await;
    c.scim().me().await.unwrap();
    *s.revoke_once.lock().unwrap() = true;
    c.scim().me().await.unwrap();
    assert_eq!(s.issued.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn oauth_bad_secret_reads_well() {
    let (c, _) = oauth_setup(3600, "wrong-secret-XYZ").await;
    let err = c.scim().me().await.unwrap_err();
    let text = err.to_string();
    assert!(text.contains("rejected the credentials"), "{text}");
    assert!(text.contains("Client authentication failed"), "{text}");
    assert!(!text.contains("wrong-secret-XYZ"));
}

#[tokio::test]
async fn pat_is_sent_as_bearer_with_user_agent() {
    let seen = Arc::new(Mutex::new(None));
    let router = Router::new()
        .route(
            "/api/2.0/clusters/spark-versions",
            get(
                |State(s): State<Arc<Mutex<Option<HeaderMap>>>>, headers: HeaderMap| async move {
                    *s.lock().unwrap() = Some(headers);
                    axum::Json(
                        json!({"versions": [{"key": "15.4.x-scala2.12", "name": "15.4 LTS"}]}),
                    )
                },
            ),
        )
        .with_state(seen.clone());
    let c = client(&serve(router).await);
    c.get_json("/api/2.0/clusters/spark-versions", &[])
        .await
        .unwrap();
    let headers = seen.lock().unwrap().clone().unwrap();
    assert_eq!(headers["authorization"], format!("Bearer {TOKEN}").as_str());
    assert_eq!(
        headers["user-agent"],
        concat!("brickport/", env!("CARGO_PKG_VERSION"))
    );
}
