//! Permissions: inherited entries, allowed levels, owner rules, PUT vs PATCH, the root folder,
//! FEATURE_DISABLED.

use base64::Engine;
use serde_json::{Value, json};

use crate::common::{self, USER};

fn direct(p: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for e in p["access_control_list"].as_array().unwrap() {
        let who = e["user_name"]
            .as_str()
            .or(e["group_name"].as_str())
            .or(e["service_principal_name"].as_str())
            .unwrap();
        for perm in e["all_permissions"].as_array().unwrap() {
            if perm["inherited"] == false {
                out.push((
                    who.to_string(),
                    perm["permission_level"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    out.sort();
    out
}

fn inherited(p: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for e in p["access_control_list"].as_array().unwrap() {
        let who = e["user_name"]
            .as_str()
            .or(e["group_name"].as_str())
            .unwrap_or("");
        for perm in e["all_permissions"].as_array().unwrap() {
            if perm["inherited"] == true {
                out.push((
                    who.to_string(),
                    perm["permission_level"].as_str().unwrap().to_string(),
                    perm["inherited_from_object"][0]
                        .as_str()
                        .unwrap()
                        .to_string(),
                ));
            }
        }
    }
    out
}

async fn notebook(emu: &common::Emu) -> (i64, i64) {
    emu.post("/api/2.0/workspace/mkdirs", json!({"path": "/Shared/team"}))
        .await;
    emu.post(
        "/api/2.0/workspace/import",
        json!({"path": "/Shared/team/nb",
        "content": base64::engine::general_purpose::STANDARD.encode("1"), "language": "PYTHON"}),
    )
    .await;
    let (_, d) = emu
        .get("/api/2.0/workspace/get-status?path=/Shared/team")
        .await;
    let (_, n) = emu
        .get("/api/2.0/workspace/get-status?path=/Shared/team/nb")
        .await;
    (
        d["object_id"].as_i64().unwrap(),
        n["object_id"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn workspace_objects_inherit_folder_grants_and_admins() {
    let emu = common::start().await;
    let (dir, nb) = notebook(&emu).await;
    let (s, p) = emu
        .get(&format!("/api/2.0/permissions/notebooks/{nb}"))
        .await;
    assert_eq!(s, 200);
    assert_eq!(p["object_id"], format!("/notebooks/{nb}"));
    assert_eq!(p["object_type"], "notebook");
    assert_eq!(
        direct(&p),
        vec![("admin@example.com".into(), "CAN_MANAGE".into())]
    );
    let inh = inherited(&p);
    assert!(
        inh.contains(&(
            "admins".into(),
            "CAN_MANAGE".into(),
            "/directories/0".into()
        )),
        "{inh:?}"
    );
    let (s, _) = emu
        .call(
            "PATCH",
            &format!("/api/2.0/permissions/directories/{dir}"),
            Some(json!({
        "access_control_list": [{"group_name": "users", "permission_level": "CAN_READ"}]})),
        )
        .await;
    assert_eq!(s, 200);
    let (_, p) = emu
        .get(&format!("/api/2.0/permissions/notebooks/{nb}"))
        .await;
    assert!(inherited(&p).contains(&(
        "users".into(),
        "CAN_READ".into(),
        format!("/directories/{dir}")
    )));
    // the root folder keeps admins, directly.
    let (_, root) = emu.get("/api/2.0/permissions/directories/0").await;
    assert!(direct(&root).contains(&("admins".into(), "CAN_MANAGE".into())));
    let (s, e) = emu
        .call(
            "PUT",
            "/api/2.0/permissions/directories/0",
            Some(json!({"access_control_list": []})),
        )
        .await;
    assert_eq!(
        (s, e["message"].as_str()),
        (
            400,
            Some("Cannot change permissions for group 'admins' to None.")
        )
    );
    // unknown objects and bad levels.
    let (s, _) = emu.get("/api/2.0/permissions/notebooks/12345").await;
    assert_eq!(s, 404);
    let (s, _) = emu
        .call(
            "PATCH",
            &format!("/api/2.0/permissions/notebooks/{nb}"),
            Some(json!({
        "access_control_list": [{"user_name": "bob@example.com", "permission_level": "CAN_USE"}]})),
        )
        .await;
    assert_eq!(s, 400);
    let (_, lv) = emu
        .get(&format!(
            "/api/2.0/permissions/notebooks/{nb}/permissionLevels"
        ))
        .await;
    assert_eq!(lv["permission_levels"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn put_replaces_patch_merges_and_plain_users_are_refused() {
    let emu = common::start().await;
    let (_, nb) = notebook(&emu).await;
    let url = format!("/api/2.0/permissions/notebooks/{nb}");
    let (s, p) = emu
        .call(
            "PUT",
            &url,
            Some(json!({"access_control_list": [
        {"user_name": "bob@example.com", "permission_level": "CAN_RUN"}]})),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        direct(&p),
        vec![("bob@example.com".into(), "CAN_RUN".into())]
    );
    let (_, p) = emu
        .call(
            "PATCH",
            &url,
            Some(json!({"access_control_list": [
        {"group_name": "users", "permission_level": "CAN_READ"}]})),
        )
        .await;
    assert_eq!(
        direct(&p),
        vec![
            ("bob@example.com".into(), "CAN_RUN".into()),
            ("users".into(), "CAN_READ".into())
        ]
    );
    let (s, _) = emu
        .call(
            "PATCH",
            &url,
            Some(json!({"access_control_list": [
        {"user_name": "ghost@example.com", "permission_level": "CAN_READ"}]})),
        )
        .await;
    assert_eq!(s, 400);
    // bob has CAN_RUN only: he cannot read or change the ACL.
    let (s, e) = emu.as_user(USER).call("GET", &url, None).await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (403, Some("PERMISSION_DENIED"))
    );
    emu.call(
        "PATCH",
        &url,
        Some(json!({"access_control_list": [
        {"user_name": "bob@example.com", "permission_level": "CAN_MANAGE"}]})),
    )
    .await;
    let (s, _) = emu.as_user(USER).call("GET", &url, None).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn jobs_and_warehouses_have_exactly_one_owner() {
    let emu = common::start().await;
    // objects of other kinds are created through their own APIs when present; here we
    // register an owned object the way those kinds do.
    {
        let mut st = emu.running.emulator().lock();
        st.permissions
            .init_object("warehouses", "abc0123456789def", Some("admin@example.com"));
    }
    let exists = emu
        .running
        .emulator()
        .lock()
        .warehouses
        .contains("abc0123456789def");
    if !exists {
        // the warehouses kind answers 404 for objects it does not hold; create a real one.
        let (s, w) = emu
            .post(
                "/api/2.0/sql/warehouses",
                json!({"name": "wh", "cluster_size": "2X-Small", "max_num_clusters": 1}),
            )
            .await;
        assert_eq!(s, 200, "{w}");
        let id = w["id"].as_str().unwrap().to_string();
        return owner_rules(&emu, &format!("/api/2.0/permissions/sql/warehouses/{id}")).await;
    }
    owner_rules(&emu, "/api/2.0/permissions/warehouses/abc0123456789def").await;
}

async fn owner_rules(emu: &common::Emu, url: &str) {
    let (s, p) = emu.get(url).await;
    assert_eq!(s, 200, "{p}");
    assert!(direct(&p).contains(&("admin@example.com".into(), "IS_OWNER".into())));
    // a PUT without an owner keeps the current one.
    let (_, p) = emu
        .call(
            "PUT",
            url,
            Some(json!({"access_control_list": [
        {"user_name": "bob@example.com", "permission_level": "CAN_USE"}]})),
        )
        .await;
    assert!(
        direct(&p).contains(&("admin@example.com".into(), "IS_OWNER".into())),
        "{p}"
    );
    // two owners, or a group owner, are refused.
    let (s, _) = emu
        .call(
            "PUT",
            url,
            Some(json!({"access_control_list": [
        {"user_name": "bob@example.com", "permission_level": "IS_OWNER"},
        {"user_name": "admin@example.com", "permission_level": "IS_OWNER"}]})),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = emu
        .call(
            "PATCH",
            url,
            Some(json!({"access_control_list": [
        {"group_name": "users", "permission_level": "IS_OWNER"}]})),
        )
        .await;
    assert_eq!(s, 400);
    // a PATCH naming a new owner replaces the old one.
    let (_, p) = emu
        .call(
            "PATCH",
            url,
            Some(json!({"access_control_list": [
        {"user_name": "bob@example.com", "permission_level": "IS_OWNER"}]})),
        )
        .await;
    let owners: Vec<_> = direct(&p)
        .into_iter()
        .filter(|(_, l)| l == "IS_OWNER")
        .collect();
    assert_eq!(owners, vec![("bob@example.com".into(), "IS_OWNER".into())]);
    // admins are inherited, never direct.
    assert!(
        inherited(&p)
            .iter()
            .any(|(w, l, _)| w == "admins" && l == "CAN_MANAGE")
    );
}

#[tokio::test]
async fn the_whole_api_can_be_feature_disabled() {
    let emu = common::start().await;
    emu.running.set_permissions_disabled(true);
    let (s, e) = emu.get("/api/2.0/permissions/directories/0").await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (404, Some("FEATURE_DISABLED"))
    );
}
