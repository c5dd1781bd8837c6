//! A dashboard's schedules (`…/dashboards/{id}/schedules`: create, list, get, update with the
//! current `etag`, delete), at most 10 per dashboard (documented). Their subscriptions are in
//! [`super::subscriptions`].

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::handlers::check_etag;
use super::{Dashboard, etag, hex_id};
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::kinds::sql::{no_such_warehouse, now_text};
use crate::state::{AppState, State as Ws};
use crate::store::Keyed;

/// Most schedules per dashboard (documented).
pub const MAX_SCHEDULES: usize = 10;

/// One schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// 32 lower-hex characters.
    pub schedule_id: String,
    /// `{quartz_cron_expression, timezone_id}`.
    pub cron_schedule: Value,
    /// Name.
    #[serde(default)]
    pub display_name: Option<String>,
    /// `PAUSED` or `UNPAUSED`.
    pub pause_status: String,
    /// The warehouse the refresh runs on.
    #[serde(default)]
    pub warehouse_id: Option<String>,
    /// Changes on every write.
    pub etag: String,
    /// RFC 3339.
    pub create_time: String,
    /// RFC 3339.
    pub update_time: String,
    /// Subscriptions, by id.
    #[serde(default)]
    pub subscriptions: BTreeMap<String, super::subscriptions::Subscription>,
    /// Creation order.
    pub seq: u64,
}

pub(crate) fn no_such_schedule(id: &str) -> ApiError {
    // [UNVERIFIED] wording.
    ApiError::not_found(format!("Unable to find schedule [{id}]"))
}

/// The Schedule object.
pub fn schedule_view(d: &Dashboard, s: &Schedule) -> Value {
    let mut m = Map::new();
    m.insert("schedule_id".into(), json!(s.schedule_id));
    m.insert("dashboard_id".into(), json!(d.dashboard_id));
    m.insert("cron_schedule".into(), s.cron_schedule.clone());
    if let Some(n) = &s.display_name {
        m.insert("display_name".into(), json!(n));
    }
    m.insert("pause_status".into(), json!(s.pause_status));
    if let Some(w) = &s.warehouse_id {
        m.insert("warehouse_id".into(), json!(w));
    }
    m.insert("etag".into(), json!(s.etag));
    m.insert("create_time".into(), json!(s.create_time));
    m.insert("update_time".into(), json!(s.update_time));
    Value::Object(m)
}

/// The checked writable parts of a Schedule body.
struct ScheduleInput {
    cron: Value,
    display_name: Option<String>,
    pause_status: String,
    warehouse_id: Option<String>,
}

fn parse_schedule(st: &Ws, body: &Map<String, Value>) -> ApiResult<ScheduleInput> {
    let cron = body
        .get("cron_schedule")
        .filter(|c| c.is_object())
        .cloned()
        .ok_or_else(|| ApiError::invalid("Missing required field: cron_schedule"))?;
    for k in ["quartz_cron_expression", "timezone_id"] {
        if cron
            .get(k)
            .and_then(Value::as_str)
            .is_none_or(str::is_empty)
        {
            return Err(ApiError::invalid(format!(
                "Missing required field: cron_schedule.{k}"
            )));
        }
    }
    // [UNVERIFIED] a schedule runs unless created paused.
    let pause = body
        .get("pause_status")
        .and_then(Value::as_str)
        .unwrap_or("UNPAUSED");
    if pause != "PAUSED" && pause != "UNPAUSED" {
        return Err(ApiError::invalid(
            "pause_status must be PAUSED or UNPAUSED.",
        ));
    }
    let warehouse_id = body
        .get("warehouse_id")
        .and_then(Value::as_str)
        .filter(|w| !w.is_empty())
        .map(str::to_string);
    if let Some(w) = warehouse_id
        .as_deref()
        .filter(|w| !st.warehouses.contains(w))
    {
        return Err(no_such_warehouse(w));
    }
    Ok(ScheduleInput {
        cron,
        display_name: body
            .get("display_name")
            .and_then(Value::as_str)
            .map(str::to_string),
        pause_status: pause.to_string(),
        warehouse_id,
    })
}

