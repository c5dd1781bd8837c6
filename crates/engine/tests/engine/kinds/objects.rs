//! How each kind's fixture object is made in the source and changed there: a pair of
//! functions per kind, named after it (`job`, `edit_job`); the table is `fixtures.rs`.

use brickport_api::Secret;
use brickport_api::WorkspaceClient;
use brickport_api::types::clusters::Cluster;
use brickport_api::types::init_scripts::GlobalInitScript;
use brickport_api::types::jobs::{JobSettings, UpdateJob};
use brickport_api::types::notification_destinations::{DestinationConfig, DestinationRequest};
use brickport_api::types::pipelines::{CreatePipeline, EditPipeline, PipelineSpec};
use brickport_api::types::policies::Policy;
use brickport_api::types::pools::InstancePool;
use brickport_api::types::repos::{Repo, UpdateRepo};
use brickport_api::types::scim::{ComplexValue, PatchOp, PatchOperation, ServicePrincipal, User};
use brickport_api::types::secrets::{CreateScope, SecretValue};
use brickport_api::types::warehouses::Warehouse;
use brickport_api::types::workspace::{ExportFormat, Import};
use serde_json::json;

use crate::support::seed;

fn values(v: &[&str]) -> Option<Vec<ComplexValue>> {
    Some(v.iter().map(|s| ComplexValue::value(*s)).collect())
}

pub async fn user(c: WorkspaceClient) -> String {
    seed::user(&c, "fx@example.com", "Fx", true, &[], &[]).await
}

pub async fn edit_user(c: WorkspaceClient, id: String) {
    let u = User {
        user_name: Some("fx@example.com".into()),
        display_name: Some("Fx Changed".into()),
        active: Some(true),
        ..User::default()
    };
    c.scim().users().replace(&id, &u).await.unwrap();
}

fn sp_named(entitlements: &[&str]) -> ServicePrincipal {
    ServicePrincipal {
        application_id: Some("11111111-2222-3333-4444-555555555555".into()),
        display_name: Some("fx-bot".into()),
        active: Some(true),
        entitlements: values(entitlements),
        ..ServicePrincipal::default()
    }
}

pub async fn sp(c: WorkspaceClient) -> String {
    let created = c.scim().service_principals().create(&sp_named(&[])).await;
    created.unwrap().id.unwrap()
}

pub async fn edit_sp(c: WorkspaceClient, id: String) {
    let changed = sp_named(&["allow-cluster-create"]);
    c.scim()
        .service_principals()
        .replace(&id, &changed)
        .await
        .unwrap();
}

/// An account group of the emulated account's directory, assigned to the source by name.
pub async fn account_group(c: WorkspaceClient) -> String {
    use brickport_api::types::permission_assignments::PrincipalName;
    let who = PrincipalName::Group("acct-group-00042".into());
    let a = c
        .permission_assignments()
        .assign(&who, &["USER"])
        .await
        .unwrap();
    a.principal.unwrap().principal_id.unwrap().to_string()
}

/// The account group made a workspace admin of the source (by principal id).
pub async fn edit_account_group(c: WorkspaceClient, id: String) {
    let api = c.permission_assignments();
    api.assign_id(id.parse().unwrap(), &["ADMIN"])
        .await
        .unwrap();
}

pub async fn group(c: WorkspaceClient) -> String {
    seed::group(&c, "fx-group", &[], &[]).await
}

pub async fn edit_group(c: WorkspaceClient, id: String) {
    let add = PatchOperation::add("entitlements", json!([{"value": "allow-cluster-create"}]));
    c.scim()
        .groups()
        .patch(&id, &PatchOp::new(vec![add]))
        .await
        .unwrap();
}

pub async fn policy(c: WorkspaceClient) -> String {
    let p = Policy {
        name: Some("fx-policy".into()),
        definition: Some(json!({"num_workers": {"type": "fixed", "value": 2}}).to_string()),
        ..Policy::default()
    };
    c.policies().create(&p).await.unwrap()
}

pub async fn edit_policy(c: WorkspaceClient, id: String) {
    let mut p = c.policies().get(&id).await.unwrap();
    p.description = Some("changed".into());
    c.policies().edit(&p).await.unwrap();
}

fn pool_spec(max_capacity: i64) -> InstancePool {
    InstancePool {
        instance_pool_name: Some("fx-pool".into()),
        node_type_id: Some("i3.xlarge".into()),
        min_idle_instances: Some(0),
        max_capacity: Some(max_capacity),
        idle_instance_autotermination_minutes: Some(30),
        ..InstancePool::default()
    }
}

