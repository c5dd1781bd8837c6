//! Typed handlers put the right method, path and body on the wire, and objects round-trip
//! without losing unknown fields.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, Uri};
use axum::response::IntoResponse;
use base64::Engine;
use brickport_api::types::jobs::JobSettings;
use brickport_api::types::permissions::AccessControlRequest;
use brickport_api::types::scim::{PatchOp, User};
use brickport_api::types::secrets::SecretValue;
use brickport_api::types::workspace::{ExportFormat, Import};
use brickport_api::{Secret, WorkspaceClient};
use serde_json::{Value, json};

use crate::server::{client, serve};

type Log = Arc<Mutex<Vec<(String, String, Value)>>>;

/// Records every call and answers from a small table keyed by "METHOD path".
async fn recorder(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    body: Bytes,
) -> impl IntoResponse {
    let body: Value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap()
    };
    let target = uri
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    log.lock()
        .unwrap()
        .push((method.to_string(), target, body.clone()));
    let answer = match (method.as_str(), uri.path()) {
        ("GET", "/api/2.0/preview/scim/v2/Users/7") => json!({
            "id": "7", "userName": "a@b.com", "active": true,
            "urn:ietf:params:scim:schemas:extension:workspace:2.0:User": {"x": 1},
            "emails": [{"value": "a@b.com", "primary": true, "type": "work"}]
        }),
        ("POST", "/api/2.0/preview/scim/v2/Users") => {
            let mut created = body.clone();
            created["id"] = json!("8");
            created
        }
        ("GET", "/api/2.0/workspace/export") => json!({
            "content": base64::engine::general_purpose::STANDARD.encode("# Databricks notebook source\nprint(1)"),
            "file_type": "py"
        }),
        ("POST", "/api/2.2/jobs/create") => json!({"job_id": 123}),
        ("PUT", "/api/2.0/permissions/clusters/c1") => {
            json!({"object_id": "/clusters/c1", "object_type": "cluster"})
        }
        ("GET", "/api/2.0/secrets/scopes/list") => {
            json!({"scopes": [{"name": "s", "backend_type": "DATABRICKS"}]})
        }
        ("GET", "/api/2.0/secrets/acls/list") => {
            json!({"items": [{"principal": "users", "permission": "READ"}]})
        }
        ("GET", "/api/2.0/workspace/list") => json!({}),
        _ => json!({}),
    };
    axum::Json(answer)
}

async fn setup() -> (WorkspaceClient, Log) {
    let log: Log = Arc::default();
    let router = Router::new().fallback(recorder).with_state(log.clone());
    (client(&serve(router).await), log)
}

fn last(log: &Log) -> (String, String, Value) {
    log.lock().unwrap().last().cloned().unwrap()
}

#[tokio::test]
async fn scim_user_round_trips_unknown_fields() {
    let (c, log) = setup().await;
    let users = c.scim().users();
    let user: User = users.get("7").await.unwrap();
    assert_eq!(user.user_name.as_deref(), Some("a@b.com"));
    let mut copy = user.clone();
    copy.id = None;
    let created = users.create(&copy).await.unwrap();
    assert_eq!(created.id.as_deref(), Some("8"));
    let (method, path, body) = last(&log);
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("POST", "/api/2.0/preview/scim/v2/Users")
    );
    assert_eq!(
        body,
        json!({
            "userName": "a@b.com", "active": true,
            "urn:ietf:params:scim:schemas:extension:workspace:2.0:User": {"x": 1},
            "emails": [{"value": "a@b.com", "primary": true, "type": "work"}]
        })
    );
    users
        .patch("7", &PatchOp::add_members(["42"]))
        .await
        .unwrap();
    let (method, _, body) = last(&log);
    assert_eq!(method, "PATCH");
    assert_eq!(
        body,
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "add", "path": "members", "value": [{"value": "42"}]}]})
    );
    users.delete("7").await.unwrap();
    assert_eq!(last(&log).0, "DELETE");
}

