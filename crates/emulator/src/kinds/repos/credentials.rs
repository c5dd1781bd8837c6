//! Git credentials (`/api/2.0/git-credentials`): per-user (or per-service-principal) links to
//! a Git provider account.
//!
//! match cloud behaviour: the personal access token is write-only; no answer ever contains
//! it. The emulator does not even keep it — only whether one was given — so it can never leak
//! into a snapshot or a state file.

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::canonical_provider;
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Caller, caller_of};

/// One Git credential (never the token itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GitCredential {
    /// int64 id.
    pub credential_id: i64,
    /// Canonical provider name.
    pub git_provider: String,
    /// Git user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_username: Option<String>,
    /// Git e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_email: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Default credential for its provider.
    #[serde(default)]
    pub is_default_for_provider: bool,
    /// Whose credential it is (userName, or an SP's id from `principal_id`).
    #[serde(skip_serializing)]
    #[serde(default)]
    pub owner: String,
}

fn no_such(id: &str) -> ApiError {
    // match cloud behaviour [UNVERIFIED text]: 404 RESOURCE_DOES_NOT_EXIST.
    ApiError::not_found(format!("Git credential {id} does not exist."))
}

/// Whose credentials a request is about: `principal_id` (an SP, managers only) or the caller.
fn owner_of(caller: &Caller, principal: Option<&Value>) -> String {
    match principal.and_then(|p| {
        p.as_i64()
            .map(|n| n.to_string())
            .or_else(|| p.as_str().map(str::to_string))
    }) {
        Some(p) if !p.is_empty() => format!("principal:{p}"),
        _ => caller.user_name.clone(),
    }
}

fn apply(cred: &mut GitCredential, body: &Map<String, Value>) -> ApiResult<()> {
    let provider = body
        .get("git_provider")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid("Missing required field: git_provider"))?;
    cred.git_provider = canonical_provider(provider)
        .ok_or_else(|| ApiError::invalid(format!("Invalid Git provider '{provider}'")))?
        .to_string();
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    if body.contains_key("git_username") {
        cred.git_username = text("git_username");
    }
    if body.contains_key("git_email") {
        cred.git_email = text("git_email");
    }
    if body.contains_key("name") {
        cred.name = text("name");
    }
    if let Some(d) = body.get("is_default_for_provider").and_then(Value::as_bool) {
        cred.is_default_for_provider = d;
    }
    Ok(())
}

pub(crate) async fn create(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller);
    let owner = owner_of(&caller, body.get("principal_id"));
    let mut cred = GitCredential {
        credential_id: 0,
        git_provider: String::new(),
        git_username: None,
        git_email: None,
        name: None,
        is_default_for_provider: false,
        owner,
    };
    apply(&mut cred, &body)?;
    let mut st = emu.lock();
    cred.credential_id = st.ids.next_int();
    if cred.is_default_for_provider {
        clear_default(&mut st.repos.credentials, &cred);
    }
    let out = json!(cred);
    st.repos.credentials.insert(cred.credential_id, cred);
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}

/// Only one default credential per owner and provider.
fn clear_default(all: &mut std::collections::BTreeMap<i64, GitCredential>, new: &GitCredential) {
    for c in all.values_mut() {
        if c.owner == new.owner
            && c.git_provider == new.git_provider
            && c.credential_id != new.credential_id
        {
            c.is_default_for_provider = false;
        }
    }
}

pub(crate) async fn list(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    q: QueryMap,
) -> Json<Value> {
    let caller = caller_of(caller);
    let principal = q.get("principal_id").map(|p| json!(p));
    let owner = owner_of(&caller, principal.as_ref());
    let st = emu.lock();
    let mine: Vec<&GitCredential> = st
        .repos
        .credentials
        .values()
        .filter(|c| c.owner == owner)
        .collect();
    if mine.is_empty() {
        Json(json!({}))
    } else {
        Json(json!({ "credentials": mine }))
    }
}

fn find<'a>(st: &'a mut crate::state::State, id: &str) -> ApiResult<&'a mut GitCredential> {
    let n: i64 = id
        .parse()
        .map_err(|_| ApiError::invalid(format!("Invalid credential id '{id}'")))?;
    st.repos.credentials.get_mut(&n).ok_or_else(|| no_such(id))
}

pub(crate) async fn get_one(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    Ok(Json(json!(find(&mut st, &id)?)))
}

pub(crate) async fn update(
    State(emu): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    let cred = find(&mut st, &id)?;
    // match cloud behaviour: PATCH requires git_provider (the Go model marks it required).
    let mut updated = cred.clone();
    apply(&mut updated, &body)?;
    *cred = updated.clone();
    if updated.is_default_for_provider {
        clear_default(&mut st.repos.credentials, &updated);
    }
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

pub(crate) async fn delete(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    let n = find(&mut st, &id)?.credential_id;
    st.repos.credentials.remove(&n);
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}
