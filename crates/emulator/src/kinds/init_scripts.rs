//! Global init scripts (`/api/2.0/global-init-scripts`, workspace admins only).
//!
//! Scripts are kept in one list ordered by `position` (0-based, always contiguous): creating
//! or moving a script to a taken position shifts the others down by one, an omitted or too
//! large position means "last", and deleting closes the gap. Content is base64 on the wire,
//! at most 64 KB decoded; `list` never includes it, `get` does.

use axum::extract::{Path, State};
use axum::{Extension, Json};
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Caller, caller_of, now_ms};
use crate::store::Keyed;

/// Largest decoded script.
pub const MAX_SCRIPT_BYTES: usize = 64 * 1024;

/// The global init scripts store: scripts in position order.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct InitScriptsState {
    /// Index = position.
    pub scripts: Vec<InitScript>,
}

/// One global init script.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InitScript {
    /// 16 upper-hex characters.
    pub script_id: String,
    /// Display name.
    pub name: String,
    /// Base64 content.
    pub script: String,
    /// Runs on new clusters when true.
    pub enabled: bool,
    /// ms since epoch.
    pub created_at: i64,
    /// userName.
    pub created_by: String,
    /// ms since epoch.
    pub updated_at: i64,
    /// userName.
    pub updated_by: String,
}

/// Scripts are found by `script_id` in the position-ordered list; removing one closes the gap.
impl Keyed for InitScriptsState {
    type Key = str;
    type Item = InitScript;
    fn find(&self, id: &str) -> Option<&InitScript> {
        self.position(id).map(|p| &self.scripts[p])
    }
    fn find_mut(&mut self, id: &str) -> Option<&mut InitScript> {
        self.position(id).map(|p| &mut self.scripts[p])
    }
    fn take(&mut self, id: &str) -> Option<InitScript> {
        self.position(id).map(|p| self.scripts.remove(p))
    }
    fn missing(id: &str) -> ApiError {
        no_such(id)
    }
}

impl InitScriptsState {
    /// Whether a script with this id exists.
    pub fn contains(&self, id: &str) -> bool {
        self.find(id).is_some()
    }

    /// The position of the script with this id.
    fn position(&self, id: &str) -> Option<usize> {
        self.scripts.iter().position(|s| s.script_id == id)
    }

    /// The position of the script with this id, or the not-found answer.
    fn position_or_404(&self, id: &str) -> ApiResult<usize> {
        self.position(id).ok_or_else(|| Self::missing(id))
    }

    /// Inserts at `position` (None or too large = last), shifting the rest; returns the
    /// position used.
    pub fn insert_at(&mut self, script: InitScript, position: Option<i64>) -> usize {
        let pos = position
            .map_or(self.scripts.len(), |p| p as usize)
            .min(self.scripts.len());
        self.scripts.insert(pos, script);
        pos
    }

    fn summary(&self, pos: usize, s: &InitScript, with_content: bool) -> Value {
        let mut v = json!({
            "script_id": s.script_id, "name": s.name, "position": pos, "enabled": s.enabled,
            "created_at": s.created_at, "created_by": s.created_by,
            "updated_at": s.updated_at, "updated_by": s.updated_by,
        });
        if with_content {
            v["script"] = json!(s.script);
        }
        v
    }
}

fn no_such(id: &str) -> ApiError {
    // match cloud behaviour [UNVERIFIED text]: 404 RESOURCE_DOES_NOT_EXIST.
    ApiError::not_found(format!(
        "The global init script with id {id} does not exist."
    ))
}

fn require_admin(caller: &Caller) -> ApiResult<()> {
    if caller.is_admin {
        Ok(())
    } else {
        Err(ApiError::permission_denied(
            "Only workspace admins can manage global init scripts.",
        ))
    }
}

/// The validated name, script, enabled flag and position of a create/update body.
fn fields(body: &Map<String, Value>) -> ApiResult<(String, String, Option<bool>, Option<i64>)> {
    let text = |k: &str| {
        body.get(k)
            .and_then(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .map(str::to_string)
            .ok_or_else(|| ApiError::invalid(format!("Missing required field: {k}")))
    };
    let name = text("name")?;
    let script = text("script")?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(script.trim())
        .map_err(|e| ApiError::invalid(format!("script must be base64-encoded: {e}")))?;
    if bytes.len() > MAX_SCRIPT_BYTES {
        return Err(ApiError::invalid(format!(
            "script is {} bytes; a global init script can be at most 64 KB ({MAX_SCRIPT_BYTES} bytes).",
            bytes.len()
        )));
    }
    let enabled = match body.get("enabled") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_bool()
                .ok_or_else(|| ApiError::invalid("enabled must be true or false"))?,
        ),
    };
    let position = match body.get("position") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_i64()
                .filter(|p| *p >= 0)
                .ok_or_else(|| ApiError::invalid("position must be a non-negative integer"))?,
        ),
    };
    Ok((name, script, enabled, position))
}

pub(crate) async fn create(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller);
    require_admin(&caller)?;
    let (name, script, enabled, position) = fields(&body)?;
    let now = now_ms();
    let mut st = emu.lock();
    let id = st.ids.policy_id();
    st.init_scripts.insert_at(
        InitScript {
            script_id: id.clone(),
            name,
            script,
            // Documented default: a new script is disabled unless asked otherwise.
            enabled: enabled.unwrap_or(false),
            created_at: now,
            created_by: caller.user_name.clone(),
            updated_at: now,
            updated_by: caller.user_name,
        },
        position,
    );
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({ "script_id": id })))
}

pub(crate) async fn list(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
) -> ApiResult<Json<Value>> {
    require_admin(&caller_of(caller))?;
    let st = emu.lock();
    let all: Vec<Value> = st
        .init_scripts
        .scripts
        .iter()
        .enumerate()
        .map(|(i, s)| st.init_scripts.summary(i, s, false))
        .collect();
    if all.is_empty() {
        Ok(Json(json!({})))
    } else {
        Ok(Json(json!({ "scripts": all })))
    }
}

pub(crate) async fn get_one(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    require_admin(&caller_of(caller))?;
    let st = emu.lock();
    let pos = st.init_scripts.position_or_404(&id)?;
    let s = &st.init_scripts.scripts[pos];
    Ok(Json(st.init_scripts.summary(pos, s, true)))
}

pub(crate) async fn update(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller);
    require_admin(&caller)?;
    // match cloud behaviour: name and script are required on update too.
    let (name, script, enabled, position) = fields(&body)?;
    let mut st = emu.lock();
    let pos = st.init_scripts.position_or_404(&id)?;
    let mut s = st.init_scripts.scripts.remove(pos);
    s.name = name;
    s.script = script;
    if let Some(e) = enabled {
        s.enabled = e;
    }
    s.updated_at = now_ms();
    s.updated_by = caller.user_name;
    // Without a position the script keeps its place; with one it moves, shifting the others.
    st.init_scripts
        .insert_at(s, Some(position.unwrap_or(pos as i64)));
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

pub(crate) async fn delete(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    require_admin(&caller_of(caller))?;
    let mut st = emu.lock();
    st.init_scripts.remove_or_404(&id)?;
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}
