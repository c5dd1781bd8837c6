//! Genie spaces (`/api/2.0/genie/spaces`, reference-more §5): create, get (the serialized space
//! and its `etag` only with `include_serialized_space=true`), list (no serialized space), update
//! (PATCH: a stale `etag` is 409; `parent_path` moves the space), trash.
//!
//! Ids are 32 lower-hex characters. Each space is a `GENIE_SPACE` entry of the workspace tree at
//! `<parent_path>/<title>` [UNVERIFIED type and name; a title already taken in the folder gets
//! ` (n)` in the tree, the title itself is kept]. The service upgrades `serialized_space` on
//! write: version 1 becomes 2 and `data_sources` is added when missing (observed), so a
//! client must compare parsed documents. Permissions type `genie` (object type `genie-space`).

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::kinds::lakeview::{etag, hex_id};
use crate::kinds::sql::{no_such_warehouse, now_text};
use crate::kinds::workspace::placed;
use crate::state::{AppState, Caller, State as Ws, caller_of};

/// The Genie spaces store.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct GenieState {
    /// Active spaces, by id (trashed ones are gone).
    pub spaces: BTreeMap<String, Space>,
    /// Creation counter (list order).
    pub next_seq: u64,
}

impl GenieState {
    /// Whether nothing was ever created (the state file then leaves the store out).
    pub fn is_empty(&self) -> bool {
        self.next_seq == 0
    }
}

/// One Genie space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Space {
    /// 32 lower-hex characters.
    pub space_id: String,
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Warehouse.
    pub warehouse_id: String,
    /// The space as the service stored it (upgraded).
    pub serialized_space: String,
    /// The folder (normalised, no `/Workspace`).
    pub parent_path: String,
    /// The tree path.
    pub path: String,
    /// Changes on every write.
    pub etag: String,
    /// RFC 3339.
    pub create_time: String,
    /// RFC 3339.
    pub update_time: String,
    /// Creation order.
    pub seq: u64,
}

/// The platform's answer for an unknown (or trashed) space.
///
/// match cloud behaviour: the real API answers 403, not 404, for a space that does not exist
/// (the CLI's fake says so; the reference's 404 is the older reading).
pub fn no_such_space(_id: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "PERMISSION_DENIED",
        "Genie space not found",
    )
}

/// What the service stores for a `serialized_space`.
///
/// match cloud behaviour: version 1 is upgraded to 2, adding `data_sources: {}` when missing
/// (observed on a cloud workspace); other documents are stored as sent.
pub fn upgrade(text: &str) -> ApiResult<String> {
    let mut doc: Value = serde_json::from_str(text)
        .map_err(|e| ApiError::invalid(format!("serialized_space is not valid JSON: {e}")))?;
    let Some(m) = doc.as_object_mut() else {
        return Err(ApiError::invalid("serialized_space must be a JSON object."));
    };
    if m.get("version").and_then(Value::as_i64) == Some(1) {
        m.insert("version".into(), json!(2));
        m.entry("data_sources").or_insert(json!({}));
        return Ok(doc.to_string());
    }
    Ok(text.to_string())
}

fn view(s: &Space, serialized: bool) -> Value {
    let mut m = Map::new();
    m.insert("space_id".into(), json!(s.space_id));
    m.insert("title".into(), json!(s.title));
    if let Some(d) = &s.description {
        m.insert("description".into(), json!(d));
    }
    m.insert("warehouse_id".into(), json!(s.warehouse_id));
    m.insert("parent_path".into(), json!(s.parent_path));
    m.insert("create_time".into(), json!(s.create_time));
    m.insert("update_time".into(), json!(s.update_time));
    if serialized {
        // match cloud behaviour: the etag comes only with the serialized space.
        m.insert("serialized_space".into(), json!(s.serialized_space));
        m.insert("etag".into(), json!(s.etag));
    }
    Value::Object(m)
}

/// A new space as create (and the seeds) give it.
pub struct NewSpace<'a> {
    /// Title (default `New Space` [UNVERIFIED]).
    pub title: Option<&'a str>,
    /// Description.
    pub description: Option<&'a str>,
    /// Warehouse (required, checked).
    pub warehouse_id: &'a str,
    /// The space (required).
    pub serialized_space: &'a str,
    /// Folder (none: the creator's home).
    pub parent_path: Option<&'a str>,
}

/// Creates a space; returns its id.
pub fn create_space(st: &mut Ws, new: NewSpace<'_>, creator: &str) -> ApiResult<String> {
    if !st.warehouses.contains(new.warehouse_id) {
        return Err(no_such_warehouse(new.warehouse_id));
    }
    let serialized = upgrade(new.serialized_space)?;
    let title = new
        .title
        .filter(|t| !t.trim().is_empty())
        .unwrap_or("New Space");
    placed::check_name("title", title)?;
    let dir = placed::parent_folder(st, new.parent_path, creator)?;
    let id = hex_id(&mut st.ids);
    let name = placed::free_name(st, &dir, title, "");
    let path = placed::place(st, &dir, &name, placed::GENIE_SPACE, &id)?;
    st.permissions.init_object("genie", &id, Some(creator));
    let now = now_text();
    let seq = st.genie.next_seq;
    st.genie.next_seq += 1;
    let etag = etag(&mut st.ids);
    st.genie.spaces.insert(
        id.clone(),
        Space {
            space_id: id.clone(),
            title: title.to_string(),
            description: new.description.map(str::to_string),
            warehouse_id: new.warehouse_id.to_string(),
            serialized_space: serialized,
            parent_path: dir,
            path,
            etag,
            create_time: now.clone(),
            update_time: now,
            seq,
        },
    );
    Ok(id)
}

