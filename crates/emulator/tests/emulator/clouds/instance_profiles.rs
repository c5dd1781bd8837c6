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
    // A non-admin lists, but cannot write.
    let (s, b) = emu
        .call_as(USER, "GET", "/api/2.0/instance-profiles/list", None)
        .await;
    assert_eq!(
        (s, b["instance_profiles"].as_array().map(Vec::len)),
        (200, Some(1))
    );
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
