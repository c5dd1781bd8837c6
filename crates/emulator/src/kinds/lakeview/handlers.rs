//! The dashboard endpoints: create, get, list, update (PATCH, `etag`-guarded), trash, and the
//! published copy (publish, get, unpublish).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde_json::{Map, Value, json};

use super::{Dashboard, NewDashboard, Published, published_view, view};
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::kinds::sql::{no_such_warehouse, now_text};
use crate::kinds::workspace::placed;
use crate::state::{AppState, Caller, State as Ws, caller_of};
use crate::store::Keyed;

fn text<'a>(body: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str)
}

pub(crate) async fn create(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    q: QueryMap,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller).user_name;
    let name = text(&body, "display_name")
        .ok_or_else(|| ApiError::invalid("Missing required field: display_name"))?;
    let mut st = emu.lock();
    let id = super::create(
        &mut st,
        NewDashboard {
            display_name: name,
            warehouse_id: text(&body, "warehouse_id").filter(|w| !w.is_empty()),
            serialized_dashboard: text(&body, "serialized_dashboard"),
            parent_path: text(&body, "parent_path"),
            catalog: q.get("dataset_catalog").filter(|c| !c.is_empty()),
            schema: q.get("dataset_schema").filter(|s| !s.is_empty()),
        },
        &caller,
    )?;
    let out = view(st.lakeview.get_or_404(&id)?, true);
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}

pub(crate) async fn get_one(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    Ok(Json(view(emu.lock().lakeview.get_or_404(&id)?, true)))
}

pub(crate) async fn list(State(emu): State<AppState>, q: QueryMap) -> ApiResult<Json<Value>> {
    let show_trashed = q.bool("show_trashed")?.unwrap_or(false);
    let st = emu.lock();
    let mut all: Vec<&Dashboard> = st
        .lakeview
        .dashboards
        .values()
        .filter(|d| show_trashed || !d.trashed)
        .collect();
    all.sort_by_key(|d| d.seq);
    // [UNVERIFIED] page sizes: Terraform lists with page_size=1000.
    let (items, next) = crate::kinds::sql::page(&all, &q, "lv-", 100, 1000)?;
    let mut out = Map::new();
    let items: Vec<Value> = items.iter().map(|d| view(d, false)).collect();
    if !items.is_empty() {
        out.insert("dashboards".into(), Value::Array(items));
    }
    if let Some(n) = next {
        out.insert("next_page_token".into(), json!(n));
    }
    Ok(Json(Value::Object(out)))
}

/// A stale `etag` is refused.
pub fn check_etag(sent: Option<&str>, current: &str, what: &str) -> ApiResult<()> {
    match sent.filter(|e| !e.is_empty()) {
        Some(e) if e != current => {
            // [UNVERIFIED] code: optimistic concurrency answered 409 ABORTED.
            Err(ApiError::new(
                StatusCode::CONFLICT,
                "ABORTED",
                format!(
                    "The {what} was changed since etag {e} (it is now {current}); read it again."
                ),
            ))
        }
        _ => Ok(()),
    }
}

/// Applies a PATCH body to an active dashboard.
fn apply_update(st: &mut Ws, id: &str, body: &Map<String, Value>, q: &QueryMap) -> ApiResult<()> {
    let d = st.lakeview.get_or_404(id)?.clone();
    if d.trashed {
        // [UNVERIFIED] a trashed dashboard is not edited.
        return Err(ApiError::invalid_state(format!(
            "Dashboard {id} is in the trash; restore it first."
        )));
    }
    check_etag(text(body, "etag"), &d.etag, "dashboard")?;
    if let Some(p) = text(body, "parent_path").filter(|p| !p.is_empty()) {
        let p = crate::kinds::workspace::normalise(p)?;
        if p != d.parent_path {
            // Documented: parent_path is immutable (a move is a re-create).
            return Err(ApiError::invalid(
                "parent_path cannot be changed by an update.",
            ));
        }
    }
    if let Some(w) =
        text(body, "warehouse_id").filter(|w| !w.is_empty() && !st.warehouses.contains(w))
    {
        return Err(no_such_warehouse(w));
    }
    let serialized = text(body, "serialized_dashboard")
        .map(|s| {
            let cat = q.get("dataset_catalog").filter(|c| !c.is_empty());
            let sch = q.get("dataset_schema").filter(|s| !s.is_empty());
            super::rewrite(s, cat, sch)
        })
        .transpose()?;
    let mut path = d.path.clone();
    let name = text(body, "display_name").filter(|n| !n.is_empty());
    if let Some(n) = name {
        placed::check_name("display_name", n)?;
        path = placed::join(&d.parent_path, &format!("{n}{}", super::EXT));
        placed::relocate(st, &d.path, &path)?;
    }
    let etag = super::etag(&mut st.ids);
    let d = st.lakeview.get_mut_or_404(id)?;
    if let Some(n) = name {
        d.display_name = n.to_string();
    }
    d.path = path;
    if let Some(w) = text(body, "warehouse_id") {
        d.warehouse_id = Some(w.to_string()).filter(|w| !w.is_empty());
    }
    if serialized.is_some() {
        d.serialized_dashboard = serialized;
    }
    d.etag = etag;
    d.update_time = now_text();
    Ok(())
}

pub(crate) async fn update(
    State(emu): State<AppState>,
    Path(id): Path<String>,
    q: QueryMap,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    apply_update(&mut st, &id, &body, &q)?;
    let out = view(st.lakeview.get_or_404(&id)?, true);
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}

pub(crate) async fn trash(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    super::trash(&mut emu.lock(), &id)?;
    emu.mark_dirty();
    Ok(Json(json!({})))
}

pub(crate) async fn publish(
    State(emu): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    let d = st.lakeview.get_or_404(&id)?;
    if d.trashed {
        return Err(ApiError::invalid_state(format!(
            "Dashboard {id} is in the trash and cannot be published."
        )));
    }
    let warehouse = text(&body, "warehouse_id")
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .or_else(|| d.warehouse_id.clone())
        .ok_or_else(|| ApiError::invalid("A warehouse_id is needed to publish the dashboard."))?;
    if !st.warehouses.contains(&warehouse) {
        // match cloud behaviour: the recorded answer for a missing warehouse.
        return Err(no_such_warehouse(&warehouse));
    }
    let p = Published {
        display_name: d.display_name.clone(),
        // [UNVERIFIED] default: false when not sent (Terraform and the CLI always send it).
        embed_credentials: body.get("embed_credentials").and_then(Value::as_bool) == Some(true),
        warehouse_id: warehouse,
        revision_create_time: now_text(),
        serialized_dashboard: d.serialized_dashboard.clone(),
    };
    let out = published_view(&p);
    st.lakeview.get_mut_or_404(&id)?.published = Some(p);
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}

/// The answer when a dashboard has no published copy.
fn not_published(id: &str) -> ApiError {
    // match cloud behaviour: the CLI fake's recorded wording.
    ApiError::not_found(format!("Unable to find published dashboard [{id}]"))
}

pub(crate) async fn get_published(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    let d = st.lakeview.get_or_404(&id)?;
    let p = d.published.as_ref().ok_or_else(|| not_published(&id))?;
    Ok(Json(published_view(p)))
}

pub(crate) async fn unpublish(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    let d = st.lakeview.get_mut_or_404(&id)?;
    if d.published.take().is_none() {
        return Err(not_published(&id));
    }
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}
