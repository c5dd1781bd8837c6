//! SQL warehouses (`/api/2.0/sql/warehouses`) and the workspace-wide warehouse configuration
//! (`/api/2.0/sql/config/warehouses`).
//!
//! Like clusters, a warehouse's visible state is computed on read: a created or started
//! warehouse is STARTING until the emulator's start delay has passed, then RUNNING; a stopped
//! one is STOPPING, then STOPPED. The creator becomes the warehouse's IS_OWNER.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::clusters::Delays;
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Caller, caller_of, now_ms};
use crate::store::{self, Keyed};

mod validate;

/// The SQL warehouses store.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct WarehousesState {
    /// Every warehouse, by id (16 lower-hex characters).
    pub warehouses: BTreeMap<String, Warehouse>,
    /// The workspace warehouse configuration (`sql/config/warehouses`), as last PUT.
    pub config: Map<String, Value>,
    /// Creation counter, for a stable list order.
    pub next_seq: u64,
}

/// One SQL warehouse.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Warehouse {
    /// 16 lower-hex characters.
    pub id: String,
    /// The writable settings, defaults filled in.
    pub spec: Map<String, Value>,
    /// Who created it.
    pub creator_name: String,
    /// Running or stopped, and since when.
    pub phase: WarehousePhase,
    /// Creation order.
    #[serde(default)]
    pub seq: u64,
}

/// Whether a warehouse was last started or stopped, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum WarehousePhase {
    /// STARTING, then RUNNING.
    Starting {
        /// ms since epoch.
        since: i64,
    },
    /// STOPPING, then STOPPED.
    Stopping {
        /// ms since epoch.
        since: i64,
    },
}

impl WarehousesState {
    /// Whether a warehouse with this id exists (used by the permissions module).
    pub fn contains(&self, id: &str) -> bool {
        self.warehouses.contains_key(id)
    }

    /// The visible state: STARTING, RUNNING, STOPPING or STOPPED.
    pub fn state_of(w: &Warehouse, now: i64, d: Delays) -> &'static str {
        match w.phase {
            WarehousePhase::Starting { since } if now < since.saturating_add(d.start_ms) => {
                "STARTING"
            }
            WarehousePhase::Starting { .. } => "RUNNING",
            WarehousePhase::Stopping { since } if now < since.saturating_add(d.terminate_ms) => {
                "STOPPING"
            }
            WarehousePhase::Stopping { .. } => "STOPPED",
        }
    }

    /// Inserts a warehouse from a create body after validation (handler and seeds); the
    /// caller records permissions. `running == false` makes it STOPPED from the start.
    pub fn create(
        &mut self,
        id: String,
        body: &Map<String, Value>,
        creator: &str,
        running: bool,
    ) -> ApiResult<String> {
        let spec = validate::checked_spec(body)?;
        self.check_unique_name(&spec, None)?;
        let seq = self.next_seq;
        self.next_seq += 1;
        let phase = if running {
            WarehousePhase::Starting { since: now_ms() }
        } else {
            WarehousePhase::Stopping { since: 0 }
        };
        self.warehouses.insert(
            id.clone(),
            Warehouse {
                id: id.clone(),
                spec,
                creator_name: creator.to_string(),
                phase,
                seq,
            },
        );
        Ok(id)
    }

    fn check_unique_name(&self, spec: &Map<String, Value>, except: Option<&str>) -> ApiResult<()> {
        let name = spec.get("name").and_then(Value::as_str).unwrap_or_default();
        let taken = self.warehouses.values().any(|w| {
            w.spec.get("name").and_then(Value::as_str) == Some(name)
                && Some(w.id.as_str()) != except
        });
        if taken {
            // match cloud behaviour [UNVERIFIED code]: names are unique per workspace; we
            // answer like other "already exists" cases, 400 RESOURCE_ALREADY_EXISTS.
            return Err(ApiError::already_exists(format!(
                "SQL warehouse with name '{name}' already exists."
            )));
        }
        Ok(())
    }

    fn view(w: &Warehouse, host: &str, now: i64, d: Delays) -> Value {
        let state = Self::state_of(w, now, d);
        let mut out = w.spec.clone();
        let path = format!("/sql/1.0/warehouses/{}", w.id);
        let running = state == "RUNNING";
        let min = out
            .get("min_num_clusters")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        out.insert("id".into(), json!(w.id));
        out.insert("creator_name".into(), json!(w.creator_name));
        out.insert("state".into(), json!(state));
        out.insert("num_clusters".into(), json!(if running { min } else { 0 }));
        out.insert("num_active_sessions".into(), json!(0));
        out.insert(
            "jdbc_url".into(),
            json!(format!(
                "jdbc:spark://{host}:443/default;transportMode=http;ssl=1;AuthMech=3;httpPath={path};"
            )),
        );
        out.insert(
            "odbc_params".into(),
            json!({"hostname": host, "path": path, "port": 443, "protocol": "https"}),
        );
        if running {
            out.insert(
                "health".into(),
                json!({"status": "HEALTHY", "summary": "", "details": ""}),
            );
        } else {
            out.insert("health".into(), json!({}));
        }
        Value::Object(out)
    }
}

