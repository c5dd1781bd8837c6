//! What older clients send (databrickslabs/migrate): the `preview/permissions` prefix, a
//! trailing slash, base64 content wrapped in line breaks, the unpaged Jobs 2.0 list.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde_json::json;

use crate::common;

#[tokio::test]
async fn preview_permissions_and_a_trailing_slash_reach_the_same_handlers() {
    let emu = common::start().await;
    let (_, c) = emu
        .post(
            "/api/2.0/clusters/create",
            json!({"cluster_name": "c", "spark_version": "15.4.x-scala2.12",
                   "node_type_id": "i3.xlarge", "num_workers": 1}),
        )
        .await;
    let id = c["cluster_id"].as_str().unwrap();
    let (s, current) = emu
        .get(&format!("/api/2.0/permissions/clusters/{id}"))
        .await;
    assert_eq!(s, 200);
    for path in [
        format!("/api/2.0/preview/permissions/clusters/{id}"),
        format!("/api/2.0/preview/permissions/clusters/{id}/"),
        format!("/api/2.0/permissions/clusters/{id}/"),
    ] {
        assert_eq!(emu.get(&path).await, (200, current.clone()), "{path}");
    }
    let acl = json!({"access_control_list": [
        {"user_name": "bob@example.com", "permission_level": "CAN_RESTART"}]});
    let (s, _) = emu
        .call(
            "PATCH",
            &format!("/api/2.0/preview/permissions/clusters/{id}"),
            Some(acl),
        )
        .await;
    assert_eq!(s, 200);
    let (_, after) = emu
        .get(&format!("/api/2.0/permissions/clusters/{id}"))
        .await;
    assert!(after.to_string().contains("CAN_RESTART"));
    let (s, levels) = emu
        .get(&format!(
            "/api/2.0/preview/permissions/clusters/{id}/permissionLevels/"
        ))
        .await;
    assert_eq!((s, levels["permission_levels"].is_array()), (200, true));
    // An unknown path keeps its not-found answer, slash or not.
    assert_eq!(emu.get("/api/2.0/preview/nothing/").await.0, 404);
}

#[tokio::test]
async fn base64_wrapped_in_line_breaks_imports_the_same_bytes() {
    let emu = common::start().await;
    let source = format!(
        "# Databricks notebook source\n{}\n",
        "print('x' * 80)\n".repeat(20)
    );
    let flat = B64.encode(source.as_bytes());
    // As Python's base64.encodebytes writes it: 76 characters a line, a final newline.
    let wrapped: String = flat
        .as_bytes()
        .chunks(76)
        .map(|c| format!("{}\n", String::from_utf8_lossy(c)))
        .collect();
    assert!(wrapped.matches('\n').count() > 2);
    let (s, b) = emu
        .post(
            "/api/2.0/workspace/import",
            json!({"path": "/Shared/wrapped", "content": wrapped, "format": "SOURCE",
                   "language": "PYTHON"}),
        )
        .await;
    assert_eq!((s, b), (200, json!({})));
    let (_, ex) = emu
        .get("/api/2.0/workspace/export?path=/Shared/wrapped&format=SOURCE")
        .await;
    let back = B64.decode(ex["content"].as_str().unwrap()).unwrap();
    assert_eq!(String::from_utf8(back).unwrap(), source);
    // Still not base64 is still refused.
    let (s, _) = emu
        .post(
            "/api/2.0/workspace/import",
            json!({"path": "/Shared/bad", "content": "not base64!\n", "format": "SOURCE",
                   "language": "PYTHON"}),
        )
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn jobs_20_list_is_every_job_at_once() {
    let emu = common::start().await;
    assert_eq!(emu.get("/api/2.0/jobs/list").await, (200, json!({})));
    for k in 0..30 {
        let body = json!({"name": format!("job-{k:02}"), "tasks": [{"task_key": "t",
            "notebook_task": {"notebook_path": "/Shared/nb"}}]});
        assert_eq!(emu.post("/api/2.1/jobs/create", body).await.0, 200);
    }
    let (s, all) = emu.get("/api/2.0/jobs/list").await;
    assert_eq!(s, 200);
    let jobs = all["jobs"].as_array().unwrap();
    assert_eq!(jobs.len(), 30, "not paged (2.1 gives 20 a page)");
    assert!(all.get("has_more").is_none() && all.get("next_page_token").is_none());
    assert_eq!(jobs[0]["settings"]["format"], "MULTI_TASK");
    assert!(jobs[0]["settings"].get("tasks").is_none());
    // 2.1 still pages.
    let (_, paged) = emu.get("/api/2.1/jobs/list").await;
    assert_eq!(paged["has_more"], true);
}
