//! The account console's part, which no workspace API can play: assigning account groups.
//!
//! Account groups (`meta.resourceType: Group`) are managed in the Databricks account and
//! assigned to workspaces there; a workspace's SCIM API cannot create them. A workspace admin
//! can assign them through the permission-assignments API (`kinds::permission_assignments`,
//! which brickport uses); a rehearsal that wants them in the target beforehand assigns them
//! as an account admin would:
//! in process with [`assign_account_groups`], or over HTTP with
//! `POST /_emulator/account-groups` ([`assign_over_http`]) when the emulators are processes.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::kinds::scim::{Group, created_now};
use crate::state::{AppState, Emulator};

/// Assigns every account group of `from` to `to` (empty: membership of an account group is
/// the account's business), skipping those `to` already has. Returns the names assigned.
pub fn assign_account_groups(from: &Emulator, to: &Emulator) -> Vec<String> {
    let groups: Vec<_> = from
        .lock()
        .scim
        .groups
        .values()
        .filter(|g| g.account_group)
        .cloned()
        .collect();
    let mut st = to.lock();
    let mut names = Vec::new();
    for g in groups {
        if st.scim.group_by_name(&g.display_name).is_some() {
            continue;
        }
        let id = st.ids.scim_id();
        names.push(g.display_name.clone());
        let group = Group {
            id: id.clone(),
            members: Vec::new(),
            ..g
        };
        st.scim.groups.insert(id, group);
    }
    to.mark_dirty();
    names
}

/// The names a request body asks for: `{"displayName": "x"}` or a list of those.
fn requested_names(body: &Value) -> ApiResult<Vec<String>> {
    let one = |v: &Value| -> ApiResult<String> {
        match v.get("displayName").and_then(Value::as_str).map(str::trim) {
            Some(name) if !name.is_empty() => Ok(name.to_string()),
            _ => Err(ApiError::invalid(
                "each account group needs a non-empty \"displayName\": send \
                 {\"displayName\": \"name\"} or a list of those",
            )),
        }
    };
    match body {
        Value::Array(items) if items.is_empty() => Err(ApiError::invalid(
            "the list of account groups is empty: name at least one",
        )),
        Value::Array(items) => items.iter().map(one).collect(),
        other => Ok(vec![one(other)?]),
    }
}

/// `POST /_emulator/account-groups`: the account console assigns account groups to this
/// workspace. The body is `{"displayName": "x"}` (the answer is the group, as SCIM shows it) or
/// a list of those (the answer is `{"Resources": [...]}` in the same order). A name already
/// assigned as an account group is kept as it is (assigning twice changes nothing); a name
/// held by a workspace-local group is a 409, as the account console refuses it. Nothing is
/// written unless every name can be assigned. 201 when something was created, else 200.
pub async fn assign_over_http(
    State(emu): State<AppState>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Response> {
    let names = requested_names(&body)?;
    let mut st = emu.lock();
    if let Some(taken) = names
        .iter()
        .find(|n| st.scim.group_by_name(n).is_some_and(|g| !g.account_group))
    {
        return Err(ApiError::scim(
            StatusCode::CONFLICT,
            Some("uniqueness"),
            format!(
                "Group with name {taken} already exists in this workspace as a workspace group; \
                 rename or delete it before assigning the account group."
            ),
        ));
    }
    let mut created = false;
    let mut ids = Vec::with_capacity(names.len());
    for name in names {
        if let Some(g) = st.scim.group_by_name(&name) {
            ids.push(g.id.clone());
            continue;
        }
        let id = st.ids.scim_id();
        st.scim.groups.insert(
            id.clone(),
            Group {
                id: id.clone(),
                display_name: name,
                account_group: true,
                created_ms: created_now(),
                ..Group::default()
            },
        );
        created = true;
        ids.push(id);
    }
    let rendered: Vec<Value> = ids
        .iter()
        .filter_map(|id| st.scim.groups.get(id).map(|g| st.scim.group_json(g)))
        .collect();
    drop(st);
    if created {
        emu.mark_dirty();
    }
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let answer = match (body.is_array(), rendered.as_slice()) {
        (false, [one]) => one.clone(),
        _ => json!({ "Resources": rendered }),
    };
    Ok((status, Json(answer)).into_response())
}
