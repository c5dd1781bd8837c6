//! Cross-cutting behaviour: auth errors, version prefixes, unknown routes, content types,
//! absolute-URL request lines, faults, rate limits, stats, persistence.

use std::io::{Read, Write};

use brickport_emulator::{EmulatorOptions, FaultSpec, RateLimitSpec, SeedSpec};
use serde_json::{Value, json};

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
    let body: Value = resp.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error_code": 403, "message": "Invalid access token."})
    );
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
    assert_eq!(
        (s, b["error_code"].as_str()),
        (404, Some("ENDPOINT_NOT_FOUND"))
    );
    let (s, b) = emu.get("/totally/else").await;
    assert_eq!(
        (s, b["error_code"].as_str()),
        (404, Some("ENDPOINT_NOT_FOUND"))
    );
    // wrong method on a known path: same error shape, never an empty 405.
    let (s, b) = emu.call("DELETE", "/api/2.0/workspace/list", None).await;
    assert_eq!(
        (s, b["error_code"].as_str()),
        (404, Some("ENDPOINT_NOT_FOUND"))
    );
}

#[tokio::test]
async fn any_2x_version_prefix_reaches_the_same_route() {
    let emu = common::start().await;
    for v in ["2.0", "2.1", "2.2"] {
        let (s, b) = emu.get(&format!("/api/{v}/preview/scim/v2/Me")).await;
        assert_eq!(s, 200, "{v}: {b}");
        let (s, b) = emu.get(&format!("/api/{v}/clusters/spark-versions")).await;
        assert_eq!(s, 200, "{v}: {b}");
    }
}

