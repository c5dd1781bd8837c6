//! Scope ACLs (`/api/2.0/secrets/acls/*`): READ, WRITE or MANAGE for a user, a group, a
//! service principal (by applicationId) or `users`; managing them needs MANAGE.

use axum::extract::State;
use axum::{Extension, Json};
use serde_json::{Value, json};

use super::{ScopeKey, rank, scope_for};
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Caller, State as Ws};

fn principal_exists(st: &Ws, p: &str) -> bool {
    p == "users"
        || st.scim.user_by_name(p).is_some()
        || st.scim.group_by_name(p).is_some()
        || st.scim.sp_by_app_id(p).is_some()
}

pub(crate) async fn put_acl(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(b): JsonBody<ScopeKey>,
) -> ApiResult<Json<Value>> {
    let perm = b.permission.to_ascii_uppercase();
    if rank(&perm) == 0 {
        return Err(ApiError::invalid(format!(
            "Invalid permission '{}'; use READ, WRITE or MANAGE.",
            b.permission
        )));
    }
    let mut st = emu.lock();
    scope_for(&st, &b.scope, &caller, "MANAGE")?;
    if !principal_exists(&st, &b.principal) {
        return Err(ApiError::not_found(format!(
            "Principal {} does not exist.",
            b.principal
        )));
    }
    if let Some(s) = st.secrets.scopes.get_mut(&b.scope) {
        s.acls.insert(b.principal, perm);
    }
    Ok(Json(json!({})))
}

pub(crate) async fn get_acl(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let name = q.required("scope")?;
    let principal = q.required("principal")?;
    let st = emu.lock();
    let scope = scope_for(&st, name, &caller, "MANAGE")?;
    let perm = scope.acls.get(principal).ok_or_else(|| {
        ApiError::not_found(format!("No ACL for principal {principal} on scope {name}."))
    })?;
    Ok(Json(json!({"principal": principal, "permission": perm})))
}

pub(crate) async fn list_acls(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let name = q.required("scope")?;
    let st = emu.lock();
    let scope = scope_for(&st, name, &caller, "MANAGE")?;
    let items: Vec<Value> = scope
        .acls
        .iter()
        .map(|(p, perm)| json!({"principal": p, "permission": perm}))
        .collect();
    // match cloud behaviour: the list key is `items`.
    Ok(Json(if items.is_empty() {
        json!({})
    } else {
        json!({ "items": items })
    }))
}

pub(crate) async fn delete_acl(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(b): JsonBody<ScopeKey>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    scope_for(&st, &b.scope, &caller, "MANAGE")?;
    let removed = st
        .secrets
        .scopes
        .get_mut(&b.scope)
        .and_then(|s| s.acls.remove(&b.principal));
    if removed.is_none() {
        return Err(ApiError::not_found(format!(
            "No ACL for principal {} on scope {}.",
            b.principal, b.scope
        )));
    }
    Ok(Json(json!({})))
}
