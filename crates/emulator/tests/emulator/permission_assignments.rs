//! Workspace permission assignments: the typical seed's account group assigned into an empty
//! workspace by name shows in its SCIM groups as an account group; by principal id it
//! becomes ADMIN; removed, it leaves SCIM and can be assigned again; an unknown principal is
//! the platform's error inside a 200 (by name) or a 404 (by id); non-admins are refused.

use serde_json::{Value, json};

use crate::common;

const BASE: &str = "/api/2.0/preview/permissionassignments";

fn find<'a>(list: &'a Value, field: &str, name: &str) -> Option<&'a Value> {
    list["permission_assignments"]
        .as_array()?
        .iter()
        .find(|a| a["principal"][field] == json!(name))
}

async fn scim_groups(emu: &common::Emu) -> Vec<Value> {
    let list = emu.get_ok("/api/2.0/preview/scim/v2/Groups").await;
    list["Resources"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn an_account_group_assigned_by_name_shows_in_scim_and_is_removed_by_id() {
    let emu = common::start().await;
    let body = json!({"permission_assignments": [
        {"group_name": "acct-all-employees", "permissions": ["USER"]}]});
    let answer = emu.ok(BASE, body.clone()).await;
    let item = &answer["permission_assignments"][0];
    assert!(item.get("error").is_none(), "{answer}");
    assert_eq!(item["permissions"], json!(["USER"]));
    let id = item["principal"]["principal_id"]
        .as_i64()
        .expect("int64 id");

    let g = scim_groups(&emu)
        .await
        .into_iter()
        .find(|g| g["displayName"] == "acct-all-employees")
        .expect("assigned group in SCIM");
    assert_eq!(g["meta"]["resourceType"], "Group");
    assert_eq!(g["id"], json!(id.to_string()));
    let list = emu.get_ok(BASE).await;
    let listed = find(&list, "group_name", "acct-all-employees").expect("listed");
    assert_eq!(listed["principal"]["principal_id"], json!(id));
    // Assigning again changes nothing.
    let again = emu.ok(BASE, body).await;
    assert_eq!(
        again["permission_assignments"][0]["principal"]["principal_id"],
        json!(id)
    );

    // ADMIN by principal id: the group becomes a member of `admins`.
    let path = format!("{BASE}/principals/{id}");
    let (s, put) = emu
        .call("PUT", &path, Some(json!({"permissions": ["ADMIN"]})))
        .await;
    assert_eq!((s, &put["permissions"]), (200, &json!(["ADMIN"])), "{put}");
    let list = emu.get_ok(BASE).await;
    let listed = find(&list, "group_name", "acct-all-employees").unwrap();
    assert_eq!(listed["permissions"], json!(["ADMIN"]));

    let (s, _) = emu.call("DELETE", &path, None).await;
    assert_eq!(s, 200);
    assert!(
        scim_groups(&emu)
            .await
            .iter()
            .all(|g| g["displayName"] != "acct-all-employees")
    );
    assert!(find(&emu.get_ok(BASE).await, "group_name", "acct-all-employees").is_none());
    let (s, gone) = emu.call("DELETE", &path, None).await;
    assert_eq!(
        (s, &gone["error_code"]),
        (404, &json!("RESOURCE_DOES_NOT_EXIST"))
    );
    // The account still knows it: assigned again by id.
    let (s, back) = emu
        .call("PUT", &path, Some(json!({"permissions": ["USER"]})))
        .await;
    assert_eq!(s, 200, "{back}");
    assert_eq!(back["principal"]["group_name"], "acct-all-employees");
}

#[tokio::test]
async fn users_and_service_principals_are_listed_and_assigned_by_name() {
    let emu = common::start().await;
    let (s, sp) = emu
        .post(
            "/api/2.0/preview/scim/v2/ServicePrincipals",
            json!({"displayName": "bot", "applicationId": "00000000-0000-0000-0000-00000000b0b0"}),
        )
        .await;
    assert_eq!(s, 201, "{sp}");
    let list = emu.get_ok(BASE).await;
    let listed = find(
        &list,
        "service_principal_name",
        "00000000-0000-0000-0000-00000000b0b0",
    );
    assert_eq!(
        listed.unwrap()["principal"]["principal_id"].to_string(),
        sp["id"].as_str().unwrap()
    );
    let list = emu.get_ok(BASE).await;
    let admin = find(&list, "user_name", "admin@example.com").expect("the caller is listed");
    assert_eq!(admin["permissions"], json!(["ADMIN"]));
    let bob = find(&list, "user_name", "bob@example.com").expect("bob");
    assert_eq!(bob["permissions"], json!(["USER"]));
    assert!(
        find(&list, "group_name", "users").is_none(),
        "workspace groups are not listed"
    );

    // Removed, a user is remembered by the account and assigned again by name.
    let bob_id = bob["principal"]["principal_id"].as_i64().unwrap();
    let (s, _) = emu
        .call("DELETE", &format!("{BASE}/principals/{bob_id}"), None)
        .await;
    assert_eq!(s, 200);
    let back = emu
        .ok(
            BASE,
            json!({"permission_assignments": [
                {"user_name": "bob@example.com", "permissions": ["USER"]},
                {"service_principal_name": "00000000-0000-0000-0000-00000000b0b0", "permissions": ["USER"]}]}),
        )
        .await;
    let items = back["permission_assignments"].as_array().unwrap();
    assert_eq!(
        items[0]["principal"]["principal_id"],
        json!(bob_id),
        "{back}"
    );
    assert!(items[1].get("error").is_none(), "{back}");
    let (s, u) = emu
        .get(&format!("/api/2.0/preview/scim/v2/Users/{bob_id}"))
        .await;
    assert_eq!((s, &u["userName"]), (200, &json!("bob@example.com")));
}

#[tokio::test]
async fn unknown_principals_and_non_admins_are_refused() {
    let emu = common::start().await;
    let answer = emu
        .ok(
            BASE,
            json!({"permission_assignments": [
                {"group_name": "no-such-group", "permissions": ["USER"]}]}),
        )
        .await;
    let item = &answer["permission_assignments"][0];
    assert_eq!(
        item["error"],
        "RESOURCE_DOES_NOT_EXIST: Principal not found in account."
    );
    assert!(
        scim_groups(&emu)
            .await
            .iter()
            .all(|g| g["displayName"] != "no-such-group")
    );
    let (s, e) = emu
        .call(
            "PUT",
            &format!("{BASE}/principals/12345"),
            Some(json!({"permissions": ["USER"]})),
        )
        .await;
    assert_eq!(
        (s, &e["error_code"]),
        (404, &json!("RESOURCE_DOES_NOT_EXIST"))
    );
    // A workspace-local group's name is not an account group.
    let local = emu
        .ok(
            BASE,
            json!({"permission_assignments": [{"group_name": "admins", "permissions": ["USER"]}]}),
        )
        .await;
    assert!(
        local["permission_assignments"][0]["error"].is_string(),
        "{local}"
    );
    let (s, e) = emu
        .as_user(common::USER)
        .call(
            "POST",
            BASE,
            Some(json!({"permission_assignments": [
                {"group_name": "acct-all-employees", "permissions": ["USER"]}]})),
        )
        .await;
    assert_eq!((s, &e["error_code"]), (403, &json!("PERMISSION_DENIED")));
}
