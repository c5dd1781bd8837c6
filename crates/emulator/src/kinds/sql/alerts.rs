//! `/api/2.0/sql/alerts` (current API, reference-more §3.3): the same shape as queries —
//! wrapped bodies, `update_mask`, delete = trash — for an alert on a query (`query_id` must
//! name an active query). Output-only: `state` (UNKNOWN until evaluated, and the emulator never
//! evaluates), `trigger_time`. Who is notified is not part of this API (documented).

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde_json::{Map, Value, json};

use super::objects::{self, Spec};
use super::{SqlObject, SqlState, no_such_alert, no_such_query};
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::kinds::workspace::placed;
use crate::state::{AppState, Caller, State as Ws, caller_of};

/// The comparison operators (documented).
const OPS: &[&str] = &[
    "EQUAL",
    "NOT_EQUAL",
    "GREATER_THAN",
    "GREATER_THAN_OR_EQUAL",
    "LESS_THAN",
    "LESS_THAN_OR_EQUAL",
    "IS_NULL",
];

/// The alerts' spec.
pub static SPEC: Spec = Spec {
    wrapper: "alert",
    tree_type: placed::ALERT,
    perm_type: "sql/alerts",
    writable: &[
        "display_name",
        "query_id",
        "condition",
        "custom_subject",
        "custom_body",
        "notify_on_ok",
        "seconds_to_retrigger",
    ],
    // Terraform requires the same three.
    required: &["display_name", "query_id", "condition"],
    check,
    missing: no_such_alert,
    map: |s: &SqlState| &s.alerts,
    map_mut: |s: &mut SqlState| &mut s.alerts,
    extra,
};

fn check(st: &Ws, fields: &Map<String, Value>) -> ApiResult<()> {
    let q = fields.get("query_id").and_then(Value::as_str).unwrap_or("");
    if !st.sql.has_active_query(q) {
        // [UNVERIFIED] the answer for an alert on a missing query: the query's not-found.
        return Err(no_such_query(q));
    }
    let op = fields
        .get("condition")
        .and_then(|c| c.get("op"))
        .and_then(Value::as_str)
        .unwrap_or("");
    if !OPS.contains(&op) {
        return Err(ApiError::invalid(format!(
            "alert.condition.op must be one of {}; got '{op}'.",
            OPS.join(", ")
        )));
    }
    Ok(())
}

fn extra(_: &SqlObject, m: &mut Map<String, Value>) {
    // The emulator never evaluates an alert.
    m.insert("state".into(), json!("UNKNOWN"));
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
    Ok(Json(objects::list(&emu.lock(), &SPEC, &q, "alr-")?))
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

/// Trashes an alert whose tree entry `workspace/delete` removed.
pub fn trash_in_store(st: &mut Ws, id: &str) {
    let _ = objects::trash(st, &SPEC, id);
}
