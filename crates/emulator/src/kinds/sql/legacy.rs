//! The legacy ("Redash") SQL API, `/api/2.0/preview/sql/*` (reference-more §3.5), as far as a
//! migrator reads it: dashboards (create, list, get with their widgets, delete = archive),
//! widgets (create), the legacy view of queries (list, get) and data sources.
//!
//! Legacy queries are the same objects as `/sql/queries` (same ids), shown the old way:
//! `name`, `query`, `data_source_id` (not the warehouse id: see [`data_source_id`]),
//! `options{parameters, catalog, schema}`, `parent: "folders/<object id>"`. Lists are paged by
//! number (`page` from 1, `page_size`) and answer `{count, page, page_size, results}`; a page
//! past the end is empty, which is how the SDK stops. Legacy dashboards are not in the
//! workspace tree the API lists (the platform answers "dbsqlDashboard is not user-facing").

use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::{SqlObject, no_such_query};
use crate::body::QueryMap;
use crate::error::ApiResult;
use crate::state::{AppState, State as Ws};

pub mod dashboards;

pub use dashboards::{LegacyDashboard, Widget};

/// The data source id of a warehouse: a stable UUID-shaped id derived from the warehouse id
/// (the platform keeps a separate id; a migrator must map through `/preview/sql/data_sources`).
pub fn data_source_id(warehouse_id: &str) -> String {
    let hex: String = format!("{warehouse_id:0>16}")
        .chars()
        .map(|c| {
            if c.is_ascii_hexdigit() {
                c.to_ascii_lowercase()
            } else {
                '0'
            }
        })
        .collect();
    let h = &hex[hex.len() - 16..];
    format!(
        "{}-{}-4{}-8{}00-000000000000",
        &h[0..8],
        &h[8..12],
        &h[12..15],
        &h[15..16]
    )
}

/// `folders/<object id>` of a folder path (the legacy `parent`).
pub(crate) fn parent_of(st: &Ws, dir: &str) -> Value {
    st.workspace
        .get(dir)
        .map_or(Value::Null, |o| json!(format!("folders/{}", o.object_id)))
}

pub(crate) fn user_of(st: &Ws, name: &str) -> Value {
    let id = st
        .scim
        .user_by_name(name)
        .and_then(|u| u.id.parse::<i64>().ok());
    json!({"id": id, "name": name, "email": name})
}

/// A query in the legacy shape.
pub fn legacy_query(st: &Ws, q: &SqlObject, with_visualizations: bool) -> Value {
    let f = |k: &str| q.fields.get(k).cloned().unwrap_or(Value::Null);
    let ds = q
        .fields
        .get("warehouse_id")
        .and_then(Value::as_str)
        .map(data_source_id);
    let mut out = json!({
        "id": q.id, "name": f("display_name"), "description": f("description"),
        "query": f("query_text"), "data_source_id": ds,
        "options": {"parameters": f("parameters"), "catalog": f("catalog"), "schema": f("schema")},
        "parent": parent_of(st, &q.parent_path),
        "run_as_role": q.fields.get("run_as_mode").and_then(Value::as_str)
            .map_or("owner".to_string(), str::to_ascii_lowercase),
        "tags": q.fields.get("tags").cloned().unwrap_or(json!([])),
        "user": user_of(st, &q.owner_user_name),
        "created_at": q.create_time, "updated_at": q.update_time,
        "is_archived": q.trashed, "is_draft": false,
    });
    if with_visualizations {
        let mut vs: Vec<&super::visualizations::Visualization> = st
            .sql
            .visualizations
            .values()
            .filter(|v| v.query_id == q.id)
            .collect();
        vs.sort_by_key(|v| v.seq);
        out["visualizations"] = Value::Array(vs.iter().map(|v| legacy_visualization(v)).collect());
    }
    out
}

pub(crate) fn legacy_visualization(v: &super::visualizations::Visualization) -> Value {
    let options = v
        .fields
        .get("serialized_options")
        .and_then(Value::as_str)
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .unwrap_or(json!({}));
    json!({"id": v.id, "type": v.fields.get("type"), "name": v.fields.get("display_name"),
           "options": options, "created_at": v.create_time, "updated_at": v.update_time})
}

/// Page `all` by number: `{count, page, page_size, results}`.
pub(crate) fn numbered_page(all: Vec<Value>, q: &QueryMap) -> ApiResult<Value> {
    // [UNVERIFIED] 25 by default, at most 250.
    let size = q
        .i64("page_size")?
        .filter(|n| *n > 0)
        .unwrap_or(25)
        .min(250) as usize;
    let page = q.i64("page")?.filter(|n| *n > 0).unwrap_or(1) as usize;
    let results: Vec<Value> = all
        .iter()
        .skip((page - 1).saturating_mul(size))
        .take(size)
        .cloned()
        .collect();
    Ok(json!({"count": all.len(), "page": page, "page_size": size, "results": results}))
}

/// Filters by `q` (name contains, any case) and sorts by `order` (`name`, `created_at`, `-…`).
pub(crate) fn search_and_sort(mut items: Vec<(String, String, Value)>, q: &QueryMap) -> Vec<Value> {
    if let Some(term) = q.string("q") {
        let term = term.to_lowercase();
        items.retain(|(name, _, _)| name.to_lowercase().contains(&term));
    }
    match q.get("order").unwrap_or("") {
        "name" => items.sort_by(|a, b| a.0.cmp(&b.0)),
        "-name" => items.sort_by(|a, b| b.0.cmp(&a.0)),
        "-created_at" => items.sort_by(|a, b| b.1.cmp(&a.1)),
        _ => {}
    }
    items.into_iter().map(|(_, _, v)| v).collect()
}

pub(crate) async fn list_queries(
    State(emu): State<AppState>,
    q: QueryMap,
) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    let mut all: Vec<&SqlObject> = st.sql.queries.values().filter(|o| !o.trashed).collect();
    all.sort_by_key(|o| o.seq);
    let items = all
        .iter()
        .map(|o| {
            (
                o.display_name().to_string(),
                o.create_time.clone(),
                legacy_query(&st, o, false),
            )
        })
        .collect();
    Ok(Json(numbered_page(search_and_sort(items, &q), &q)?))
}

pub(crate) async fn get_query(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    let q = st.sql.queries.get(&id).ok_or_else(|| no_such_query(&id))?;
    Ok(Json(legacy_query(&st, q, true)))
}

pub(crate) async fn data_sources(State(emu): State<AppState>) -> Json<Value> {
    let st = emu.lock();
    let all: Vec<Value> = st
        .warehouses
        .warehouses
        .iter()
        .map(|(id, w)| {
            json!({"id": data_source_id(id), "warehouse_id": id,
                   "name": w.spec.get("name"), "type": "databricks_internal", "syntax": "sql",
                   "paused": 0, "view_only": false, "supports_auto_limit": true})
        })
        .collect();
    Json(Value::Array(all))
}
