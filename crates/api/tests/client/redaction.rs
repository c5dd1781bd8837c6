//! The token never appears in any Debug/Display/error output the client produces.

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use brickport_api::types::secrets::SecretValue;
use brickport_api::{ClientOptions, ResolveRequest, Secret, resolve_workspace};
use serde_json::json;

use crate::server::{RawAction, TOKEN, client, client_with, raw_server, serve};

#[tokio::test]
async fn token_never_printed() {
    let router = Router::new()
        .route(
            "/api/2.0/a",
            get(|| async {
                (
                    StatusCode::FORBIDDEN,
                    axum::Json(json!({"error_code": 403, "message": "Invalid access token."})),
                )
            }),
        )
        .route(
            "/api/2.0/b",
            get(|| async { (StatusCode::TOO_MANY_REQUESTS, "slow") }),
        )
        .route("/api/2.0/c", get(|| async { "not json" }));
    let base = serve(router).await;
    let c = client(&base);
    let tight = client_with(&base, ClientOptions::fast(Duration::from_millis(50)));
    let mut outputs = vec![format!("{c:?}"), format!("{:?}", c.stats())];
    for (client, path) in [
        (&c, "/api/2.0/a"),
        (&tight, "/api/2.0/b"),
        (&c, "/api/2.0/c"),
    ] {
        let err = client.get_json(path, &[]).await.unwrap_err();
        outputs.push(format!("{err}"));
        outputs.push(format!("{err:?}"));
    }
    let (raw, _) = raw_server(|_| RawAction::HangUp).await;
    let err = client(&raw)
        .post_json("/api/2.0/x", &json!({}))
        .await
        .unwrap_err();
    outputs.push(format!("{err} {err:?}"));
    let err = client("http://127.0.0.1:1")
        .get_json("/api/2.0/x", &[])
        .await
        .unwrap_err();
    outputs.push(format!("{err} {err:?}"));

    let env: HashMap<String, String> = [
        ("DATABRICKS_HOST", "https://h.example.com"),
        ("DATABRICKS_TOKEN", TOKEN),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let request = ResolveRequest {
        env: Some(env.clone()),
        ..Default::default()
    };
    outputs.push(format!("{request:?}"));
    let config = resolve_workspace(request).unwrap();
    outputs.push(format!("{config:?}"));
    let both = ResolveRequest {
        env: Some(env),
        client_id: Some("id".into()),
        client_secret: Some(Secret::new(TOKEN)),
        token: Some(Secret::new(TOKEN)),
        ..Default::default()
    };
    let err = resolve_workspace(both).unwrap_err();
    outputs.push(format!("{err} {err:?}"));
    outputs.push(format!(
        "{:?} {}",
        SecretValue::String(Secret::new(TOKEN)),
        Secret::new(TOKEN)
    ));

    for output in &outputs {
        assert!(!output.contains(TOKEN), "token leaked in: {output}");
        assert!(!output.contains("TEST-TOKEN"), "token leaked in: {output}");
    }
    assert!(outputs.len() >= 12);
}