#[tokio::test]
async fn text_json_and_empty_bodies_are_json_bad_json_is_malformed() {
    let emu = common::start().await;
    let resp = emu
        .http
        .post(emu.url("/api/2.0/secrets/scopes/create"))
        .bearer_auth(ADMIN)
        .header("Content-Type", "text/json")
        .body(r#"{"scope": "legacy-cli"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.json::<Value>().await.unwrap(), json!({}));
    let (_, scopes) = emu.get("/api/2.0/secrets/scopes/list").await;
    assert_eq!(scopes["scopes"][0]["name"], "legacy-cli");

    let resp = emu
        .http
        .post(emu.url("/api/2.0/secrets/scopes/create"))
        .bearer_auth(ADMIN)
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let b: Value = resp.json().await.unwrap();
    assert_eq!(b["error_code"], "MALFORMED_REQUEST");

    // an empty body is `{}`: here the missing path is the handler's own 400.
    let resp = emu
        .http
        .post(emu.url("/api/2.0/workspace/mkdirs"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let b: Value = resp.json().await.unwrap();
    assert_eq!(b["error_code"], "INVALID_PARAMETER_VALUE");
}

#[tokio::test]
async fn absolute_url_request_line_is_served() {
    let emu = common::start().await;
    let addr = emu.running.addr();
    let reply = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        let req = format!(
            "GET http://{addr}/api/2.0/preview/scim/v2/Me HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {ADMIN}\r\nConnection: close\r\n\r\n"
        );
        s.write_all(req.as_bytes()).unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    })
    .await
    .unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
    assert!(reply.contains("admin@example.com"));
}

async fn fault_sequence(seed: u64) -> Vec<String> {
    let emu = common::start_with(EmulatorOptions {
        faults: FaultSpec::parse("429=0.15,503=0.15,500limit=0.15,reset=0.15").unwrap(),
        fault_seed: seed,
        ..common::options()
    })
    .await;
    let mut seen = Vec::new();
    for _ in 0..30 {
        let r = emu
            .http
            .get(emu.url("/api/2.0/workspace/list?path=/"))
            .bearer_auth(ADMIN)
            .send()
            .await;
        seen.push(match r {
            Err(_) => "reset".to_string(),
            Ok(resp) => {
                let status = resp.status().as_u16();
                let retry_after = resp.headers().contains_key("retry-after");
                assert!(!retry_after, "injected 429s carry no Retry-After");
                let body: Value = resp.json().await.unwrap();
                if status == 500 {
                    assert!(body.to_string().contains("REQUEST_LIMIT_EXCEEDED"));
                }
                status.to_string()
            }
        });
    }
    let stats = emu.running.stats();
    let injected: u64 = stats.faults.values().sum();
    assert_eq!(
        injected as usize,
        seen.iter().filter(|s| *s != "200").count()
    );
    seen
}

#[tokio::test]
async fn reset_fault_cuts_the_connection() {
    let emu = common::start_with(EmulatorOptions {
        faults: FaultSpec::parse("reset=1").unwrap(),
        ..common::options()
    })
    .await;
    let r = emu
        .http
        .get(emu.url("/api/2.0/workspace/list?path=/"))
        .bearer_auth(ADMIN)
        .send()
        .await;
    assert!(r.is_err(), "{r:?}");
    assert_eq!(emu.running.stats().faults["reset"], 1);
}

#[tokio::test]
async fn faults_are_deterministic_under_a_seed() {
    let a = fault_sequence(42).await;
    let b = fault_sequence(42).await;
    assert_eq!(a, b);
    for kind in ["200", "429", "503", "500", "reset"] {
        assert!(
            a.iter().any(|s| s == kind),
            "{kind} never happened in {a:?}"
        );
    }
    assert_ne!(a, fault_sequence(7).await);
}

#[tokio::test]
async fn lost_fault_applies_the_write_and_drops_the_answer() {
    let emu = common::start_with(EmulatorOptions {
        faults: FaultSpec::parse("lost=1").unwrap(),
        ..common::options()
    })
    .await;
    // reads are never "lost".
    let (s, _) = emu.get("/api/2.0/workspace/list?path=/").await;
    assert_eq!(s, 200);
    let r = emu
        .http
        .post(emu.url("/api/2.0/workspace/mkdirs"))
        .bearer_auth(ADMIN)
        .json(&json!({"path": "/Shared/lost"}))
        .send()
        .await;
    let failed = match r {
        Err(_) => true,
        Ok(resp) => resp.bytes().await.is_err(),
    };
    assert!(failed, "the answer must be lost");
    emu.running.set_faults_enabled(false);
    let (s, b) = emu
        .get("/api/2.0/workspace/get-status?path=/Shared/lost")
        .await;
    assert_eq!((s, b["object_type"].as_str()), (200, Some("DIRECTORY")));
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after_and_counts_it() {
    let dir = tempfile::tempdir().unwrap();
    let limits = dir.path().join("limits.json");
    std::fs::write(&limits, r#"{"secrets": {"per_second": 0.5, "burst": 2}}"#).unwrap();
    let emu = common::start_with(EmulatorOptions {
        rate_limits: RateLimitSpec::File(limits),
        ..common::options()
    })
    .await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..4 {
        let resp = emu
            .http
            .get(emu.url("/api/2.0/secrets/scopes/list"))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap();
        statuses.push(resp.status().as_u16());
        if resp.status().as_u16() == 429 {
            retry_after = resp
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_string());
            let b: Value = resp.json().await.unwrap();
            assert_eq!(b["error_code"], "REQUEST_LIMIT_EXCEEDED");
        }
    }
    assert_eq!(statuses, vec![200, 200, 429, 429]);
    assert_eq!(retry_after.as_deref(), Some("2"));
    // other families are not affected.
    let (s, _) = emu.get("/api/2.0/workspace/list?path=/").await;
    assert_eq!(s, 200);
    // the mode without Retry-After.
    emu.running.set_retry_after(false);
    let resp = emu
        .http
        .get(emu.url("/api/2.0/secrets/scopes/list"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert!(!resp.headers().contains_key("retry-after"));
    let stats = emu.stats().await;
    assert_eq!(stats["throttled"], 3);
    assert_eq!(stats["by_family"]["secrets"], 5);
    assert_eq!(stats["by_status"]["429"], 3);
}

#[tokio::test]
async fn stats_count_by_method_path_and_family() {
    let emu = common::start().await;
    emu.post("/api/2.0/workspace/mkdirs", json!({"path": "/Shared/a"}))
        .await;
    emu.get("/api/2.1/workspace/list?path=/Shared").await;
    emu.get("/api/2.0/workspace/list?path=/Shared").await;
    let s = emu.stats().await;
    assert_eq!(s["requests"], 3);
    assert_eq!(s["writes"], 1);
    assert_eq!(s["by_method"]["GET"], 2);
    assert_eq!(s["by_path"]["/api/workspace/list"], 2);
    assert_eq!(s["by_family"]["workspace"], 3);
    // the emulator's own endpoints are not counted.
    assert_eq!(emu.stats().await["requests"], 3);
}

#[tokio::test]
async fn state_file_round_trip_and_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ws.json");
    let opts = EmulatorOptions {
        state_file: Some(file.clone()),
        ..common::options()
    };
    let emu = common::start_with(opts.clone()).await;
    emu.post("/api/2.0/workspace/mkdirs", json!({"path": "/Shared/kept"}))
        .await;
    let (_, u) = emu
        .post(
            "/api/2.0/preview/scim/v2/Users",
            json!({"userName": "kept@example.com"}),
        )
        .await;
    let (_, snap) = emu.get("/_emulator/snapshot").await;
    assert!(snap["workspace"]["objects"]["/Shared/kept"].is_object());
    emu.running.shutdown().await.unwrap();
    assert!(file.exists());

    let emu = common::start_with(opts).await;
    let (s, _) = emu
        .get("/api/2.0/workspace/get-status?path=/Shared/kept")
        .await;
    assert_eq!(s, 200);
    let (s, got) = emu
        .get(&format!(
            "/api/2.0/preview/scim/v2/Users/{}",
            u["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (s, got["userName"].as_str()),
        (200, Some("kept@example.com"))
    );
    // a reloaded workspace keeps counting ids: the next id is new.
    let (_, u2) = emu
        .post(
            "/api/2.0/preview/scim/v2/Users",
            json!({"userName": "new@example.com"}),
        )
        .await;
    assert_ne!(u2["id"], u["id"]);

    // the same file works as a seed.
    drop(emu);
    let seeded = common::start_with(EmulatorOptions {
        seed: SeedSpec::File(file),
        ..common::options()
    })
    .await;
    let (s, _) = seeded
        .get("/api/2.0/workspace/get-status?path=/Shared/kept")
        .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn bad_options_are_clear_errors() {
    let err = brickport_emulator::start(EmulatorOptions {
        rate_limits: RateLimitSpec::File("/nonexistent/limits.json".into()),
        ..EmulatorOptions::default()
    })
    .await
    .err()
    .unwrap();
    assert!(
        err.to_string().contains("/nonexistent/limits.json"),
        "{err}"
    );
    let err = brickport_emulator::start(EmulatorOptions {
        seed: SeedSpec::File("/nonexistent/seed.json".into()),
        ..EmulatorOptions::default()
    })
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("/nonexistent/seed.json"), "{err}");
}

#[tokio::test]
async fn knobs_change_at_runtime_over_http() {
    let emu = common::start().await;
    let (s, k) = emu
        .post("/_emulator/knobs", json!({"faults": "503=1"}))
        .await;
    assert_eq!(s, 200);
    assert_eq!(k["faults"], "429=0,503=1,500limit=0,reset=0,lost=0");
    let (s, _) = emu.get("/api/2.0/workspace/list?path=/").await;
    assert_eq!(s, 503);
    emu.post("/_emulator/knobs", json!({"faults_enabled": false}))
        .await;
    let (s, _) = emu.get("/api/2.0/workspace/list?path=/").await;
    assert_eq!(s, 200);
    let (s, e) = emu
        .post("/_emulator/knobs", json!({"rate_limit_scale": -1}))
        .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (400, Some("INVALID_PARAMETER_VALUE"))
    );
    let (_, k) = emu.get("/_emulator/knobs").await;
    assert_eq!(k["faults_enabled"], false);
}
