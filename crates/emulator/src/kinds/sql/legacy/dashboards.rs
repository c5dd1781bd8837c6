//! Legacy dashboards (`/api/2.0/preview/sql/dashboards`) and their widgets
//! (`/preview/sql/widgets`): create, list (paged by number), get with the widgets (each
//! embedding its visualization and that one's query: the one call that gives the whole tree),
//! delete = archive. At most 1000 widgets per dashboard (documented).

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{
    legacy_query, legacy_visualization, numbered_page, parent_of, search_and_sort, user_of,
};
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::kinds::sql::now_text;
use crate::kinds::workspace::placed;
use crate::state::{AppState, Caller, State as Ws, caller_of};

/// One legacy dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegacyDashboard {
    /// UUID.
    pub id: String,
    /// Name.
    pub name: String,
    /// The folder (normalised path).
    pub parent_path: String,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// `owner` or `viewer`.
    #[serde(default)]
    pub run_as_role: Option<String>,
    /// Whether dashboard filters are on.
    #[serde(default)]
    pub dashboard_filters_enabled: bool,
    /// Owner's userName.
    pub owner: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
    /// In the trash.
    #[serde(default)]
    pub is_archived: bool,
    /// Widgets, in creation order.
    #[serde(default)]
    pub widgets: Vec<Widget>,
    /// Creation order.
    pub seq: u64,
}

/// One widget: a visualization or a text box.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Widget {
    /// UUID.
    pub id: String,
    /// The visualization shown, if any.
    #[serde(default)]
    pub visualization_id: Option<String>,
    /// Markdown text, for a text widget.
    #[serde(default)]
    pub text: Option<String>,
    /// Width (1 or 2 columns).
    pub width: i64,
    /// `options` as sent (position, parameter mappings, title…).
    #[serde(default)]
    pub options: Value,
}

fn no_such_dashboard(id: &str) -> ApiError {
    // [UNVERIFIED] message.
    ApiError::not_found(format!("Dashboard {id} does not exist."))
}

/// A legacy dashboard; with its widgets (each embedding its visualization and that one's query)
/// when `full`.
pub fn dashboard_view(st: &Ws, d: &LegacyDashboard, full: bool) -> Value {
    let slug: String = d
        .name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    let mut out = json!({
        "id": d.id, "name": d.name, "slug": slug, "parent": parent_of(st, &d.parent_path),
        "tags": d.tags, "run_as_role": d.run_as_role,
        "dashboard_filters_enabled": d.dashboard_filters_enabled,
        "user": user_of(st, &d.owner), "created_at": d.created_at, "updated_at": d.updated_at,
        "is_archived": d.is_archived, "is_draft": false, "options": {},
    });
    if full {
        let widgets: Vec<Value> = d.widgets.iter().map(|w| widget_view(st, d, w)).collect();
        out["widgets"] = Value::Array(widgets);
    }
    out
}

fn widget_view(st: &Ws, d: &LegacyDashboard, w: &Widget) -> Value {
    let mut out = json!({"id": w.id, "dashboard_id": d.id, "width": w.width, "options": w.options});
    if let Some(t) = &w.text {
        out["text"] = json!(t);
    }
    if let Some(v) = w
        .visualization_id
        .as_ref()
        .and_then(|id| st.sql.visualizations.get(id))
    {
        let mut vis = legacy_visualization(v);
        if let Some(q) = st.sql.queries.get(&v.query_id) {
            vis["query"] = legacy_query(st, q, false);
        }
        out["visualization"] = vis;
    }
    out
}

pub(crate) async fn list_dashboards(
    State(emu): State<AppState>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    let mut all: Vec<&LegacyDashboard> = st
        .sql
        .legacy_dashboards
        .values()
        .filter(|d| !d.is_archived)
        .collect();
    all.sort_by_key(|d| d.seq);
    let items = all
        .iter()
        .map(|d| {
            (
                d.name.clone(),
                d.created_at.clone(),
                dashboard_view(&st, d, false),
            )
        })
        .collect();
    Ok(Json(numbered_page(search_and_sort(items, &q), &q)?))
}

pub(crate) async fn get_dashboard(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    let d = st
        .sql
        .legacy_dashboards
        .get(&id)
        .ok_or_else(|| no_such_dashboard(&id))?;
    Ok(Json(dashboard_view(&st, d, true)))
}

