//! Secrets (`/api/2.0/secrets/*`): scopes, secrets and scope ACLs (reference §10).
//!
//! Names are alphanumerics, `-`, `_`, `.` up to 128 characters; a value is at most 128 KB; a
//! scope holds at most 1000 secrets. Workspace admins have MANAGE on every scope; other callers
//! get the highest ACL of their user, their groups and `users`. Azure Key Vault scopes are
//! read-only mirrors: writing secrets to them is refused, and creating one needs an Entra ID
//! token that a PAT caller does not have.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::{Extension, Json};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Caller, State as Ws, now_ms};
use crate::store::{self, Keyed};

pub(crate) mod acls;

/// Largest secret value (bytes).
pub const MAX_VALUE: usize = 128 * 1024;
/// Most secrets in one scope.
pub const MAX_SECRETS: usize = 1000;
/// Most scopes in one workspace.
pub const MAX_SCOPES: usize = 1000;

/// One secret (the value is kept base64-encoded). `Debug` never prints the value.
#[derive(Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Secret {
    /// The value's bytes, base64.
    pub value: String,
    /// Last write (ms).
    pub last_updated_timestamp: i64,
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secret")
            .field("value", &"***")
            .field("last_updated_timestamp", &self.last_updated_timestamp)
            .finish()
    }
}

/// One scope.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Scope {
    /// `DATABRICKS` or `AZURE_KEYVAULT`.
    pub backend_type: String,
    /// Key vault `{resource_id, dns_name}` for AKV scopes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keyvault_metadata: Option<Value>,
    /// Secrets by key.
    pub secrets: BTreeMap<String, Secret>,
    /// ACLs: principal → READ | WRITE | MANAGE.
    pub acls: BTreeMap<String, String>,
}

/// The secrets store.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SecretsState {
    /// Scopes by name.
    pub scopes: BTreeMap<String, Scope>,
}

fn valid_name(what: &str, name: &str) -> ApiResult<()> {
    let ok = !name.is_empty()
        && name.len() <= 128
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "{what} name '{name}' is invalid: use only alphanumeric characters, dashes, underscores and periods, at most 128 characters."
        )))
    }
}

store::keyed!(SecretsState, scopes, Scope, no_scope);

fn no_scope(name: &str) -> ApiError {
    ApiError::not_found(format!("Scope {name} does not exist!"))
}

fn rank(p: &str) -> u8 {
    match p {
        "READ" => 1,
        "WRITE" => 2,
        "MANAGE" => 3,
        _ => 0,
    }
}

/// The caller's permission on a scope (admins: MANAGE).
fn permission(st: &Ws, scope: &Scope, caller: &Caller) -> u8 {
    if caller.is_admin {
        return 3;
    }
    let mut names = vec![caller.user_name.clone(), "users".to_string()];
    let my_id = st
        .scim
        .user_by_name(&caller.user_name)
        .map(|u| u.id.clone())
        .or_else(|| {
            st.scim
                .sp_by_app_id(&caller.user_name)
                .map(|s| s.id.clone())
        });
    if let Some(id) = my_id {
        names.extend(
            st.scim
                .groups_of(&id)
                .into_iter()
                .map(|g| g.display_name.clone()),
        );
    }
    names
        .iter()
        .filter_map(|n| scope.acls.get(n))
        .map(|p| rank(p))
        .max()
        .unwrap_or(0)
}

fn scope_for<'a>(st: &'a Ws, name: &str, caller: &Caller, need: &str) -> ApiResult<&'a Scope> {
    let scope = st.secrets.get_or_404(name)?;
    if permission(st, scope, caller) < rank(need) {
        return Err(ApiError::permission_denied(format!(
            "User {} does not have {need} permission on scope {name}",
            caller.user_name
        )));
    }
    Ok(scope)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CreateScope {
    scope: String,
    initial_manage_principal: Option<String>,
    scope_backend_type: Option<String>,
    backend_azure_keyvault: Option<Value>,
}

pub(crate) async fn create_scope(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(b): JsonBody<CreateScope>,
) -> ApiResult<Json<Value>> {
    valid_name("Scope", &b.scope)?;
    let backend = b
        .scope_backend_type
        .as_deref()
        .unwrap_or("DATABRICKS")
        .to_ascii_uppercase();
    match backend.as_str() {
        "DATABRICKS" => {}
        // match cloud behaviour: an AKV scope needs the caller's Entra ID token; a PAT has none.
        "AZURE_KEYVAULT" => {
            return Err(ApiError::invalid(
                "Scope with Azure KeyVault must have userAADToken defined!",
            ));
        }
        other => {
            return Err(ApiError::invalid(format!(
                "Unknown scope_backend_type {other}; use DATABRICKS or AZURE_KEYVAULT."
            )));
        }
    }
    let mut acls = BTreeMap::new();
    match b.initial_manage_principal.as_deref() {
        // match cloud behaviour: only `users` is accepted; omitted = the creator manages it.
        Some("users") => {
            acls.insert("users".to_string(), "MANAGE".to_string());
        }
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "initial_manage_principal must be 'users' (got '{other}'); omit it to make the creator the manager."
            )));
        }
        None => {
            acls.insert(caller.user_name.clone(), "MANAGE".to_string());
        }
    }
    let _ = b.backend_azure_keyvault;
    let mut st = emu.lock();
    if st.secrets.scopes.contains_key(&b.scope) {
        return Err(ApiError::already_exists(format!(
            "Scope {} already exists!",
            b.scope
        )));
    }
    if st.secrets.scopes.len() >= MAX_SCOPES {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "RESOURCE_LIMIT_EXCEEDED",
            format!("The workspace already has {MAX_SCOPES} secret scopes."),
        ));
    }
    st.secrets.scopes.insert(
        b.scope,
        Scope {
            backend_type: backend,
            keyvault_metadata: None,
            secrets: BTreeMap::new(),
            acls,
        },
    );
    Ok(Json(json!({})))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct ScopeKey {
    scope: String,
    key: String,
    principal: String,
    permission: String,
    string_value: Option<String>,
    bytes_value: Option<String>,
}