/// The fixture's instance profile (its ARN is its key and its id).
pub const FX_PROFILE: &str = "arn:aws:iam::123456789012:instance-profile/fx-profile";

pub async fn instance_profile(c: WorkspaceClient) -> String {
    let p = brickport_api::types::instance_profiles::InstanceProfile {
        instance_profile_arn: Some(FX_PROFILE.into()),
        ..Default::default()
    };
    c.instance_profiles().add(&p).await.unwrap();
    FX_PROFILE.into()
}

pub async fn edit_instance_profile(c: WorkspaceClient, id: String) {
    let p = brickport_api::types::instance_profiles::InstanceProfile {
        instance_profile_arn: Some(id),
        iam_role_arn: Some("arn:aws:iam::123456789012:role/fx-role".into()),
        ..Default::default()
    };
    c.instance_profiles().edit(&p).await.unwrap();
}

pub async fn pool(c: WorkspaceClient) -> String {
    c.pools().create(&pool_spec(4)).await.unwrap()
}

pub async fn edit_pool(c: WorkspaceClient, id: String) {
    let edit = InstancePool {
        instance_pool_id: Some(id),
        ..pool_spec(8)
    };
    c.pools().edit(&edit).await.unwrap();
}

fn warehouse_spec(auto_stop_mins: i64) -> Warehouse {
    Warehouse {
        name: Some("fx-warehouse".into()),
        cluster_size: Some("2X-Small".into()),
        max_num_clusters: Some(1),
        auto_stop_mins: Some(auto_stop_mins),
        ..Warehouse::default()
    }
}

pub async fn warehouse(c: WorkspaceClient) -> String {
    c.warehouses().create(&warehouse_spec(10)).await.unwrap()
}

pub async fn edit_warehouse(c: WorkspaceClient, id: String) {
    c.warehouses().edit(&id, &warehouse_spec(30)).await.unwrap();
}

fn init_script_spec(content: &str) -> GlobalInitScript {
    let mut s = GlobalInitScript {
        name: Some("fx-script".into()),
        enabled: Some(true),
        position: Some(0),
        ..GlobalInitScript::default()
    };
    s.set_script_bytes(content.as_bytes());
    s
}

pub async fn init_script(c: WorkspaceClient) -> String {
    let script = init_script_spec("#!/bin/bash\necho fixture\n");
    c.init_scripts().create(&script).await.unwrap()
}

pub async fn edit_init_script(c: WorkspaceClient, id: String) {
    let script = init_script_spec("#!/bin/bash\necho changed\n");
    c.init_scripts().update(&id, &script).await.unwrap();
}

/// A webhook destination with basic auth (`username` too when `with_user`).
fn destination_spec(with_user: bool) -> DestinationRequest {
    let mut config = DestinationConfig::default();
    let mut parts = vec![
        ("url", "https://hooks.example.com/fx"),
        ("password", "fx-pw"),
    ];
    if with_user {
        parts.push(("username", "fx-user"));
    }
    for (field, value) in parts {
        assert!(config.set_write_only("generic_webhook", field, Secret::new(value)));
    }
    DestinationRequest {
        display_name: Some("fx-hook".into()),
        config: Some(config),
        ..DestinationRequest::default()
    }
}

pub async fn destination(c: WorkspaceClient) -> String {
    let nd = c.notification_destinations();
    let created = nd.create(&destination_spec(false)).await.unwrap();
    created.id.unwrap()
}

/// A basic-auth user name added: its `username_set` flag changes.
pub async fn edit_destination(c: WorkspaceClient, id: String) {
    let nd = c.notification_destinations();
    nd.update(&id, &destination_spec(true)).await.unwrap();
}

pub async fn scope(c: WorkspaceClient) -> String {
    let s = CreateScope {
        scope: Some("fx-scope".into()),
        ..CreateScope::default()
    };
    c.secrets().create_scope(&s).await.unwrap();
    let value = SecretValue::String(Secret::new("source-value"));
    c.secrets()
        .put_secret("fx-scope", "key", &value)
        .await
        .unwrap();
    "fx-scope".into()
}

/// A new key in the scope.
pub async fn edit_scope(c: WorkspaceClient, id: String) {
    let value = SecretValue::String(Secret::new("source-value"));
    c.secrets().put_secret(&id, "key2", &value).await.unwrap();
}

