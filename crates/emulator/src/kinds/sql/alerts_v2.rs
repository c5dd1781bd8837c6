//! `/api/2.0/alerts` (alerts v2, reference-more §3.4): an alert carrying its own SQL
//! (`query_text`, `warehouse_id`) and schedule (`schedule{quartz_cron_schedule, timezone_id,
//! pause_status}`). Bodies are the AlertV2 object itself (not wrapped); an update's
//! `update_mask` is in the query string and may name sub-fields (`schedule.pause_status`);
//! delete trashes (`lifecycle_state: DELETED`, then 404 on GET) unless `purge=true`.
//!
//! Each alert is an `ALERT` entry of the workspace tree at `<parent_path>/<display_name>.dbalert.json`
//! (the file name the CLI's fake uses; the object type there is [UNVERIFIED]). Permissions type
//! `alertsv2`.

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::now_text;
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::kinds::workspace::placed;
use crate::state::{AppState, Caller, State as Ws, caller_of};

/// Writable fields (`parent_path` aside: create only).
const WRITABLE: &[&str] = &[
    "display_name",
    "query_text",
    "warehouse_id",
    "schedule",
    "evaluation",
    "custom_summary",
    "custom_description",
    "custom_template_format",
    "parameters",
    "run_as",
    "run_as_user_name",
];

/// Fields create needs (the SDK's required ones).
const REQUIRED: &[&str] = &[
    "display_name",
    "query_text",
    "warehouse_id",
    "schedule",
    "evaluation",
];

/// The tree name's suffix.
const EXT: &str = ".dbalert.json";

/// One alert v2.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertV2 {
    /// UUID.
    pub id: String,
    /// The writable fields as last written (schedule's `pause_status` filled in).
    pub spec: Map<String, Value>,
    /// The folder (normalised).
    pub parent_path: String,
    /// The tree path while active.
    pub path: String,
    /// Owner's userName.
    pub owner_user_name: String,
    /// RFC 3339.
    pub create_time: String,
    /// RFC 3339.
    pub update_time: String,
    /// Soft-deleted.
    #[serde(default)]
    pub trashed: bool,
    /// Creation order.
    pub seq: u64,
}

/// The platform's answer for an unknown (or deleted) alert v2.
pub fn no_such_alert_v2(id: &str) -> ApiError {
    // match cloud behaviour: the CLI fake's recorded wording.
    ApiError::not_found(format!("Alert with ID '{id}' does not exist."))
}

impl AlertV2 {
    /// The AlertV2 object: the spec plus the output-only fields.
    pub fn view(&self) -> Value {
        let mut m = self.spec.clone();
        m.insert("id".into(), json!(self.id));
        m.insert("parent_path".into(), json!(self.parent_path));
        m.insert("owner_user_name".into(), json!(self.owner_user_name));
        m.insert("create_time".into(), json!(self.create_time));
        m.insert("update_time".into(), json!(self.update_time));
        let state = if self.trashed { "DELETED" } else { "ACTIVE" };
        m.insert("lifecycle_state".into(), json!(state));
        let run_as = self
            .spec
            .get("run_as")
            .cloned()
            .unwrap_or_else(|| json!({"user_name": self.owner_user_name}));
        m.insert("effective_run_as".into(), run_as);
        if let Some(e) = m.get_mut("evaluation").and_then(Value::as_object_mut) {
            // The emulator never evaluates an alert.
            e.insert("state".into(), json!("UNKNOWN"));
        }
        Value::Object(m)
    }
}

/// Checks a complete spec: required fields, warehouse, schedule, run-as principal.
fn check(st: &Ws, spec: &mut Map<String, Value>) -> ApiResult<()> {
    for r in REQUIRED {
        if spec.get(*r).is_none_or(Value::is_null) {
            return Err(ApiError::invalid(format!("Missing required field: {r}")));
        }
    }
    super::check_warehouse(st, spec)?;
    let s = spec
        .get_mut("schedule")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| ApiError::invalid("schedule must be an object."))?;
    for k in ["quartz_cron_schedule", "timezone_id"] {
        if s.get(k).and_then(Value::as_str).is_none_or(str::is_empty) {
            return Err(ApiError::invalid(format!(
                "Missing required field: schedule.{k}"
            )));
        }
    }
    // [UNVERIFIED] an alert is scheduled unless said otherwise.
    let pause = s.entry("pause_status").or_insert(json!("UNPAUSED"));
    if pause != "PAUSED" && pause != "UNPAUSED" {
        return Err(ApiError::invalid(
            "schedule.pause_status must be PAUSED or UNPAUSED.",
        ));
    }
    if spec
        .get("evaluation")
        .and_then(|e| e.get("comparison_operator"))
        .is_none()
    {
        return Err(ApiError::invalid(
            "Missing required field: evaluation.comparison_operator",
        ));
    }
    if let Some(r) = spec.get("run_as") {
        let user = r.get("user_name").and_then(Value::as_str);
        let sp = r.get("service_principal_name").and_then(Value::as_str);
        let known = user.is_some_and(|u| st.scim.user_by_name(u).is_some())
            || sp.is_some_and(|s| st.scim.sp_by_app_id(s).is_some());
        if !known {
            // [UNVERIFIED] wording.
            return Err(ApiError::invalid(format!(
                "run_as names no principal of this workspace: {r}"
            )));
        }
    }
    Ok(())
}

fn writable(input: &Map<String, Value>) -> Map<String, Value> {
    WRITABLE
        .iter()
        .filter_map(|k| {
            input
                .get(*k)
                .filter(|v| !v.is_null())
                .map(|v| (k.to_string(), v.clone()))
        })
        .collect()
}

