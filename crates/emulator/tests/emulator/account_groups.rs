//! `POST /_emulator/account-groups`: the account console's part over HTTP. The groups it
//! assigns are account groups as SCIM shows them (`meta.resourceType: Group`, no members),
//! assigning twice changes nothing, a workspace-local group's name is refused, bad bodies get
//! a clear 400, and none of it counts as workspace traffic.

use serde_json::{Value, json};

use crate::common;

const PATH: &str = "/_emulator/account-groups";

async fn scim_group(emu: &common::Emu, name: &str) -> Value {
    let filter = format!("displayName eq \"{name}\"");
    let url = format!(
        "/api/2.0/preview/scim/v2/Groups?filter={}",
        urlencoding(&filter)
    );
    let (s, list) = emu.get(&url).await;
    assert_eq!(s, 200, "{list}");
    let found = list["Resources"].as_array().cloned().unwrap_or_default();
    assert_eq!(found.len(), 1, "{list}");
    found[0].clone()
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn assigns_an_account_group_visible_through_scim() {
    let emu = common::start().await;
    let writes_before = emu.stats().await["writes"].clone();
    let (s, g) = emu.post(PATH, json!({"displayName": "data-eng"})).await;
    assert_eq!(s, 201, "{g}");
    assert_eq!(g["displayName"], "data-eng");
    assert_eq!(g["meta"]["resourceType"], "Group");
    assert!(g.get("members").is_none(), "{g}");
    let id = g["id"].as_str().unwrap().to_string();

    let seen = scim_group(&emu, "data-eng").await;
    assert_eq!(seen["id"], id.as_str());
    assert_eq!(seen["meta"]["resourceType"], "Group");
    let (s, got) = emu
        .get(&format!("/api/2.0/preview/scim/v2/Groups/{id}"))
        .await;
    assert_eq!((s, &got["displayName"]), (200, &json!("data-eng")));

    // Assigning again changes nothing: same group, 200.
    let (s, again) = emu.post(PATH, json!({"displayName": "data-eng"})).await;
    assert_eq!((s, &again["id"]), (200, &json!(id)));
    // The emulator's own endpoints are not workspace traffic.
    assert_eq!(emu.stats().await["writes"], writes_before);
}

#[tokio::test]
async fn a_list_assigns_all_in_order() {
    let emu = common::start().await;
    emu.post(PATH, json!({"displayName": "analysts"})).await;
    let (s, out) = emu
        .post(
            PATH,
            json!([{"displayName": "finance"}, {"displayName": "analysts"}]),
        )
        .await;
    assert_eq!(s, 201, "{out}");
    let names: Vec<&str> = out["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["displayName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["finance", "analysts"]);
    for name in ["finance", "analysts"] {
        assert_eq!(
            scim_group(&emu, name).await["meta"]["resourceType"],
            "Group"
        );
    }
}

#[tokio::test]
async fn a_workspace_group_name_is_refused_and_nothing_is_written() {
    let emu = common::start().await;
    let (s, _) = emu
        .post(
            "/api/2.0/preview/scim/v2/Groups",
            json!({"displayName": "local-team"}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, e) = emu
        .post(
            PATH,
            json!([{"displayName": "fresh"}, {"displayName": "local-team"}]),
        )
        .await;
    assert_eq!(s, 409, "{e}");
    assert!(e["detail"].as_str().unwrap().contains("local-team"), "{e}");
    let (_, list) = emu
        .get("/api/2.0/preview/scim/v2/Groups?filter=displayName%20eq%20%22fresh%22")
        .await;
    assert_eq!(list["totalResults"], 0, "{list}");
    assert_eq!(
        scim_group(&emu, "local-team").await["meta"]["resourceType"],
        "WorkspaceGroup"
    );
}

#[tokio::test]
async fn bad_bodies_get_a_clear_400() {
    let emu = common::start().await;
    for body in [json!({}), json!({"displayName": "  "}), json!([]), json!(7)] {
        let (s, e) = emu.post(PATH, body.clone()).await;
        assert_eq!(
            (s, e["error_code"].as_str()),
            (400, Some("INVALID_PARAMETER_VALUE")),
            "{body} → {e}"
        );
        assert!(e["message"].as_str().unwrap().contains("displayName") || body == json!([]));
    }
}