pub async fn object_id(c: &WorkspaceClient, path: &str) -> String {
    let info = c.workspace().get_status(path).await.unwrap();
    info.object_id.unwrap().to_string()
}

pub async fn folder(c: WorkspaceClient) -> String {
    c.workspace().mkdirs("/Shared/fx").await.unwrap();
    object_id(&c, "/Shared/fx").await
}

fn cluster_spec(num_workers: i64) -> Cluster {
    Cluster {
        cluster_name: Some("fx-cluster".into()),
        spark_version: Some("15.4.x-scala2.12".into()),
        node_type_id: Some("i3.xlarge".into()),
        num_workers: Some(num_workers),
        ..Cluster::default()
    }
}

pub async fn cluster(c: WorkspaceClient) -> String {
    c.clusters().create(&cluster_spec(1)).await.unwrap()
}

pub async fn edit_cluster(c: WorkspaceClient, id: String) {
    let edit = Cluster {
        cluster_id: Some(id),
        ..cluster_spec(2)
    };
    c.clusters().edit(&edit).await.unwrap();
}

const NOTEBOOK: &str = "/Shared/fx-notebook";

pub async fn write_notebook(c: &WorkspaceClient, code: &str, overwrite: bool) {
    let import = Import {
        path: NOTEBOOK.into(),
        format: ExportFormat::Source,
        language: Some("PYTHON".into()),
        content: format!("# Databricks notebook source\n{code}\n").into_bytes(),
        overwrite,
    };
    c.workspace().import(&import).await.unwrap();
}

pub async fn notebook(c: WorkspaceClient) -> String {
    write_notebook(&c, "print(1)", false).await;
    object_id(&c, NOTEBOOK).await
}

pub async fn edit_notebook(c: WorkspaceClient, _id: String) {
    write_notebook(&c, "print(2)", true).await;
}

pub async fn repo(c: WorkspaceClient) -> String {
    let r = Repo {
        url: Some("https://gitlab.com/acme/lib".into()),
        provider: Some("gitlab".into()),
        path: Some("/Repos/team/lib".into()),
        ..Repo::default()
    };
    c.repos().create(&r).await.unwrap().id.unwrap().to_string()
}

pub async fn edit_repo(c: WorkspaceClient, id: String) {
    let update = UpdateRepo {
        branch: Some("dev".into()),
        ..UpdateRepo::default()
    };
    c.repos()
        .update(id.parse().unwrap(), &update)
        .await
        .unwrap();
}

pub async fn job(c: WorkspaceClient) -> String {
    let settings = JobSettings {
        name: Some("fx-job".into()),
        max_concurrent_runs: Some(1),
        ..JobSettings::default()
    };
    c.jobs().create(&settings).await.unwrap().to_string()
}

pub async fn edit_job(c: WorkspaceClient, id: String) {
    let update = UpdateJob {
        job_id: id.parse().unwrap(),
        new_settings: Some(JobSettings {
            max_concurrent_runs: Some(3),
            ..JobSettings::default()
        }),
        fields_to_remove: Vec::new(),
    };
    c.jobs().update(&update).await.unwrap();
}

/// A triggered pipeline running the notebook [`NOTEBOOK`] (a reference), publishing to
/// `main.fx`.
pub async fn pipeline(c: WorkspaceClient) -> String {
    write_notebook(&c, "print(1)", false).await;
    let create = CreatePipeline {
        spec: PipelineSpec {
            name: Some("fx-pipeline".into()),
            catalog: Some("main".into()),
            schema: Some("fx".into()),
            libraries: Some(vec![json!({"notebook": {"path": NOTEBOOK}})]),
            configuration: json!({"mode": "a"}).as_object().cloned(),
            ..PipelineSpec::default()
        },
        ..CreatePipeline::default()
    };
    c.pipelines().create(&create).await.unwrap()
}

/// Its configuration changed (an edit replaces the whole settings: read, change, write).
pub async fn edit_pipeline(c: WorkspaceClient, id: String) {
    let p = c.pipelines().get(&id).await.unwrap();
    let mut spec = p.spec.unwrap();
    spec.configuration = json!({"mode": "b"}).as_object().cloned();
    let edit = EditPipeline {
        spec,
        ..EditPipeline::default()
    };
    c.pipelines().edit(&id, &edit).await.unwrap();
}
