//! Secrets: names, limits, ACLs, values only for admins and never in lists.

use base64::Engine;
use serde_json::json;

use crate::common::{self, USER};

#[tokio::test]
async fn names_values_and_limits() {
    let emu = common::start().await;
    let (s, e) = emu
        .post(
            "/api/2.0/secrets/scopes/create",
            json!({"scope": "bad name!"}),
        )
        .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (400, Some("INVALID_PARAMETER_VALUE"))
    );
    emu.post("/api/2.0/secrets/scopes/create", json!({"scope": "s1"}))
        .await;
    let (s, e) = emu
        .post("/api/2.0/secrets/scopes/create", json!({"scope": "s1"}))
        .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (400, Some("RESOURCE_ALREADY_EXISTS"))
    );
    assert_eq!(e["message"], "Scope s1 already exists!");
    let big = "x".repeat(128 * 1024 + 1);
    let (s, _) = emu
        .post(
            "/api/2.0/secrets/put",
            json!({"scope": "s1", "key": "k", "string_value": big}),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = emu
        .post(
            "/api/2.0/secrets/put",
            json!({"scope": "s1", "key": "k", "string_value": "v", "bytes_value": "AA=="}),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = emu
        .post(
            "/api/2.0/secrets/put",
            json!({"scope": "s1", "key": "k", "string_value": "hunter2"}),
        )
        .await;
    assert_eq!(s, 200);
    let (_, list) = emu.get("/api/2.0/secrets/list?scope=s1").await;
    assert_eq!(list["secrets"][0]["key"], "k");
    assert!(!list.to_string().contains("hunter2"));
    let (_, got) = emu.get("/api/2.0/secrets/get?scope=s1&key=k").await;
    let value = base64::engine::general_purpose::STANDARD
        .decode(got["value"].as_str().unwrap())
        .unwrap();
    assert_eq!(value, b"hunter2");
    let (s, e) = emu.get("/api/2.0/secrets/list?scope=nope").await;
    assert_eq!(
        (s, e["message"].as_str()),
        (404, Some("Scope nope does not exist!"))
    );
    // an Azure Key Vault scope cannot be created with a PAT.
    let (s, _) = emu
        .post(
            "/api/2.0/secrets/scopes/create",
            json!({"scope": "akv", "scope_backend_type": "AZURE_KEYVAULT",
        "backend_azure_keyvault": {"resource_id": "r", "dns_name": "https://x.vault.azure.net/"}}),
        )
        .await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn a_scope_holds_at_most_1000_secrets() {
    let emu = common::start().await;
    emu.post("/api/2.0/secrets/scopes/create", json!({"scope": "full"}))
        .await;
    {
        let mut st = emu.running.emulator().lock();
        let scope = st.secrets.scopes.get_mut("full").unwrap();
        for i in 0..1000 {
            scope.secrets.insert(format!("k{i}"), Default::default());
        }
    }
    let (s, e) = emu
        .post(
            "/api/2.0/secrets/put",
            json!({"scope": "full", "key": "one-more", "string_value": "v"}),
        )
        .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (400, Some("RESOURCE_LIMIT_EXCEEDED"))
    );
    // overwriting an existing key is still fine.
    let (s, _) = emu
        .post(
            "/api/2.0/secrets/put",
            json!({"scope": "full", "key": "k1", "string_value": "v"}),
        )
        .await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn acls_decide_what_a_plain_user_may_do() {
    let emu = common::start().await;
    emu.post("/api/2.0/secrets/scopes/create", json!({"scope": "team"}))
        .await;
    let bob = emu.as_user(USER);
    let (s, _) = bob
        .call("GET", "/api/2.0/secrets/list?scope=team", None)
        .await;
    assert_eq!(s, 403);
    let (_, acls) = emu.get("/api/2.0/secrets/acls/list?scope=team").await;
    assert_eq!(
        acls["items"],
        json!([{"principal": "admin@example.com", "permission": "MANAGE"}])
    );
    let (s, _) = emu
        .post(
            "/api/2.0/secrets/acls/put",
            json!({"scope": "team", "principal": "nobody@x.com", "permission": "READ"}),
        )
        .await;
    assert_eq!(s, 404);
    emu.post(
        "/api/2.0/secrets/acls/put",
        json!({"scope": "team", "principal": "bob@example.com", "permission": "READ"}),
    )
    .await;
    let (s, _) = bob
        .call("GET", "/api/2.0/secrets/list?scope=team", None)
        .await;
    assert_eq!(s, 200);
    let (s, _) = bob
        .call(
            "POST",
            "/api/2.0/secrets/put",
            Some(json!({"scope": "team", "key": "k", "string_value": "v"})),
        )
        .await;
    assert_eq!(s, 403);
    emu.post(
        "/api/2.0/secrets/acls/put",
        json!({"scope": "team", "principal": "users", "permission": "WRITE"}),
    )
    .await;
    let (s, _) = bob
        .call(
            "POST",
            "/api/2.0/secrets/put",
            Some(json!({"scope": "team", "key": "k", "string_value": "v"})),
        )
        .await;
    assert_eq!(s, 200);
    // values stay admin-only from outside a notebook.
    let (s, _) = bob
        .call("GET", "/api/2.0/secrets/get?scope=team&key=k", None)
        .await;
    assert_eq!(s, 400);
    let (_, acl) = emu
        .get("/api/2.0/secrets/acls/get?scope=team&principal=users")
        .await;
    assert_eq!(acl["permission"], "WRITE");
    let (s, _) = emu
        .post(
            "/api/2.0/secrets/acls/delete",
            json!({"scope": "team", "principal": "users"}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = emu
        .get("/api/2.0/secrets/acls/get?scope=team&principal=users")
        .await;
    assert_eq!(s, 404);
}