/// The folder a legacy `parent` (`folders/<object id>`) names; none is the caller's home.
fn folder_of(st: &mut Ws, parent: Option<&str>, caller: &str) -> ApiResult<String> {
    let Some(p) = parent.filter(|p| !p.is_empty()) else {
        return placed::parent_folder(st, None, caller);
    };
    let id = p
        .strip_prefix("folders/")
        .and_then(|n| n.parse::<i64>().ok());
    match id.and_then(|id| st.workspace.by_id(id)) {
        Some((path, o)) if o.object_type == "DIRECTORY" => Ok(path.to_string()),
        // [UNVERIFIED] wording.
        _ => Err(ApiError::invalid(format!(
            "Invalid parent: {p} is not a folder (folders/<id>)."
        ))),
    }
}

/// Stores a new legacy dashboard (handler and seeds); returns its id.
pub fn insert_dashboard(
    st: &mut Ws,
    name: &str,
    dir: String,
    owner: &str,
    tags: Vec<String>,
) -> String {
    let id = st.ids.uuid();
    let now = now_text();
    let seq = st.sql.seq();
    st.permissions
        .init_object("dbsql-dashboards", &id, Some(owner));
    st.sql.legacy_dashboards.insert(
        id.clone(),
        LegacyDashboard {
            id: id.clone(),
            name: name.to_string(),
            parent_path: dir,
            tags,
            run_as_role: None,
            dashboard_filters_enabled: false,
            owner: owner.to_string(),
            created_at: now.clone(),
            updated_at: now,
            is_archived: false,
            widgets: Vec::new(),
            seq,
        },
    );
    id
}

pub(crate) async fn create_dashboard(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller).user_name;
    let name = body
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("Missing required field: name"))?;
    let tags: Vec<String> = body
        .get("tags")
        .and_then(|t| serde_json::from_value(t.clone()).ok())
        .unwrap_or_default();
    let mut st = emu.lock();
    let dir = folder_of(&mut st, body.get("parent").and_then(Value::as_str), &caller)?;
    let id = insert_dashboard(&mut st, name, dir, &caller, tags);
    if let Some(d) = st.sql.legacy_dashboards.get_mut(&id) {
        d.run_as_role = body
            .get("run_as_role")
            .and_then(Value::as_str)
            .map(str::to_string);
        d.dashboard_filters_enabled = body
            .get("dashboard_filters_enabled")
            .and_then(Value::as_bool)
            == Some(true);
    }
    let out = dashboard_view(&st, &st.sql.legacy_dashboards[&id], true);
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}

pub(crate) async fn delete_dashboard(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    let d = st
        .sql
        .legacy_dashboards
        .get_mut(&id)
        .filter(|d| !d.is_archived)
        .ok_or_else(|| no_such_dashboard(&id))?;
    // Documented: delete moves the dashboard to the trash (archived).
    d.is_archived = true;
    d.updated_at = now_text();
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

/// Adds a widget to a dashboard (handler and seeds); returns the widget id.
pub fn add_widget(st: &mut Ws, dashboard_id: &str, w: Widget) -> ApiResult<String> {
    if let Some(v) = &w.visualization_id
        && !st.sql.visualizations.contains_key(v)
    {
        return Err(ApiError::not_found(format!(
            "Visualization {v} does not exist."
        )));
    }
    let d = st
        .sql
        .legacy_dashboards
        .get_mut(dashboard_id)
        .ok_or_else(|| no_such_dashboard(dashboard_id))?;
    if d.widgets.len() >= 1000 {
        // Documented: at most 1000 widgets per dashboard.
        return Err(ApiError::invalid(
            "A dashboard can have at most 1000 widgets.",
        ));
    }
    let id = w.id.clone();
    d.widgets.push(w);
    Ok(id)
}

pub(crate) async fn create_widget(
    State(emu): State<AppState>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let dashboard_id = body
        .get("dashboard_id")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid("Missing required field: dashboard_id"))?
        .to_string();
    let mut st = emu.lock();
    let w = Widget {
        id: st.ids.uuid(),
        visualization_id: body
            .get("visualization_id")
            .and_then(Value::as_str)
            .map(str::to_string),
        text: body.get("text").and_then(Value::as_str).map(str::to_string),
        width: body.get("width").and_then(Value::as_i64).unwrap_or(1),
        options: body.get("options").cloned().unwrap_or(json!({})),
    };
    add_widget(&mut st, &dashboard_id, w.clone())?;
    let d = &st.sql.legacy_dashboards[&dashboard_id];
    let out = widget_view(&st, d, &w);
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}
