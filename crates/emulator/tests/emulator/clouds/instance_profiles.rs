//! The instance-profiles API: add, list, edit, remove on AWS (admins write, anyone lists);
//! absent on Azure and GCP.

use brickport_emulator::Cloud;
use serde_json::json;

use super::{assert_error, on};
use crate::common::USER;

const ARN: &str = "arn:aws:iam::123456789012:instance-profile/etl";

#[tokio::test]
async fn instance_profiles_crud_on_aws() {
    let emu = on(Cloud::Aws).await;
    let list = || async { emu.get_ok("/api/2.0/instance-profiles/list").await };
    assert!(
        list().await.get("instance_profiles").is_none(),
        "empty: field left out"
    );
    emu.ok(
        "/api/2.0/instance-profiles/add",
        json!({"instance_profile_arn": ARN, "skip_validation": true}),
    )
    .await;
    assert_error(
        &emu.post(
            "/api/2.0/instance-profiles/add",
            json!({"instance_profile_arn": ARN}),
        )
        .await,
        400,
        "RESOURCE_ALREADY_EXISTS",
    );
    assert_error(
        &emu.post(
            "/api/2.0/instance-profiles/add",
            json!({"instance_profile_arn": "etl"}),
        )
        .await,
        400,
        "INVALID_PARAMETER_VALUE",
    );
    let l = list().await;
    assert_eq!(
        l["instance_profiles"],
        json!([{"instance_profile_arn": ARN, "is_meta_instance_profile": false}])
    );
    let role = "arn:aws:iam::123456789012:role/etl-role";
    emu.ok(
        "/api/2.0/instance-profiles/edit",
        json!({"instance_profile_arn": ARN, "iam_role_arn": role, "is_meta_instance_profile": true}),
    )
    .await;
    let l = list().await;
    assert_eq!(l["instance_profiles"][0]["iam_role_arn"], role);
    assert_eq!(l["instance_profiles"][0]["is_meta_instance_profile"], true);
    // A non-admin lists only the profiles granted to it (SCIM roles, its own or a group's),
    // and cannot write.
    let mine = || async {
        let (s, b) = emu
            .call_as(USER, "GET", "/api/2.0/instance-profiles/list", None)
            .await;
        assert_eq!(s, 200, "{b}");
        b["instance_profiles"].as_array().map_or(0, Vec::len)
    };
    assert_eq!(mine().await, 0);
    let (s, group) = emu
        .post(
            "/api/2.0/preview/scim/v2/Groups",
            json!({"displayName": "etl", "roles": [{"value": ARN}]}),
        )
        .await;
    assert_eq!(s, 201, "{group}");
    let users = emu
        .get_ok("/api/2.0/preview/scim/v2/Users?filter=userName%20eq%20%22bob@example.com%22")
        .await;
    let bob = users["Resources"][0]["id"].as_str().unwrap().to_string();
    let gid = group["id"].as_str().unwrap();
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [{"value": bob}]}]});
    let (s, b) = emu
        .call(
            "PATCH",
            &format!("/api/2.0/preview/scim/v2/Groups/{gid}"),
            Some(patch),
        )
        .await;
    assert!(s < 300, "{b}");
    assert_eq!(mine().await, 1);
    let r = emu
        .call_as(
            USER,
            "POST",
            "/api/2.0/instance-profiles/remove",
            Some(json!({"instance_profile_arn": ARN})),
        )
        .await;
    assert_error(&r, 403, "PERMISSION_DENIED");
    emu.ok(
        "/api/2.0/instance-profiles/remove",
        json!({"instance_profile_arn": ARN}),
    )
    .await;
    assert!(list().await.get("instance_profiles").is_none());
    assert_error(
        &emu.post(
            "/api/2.0/instance-profiles/remove",
            json!({"instance_profile_arn": ARN}),
        )
        .await,
        404,
        "RESOURCE_DOES_NOT_EXIST",
    );
    assert_error(
        &emu.post(
            "/api/2.0/instance-profiles/edit",
            json!({"instance_profile_arn": ARN}),
        )
        .await,
        404,
        "RESOURCE_DOES_NOT_EXIST",
    );
}

#[tokio::test]
async fn instance_profiles_do_not_exist_on_azure_or_gcp() {
    for cloud in [Cloud::Azure, Cloud::Gcp] {
        let emu = on(cloud).await;
        assert_error(
            &emu.get("/api/2.0/instance-profiles/list").await,
            404,
            "ENDPOINT_NOT_FOUND",
        );
        assert_error(
            &emu.post(
                "/api/2.0/instance-profiles/add",
                json!({"instance_profile_arn": ARN}),
            )
            .await,
            404,
            "ENDPOINT_NOT_FOUND",
        );
    }
}