store::keyed!(WarehousesState, warehouses, Warehouse, no_such_warehouse);

fn no_such_warehouse(id: &str) -> ApiError {
    // match cloud behaviour [UNVERIFIED status]: 404 RESOURCE_DOES_NOT_EXIST.
    ApiError::not_found(format!("SQL warehouse {id} does not exist."))
}

fn host_of(headers: &HeaderMap) -> String {
    headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| h.split(':').next().unwrap_or(h).to_string())
        .unwrap_or_else(|| "localhost".to_string())
}

pub(crate) async fn create(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller);
    let mut st = emu.lock();
    let id = st.ids.warehouse_id();
    // match cloud behaviour: a new warehouse starts at once (the SDK waits for RUNNING).
    let id = st.warehouses.create(id, &body, &caller.user_name, true)?;
    st.permissions
        .init_object("warehouses", &id, Some(&caller.user_name));
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({ "id": id })))
}

pub(crate) async fn get_one(
    State(emu): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    let w = st.warehouses.get_or_404(&id)?;
    Ok(Json(WarehousesState::view(
        w,
        &host_of(&headers),
        now_ms(),
        Delays::of(&emu),
    )))
}

pub(crate) async fn list(
    State(emu): State<AppState>,
    headers: HeaderMap,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    // Without page_size the service answers everything at once (older clients do not page).
    let size = match q.i64("page_size")? {
        None | Some(0) => 1000,
        Some(n) if n > 0 => n.min(1000) as usize,
        Some(n) => {
            return Err(ApiError::invalid(format!(
                "page_size must be positive, got {n}"
            )));
        }
    };
    let offset = store::offset_of(q.get("page_token"), "wh-", "page_token")?;
    let st = emu.lock();
    let (now, d, host) = (now_ms(), Delays::of(&emu), host_of(&headers));
    let mut all: Vec<&Warehouse> = st.warehouses.warehouses.values().collect();
    all.sort_by_key(|w| w.seq);
    let page: Vec<Value> = all
        .iter()
        .skip(offset)
        .take(size)
        .map(|w| WarehousesState::view(w, &host, now, d))
        .collect();
    let mut out = Map::new();
    if !page.is_empty() {
        out.insert("warehouses".into(), Value::Array(page));
    }
    if let Some(next) = store::next_token("wh-", offset, size, all.len()) {
        out.insert("next_page_token".into(), json!(next));
    }
    Ok(Json(Value::Object(out)))
}

pub(crate) async fn edit(
    State(emu): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    let current = st.warehouses.get_or_404(&id)?;
    // Edit sends the same body as create; fields left out keep their current value.
    let mut merged = current.spec.clone();
    merged.extend(body);
    let spec = validate::checked_spec(&merged)?;
    st.warehouses.check_unique_name(&spec, Some(&id))?;
    if let Some(w) = st.warehouses.warehouses.get_mut(&id) {
        w.spec = spec;
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
    st.warehouses.remove_or_404(&id)?;
    st.permissions.remove_object("warehouses", &id);
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

pub(crate) async fn start(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let d = Delays::of(&emu);
    let mut st = emu.lock();
    let w = st.warehouses.get_mut_or_404(&id)?;
    // Starting a starting or running warehouse changes nothing.
    if matches!(
        WarehousesState::state_of(w, now_ms(), d),
        "STOPPING" | "STOPPED"
    ) {
        w.phase = WarehousePhase::Starting { since: now_ms() };
    }
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

pub(crate) async fn stop(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let d = Delays::of(&emu);
    let mut st = emu.lock();
    let w = st.warehouses.get_mut_or_404(&id)?;
    if matches!(
        WarehousesState::state_of(w, now_ms(), d),
        "STARTING" | "RUNNING"
    ) {
        w.phase = WarehousePhase::Stopping { since: now_ms() };
    }
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

pub(crate) async fn get_config(State(emu): State<AppState>) -> Json<Value> {
    let st = emu.lock();
    let mut out = st.warehouses.config.clone();
    out.entry("security_policy").or_insert(json!("NONE"));
    Json(Value::Object(out))
}

pub(crate) async fn put_config(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    if !caller_of(caller).is_admin {
        return Err(ApiError::permission_denied(
            "Only workspace admins can change the SQL warehouse configuration.",
        ));
    }
    if let Some(p) = body.get("security_policy") {
        let ok = p
            .as_str()
            .is_some_and(|p| ["NONE", "DATA_ACCESS_CONTROL", "PASSTHROUGH"].contains(&p));
        if !ok {
            return Err(ApiError::invalid(format!(
                "Invalid security_policy {p}: use NONE, DATA_ACCESS_CONTROL or PASSTHROUGH"
            )));
        }
    }
    // PUT replaces the whole configuration.
    emu.lock().warehouses.config = body;
    emu.mark_dirty();
    Ok(Json(json!({})))
}
