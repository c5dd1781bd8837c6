//! Workspace objects: import/export round trips, AUTO detection, the 10 MB limit, parents,
//! overwrite, mkdirs on a file prefix, delete rules, stable object ids.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::{Value, json};

use crate::common::{self, ADMIN};

fn b64(s: &[u8]) -> String {
    B64.encode(s)
}

async fn import(emu: &common::Emu, body: Value) -> (u16, Value) {
    emu.post("/api/2.0/workspace/import", body).await
}

#[tokio::test]
async fn source_notebook_round_trip_and_formats() {
    let emu = common::start().await;
    emu.post("/api/2.0/workspace/mkdirs", json!({"path": "/Shared/p"}))
        .await;
    let src = "# Databricks notebook source\nprint(1)\n\n# COMMAND ----------\n\nprint(2)\n";
    let (s, b) = import(
        &emu,
        json!({"path": "/Shared/p/nb", "content": b64(src.as_bytes()),
        "format": "SOURCE", "language": "PYTHON"}),
    )
    .await;
    assert_eq!((s, b), (200, json!({})));
    let (_, st) = emu
        .get("/api/2.0/workspace/get-status?path=/Workspace/Shared/p/nb")
        .await;
    assert_eq!(st["object_type"], "NOTEBOOK");
    assert_eq!(st["language"], "PYTHON");
    assert!(st["object_id"].as_i64().unwrap() > 0);
    assert!(st["modified_at"].as_i64().unwrap() > 0);
    let (_, ex) = emu
        .get("/api/2.0/workspace/export?path=/Shared/p/nb&format=SOURCE")
        .await;
    assert_eq!(ex["file_type"], "py");
    assert_eq!(
        B64.decode(ex["content"].as_str().unwrap()).unwrap(),
        src.as_bytes()
    );
    // JUPYTER export keeps the cells; direct_download answers raw bytes.
    let (_, jx) = emu
        .get("/api/2.0/workspace/export?path=/Shared/p/nb&format=JUPYTER")
        .await;
    let nb: Value =
        serde_json::from_slice(&B64.decode(jx["content"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(nb["cells"].as_array().unwrap().len(), 2);
    let raw = emu
        .http
        .get(emu.url("/api/2.0/workspace/export?path=/Shared/p/nb&direct_download=true"))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(&raw[..], src.as_bytes());
    // a SOURCE notebook needs its language.
    let (s, e) = import(
        &emu,
        json!({"path": "/Shared/p/x", "content": b64(b"1"), "format": "SOURCE"}),
    )
    .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (400, Some("INVALID_PARAMETER_VALUE"))
    );
    // other languages get their own header.
    import(
        &emu,
        json!({"path": "/Shared/p/q", "content": b64(b"SELECT 1"), "language": "SQL"}),
    )
    .await;
    let (_, ex) = emu.get("/api/2.0/workspace/export?path=/Shared/p/q").await;
    let text = String::from_utf8(B64.decode(ex["content"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!(text, "-- Databricks notebook source\nSELECT 1");
    assert_eq!(ex["file_type"], "sql");
}

#[tokio::test]
async fn auto_detects_notebooks_and_strips_the_extension() {
    let emu = common::start().await;
    let cases = [
        (
            "/Shared/a.py",
            "# Databricks notebook source\nx=1",
            "/Shared/a",
            "NOTEBOOK",
            Some("PYTHON"),
        ),
        (
            "/Shared/b.scala",
            "// Databricks notebook source\nval x = 1",
            "/Shared/b",
            "NOTEBOOK",
            Some("SCALA"),
        ),
        (
            "/Shared/c.sql",
            "-- Databricks notebook source\nSELECT 1",
            "/Shared/c",
            "NOTEBOOK",
            Some("SQL"),
        ),
        (
            "/Shared/d.r",
            "# Databricks notebook source\nx <- 1",
            "/Shared/d",
            "NOTEBOOK",
            Some("R"),
        ),
        (
            "/Shared/e.py",
            "print('plain file')",
            "/Shared/e.py",
            "FILE",
            None,
        ),
        ("/Shared/f.txt", "hello", "/Shared/f.txt", "FILE", None),
    ];
    for (path, content, lands, kind, lang) in cases {
        let (s, e) = import(
            &emu,
            json!({"path": path, "content": b64(content.as_bytes()), "format": "AUTO"}),
        )
        .await;
        assert_eq!(s, 200, "{path}: {e}");
        let (s, st) = emu
            .get(&format!("/api/2.0/workspace/get-status?path={lands}"))
            .await;
        assert_eq!(s, 200, "{path} should land at {lands}");
        assert_eq!(st["object_type"], kind, "{path}");
        assert_eq!(st["language"].as_str(), lang, "{path}");
    }
    let (_, f) = emu
        .get("/api/2.0/workspace/get-status?path=/Shared/f.txt")
        .await;
    assert_eq!(f["size"], 5);
    let (_, ex) = emu
        .get("/api/2.0/workspace/export?path=/Shared/e.py&format=AUTO")
        .await;
    assert_eq!(
        B64.decode(ex["content"].as_str().unwrap()).unwrap(),
        b"print('plain file')"
    );
}

#[tokio::test]
async fn ten_megabyte_limit_and_parent_rules() {
    let emu = common::start().await;
    let big = vec![b'x'; 10 * 1024 * 1024 + 1];
    let (s, e) = import(
        &emu,
        json!({"path": "/Shared/big", "content": b64(&big), "format": "RAW"}),
    )
    .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (400, Some("MAX_NOTEBOOK_SIZE_EXCEEDED"))
    );
    let ok = vec![b'x'; 10 * 1024 * 1024];
    let (s, _) = import(
        &emu,
        json!({"path": "/Shared/ok", "content": b64(&ok), "format": "RAW"}),
    )
    .await;
    assert_eq!(s, 200);
    let (s, e) = import(
        &emu,
        json!({"path": "/Shared/no/such/nb", "content": b64(b"1"), "language": "PYTHON"}),
    )
    .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (404, Some("RESOURCE_DOES_NOT_EXIST"))
    );
    assert_eq!(
        e["message"],
        "The parent folder (/Shared/no/such) does not exist."
    );
    // mkdirs is idempotent and refuses a file on the way.
    for _ in 0..2 {
        let (s, b) = emu
            .post(
                "/api/2.0/workspace/mkdirs",
                json!({"path": "/Shared/d1/d2"}),
            )
            .await;
        assert_eq!((s, b), (200, json!({})));
    }
    let (s, e) = emu
        .post(
            "/api/2.0/workspace/mkdirs",
            json!({"path": "/Shared/ok/sub"}),
        )
        .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (400, Some("RESOURCE_ALREADY_EXISTS"))
    );
}

#[tokio::test]
async fn overwrite_keeps_the_object_id_and_delete_rules() {
    let emu = common::start().await;
    let body = |c: &str, ow: bool| json!({"path": "/Shared/n", "content": b64(c.as_bytes()), "language": "PYTHON", "overwrite": ow});
    import(&emu, body("1", false)).await;
    let (_, a) = emu
        .get("/api/2.0/workspace/get-status?path=/Shared/n")
        .await;
    let (s, e) = import(&emu, body("2", false)).await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (400, Some("RESOURCE_ALREADY_EXISTS"))
    );
    let (s, _) = import(&emu, body("3", true)).await;
    assert_eq!(s, 200);
    let (_, b) = emu
        .get("/api/2.0/workspace/get-status?path=/Shared/n")
        .await;
    assert_eq!(a["object_id"], b["object_id"]);

    emu.post("/api/2.0/workspace/mkdirs", json!({"path": "/Shared/t/u"}))
        .await;
    let (s, e) = emu
        .post("/api/2.0/workspace/delete", json!({"path": "/Shared/t"}))
        .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (400, Some("DIRECTORY_NOT_EMPTY"))
    );
    let (s, _) = emu
        .post(
            "/api/2.0/workspace/delete",
            json!({"path": "/Shared/t", "recursive": true}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, e) = emu
        .get("/api/2.0/workspace/get-status?path=/Shared/t/u")
        .await;
    assert_eq!(
        (s, e["message"].as_str()),
        (404, Some("Path (/Shared/t/u) doesn't exist."))
    );
    // an empty folder lists as `{}`; a file lists as itself.
    emu.post(
        "/api/2.0/workspace/mkdirs",
        json!({"path": "/Shared/empty"}),
    )
    .await;
    let (_, l) = emu.get("/api/2.0/workspace/list?path=/Shared/empty").await;
    assert_eq!(l, json!({}));
    let (_, l) = emu.get("/api/2.0/workspace/list?path=/Shared/n").await;
    assert_eq!(l["objects"][0]["path"], "/Shared/n");
}

#[tokio::test]
async fn multipart_upload_like_the_sdk() {
    let emu = common::start().await;
    let boundary = "b0undary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"path\"\r\n\r\n/Shared/up.py\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\nAUTO\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"content\"; filename=\"content\"\r\n\r\nprint('up')\n\r\n--{boundary}--\r\n"
    );
    let resp = emu
        .http
        .post(emu.url("/api/2.0/workspace/import"))
        .bearer_auth(ADMIN)
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let (_, ex) = emu
        .get("/api/2.0/workspace/export?path=/Shared/up.py&format=AUTO")
        .await;
    assert_eq!(
        B64.decode(ex["content"].as_str().unwrap()).unwrap(),
        b"print('up')\n"
    );
}

#[tokio::test]
async fn git_folders_show_in_the_tree_as_repo_objects() {
    let emu = common::start().await;
    emu.post(
        "/api/2.0/workspace/mkdirs",
        json!({"path": "/Repos/admin@example.com"}),
    )
    .await;
    let (s, repo) = emu
        .post(
            "/api/2.0/repos",
            json!({"url": "https://github.com/example/p.git", "provider": "gitHub",
                   "path": "/Repos/admin@example.com/p"}),
        )
        .await;
    assert_eq!(s, 200, "{repo}");
    let (s, st) = emu
        .get("/api/2.0/workspace/get-status?path=/Repos/admin@example.com/p")
        .await;
    assert_eq!(s, 200);
    assert_eq!(st["object_type"], "REPO");
    assert_eq!(st["object_id"], repo["id"]);
    let (_, l) = emu
        .get("/api/2.0/workspace/list?path=/Repos/admin@example.com")
        .await;
    assert_eq!(l["objects"][0]["path"], "/Repos/admin@example.com/p");
}
