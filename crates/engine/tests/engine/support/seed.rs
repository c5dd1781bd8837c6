//! Seeds a source workspace with every Phase 1 kind, through the api client.

use brickport_api::types::policies::Policy;
use brickport_api::types::pools::InstancePool;
use brickport_api::types::scim::{ComplexValue, Group, ServicePrincipal, User};
use brickport_api::types::secrets::{CreateScope, SecretValue};
use brickport_api::types::warehouses::Warehouse;
use brickport_api::{Secret, WorkspaceClient};
use serde_json::json;

fn values(v: &[&str]) -> Option<Vec<ComplexValue>> {
    Some(v.iter().map(|s| ComplexValue::value(*s)).collect())
}

pub struct Seeded {
    /// The source SP's applicationId (the target assigns its own on AWS/GCP).
    pub sp_app_id: String,
}

pub async fn user(
    c: &WorkspaceClient,
    name: &str,
    display: &str,
    active: bool,
    ent: &[&str],
    roles: &[&str],
) -> String {
    let u = User {
        user_name: Some(name.into()),
        display_name: Some(display.into()),
        active: Some(active),
        entitlements: values(ent),
        roles: values(roles),
        ..User::default()
    };
    c.scim().users().create(&u).await.unwrap().id.unwrap()
}

pub async fn group(c: &WorkspaceClient, name: &str, ent: &[&str], members: &[&str]) -> String {
    let g = Group {
        display_name: Some(name.into()),
        entitlements: values(ent),
        members: values(members),
        ..Group::default()
    };
    c.scim().groups().create(&g).await.unwrap().id.unwrap()
}

pub async fn phase1(c: &WorkspaceClient, with_secrets_and_folders: bool) -> Seeded {
    let alice = user(
        c,
        "alice@example.com",
        "Alice",
        true,
        &["allow-cluster-create"],
        &[],
    )
    .await;
    let bob = user(c, "bob@example.com", "Bob", false, &[], &[]).await;
    let _carol = user(
        c,
        "carol@example.com",
        "Carol",
        true,
        &["databricks-sql-access"],
        &["arn:aws:iam::123456789012:instance-profile/carol"],
    )
    .await;
    let sp = c
        .scim()
        .service_principals()
        .create(&ServicePrincipal {
            application_id: Some("11111111-2222-3333-4444-555555555555".into()),
            display_name: Some("etl-bot".into()),
            active: Some(true),
            entitlements: values(&["allow-cluster-create"]),
            ..ServicePrincipal::default()
        })
        .await
        .unwrap();
    let sp_id = sp.id.unwrap();
    let sp_app_id = sp.application_id.unwrap();

    // Nested groups: data-eng contains analysts, which is created first in the source.
    let analysts = group(c, "analysts", &[], &[&bob]).await;
    group(
        c,
        "data-eng",
        &["databricks-sql-access"],
        &[&alice, &sp_id, &analysts],
    )
    .await;
    group(c, "empty-group", &[], &[]).await;
    // alice is also an admin in the source: admins keeps its members added in the target.
    let admins = c
        .scim()
        .groups()
        .find_eq("displayName", "admins")
        .await
        .unwrap();
    let admins_id = admins[0].id.clone().unwrap();
    c.scim()
        .groups()
        .patch(
            &admins_id,
            &brickport_api::types::scim::PatchOp::add_members([alice.clone()]),
        )
        .await
        .unwrap();

    let pol = c.policies();
    pol.create(&Policy {
        name: Some("small-clusters".into()),
        definition: Some(
            json!({"autotermination_minutes": {"type": "range", "maxValue": 60}, "num_workers": {"type": "fixed", "value": 2}})
                .to_string(),
        ),
        description: Some("keeps clusters small".into()),
        max_clusters_per_user: Some(3),
        ..Policy::default()
    })
    .await
    .unwrap();
    pol.create(&Policy {
        name: Some("personal-tuned".into()),
        policy_family_id: Some("personal-vm".into()),
        policy_family_definition_overrides: Some(
            json!({"autotermination_minutes": {"type": "fixed", "value": 30}}).to_string(),
        ),
        ..Policy::default()
    })
    .await
    .unwrap();

    for (name, node, max) in [
        ("pool-small", "i3.xlarge", 10),
        ("pool-general", "m5d.large", 4),
    ] {
        c.pools()
            .create(&InstancePool {
                instance_pool_name: Some(name.into()),
                node_type_id: Some(node.into()),
                min_idle_instances: Some(0),
                max_capacity: Some(max),
                idle_instance_autotermination_minutes: Some(30),
                custom_tags: Some(serde_json::from_value(json!({"team": "data"})).unwrap()),
                ..InstancePool::default()
            })
            .await
            .unwrap();
    }

    c.warehouses()
        .create(&Warehouse {
            name: Some("wh-analytics".into()),
            cluster_size: Some("Small".into()),
            min_num_clusters: Some(1),
            max_num_clusters: Some(2),
            auto_stop_mins: Some(20),
            enable_photon: Some(true),
            warehouse_type: Some("PRO".into()),
            channel: Some(json!({"name": "CHANNEL_NAME_PREVIEW"})),
            tags: Some(json!({"custom_tags": [{"key": "team", "value": "bi"}]})),
            ..Warehouse::default()
        })
        .await
        .unwrap();
    c.warehouses()
        .create(&Warehouse {
            name: Some("wh-small".into()),
            cluster_size: Some("2X-Small".into()),
            max_num_clusters: Some(1),
            auto_stop_mins: Some(10),
            ..Warehouse::default()
        })
        .await
        .unwrap();

    if with_secrets_and_folders {
        secrets_and_folders(c, &sp_app_id).await;
    }
    Seeded { sp_app_id }
}

pub async fn secrets_and_folders(c: &WorkspaceClient, sp_app_id: &str) {
    let s = c.secrets();
    for scope in ["app-secrets", "ops"] {
        s.create_scope(&CreateScope {
            scope: Some(scope.into()),
            ..CreateScope::default()
        })
        .await
        .unwrap();
    }
    for key in ["db-password", "api-key"] {
        s.put_secret(
            "app-secrets",
            key,
            &SecretValue::String(Secret::new("source-value")),
        )
        .await
        .unwrap();
    }
    s.put_secret(
        "ops",
        "pager-token",
        &SecretValue::String(Secret::new("source-value")),
    )
    .await
    .unwrap();
    s.put_acl("app-secrets", "data-eng", "READ").await.unwrap();
    s.put_acl("app-secrets", "alice@example.com", "WRITE")
        .await
        .unwrap();
    s.put_acl("app-secrets", sp_app_id, "READ").await.unwrap();

    let ws = c.workspace();
    for dir in [
        "/Shared/team/reports/2026",
        "/Shared/empty",
        "/Users/alice@example.com/projects",
    ] {
        ws.mkdirs(dir).await.unwrap();
    }
}
