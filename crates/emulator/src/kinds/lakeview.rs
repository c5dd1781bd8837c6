//! AI/BI (Lakeview) dashboards (`/api/2.0/lakeview/dashboards`, reference-more §4): drafts
//! (create, get, list, update guarded by `etag`, trash), the published copy (publish, get,
//! unpublish), schedules and their subscriptions.
//!
//! A dashboard is an entry of the workspace tree (`DASHBOARD`, at
//! `<parent_path>/<display_name>.lvdash.json`, `resource_id` = the dashboard id). Ids are 32
//! lower-hex characters; `etag` changes on every write. The service rewrites
//! `serialized_dashboard` ([`rewrite`]): every page gets `pageType`, the JSON is re-serialised
//! (here: keys sorted, no spaces) and ends with one newline — so a client must compare the
//! parsed documents (or etags), never the texts. Create and update only change the draft;
//! viewers see the published copy, which keeps what was published until published again.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::ids::IdGen;
use crate::kinds::workspace::placed;
use crate::state::State;
use crate::store;

pub(crate) mod handlers;
pub(crate) mod schedules;
pub(crate) mod subscriptions;

/// The tree name's suffix (documented).
pub const EXT: &str = ".lvdash.json";

/// The dashboards store.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LakeviewState {
    /// Every dashboard (active or trashed), by id.
    pub dashboards: BTreeMap<String, Dashboard>,
    /// Creation counter (list order).
    pub next_seq: u64,
}

/// One dashboard: its draft, its published copy, its schedules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    /// 32 lower-hex characters.
    pub dashboard_id: String,
    /// Name (the tree name without `.lvdash.json`).
    pub display_name: String,
    /// The draft's warehouse.
    #[serde(default)]
    pub warehouse_id: Option<String>,
    /// The draft, as the service rewrote it.
    #[serde(default)]
    pub serialized_dashboard: Option<String>,
    /// The folder (normalised, no `/Workspace`).
    pub parent_path: String,
    /// `<parent_path>/<display_name>.lvdash.json`.
    pub path: String,
    /// Changes on every write.
    pub etag: String,
    /// RFC 3339.
    pub create_time: String,
    /// RFC 3339.
    pub update_time: String,
    /// In the trash.
    #[serde(default)]
    pub trashed: bool,
    /// The published copy, if published.
    #[serde(default)]
    pub published: Option<Published>,
    /// Schedules, by id.
    #[serde(default)]
    pub schedules: BTreeMap<String, schedules::Schedule>,
    /// Creation order.
    pub seq: u64,
}

/// The published copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Published {
    /// The name when published.
    pub display_name: String,
    /// Whether viewers use the publisher's credentials.
    pub embed_credentials: bool,
    /// The warehouse viewers' queries run on.
    pub warehouse_id: String,
    /// RFC 3339.
    pub revision_create_time: String,
    /// The draft that was published.
    #[serde(default)]
    pub serialized_dashboard: Option<String>,
}

store::keyed!(LakeviewState, dashboards, Dashboard, no_such_dashboard);

/// The platform's answer for an unknown dashboard id.
pub fn no_such_dashboard(id: &str) -> ApiError {
    // [UNVERIFIED] wording, modelled on the recorded published-dashboard one.
    ApiError::not_found(format!("Unable to find dashboard [{id}]"))
}

/// 32 lower-hex characters (dashboard, schedule and subscription ids).
pub fn hex_id(ids: &mut IdGen) -> String {
    format!("{:016x}{:016x}", ids.next_u64(), ids.next_u64())
}

/// A fresh etag: a numeric text, like the service's.
pub fn etag(ids: &mut IdGen) -> String {
    (10_000_000 + ids.next_u64() % 90_000_000).to_string()
}

impl LakeviewState {
    /// Whether nothing was ever created (the state file then leaves the store out).
    pub fn is_empty(&self) -> bool {
        self.next_seq == 0
    }

    /// Whether an active dashboard has this id (jobs' `dashboard_task`).
    pub fn has_active(&self, id: &str) -> bool {
        self.dashboards.get(id).is_some_and(|d| !d.trashed)
    }
}