pub(crate) async fn delete_scope(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(b): JsonBody<ScopeKey>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    scope_for(&st, &b.scope, &caller, "MANAGE")?;
    st.secrets.scopes.remove(&b.scope);
    Ok(Json(json!({})))
}

pub(crate) async fn list_scopes(State(emu): State<AppState>) -> Json<Value> {
    let st = emu.lock();
    let scopes: Vec<Value> = st
        .secrets
        .scopes
        .iter()
        .map(|(name, s)| {
            let mut v = json!({"name": name, "backend_type": s.backend_type});
            if let Some(m) = &s.keyvault_metadata {
                v["keyvault_metadata"] = m.clone();
            }
            v
        })
        .collect();
    Json(if scopes.is_empty() {
        json!({})
    } else {
        json!({ "scopes": scopes })
    })
}

pub(crate) async fn put_secret(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(b): JsonBody<ScopeKey>,
) -> ApiResult<Json<Value>> {
    valid_name("Secret key", &b.key)?;
    let bytes = match (&b.string_value, &b.bytes_value) {
        (Some(s), None) => s.as_bytes().to_vec(),
        (None, Some(v)) => B64
            .decode(v.trim())
            .map_err(|_| ApiError::invalid("bytes_value is not valid base64."))?,
        _ => {
            return Err(ApiError::invalid(
                "Exactly one of string_value and bytes_value must be given.",
            ));
        }
    };
    if bytes.len() > MAX_VALUE {
        return Err(ApiError::invalid(format!(
            "The secret value is {} bytes; the limit is {MAX_VALUE} bytes (128 KB).",
            bytes.len()
        )));
    }
    let mut st = emu.lock();
    let scope = scope_for(&st, &b.scope, &caller, "WRITE")?;
    if scope.backend_type == "AZURE_KEYVAULT" {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "Azure Key Vault backed scopes are read-only: write the secret in the key vault.",
        ));
    }
    if !scope.secrets.contains_key(&b.key) && scope.secrets.len() >= MAX_SECRETS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "RESOURCE_LIMIT_EXCEEDED",
            format!("Scope {} already holds {MAX_SECRETS} secrets.", b.scope),
        ));
    }
    if let Some(scope) = st.secrets.scopes.get_mut(&b.scope) {
        scope.secrets.insert(
            b.key,
            Secret {
                value: B64.encode(&bytes),
                last_updated_timestamp: now_ms(),
            },
        );
    }
    Ok(Json(json!({})))
}

pub(crate) async fn delete_secret(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(b): JsonBody<ScopeKey>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    let scope = scope_for(&st, &b.scope, &caller, "WRITE")?;
    if scope.backend_type == "AZURE_KEYVAULT" {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "Azure Key Vault backed scopes are read-only.",
        ));
    }
    let removed = st
        .secrets
        .scopes
        .get_mut(&b.scope)
        .and_then(|s| s.secrets.remove(&b.key));
    if removed.is_none() {
        return Err(ApiError::not_found(format!(
            "Secret {} does not exist in scope {}!",
            b.key, b.scope
        )));
    }
    Ok(Json(json!({})))
}

pub(crate) async fn list_secrets(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let name = q.required("scope")?;
    let st = emu.lock();
    let scope = scope_for(&st, name, &caller, "READ")?;
    // match cloud behaviour: list never returns values.
    let secrets: Vec<Value> = scope
        .secrets
        .iter()
        .map(|(k, s)| json!({"key": k, "last_updated_timestamp": s.last_updated_timestamp}))
        .collect();
    Ok(Json(if secrets.is_empty() {
        json!({})
    } else {
        json!({ "secrets": secrets })
    }))
}

pub(crate) async fn get_secret(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let name = q.required("scope")?;
    let key = q.required("key")?;
    let st = emu.lock();
    let scope = scope_for(&st, name, &caller, "READ")?;
    // match cloud behaviour: meant for notebooks; from outside, only admins get values here.
    if !caller.is_admin {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "Reading secret values is only available from a Databricks notebook or job.",
        ));
    }
    let s = scope.secrets.get(key).ok_or_else(|| {
        ApiError::not_found(format!("Secret {key} does not exist in scope {name}!"))
    })?;
    Ok(Json(json!({"key": key, "value": s.value})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_a_value() {
        let s = Secret {
            value: B64.encode("hunter2"),
            last_updated_timestamp: 1,
        };
        let shown = format!("{s:?}");
        assert!(!shown.contains(&B64.encode("hunter2")) && shown.contains("***"));
    }
}