/// Creates an alert v2 from a create body (handler and seeds); returns its id.
pub fn create_alert(st: &mut Ws, body: &Map<String, Value>, caller: &str) -> ApiResult<String> {
    let mut spec = writable(body);
    check(st, &mut spec)?;
    let name = spec
        .get("display_name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    placed::check_name("display_name", &name)?;
    let parent = body.get("parent_path").and_then(Value::as_str);
    let dir = placed::parent_folder(st, parent, caller)?;
    let id = st.ids.uuid();
    let path = placed::place(st, &dir, &format!("{name}{EXT}"), placed::ALERT, &id)?;
    st.permissions.init_object("alertsv2", &id, Some(caller));
    let now = now_text();
    let seq = st.sql.seq();
    let a = AlertV2 {
        id: id.clone(),
        spec,
        parent_path: dir,
        path,
        owner_user_name: caller.to_string(),
        create_time: now.clone(),
        update_time: now,
        trashed: false,
        seq,
    };
    st.sql.alerts_v2.insert(id.clone(), a);
    Ok(id)
}

pub(crate) async fn create(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller).user_name;
    let mut st = emu.lock();
    let id = create_alert(&mut st, &body, &caller)?;
    let out = active(&st, &id)?.view();
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}

fn active<'a>(st: &'a Ws, id: &str) -> ApiResult<&'a AlertV2> {
    st.sql
        .alerts_v2
        .get(id)
        .filter(|a| !a.trashed)
        .ok_or_else(|| no_such_alert_v2(id))
}

pub(crate) async fn get_one(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(active(&emu.lock(), &id)?.view()))
}

pub(crate) async fn list(State(emu): State<AppState>, q: QueryMap) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    let mut all: Vec<&AlertV2> = st.sql.alerts_v2.values().filter(|a| !a.trashed).collect();
    all.sort_by_key(|a| a.seq);
    // [UNVERIFIED] page sizes.
    let (items, next) = super::page(&all, &q, "alv2-", 20, 100)?;
    let mut out = Map::new();
    out.insert(
        "alerts".into(),
        Value::Array(items.iter().map(|a| a.view()).collect()),
    );
    if let Some(n) = next {
        out.insert("next_page_token".into(), json!(n));
    }
    Ok(Json(Value::Object(out)))
}

/// Sets (or, when `input` has no value there, removes) the dotted field `path` of `spec`.
fn apply_path(spec: &mut Map<String, Value>, input: &Map<String, Value>, path: &str) {
    let parts: Vec<&str> = path.split('.').collect();
    let mut src: Option<&Value> = None;
    for (i, p) in parts.iter().enumerate() {
        src = if i == 0 {
            input.get(*p)
        } else {
            src.and_then(|v| v.get(*p))
        };
    }
    let mut dst = spec;
    for p in &parts[..parts.len() - 1] {
        let slot = dst.entry(p.to_string()).or_insert(json!({}));
        if !slot.is_object() {
            *slot = json!({});
        }
        let Some(m) = slot.as_object_mut() else {
            return;
        };
        dst = m;
    }
    let last = parts[parts.len() - 1].to_string();
    match src.filter(|v| !v.is_null()) {
        Some(v) => dst.insert(last, v.clone()),
        None => dst.remove(&last),
    };
}

pub(crate) async fn update(
    State(emu): State<AppState>,
    Path(id): Path<String>,
    q: QueryMap,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let mask = q.required("update_mask")?.to_string();
    let fields: Vec<&str> = if mask.trim() == "*" {
        WRITABLE.to_vec()
    } else {
        mask.split(',').map(str::trim).collect()
    };
    if let Some(bad) = fields
        .iter()
        .find(|f| !WRITABLE.contains(&f.split('.').next().unwrap_or("")))
    {
        // Documented: parent_path is create-only; output-only fields cannot be set.
        return Err(ApiError::invalid(format!(
            "Invalid update_mask: {bad} cannot be updated."
        )));
    }
    let mut st = emu.lock();
    let current = active(&st, &id)?.clone();
    let mut spec = current.spec.clone();
    for f in fields {
        apply_path(&mut spec, &body, f);
    }
    check(&st, &mut spec)?;
    let name = spec
        .get("display_name")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    placed::check_name("display_name", &name)?;
    let path = placed::join(&current.parent_path, &format!("{name}{EXT}"));
    placed::relocate(&mut st, &current.path, &path)?;
    let a = st
        .sql
        .alerts_v2
        .get_mut(&id)
        .ok_or_else(|| no_such_alert_v2(&id))?;
    a.spec = spec;
    a.path = path;
    a.update_time = now_text();
    let out = a.view();
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}

pub(crate) async fn delete(
    State(emu): State<AppState>,
    Path(id): Path<String>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let purge = q.bool("purge")?.unwrap_or(false);
    let mut st = emu.lock();
    let path = active(&st, &id)?.path.clone();
    placed::unplace(&mut st, &path);
    if purge {
        st.sql.alerts_v2.remove(&id);
        st.permissions.remove_object("alertsv2", &id);
    } else {
        trash_in_store(&mut st, &id);
    }
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

/// Soft-deletes an alert v2 (its tree entry is gone or going).
pub fn trash_in_store(st: &mut Ws, id: &str) {
    if let Some(a) = st.sql.alerts_v2.get_mut(id) {
        a.trashed = true;
        a.update_time = now_text();
        let path = a.path.clone();
        placed::unplace(st, &path);
    }
}