fn text<'a>(body: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    body.get(key).and_then(Value::as_str)
}

pub(crate) async fn create(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller).user_name;
    let required = |k: &str| {
        text(&body, k)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| ApiError::invalid(format!("Missing required field: {k}")))
    };
    let new = NewSpace {
        title: text(&body, "title"),
        description: text(&body, "description"),
        warehouse_id: required("warehouse_id")?,
        serialized_space: required("serialized_space")?,
        parent_path: text(&body, "parent_path"),
    };
    let mut st = emu.lock();
    let id = create_space(&mut st, new, &caller)?;
    let out = view(&st.genie.spaces[&id], true);
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}

pub(crate) async fn get_one(
    State(emu): State<AppState>,
    Path(id): Path<String>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let serialized = q.bool("include_serialized_space")?.unwrap_or(false);
    let st = emu.lock();
    let s = st.genie.spaces.get(&id).ok_or_else(|| no_such_space(&id))?;
    Ok(Json(view(s, serialized)))
}

pub(crate) async fn list(State(emu): State<AppState>, q: QueryMap) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    let mut all: Vec<&Space> = st.genie.spaces.values().collect();
    all.sort_by_key(|s| s.seq);
    // [UNVERIFIED] page sizes.
    let (items, next) = crate::kinds::sql::page(&all, &q, "gs-", 20, 100)?;
    let mut out = Map::new();
    let items: Vec<Value> = items.iter().map(|s| view(s, false)).collect();
    if !items.is_empty() {
        out.insert("spaces".into(), Value::Array(items));
    }
    if let Some(n) = next {
        out.insert("next_page_token".into(), json!(n));
    }
    Ok(Json(Value::Object(out)))
}

/// Applies a PATCH body.
fn apply_update(st: &mut Ws, id: &str, body: &Map<String, Value>) -> ApiResult<()> {
    let s = st
        .genie
        .spaces
        .get(id)
        .ok_or_else(|| no_such_space(id))?
        .clone();
    if let Some(e) = text(body, "etag").filter(|e| !e.is_empty() && *e != s.etag) {
        // match cloud behaviour: a stale etag is refused with 409 (the CLI sends none).
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "RESOURCE_CONFLICT",
            format!("Etag mismatch: expected {}, got {e}", s.etag),
        ));
    }
    if let Some(w) =
        text(body, "warehouse_id").filter(|w| !w.is_empty() && !st.warehouses.contains(w))
    {
        return Err(no_such_warehouse(w));
    }
    let serialized = text(body, "serialized_space")
        .filter(|v| !v.is_empty())
        .map(upgrade)
        .transpose()?;
    let title = text(body, "title")
        .filter(|t| !t.trim().is_empty())
        .unwrap_or(&s.title)
        .to_string();
    placed::check_name("title", &title)?;
    let dir = match text(body, "parent_path").filter(|p| !p.is_empty()) {
        Some(p) => placed::parent_folder(st, Some(p), "")?,
        None => s.parent_path.clone(),
    };
    let mut path = s.path.clone();
    if dir != s.parent_path || title != s.title {
        // Documented: parent_path moves the space.
        let name = placed::free_name(st, &dir, &title, "");
        path = placed::join(&dir, &name);
        placed::relocate(st, &s.path, &path)?;
    }
    let etag = etag(&mut st.ids);
    let Some(sp) = st.genie.spaces.get_mut(id) else {
        return Err(no_such_space(id));
    };
    sp.title = title;
    if let Some(d) = text(body, "description") {
        sp.description = Some(d.to_string());
    }
    if let Some(w) = text(body, "warehouse_id").filter(|w| !w.is_empty()) {
        sp.warehouse_id = w.to_string();
    }
    if let Some(x) = serialized {
        sp.serialized_space = x;
    }
    sp.parent_path = dir;
    sp.path = path;
    sp.etag = etag;
    sp.update_time = now_text();
    Ok(())
}

pub(crate) async fn update(
    State(emu): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    apply_update(&mut st, &id, &body)?;
    let out = view(&st.genie.spaces[&id], true);
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}

pub(crate) async fn trash(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    if !st.genie.spaces.contains_key(&id) {
        return Err(no_such_space(&id));
    }
    trash_in_store(&mut st, &id);
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

/// Trashes a space: gone from the API, the tree and the permissions.
pub fn trash_in_store(st: &mut Ws, id: &str) {
    if let Some(s) = st.genie.spaces.remove(id) {
        placed::unplace(st, &s.path);
        st.permissions.remove_object("genie", id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_one_spaces_are_upgraded() {
        let v1 = r#"{"version": 1, "config": {"sample_questions": []}}"#;
        let up: Value = serde_json::from_str(&upgrade(v1).unwrap()).unwrap();
        assert_eq!(up["version"], 2);
        assert_eq!(up["data_sources"], json!({}));
        let v2 = r#"{"version": 2, "data_sources": {"tables": []}}"#;
        assert_eq!(upgrade(v2).unwrap(), v2);
        assert!(upgrade("nope").is_err());
    }
}