/// A JSON value with every object's keys sorted (the service's re-serialisation).
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut pairs: Vec<(String, Value)> = m.into_iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(pairs.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// What the service stores for a `serialized_dashboard`: the document with `pageType` on every
/// page and the `dataset_catalog`/`dataset_schema` overrides on every dataset, re-serialised,
/// ending with a newline.
///
/// match cloud behaviour: `pageType: PAGE_TYPE_CANVAS` is added and one trailing newline is
/// always there (the CLI's fake, verified against the cloud); the key order and spacing of the
/// text change (the emulator sorts keys) — the content is the same.
pub fn rewrite(text: &str, catalog: Option<&str>, schema: Option<&str>) -> ApiResult<String> {
    let mut doc: Value = serde_json::from_str(text).map_err(|e| {
        // [UNVERIFIED] wording.
        ApiError::invalid(format!("serialized_dashboard is not valid JSON: {e}"))
    })?;
    let Some(m) = doc.as_object_mut() else {
        return Err(ApiError::invalid(
            "serialized_dashboard must be a JSON object.",
        ));
    };
    if let Some(pages) = m.get_mut("pages").and_then(Value::as_array_mut) {
        for p in pages.iter_mut().filter_map(Value::as_object_mut) {
            p.entry("pageType").or_insert(json!("PAGE_TYPE_CANVAS"));
        }
    }
    if let Some(ds) = m.get_mut("datasets").and_then(Value::as_array_mut) {
        for d in ds.iter_mut().filter_map(Value::as_object_mut) {
            if let Some(c) = catalog {
                d.insert("catalog".into(), json!(c));
            }
            if let Some(s) = schema {
                d.insert("schema".into(), json!(s));
            }
        }
    }
    Ok(format!("{}\n", sorted(doc)))
}

/// The Dashboard object; `full` adds what lists leave out (documented: the serialized
/// dashboard, etag, parent path, path and update time).
pub fn view(d: &Dashboard, full: bool) -> Value {
    let mut m = Map::new();
    m.insert("dashboard_id".into(), json!(d.dashboard_id));
    m.insert("display_name".into(), json!(d.display_name));
    if let Some(w) = &d.warehouse_id {
        m.insert("warehouse_id".into(), json!(w));
    }
    let state = if d.trashed { "TRASHED" } else { "ACTIVE" };
    m.insert("lifecycle_state".into(), json!(state));
    m.insert("create_time".into(), json!(d.create_time));
    if full {
        if let Some(s) = &d.serialized_dashboard {
            m.insert("serialized_dashboard".into(), json!(s));
        }
        m.insert("etag".into(), json!(d.etag));
        // match cloud behaviour: parent_path and path come back without `/Workspace`.
        m.insert("parent_path".into(), json!(d.parent_path));
        m.insert("path".into(), json!(d.path));
        m.insert("update_time".into(), json!(d.update_time));
    }
    Value::Object(m)
}

/// The PublishedDashboard object (`embed_credentials` always present).
pub fn published_view(p: &Published) -> Value {
    json!({"display_name": p.display_name, "embed_credentials": p.embed_credentials,
           "warehouse_id": p.warehouse_id, "revision_create_time": p.revision_create_time})
}

/// A new draft as create (and the seeds) give it.
pub struct NewDashboard<'a> {
    /// Name.
    pub display_name: &'a str,
    /// Warehouse (checked).
    pub warehouse_id: Option<&'a str>,
    /// The document as sent (rewritten on the way in).
    pub serialized_dashboard: Option<&'a str>,
    /// `parent_path` as sent (none: the creator's home).
    pub parent_path: Option<&'a str>,
    /// `dataset_catalog`, `dataset_schema` query parameters.
    pub catalog: Option<&'a str>,
    /// See `catalog`.
    pub schema: Option<&'a str>,
}

/// Creates a draft: checks, places it in the tree, records the creator's CAN_MANAGE.
pub fn create(st: &mut State, new: NewDashboard<'_>, creator: &str) -> ApiResult<String> {
    placed::check_name("display_name", new.display_name)?;
    if let Some(w) = new.warehouse_id.filter(|w| !st.warehouses.contains(w)) {
        return Err(crate::kinds::sql::no_such_warehouse(w));
    }
    let serialized = new
        .serialized_dashboard
        .map(|s| rewrite(s, new.catalog, new.schema))
        .transpose()?;
    let dir = placed::parent_folder(st, new.parent_path, creator)?;
    let id = hex_id(&mut st.ids);
    let name = format!("{}{EXT}", new.display_name);
    let path = placed::place(st, &dir, &name, placed::DASHBOARD, &id)?;
    st.permissions.init_object("dashboards", &id, Some(creator));
    let now = crate::kinds::sql::now_text();
    let seq = st.lakeview.next_seq;
    st.lakeview.next_seq += 1;
    let etag = etag(&mut st.ids);
    st.lakeview.dashboards.insert(
        id.clone(),
        Dashboard {
            dashboard_id: id.clone(),
            display_name: new.display_name.to_string(),
            warehouse_id: new.warehouse_id.map(str::to_string),
            serialized_dashboard: serialized,
            parent_path: dir,
            path,
            etag,
            create_time: now.clone(),
            update_time: now,
            trashed: false,
            published: None,
            schedules: BTreeMap::new(),
            seq,
        },
    );
    Ok(id)
}

/// Trashes an active dashboard: out of the tree, its published copy gone.
pub fn trash(st: &mut State, id: &str) -> ApiResult<()> {
    let d = st
        .lakeview
        .dashboards
        .get_mut(id)
        .ok_or_else(|| no_such_dashboard(id))?;
    if d.trashed {
        // match cloud behaviour: trashing a trashed dashboard is PERMISSION_DENIED
        // (Terraform treats it as done after a GET).
        return Err(ApiError::permission_denied(format!(
            "Dashboard {id} is already in the trash."
        )));
    }
    d.trashed = true;
    d.published = None;
    d.update_time = crate::kinds::sql::now_text();
    let path = d.path.clone();
    placed::unplace(st, &path);
    Ok(())
}

/// Trashes a dashboard whose tree entry `workspace/delete` removed.
pub fn trash_in_store(st: &mut State, id: &str) {
    let _ = trash(st, id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_rewrites_the_document_but_keeps_its_content() {
        let text = r#"{"pages": [{"name": "p1", "displayName": "Sales"}], "datasets": [{"name": "d", "query": "SELECT 1"}]}"#;
        let out = rewrite(text, Some("main"), None).unwrap();
        assert_ne!(out, text);
        assert!(out.ends_with('\n') && !out.ends_with("\n\n"));
        let doc: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(doc["pages"][0]["pageType"], "PAGE_TYPE_CANVAS");
        assert_eq!(doc["pages"][0]["displayName"], "Sales");
        assert_eq!(doc["datasets"][0]["catalog"], "main");
        assert!(out.find("\"datasets\"") < out.find("\"pages\""));
        // Idempotent: the stored text rewritten again is the same text.
        assert_eq!(rewrite(&out, Some("main"), None).unwrap(), out);
        assert!(rewrite("{not json", None, None).is_err());
        assert!(rewrite("[1]", None, None).is_err());
    }
}
