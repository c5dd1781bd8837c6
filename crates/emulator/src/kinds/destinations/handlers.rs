//! The notification-destination endpoints: create and list on the collection, get, update
//! (PATCH) and delete on one. Writes need a workspace admin; reads do not, but `config` is
//! shown to admins only (documented).

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde_json::{Map, Value, json};

use super::{Destination, check_complete, parse_config};
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Caller, caller_of};
use crate::store::{self, Keyed};

/// `page_size` when none is given, and the largest honoured [UNVERIFIED both].
const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 100;

fn require_admin(caller: &Caller) -> ApiResult<()> {
    if caller.is_admin {
        Ok(())
    } else {
        // Documented: create, update and delete need workspace admin. [UNVERIFIED] text.
        Err(ApiError::permission_denied(
            "Only workspace admins can create, update or delete notification destinations.",
        ))
    }
}

fn display_name(body: &Map<String, Value>, required: bool) -> ApiResult<Option<String>> {
    match body.get("display_name") {
        None | Some(Value::Null) if !required => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
        _ => Err(ApiError::invalid("Missing required field: display_name")),
    }
}

pub(crate) async fn create(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    require_admin(&caller_of(caller))?;
    let name = display_name(&body, true)?.unwrap_or_default();
    let config = body
        .get("config")
        .filter(|c| !c.is_null())
        .ok_or_else(|| ApiError::invalid("Missing required field: config"))?;
    let config = parse_config(config)?;
    check_complete(&config)?;
    let mut st = emu.lock();
    let id = st.ids.uuid();
    st.destinations.insert(id.clone(), name, config);
    let out = st.destinations.get_or_404(&id)?.view(true);
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}

pub(crate) async fn get_one(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let admin = caller_of(caller).is_admin;
    let st = emu.lock();
    Ok(Json(st.destinations.get_or_404(&id)?.view(admin)))
}

pub(crate) async fn list(State(emu): State<AppState>, q: QueryMap) -> ApiResult<Json<Value>> {
    let size = match q.i64("page_size")? {
        None | Some(0) => DEFAULT_PAGE,
        Some(n) if n > 0 => n.min(MAX_PAGE),
        Some(n) => {
            return Err(ApiError::invalid(format!(
                "page_size must be positive, got {n}"
            )));
        }
    } as usize;
    let offset = store::offset_of(q.get("page_token"), "nd-", "page_token")?;
    let st = emu.lock();
    let mut all: Vec<&Destination> = st.destinations.destinations.values().collect();
    all.sort_by_key(|d| d.seq);
    let page: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(size)
        .map(|d| d.summary())
        .collect();
    let mut out = Map::new();
    if !page.is_empty() {
        out.insert("results".into(), Value::Array(page));
    }
    if let Some(next) = store::next_token("nd-", offset, size, all.len()) {
        out.insert("next_page_token".into(), json!(next));
    }
    Ok(Json(Value::Object(out)))
}

pub(crate) async fn update(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    require_admin(&caller_of(caller))?;
    let name = display_name(&body, false)?;
    let config = match body.get("config").filter(|c| !c.is_null()) {
        Some(c) => Some(parse_config(c)?),
        None => None,
    };
    if name.is_none() && config.is_none() {
        // Documented: at least one field is required.
        return Err(ApiError::invalid(
            "At least one of display_name and config must be set.",
        ));
    }
    let mut st = emu.lock();
    let d = st.destinations.get_mut_or_404(&id)?;
    if let Some(c) = config {
        if c.kind != d.kind {
            // match cloud behaviour: destination_type is fixed at creation (Terraform
            // recreates on a type change). [UNVERIFIED] text.
            return Err(ApiError::invalid(format!(
                "The type of notification destination {id} cannot be changed (it is {}).",
                d.destination_type()
            )));
        }
        d.merge(c);
    }
    if let Some(n) = name {
        d.display_name = n;
    }
    let out = d.view(true);
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}

pub(crate) async fn delete(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    require_admin(&caller_of(caller))?;
    let mut st = emu.lock();
    st.destinations.remove_or_404(&id)?;
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}
