//! Cross-cutting behaviour: auth errors, version prefixes, unknown routes, content types,
//! absolute-URL request lines, faults, rate limits, stats, persistence.

use serde_json::json;

use crate::common::{self, ADMIN};

#[tokio::test]
async fn bad_token_is_403_with_numeric_code_and_reason_header() {
    let emu = common::start().await;
    let resp = emu
        .http
        .get(emu.url("/api/2.0/preview/scim/v2/Me"))
        .bearer_auth("nope")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    assert_eq!(
        resp.headers()["x-databricks-reason-phrase"],
        "Invalid access token."
    );
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body, json!({"error_code": 403, "message": "Invalid access token."}));
    let resp = emu
        .http
        .get(emu.url("/api/2.0/preview/scim/v2/Me"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
}

#[tokio::test]
async fn unknown_route_is_endpoint_not_found_json() {
    let emu = common::start().await;
    let (s, b) = emu.get("/api/2.0/no/such/thing").await;
    assert_eq!(s, 404);
    assert_eq!(b["error_code"], "ENDPOINT_NOT_FOUND");
    let (s, b) = emu.get("/api/nover/clusters/list").await;
    assert_eq!((s, b["error_code"].as_str()), (404, Some("ENDPOINT_NOT_FOUND")));
    let (s, b) = emu.get("/totally/else").await;
    assert_eq!((s, b["error_code"].as_str()), (404, Some("ENDPOINT_NOT_FOUND")));
}

#[tokio::test]
async fn any_2x_version_prefix_reaches_the_same_route() {
    let emu = common::start().await;
    for v in ["2.0", "2.1", "2.2"] {
        let (s, b) = emu.get(&format!("/api/{v}/clusters/spark-versions")).await;
        assert_eq!(s, 200, "{v}: {b}");
    }
    let _ = ADMIN;
}
