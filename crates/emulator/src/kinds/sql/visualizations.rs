//! `/api/2.0/sql/visualizations`: create, update (`update_mask`), delete (reference-more §3.2).
//! There is no GET by id: a query's visualizations are read through
//! `/sql/queries/{id}/visualizations`. `serialized_options` and `serialized_query_plan` are
//! JSON *texts*, kept as sent; `query_id` is fixed at creation.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{no_such_query, now_text};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// Writable fields besides `query_id`.
const WRITABLE: &[&str] = &[
    "display_name",
    "type",
    "serialized_options",
    "serialized_query_plan",
];

/// One visualization.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Visualization {
    /// UUID.
    pub id: String,
    /// The query it draws.
    pub query_id: String,
    /// The writable fields as last written.
    pub fields: Map<String, Value>,
    /// RFC 3339.
    pub create_time: String,
    /// RFC 3339.
    pub update_time: String,
    /// Creation order.
    pub seq: u64,
}

impl Visualization {
    /// The Visualization object.
    pub fn view(&self) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(self.id));
        m.insert("query_id".into(), json!(self.query_id));
        for (k, v) in &self.fields {
            m.insert(k.clone(), v.clone());
        }
        m.insert("create_time".into(), json!(self.create_time));
        m.insert("update_time".into(), json!(self.update_time));
        Value::Object(m)
    }
}

fn no_such_visualization(id: &str) -> ApiError {
    // [UNVERIFIED] message.
    ApiError::not_found(format!("Visualization {id} does not exist."))
}

/// `serialized_*` fields must be JSON texts when sent.
fn check_serialized(fields: &Map<String, Value>) -> ApiResult<()> {
    for k in ["serialized_options", "serialized_query_plan"] {
        if let Some(v) = fields.get(k) {
            let ok = v
                .as_str()
                .is_some_and(|s| serde_json::from_str::<Value>(s).is_ok());
            if !ok {
                // [UNVERIFIED] wording; documented as JSON strings.
                return Err(ApiError::invalid(format!(
                    "visualization.{k} must be a JSON document given as a string."
                )));
            }
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

pub(crate) async fn create(
    State(emu): State<AppState>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let input = body
        .get("visualization")
        .and_then(Value::as_object)
        .ok_or_else(|| ApiError::invalid("Missing required field: visualization"))?;
    let query_id = input
        .get("query_id")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::invalid("Missing required field: visualization.query_id"))?
        .to_string();
    let fields = writable(input);
    if !fields.contains_key("type") {
        return Err(ApiError::invalid(
            "Missing required field: visualization.type",
        ));
    }
    check_serialized(&fields)?;
    let mut st = emu.lock();
    if !st.sql.has_active_query(&query_id) {
        return Err(no_such_query(&query_id));
    }
    let id = st.ids.uuid();
    let now = now_text();
    let seq = st.sql.seq();
    let v = Visualization {
        id: id.clone(),
        query_id,
        fields,
        create_time: now.clone(),
        update_time: now,
        seq,
    };
    let out = v.view();
    st.sql.visualizations.insert(id, v);
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}

pub(crate) async fn update(
    State(emu): State<AppState>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let mask = body
        .get("update_mask")
        .and_then(Value::as_str)
        .filter(|m| !m.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("Missing required field: update_mask"))?;
    let names: Vec<&str> = if mask.trim() == "*" {
        WRITABLE.to_vec()
    } else {
        mask.split(',').map(str::trim).collect()
    };
    if let Some(bad) = names.iter().find(|n| !WRITABLE.contains(n)) {
        // Documented: query_id is fixed; anything else is not a field.
        return Err(ApiError::invalid(format!(
            "Invalid update_mask: {bad} cannot be updated."
        )));
    }
    let empty = Map::new();
    let input = body
        .get("visualization")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut st = emu.lock();
    let v = st
        .sql
        .visualizations
        .get_mut(&id)
        .ok_or_else(|| no_such_visualization(&id))?;
    let mut fields = v.fields.clone();
    for n in names {
        match input.get(n).filter(|x| !x.is_null()) {
            Some(x) => fields.insert(n.to_string(), x.clone()),
            None => fields.remove(n),
        };
    }
    check_serialized(&fields)?;
    v.fields = fields;
    v.update_time = now_text();
    let out = v.view();
    drop(st);
    emu.mark_dirty();
    Ok(Json(out))
}

pub(crate) async fn delete(
    State(emu): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    st.sql
        .visualizations
        .remove(&id)
        .ok_or_else(|| no_such_visualization(&id))?;
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}
