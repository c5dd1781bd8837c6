//! Git folders (paged with the `next_page_token` parameter) and Git credentials.

use serde_json::json;

use super::{assert_error, start};
use crate::common::ADMIN;

#[tokio::test]
async fn repos_page_with_next_page_token_param_and_credentials_hide_token() {
    let emu = start(0).await;
    for i in 0..25 {
        let body = json!({"url": format!("https://github.com/org/r{i:02}.git"), "provider": "GITHUB",
                          "path": format!("/Repos/team/r{i:02}")});
        let r = emu.ok("/api/2.0/repos", body).await;
        assert_eq!(r["provider"], "gitHub");
        assert_eq!(r["branch"], "main");
        assert_eq!(r["head_commit_id"].as_str().unwrap().len(), 40);
    }
    emu.ok(
        "/api/2.0/repos",
        json!({"url": "https://github.com/org/x", "provider": "gitHub", "path": "/Repos/other/x"}),
    )
    .await;
    let (_, p1) = emu.get("/api/2.0/repos?path_prefix=/Repos/team").await;
    assert_eq!(p1["repos"].as_array().unwrap().len(), 20);
    let token = p1["next_page_token"].as_str().unwrap();
    let (_, p2) = emu
        .get(&format!(
            "/api/2.0/repos?path_prefix=/Repos/team&next_page_token={token}"
        ))
        .await;
    assert_eq!(p2["repos"].as_array().unwrap().len(), 5);
    assert!(p2.get("next_page_token").is_none());
    assert_eq!(p2["repos"][4]["path"], "/Repos/team/r24");

    let r = emu
        .post(
            "/api/2.0/repos",
            json!({"url": "https://github.com/o/y", "provider": "gitHub", "path": "/Repos/y"}),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    let r = emu
        .post(
            "/api/2.0/repos",
            json!({"url": "https://github.com/o/y", "provider": "svn"}),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
    let r = emu.post("/api/2.0/repos", json!({"url": "https://github.com/o/y", "provider": "gitHub", "path": "/Repos/team/r00"})).await;
    assert_error(&r, 400, "RESOURCE_ALREADY_EXISTS");

    let id = p1["repos"][0]["id"].as_i64().unwrap();
    let r = emu
        .call_as(
            ADMIN,
            "PATCH",
            &format!("/api/2.0/repos/{id}"),
            Some(json!({"branch": "dev"})),
        )
        .await;
    assert_eq!(r.0, 200, "{}", r.1);
    assert_eq!(
        emu.get(&format!("/api/2.0/repos/{id}")).await.1["branch"],
        "dev"
    );
    emu.call_as(
        ADMIN,
        "PATCH",
        &format!("/api/2.0/repos/{id}"),
        Some(json!({"tag": "v1"})),
    )
    .await;
    assert!(
        emu.get(&format!("/api/2.0/repos/{id}"))
            .await
            .1
            .get("branch")
            .is_none(),
        "tag = detached HEAD"
    );
    assert!(
        emu.running
            .emulator()
            .lock()
            .repos
            .iter()
            .any(|r| r.id == id)
    );
    emu.call_as(ADMIN, "DELETE", &format!("/api/2.0/repos/{id}"), None)
        .await;
    assert_error(
        &emu.get(&format!("/api/2.0/repos/{id}")).await,
        404,
        "RESOURCE_DOES_NOT_EXIST",
    );

    let secret = "ghp_supersecretvalue123";
    let c = emu
        .ok("/api/2.0/git-credentials", json!({"git_provider": "gitHub", "git_username": "me", "personal_access_token": secret}))
        .await;
    let cid = c["credential_id"].as_i64().unwrap();
    let (_, l) = emu.get("/api/2.0/git-credentials").await;
    let (_, g) = emu.get(&format!("/api/2.0/git-credentials/{cid}")).await;
    for text in [
        c.to_string(),
        l.to_string(),
        g.to_string(),
        emu.running.snapshot().to_string(),
    ] {
        assert!(!text.contains(secret), "token leaked: {text}");
    }
    assert_eq!(l["credentials"][0]["git_username"], "me");
    let r = emu
        .call_as(
            ADMIN,
            "PATCH",
            &format!("/api/2.0/git-credentials/{cid}"),
            Some(json!({"git_username": "x"})),
        )
        .await;
    assert_error(&r, 400, "INVALID_PARAMETER_VALUE");
}