/// Stores a new schedule on a dashboard (handler and seeds); returns its id.
pub fn add_schedule(
    st: &mut Ws,
    dashboard_id: &str,
    body: &Map<String, Value>,
) -> ApiResult<String> {
    let input = parse_schedule(st, body)?;
    if st.lakeview.get_or_404(dashboard_id)?.schedules.len() >= MAX_SCHEDULES {
        // Documented limit; [UNVERIFIED] wording.
        return Err(ApiError::invalid(format!(
            "A dashboard can have at most {MAX_SCHEDULES} schedules."
        )));
    }
    let id = hex_id(&mut st.ids);
    let etag = etag(&mut st.ids);
    let now = now_text();
    let d = st.lakeview.get_mut_or_404(dashboard_id)?;
    let seq = d.schedules.values().map(|s| s.seq + 1).max().unwrap_or(0);
    d.schedules.insert(
        id.clone(),
        Schedule {
            schedule_id: id.clone(),
            cron_schedule: input.cron,
            display_name: input.display_name,
            pause_status: input.pause_status,
            warehouse_id: input.warehouse_id,
            etag,
            create_time: now.clone(),
            update_time: now,
            subscriptions: BTreeMap::new(),
            seq,
        },
    );
    Ok(id)
}

pub(crate) fn schedule<'a>(
    st: &'a Ws,
    did: &str,
    sid: &str,
) -> ApiResult<(&'a Dashboard, &'a Schedule)> {
    let d = st.lakeview.get_or_404(did)?;
    let s = d.schedules.get(sid).ok_or_else(|| no_such_schedule(sid))?;
    Ok((d, s))
}

pub(crate) async fn create(
    State(emu): State<AppState>,
    Path(did): Path<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    let sid = add_schedule(&mut st, &did, &body)?;
    let (d, s) = schedule(&st, &did, &sid)?;
    let out = schedule_view(d, s);
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}

pub(crate) async fn list(
    State(emu): State<AppState>,
    Path(did): Path<String>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    let d = st.lakeview.get_or_404(&did)?;
    let mut all: Vec<&Schedule> = d.schedules.values().collect();
    all.sort_by_key(|s| s.seq);
    let (items, next) = crate::kinds::sql::page(&all, &q, "sch-", 10, 100)?;
    let mut out = Map::new();
    let items: Vec<Value> = items.iter().map(|s| schedule_view(d, s)).collect();
    out.insert("schedules".into(), Value::Array(items));
    if let Some(n) = next {
        out.insert("next_page_token".into(), json!(n));
    }
    Ok(Json(Value::Object(out)))
}

pub(crate) async fn get_one(
    State(emu): State<AppState>,
    Path((did, sid)): Path<(String, String)>,
) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    let (d, s) = schedule(&st, &did, &sid)?;
    Ok(Json(schedule_view(d, s)))
}

pub(crate) async fn update(
    State(emu): State<AppState>,
    Path((did, sid)): Path<(String, String)>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    let current = schedule(&st, &did, &sid)?.1.etag.clone();
    // Documented: an update carries the current etag; [UNVERIFIED] one without is accepted.
    check_etag(
        body.get("etag").and_then(Value::as_str),
        &current,
        "schedule",
    )?;
    let input = parse_schedule(&st, &body)?;
    let etag = etag(&mut st.ids);
    let d = st.lakeview.get_mut_or_404(&did)?;
    let s = d
        .schedules
        .get_mut(&sid)
        .ok_or_else(|| no_such_schedule(&sid))?;
    s.cron_schedule = input.cron;
    s.display_name = input.display_name;
    s.pause_status = input.pause_status;
    s.warehouse_id = input.warehouse_id;
    s.etag = etag;
    s.update_time = now_text();
    let (d, s) = schedule(&st, &did, &sid)?;
    let out = schedule_view(d, s);
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}

pub(crate) async fn delete(
    State(emu): State<AppState>,
    Path((did, sid)): Path<(String, String)>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    let current = schedule(&st, &did, &sid)?.1.etag.clone();
    check_etag(q.get("etag"), &current, "schedule")?;
    st.lakeview.get_mut_or_404(&did)?.schedules.remove(&sid);
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}
