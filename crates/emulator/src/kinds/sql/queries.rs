//! `/api/2.0/sql/queries`: create, get, list, update (`update_mask`), delete (= trash), and a
//! query's visualizations (`/sql/queries/{id}/visualizations`).
//!
//! Writable fields (reference-more §3.1): `display_name`, `description`, `query_text`,
//! `warehouse_id` (must name a warehouse), `catalog`, `schema`, `parameters`, `run_as_mode`,
//! `tags`, `apply_auto_limit`; `parent_path` on create only; `owner_user_name` by update only.

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde_json::{Map, Value, json};

use super::objects::{self, Spec};
use super::{SqlObject, SqlState, no_such_query};
use crate::body::{JsonBody, QueryMap};
use crate::error::ApiResult;
use crate::kinds::workspace::placed;
use crate::state::{AppState, Caller, State as Ws, caller_of};

/// The queries' spec.
pub static SPEC: Spec = Spec {
    wrapper: "query",
    tree_type: placed::QUERY,
    perm_type: "sql/queries",
    writable: &[
        "display_name",
        "description",
        "query_text",
        "warehouse_id",
        "catalog",
        "schema",
        "parameters",
        "run_as_mode",
        "tags",
        "apply_auto_limit",
    ],
    // [UNVERIFIED] the service's required set; a query without a name has no tree entry.
    required: &["display_name"],
    check,
    missing: no_such_query,
    map: |s: &SqlState| &s.queries,
    map_mut: |s: &mut SqlState| &mut s.queries,
    extra,
};

fn check(st: &Ws, fields: &Map<String, Value>) -> ApiResult<()> {
    super::check_warehouse(st, fields)?;
    if let Some(m) = fields.get("run_as_mode").and_then(Value::as_str)
        && m != "OWNER"
        && m != "VIEWER"
    {
        return Err(crate::error::ApiError::invalid(format!(
            "run_as_mode must be OWNER or VIEWER, got {m}."
        )));
    }
    Ok(())
}

fn extra(o: &SqlObject, m: &mut Map<String, Value>) {
    // [UNVERIFIED] the default run-as mode is the owner's.
    m.entry("run_as_mode").or_insert(json!("OWNER"));
    m.insert(
        "last_modifier_user_name".into(),
        json!(o.last_modifier_user_name),
    );
}

pub(crate) async fn create(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller);
    let out = objects::create(&mut emu.lock(), &SPEC, &body, &caller.user_name)?;
    emu.mark_dirty();
    Ok(Json(out))
}

pub(crate) async fn get_one(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(objects::get(&emu.lock(), &SPEC, &id)?))
}

pub(crate) async fn list(State(emu): State<AppState>, q: QueryMap) -> ApiResult<Json<Value>> {
    Ok(Json(objects::list(&emu.lock(), &SPEC, &q, "qry-")?))
}

pub(crate) async fn update(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller);
    let out = objects::update(&mut emu.lock(), &SPEC, &id, &body, &caller.user_name)?;
    emu.mark_dirty();
    Ok(Json(out))
}

pub(crate) async fn delete(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    objects::trash(&mut emu.lock(), &SPEC, &id)?;
    emu.mark_dirty();
    Ok(Json(json!({})))
}

/// Trashes a query whose tree entry `workspace/delete` removed.
pub fn trash_in_store(st: &mut Ws, id: &str) {
    let _ = objects::trash(st, &SPEC, id);
}

/// `GET /sql/queries/{id}/visualizations`: the query's visualizations, in creation order.
pub(crate) async fn list_visualizations(
    State(emu): State<AppState>,
    Path(id): Path<String>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    if !st.sql.queries.contains_key(&id) {
        return Err(no_such_query(&id));
    }
    let mut all: Vec<&super::visualizations::Visualization> = st
        .sql
        .visualizations
        .values()
        .filter(|v| v.query_id == id)
        .collect();
    all.sort_by_key(|v| v.seq);
    // [UNVERIFIED] page sizes.
    let (items, next) = super::page(&all, &q, "vis-", 20, 100)?;
    let mut out = Map::new();
    out.insert(
        "results".into(),
        Value::Array(items.iter().map(|v| v.view()).collect()),
    );
    if let Some(n) = next {
        out.insert("next_page_token".into(), json!(n));
    }
    Ok(Json(Value::Object(out)))
}
