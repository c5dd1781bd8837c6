//! Every error shape of reference §2.1 becomes `ApiError::Api` with the right code and
//! message; success bodies decode whatever their Content-Type; decode errors name the path.

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use brickport_api::ApiError;
use serde_json::json;

use crate::server::{client, serve};

fn shapes() -> Router {
    fn html(status: StatusCode, body: &'static str) -> impl IntoResponse {
        (status, [(header::CONTENT_TYPE, "text/html")], body)
    }
    Router::new()
        .route(
            "/api/2.0/e/standard",
            get(|| async {
                (
                    StatusCode::NOT_FOUND,
                    axum::Json(json!({"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Path (/x) doesn't exist.", "details": []})),
                )
            }),
        )
        .route(
            "/api/2.0/e/legacy",
            get(|| async { (StatusCode::BAD_REQUEST, axum::Json(json!({"error": "Cluster is not running"}))) }),
        )
        .route(
            "/api/2.0/e/scim",
            get(|| async {
                (
                    StatusCode::CONFLICT,
                    axum::Json(json!({
                        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                        "detail": "User with username a@b.com already exists.",
                        "status": "409",
                        "scimType": "uniqueness"
                    })),
                )
            }),
        )
        .route("/api/2.0/e/text", get(|| async { (StatusCode::BAD_REQUEST, "INVALID_STATE: Cluster 1 is in unexpected state Pending.") }))
        .route(
            "/api/2.0/e/html",
            get(|| async {
                html(
                    StatusCode::FORBIDDEN,
                    "<html><head><title>Error 403 Invalid access token.</title></head><body><h2>HTTP ERROR 403</h2><pre>Invalid access token.</pre></body></html>",
                )
            }),
        )
        .route(
            "/api/2.0/e/html-title",
            get(|| async { html(StatusCode::BAD_GATEWAY, "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>") }),
        )
        .route(
            "/api/2.0/e/numeric",
            get(|| async {
                let mut headers = HeaderMap::new();
                headers.insert("x-databricks-reason-phrase", "Invalid access token.".parse().unwrap());
                (StatusCode::FORBIDDEN, headers, axum::Json(json!({"error_code": 403, "message": "Invalid access token."})))
            }),
        )
        .route("/api/2.0/ok/empty", post(|| async { StatusCode::OK }))
        .route("/api/2.0/ok/text-json", get(|| async { ([(header::CONTENT_TYPE, "text/plain")], r#"{"a": 1}"#) }))
        .route("/api/2.0/ok/not-json", get(|| async { ([(header::CONTENT_TYPE, "text/html")], "<html>hello</html>") }))
        .route(
            "/api/2.0/policies/clusters/list",
            get(|| async { axum::Json(json!({"policies": [{"policy_id": "A", "name": "ok"}, {"policy_id": 5}]})) }),
        )
}

fn api_parts(e: &ApiError) -> (u16, String, String) {
    match e {
        ApiError::Api {
            status,
            error_code,
            message,
            ..
        } => (*status, error_code.clone(), message.clone()),
        other => panic!("expected ApiError::Api, got {other:?}"),
    }
}

#[tokio::test]
async fn every_error_shape_is_parsed() {
    let base = serve(shapes()).await;
    let c = client(&base);
    let cases = [
        (
            "standard",
            404,
            "RESOURCE_DOES_NOT_EXIST",
            "Path (/x) doesn't exist.",
        ),
        ("legacy", 400, "BAD_REQUEST", "Cluster is not running"),
        (
            "scim",
            409,
            "SCIM_409",
            "uniqueness User with username a@b.com already exists.",
        ),
        (
            "text",
            400,
            "INVALID_STATE",
            "Cluster 1 is in unexpected state Pending.",
        ),
        ("html", 403, "FORBIDDEN", "Invalid access token."),
        ("html-title", 502, "BAD_GATEWAY", "502 Bad Gateway"),
        ("numeric", 403, "403", "Invalid access token."),
    ];
    for (shape, status, code, message) in cases {
        let err = c
            .get_json(&format!("/api/2.0/e/{shape}"), &[])
            .await
            .unwrap_err();
        assert_eq!(
            api_parts(&err),
            (status, code.to_string(), message.to_string()),
            "shape {shape}"
        );
    }
    let not_found = c.get_json("/api/2.0/e/standard", &[]).await.unwrap_err();
    assert!(not_found.is_not_found());
    let conflict = c.get_json("/api/2.0/e/scim", &[]).await.unwrap_err();
    assert!(conflict.is_already_exists());
    assert!(
        c.get_json("/api/2.0/e/text", &[])
            .await
            .unwrap_err()
            .is_invalid_state()
    );
}

#[tokio::test]
async fn rejected_token_reads_well() {
    let base = serve(shapes()).await;
    let err = client(&base)
        .get_json("/api/2.0/e/numeric", &[])
        .await
        .unwrap_err();
    assert!(err.is_permission_denied());
    assert_eq!(
        err.to_string(),
        format!(
            "the workspace at {base} rejected the credentials (403 Invalid access token.) — check \
             the token (or client id/secret) and that it belongs to this workspace"
        )
    );
}

#[tokio::test]
async fn success_bodies_are_json_whatever_the_content_type() {
    let base = serve(shapes()).await;
    let c = client(&base);
    assert_eq!(
        c.post_json("/api/2.0/ok/empty", &json!({})).await.unwrap(),
        json!({})
    );
    assert_eq!(
        c.get_json("/api/2.0/ok/text-json", &[]).await.unwrap(),
        json!({"a": 1})
    );
    let err = c.get_json("/api/2.0/ok/not-json", &[]).await.unwrap_err();
    assert!(matches!(err, ApiError::Decode { .. }), "{err:?}");
    assert!(err.to_string().contains("not JSON"), "{err}");
}

#[tokio::test]
async fn decode_errors_name_the_json_path() {
    let base = serve(shapes()).await;
    let err = client(&base).policies().list().await.unwrap_err();
    match &err {
        ApiError::Decode { path, .. } => assert_eq!(path, "policies[1].policy_id"),
        other => panic!("expected Decode, got {other:?}"),
    }
}

#[tokio::test]
async fn connection_refused_reads_well() {
    // Port 1 on loopback: nothing listens there.
    let c = client("http://127.0.0.1:1");
    let err = c.get_json("/api/2.0/clusters/list", &[]).await.unwrap_err();
    assert!(matches!(err, ApiError::Transport { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "cannot connect to http://127.0.0.1:1: connection refused — check the host and that the \
         workspace is reachable"
    );
}

#[tokio::test]
async fn tls_failure_reads_well() {
    // An https client talking to a plain-http server: the TLS handshake fails.
    let base = serve(shapes()).await;
    let https = base.replace("http://", "https://");
    let err = client(&https)
        .get_json("/api/2.0/ok/text-json", &[])
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Transport { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with(&format!("TLS failure talking to {https}")),
        "{err}"
    );
}