#[tokio::test]
async fn workspace_export_decodes_and_import_encodes() {
    let (c, log) = setup().await;
    let exported = c
        .workspace()
        .export("/Users/a/nb", ExportFormat::Source)
        .await
        .unwrap();
    assert_eq!(exported.content, b"# Databricks notebook source\nprint(1)");
    assert_eq!(exported.file_type.as_deref(), Some("py"));
    assert_eq!(
        last(&log).1,
        "/api/2.0/workspace/export?path=%2FUsers%2Fa%2Fnb&format=SOURCE"
    );
    let import = Import {
        path: "/Users/b/nb".into(),
        format: ExportFormat::Source,
        language: Some("PYTHON".into()),
        content: b"print(1)".to_vec(),
        overwrite: false,
    };
    c.workspace().import(&import).await.unwrap();
    let (_, path, body) = last(&log);
    assert_eq!(path, "/api/2.0/workspace/import");
    assert_eq!(
        body,
        json!({"path": "/Users/b/nb", "format": "SOURCE", "content": "cHJpbnQoMSk=", "overwrite": false, "language": "PYTHON"})
    );
    assert!(c.workspace().list("/empty").await.unwrap().is_empty());
}

#[tokio::test]
async fn secrets_put_sends_the_value_only_on_the_wire() {
    let (c, log) = setup().await;
    c.secrets()
        .put_secret("s", "k", &SecretValue::String(Secret::new("v1")))
        .await
        .unwrap();
    assert_eq!(
        last(&log).2,
        json!({"scope": "s", "key": "k", "string_value": "v1"})
    );
    c.secrets()
        .put_secret("s", "k", &SecretValue::from_bytes(&[0, 1, 2]))
        .await
        .unwrap();
    assert_eq!(
        last(&log).2,
        json!({"scope": "s", "key": "k", "bytes_value": "AAEC"})
    );
    assert_eq!(
        c.secrets().list_scopes().await.unwrap()[0].name.as_deref(),
        Some("s")
    );
    assert_eq!(
        c.secrets().list_acls("s").await.unwrap()[0]
            .permission
            .as_deref(),
        Some("READ")
    );
    c.secrets().put_acl("s", "users", "READ").await.unwrap();
    assert_eq!(last(&log).1, "/api/2.0/secrets/acls/put");
}

#[tokio::test]
async fn permissions_and_jobs() {
    let (c, log) = setup().await;
    let acl = [AccessControlRequest::new(
        "group_name",
        "data-eng",
        "CAN_RESTART",
    )];
    let answer = c.permissions().set("clusters", "c1", &acl).await.unwrap();
    assert_eq!(answer.object_type.as_deref(), Some("cluster"));
    let (method, path, body) = last(&log);
    assert_eq!(
        (method.as_str(), path.as_str()),
        ("PUT", "/api/2.0/permissions/clusters/c1")
    );
    assert_eq!(
        body,
        json!({"access_control_list": [{"group_name": "data-eng", "permission_level": "CAN_RESTART"}]})
    );
    c.permissions()
        .update("sql/warehouses", "w1", &acl)
        .await
        .unwrap();
    assert_eq!(last(&log).1, "/api/2.0/permissions/sql/warehouses/w1");

    let settings = JobSettings {
        name: Some("nightly".into()),
        tasks: Some(vec![json!({"task_key": "a"})]),
        ..Default::default()
    };
    assert_eq!(c.jobs().create(&settings).await.unwrap(), 123);
    assert_eq!(
        last(&log).2,
        json!({"name": "nightly", "tasks": [{"task_key": "a"}]})
    );
    c.jobs().reset(123, &settings).await.unwrap();
    assert_eq!(last(&log).2["job_id"], 123);
    c.clusters().pin("c1").await.unwrap();
    assert_eq!(
        (last(&log).1, last(&log).2),
        (
            "/api/2.1/clusters/pin".to_string(),
            json!({"cluster_id": "c1"})
        )
    );
    c.warehouses().stop("w1").await.unwrap();
    assert_eq!(last(&log).1, "/api/2.0/sql/warehouses/w1/stop");
}
