//! SCIM: built-ins, create/duplicates, paging with the count cap, filters, sort, projection,
//! PATCH members, derived fields, Me, eventual consistency.

use std::time::Duration;

use brickport_emulator::EmulatorOptions;
use serde_json::{Value, json};

use crate::common::{self, USER};

const SCIM: &str = "/api/2.0/preview/scim/v2";

fn ids(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| r["id"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn fresh_workspace_has_builtin_groups_and_admin_caller() {
    let emu = common::start().await;
    let (s, me) = emu.get(&format!("{SCIM}/Me")).await;
    assert_eq!(s, 200);
    assert_eq!(me["userName"], "admin@example.com");
    assert_eq!(me["emails"][0]["value"], "admin@example.com");
    let (_, admins) = emu
        .get(&format!(
            "{SCIM}/Groups?filter=displayName%20eq%20%22admins%22"
        ))
        .await;
    let admins = &admins["Resources"][0];
    assert_eq!(admins["meta"]["resourceType"], "WorkspaceGroup");
    let member = &admins["members"][0];
    assert_eq!(member["value"], me["id"]);
    assert_eq!(
        member["$ref"],
        format!("Users/{}", me["id"].as_str().unwrap())
    );
    assert!(
        me["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["display"] == "admins")
    );
    let (_, users) = emu
        .get(&format!(
            "{SCIM}/Groups?filter=displayName%20eq%20%22users%22"
        ))
        .await;
    assert_eq!(users["totalResults"], 1);
    // the plain user is not an admin.
    let (_, bob) = emu
        .as_user(USER)
        .call("GET", &format!("{SCIM}/Me"), None)
        .await;
    assert_eq!(bob["userName"], "bob@example.com");
    assert!(bob.get("groups").is_none());
}

#[tokio::test]
async fn create_duplicates_and_non_admins() {
    let emu = common::start().await;
    let (s, u) = emu
        .post(
            &format!("{SCIM}/Users"),
            json!({"userName": "ann@example.com", "displayName": "Ann"}),
        )
        .await;
    assert_eq!(s, 201);
    assert!(
        u["id"].as_str().unwrap().parse::<i64>().is_ok(),
        "SCIM ids are int64 strings"
    );
    assert_eq!(
        u["schemas"][0],
        "urn:ietf:params:scim:schemas:core:2.0:User"
    );
    let (s, e) = emu
        .post(
            &format!("{SCIM}/Users"),
            json!({"userName": "ANN@example.com"}),
        )
        .await;
    assert_eq!(s, 409);
    assert_eq!(
        e["detail"],
        "User with username ANN@example.com already exists."
    );
    assert_eq!(e["status"], "409");
    assert_eq!(
        e["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    let (s, _) = emu
        .post(&format!("{SCIM}/Groups"), json!({"displayName": "admins"}))
        .await;
    assert_eq!(s, 409);
    let (s, sp) = emu
        .post(
            &format!("{SCIM}/ServicePrincipals"),
            json!({"displayName": "robot"}),
        )
        .await;
    assert_eq!(s, 201);
    let app = sp["applicationId"].as_str().unwrap();
    assert_eq!(app.len(), 36);
    let (s, _) = emu
        .post(
            &format!("{SCIM}/ServicePrincipals"),
            json!({"applicationId": app}),
        )
        .await;
    assert_eq!(s, 409);
    let (s, e) = emu
        .as_user(USER)
        .call(
            "POST",
            &format!("{SCIM}/Groups"),
            Some(json!({"displayName": "g"})),
        )
        .await;
    assert_eq!((s, e["status"].as_str()), (403, Some("403")));
    // missing resources are SCIM 404s.
    let (s, e) = emu.get(&format!("{SCIM}/Users/42")).await;
    assert_eq!((s, e["status"].as_str()), (404, Some("404")));
}

#[tokio::test]
async fn paging_is_one_based_and_count_is_capped_at_100() {
    let emu = common::start().await;
    for i in 0..130 {
        let (s, _) = emu
            .post(
                &format!("{SCIM}/Users"),
                json!({"userName": format!("u{i:03}@example.com")}),
            )
            .await;
        assert_eq!(s, 201);
    }
    // 130 + the two token users.
    let (_, page) = emu
        .get(&format!("{SCIM}/Users?startIndex=1&count=1000"))
        .await;
    assert_eq!(page["totalResults"], 132);
    assert_eq!(page["Resources"].as_array().unwrap().len(), 100);
    assert_eq!(page["startIndex"], 1);
    let (_, rest) = emu
        .get(&format!("{SCIM}/Users?startIndex=101&count=1000"))
        .await;
    assert_eq!(rest["Resources"].as_array().unwrap().len(), 32);
    let mut all = ids(&page);
    all.extend(ids(&rest));
    all.sort();
    all.dedup();
    assert_eq!(all.len(), 132);
    let (_, past) = emu.get(&format!("{SCIM}/Users?startIndex=500")).await;
    assert!(past.get("Resources").is_none());
    assert_eq!(past["totalResults"], 132);
}

#[tokio::test]
async fn filters_sort_and_projection() {
    let emu = common::start().await;
    for (n, d) in [
        ("zed@x.com", "Zed"),
        ("amy@x.com", "Amy"),
        ("bo@y.com", "Bo"),
    ] {
        emu.post(
            &format!("{SCIM}/Users"),
            json!({"userName": n, "displayName": d}),
        )
        .await;
    }
    let q = |f: &str| format!("{SCIM}/Users?filter={}", url_escape(f));
    let (_, r) = emu
        .get(&q(r#"userName co "@x.com" and displayName sw "a""#))
        .await;
    assert_eq!(r["totalResults"], 1);
    assert_eq!(r["Resources"][0]["userName"], "amy@x.com");
    let (_, r) = emu
        .get(&q(r#"userName eq "bo@y.com" or displayName eq "Zed""#))
        .await;
    assert_eq!(r["totalResults"], 2);
    let (_, r) = emu.get(&q(r#"userName ne "bo@y.com""#)).await;
    assert_eq!(r["totalResults"], 4);
    let (s, e) = emu.get(&q(r#"userName gt "a""#)).await;
    assert_eq!((s, e["status"].as_str()), (400, Some("400")));
    let (_, r) = emu
        .get(&format!(
            "{SCIM}/Users?filter={}&sortBy=userName&sortOrder=descending&attributes=userName",
            url_escape(r#"userName co "@""#)
        ))
        .await;
    let names: Vec<&str> = r["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["userName"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        vec![
            "zed@x.com",
            "bob@example.com",
            "bo@y.com",
            "amy@x.com",
            "admin@example.com"
        ]
    );
    let first = r["Resources"][0].as_object().unwrap();
    assert!(first.contains_key("id") && first.contains_key("userName"));
    assert!(!first.contains_key("emails") && !first.contains_key("active"));
    let (_, r) = emu
        .get(&format!("{SCIM}/Users?excludedAttributes=emails,groups"))
        .await;
    assert!(r["Resources"][0].get("emails").is_none());
}

fn url_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn patch_members_entitlements_and_active() {
    let emu = common::start().await;
    let (_, u) = emu
        .post(&format!("{SCIM}/Users"), json!({"userName": "m@x.com"}))
        .await;
    let (_, sp) = emu
        .post(
            &format!("{SCIM}/ServicePrincipals"),
            json!({"displayName": "bot"}),
        )
        .await;
    let (_, inner) = emu
        .post(&format!("{SCIM}/Groups"), json!({"displayName": "inner"}))
        .await;
    let (_, g) = emu
        .post(&format!("{SCIM}/Groups"), json!({"displayName": "eng"}))
        .await;
    let gid = g["id"].as_str().unwrap();
    let (uid, spid, iid) = (
        u["id"].as_str().unwrap(),
        sp["id"].as_str().unwrap(),
        inner["id"].as_str().unwrap(),
    );
    let patch = |ops: Value| json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops});
    let (s, _) = emu
        .call("PATCH", &format!("{SCIM}/Groups/{gid}"), Some(patch(json!([
            {"op": "Add", "path": "members", "value": [{"value": uid}, {"value": spid}, {"value": iid}]},
            {"op": "ADD", "path": "entitlements", "value": [{"value": "allow-cluster-create"}]}
        ]))))
        .await;
    assert!(s == 200 || s == 204, "{s}");
    let (_, got) = emu.get(&format!("{SCIM}/Groups/{gid}")).await;
    let members: Vec<(&str, &str)> = got["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["value"].as_str().unwrap(), m["$ref"].as_str().unwrap()))
        .collect();
    assert!(members.contains(&(uid, &*format!("Users/{uid}"))));
    assert!(members.contains(&(spid, &*format!("ServicePrincipals/{spid}"))));
    assert!(members.contains(&(iid, &*format!("Groups/{iid}"))));
    assert_eq!(got["entitlements"][0]["value"], "allow-cluster-create");
    let (_, user) = emu.get(&format!("{SCIM}/Users/{uid}")).await;
    assert_eq!(user["groups"][0]["display"], "eng");
    let (_, nested) = emu.get(&format!("{SCIM}/Groups/{iid}")).await;
    assert_eq!(nested["groups"][0]["value"], gid);

    emu.call(
        "PATCH",
        &format!("{SCIM}/Groups/{gid}"),
        Some(patch(json!([
            {"op": "remove", "path": format!("members[value eq \"{uid}\"]")}
        ]))),
    )
    .await;
    let (_, got) = emu.get(&format!("{SCIM}/Groups/{gid}")).await;
    assert_eq!(got["members"].as_array().unwrap().len(), 2);

    // an unknown member fails the whole PATCH and changes nothing.
    let (s, _) = emu
        .call(
            "PATCH",
            &format!("{SCIM}/Groups/{gid}"),
            Some(patch(json!([
                {"op": "add", "path": "members", "value": [{"value": uid}]},
                {"op": "add", "path": "members", "value": [{"value": "123"}]}
            ]))),
        )
        .await;
    assert_eq!(s, 404);
    let (_, got) = emu.get(&format!("{SCIM}/Groups/{gid}")).await;
    assert_eq!(got["members"].as_array().unwrap().len(), 2);

    let (s, after) = emu
        .call(
            "PATCH",
            &format!("{SCIM}/ServicePrincipals/{spid}"),
            Some(patch(json!([
                {"op": "replace", "path": "active", "value": [{"value": "false"}]}
            ]))),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(after["active"], false);

    // deleting a user removes its memberships.
    emu.call("DELETE", &format!("{SCIM}/ServicePrincipals/{spid}"), None)
        .await;
    let (_, got) = emu.get(&format!("{SCIM}/Groups/{gid}")).await;
    assert_eq!(got["members"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn new_principals_are_missing_from_lists_for_a_while() {
    let emu = common::start_with(EmulatorOptions {
        scim_visibility_delay: Duration::from_millis(300),
        ..common::options()
    })
    .await;
    let (_, u) = emu
        .post(&format!("{SCIM}/Users"), json!({"userName": "late@x.com"}))
        .await;
    let filter = format!("{SCIM}/Users?filter=userName%20eq%20%22late%40x.com%22");
    let (_, r) = emu.get(&filter).await;
    assert_eq!(r["totalResults"], 0);
    // get by id works at once.
    let (s, _) = emu
        .get(&format!("{SCIM}/Users/{}", u["id"].as_str().unwrap()))
        .await;
    assert_eq!(s, 200);
    tokio::time::sleep(Duration::from_millis(350)).await;
    let (_, r) = emu.get(&filter).await;
    assert_eq!(r["totalResults"], 1);
}
