//! Instance pools (`/api/2.0/instance-pools/*`): idle cloud instances clusters draw from.
//!
//! A pool is stored as its writable settings plus creator and creation time; `state`,
//! `stats`, `status` and `default_tags` are added on read. Edit takes the few editable fields
//! and insists `node_type_id` is sent unchanged, like the real service.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::kinds::clusters::attributes::{self, Holder};
use crate::state::now_ms;
use crate::state::{AppState, Caller, caller_of};
use crate::store::{self, Keyed};

/// The instance pools store.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PoolsState {
    /// Every pool, by id.
    pub pools: BTreeMap<String, Pool>,
}

/// One instance pool.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pool {
    /// `MMDD-HHMMSS-xxxxxxxx-pool-xxxxxxxx`.
    pub instance_pool_id: String,
    /// The writable settings as last created/edited.
    pub spec: Map<String, Value>,
    /// Who created it.
    pub creator_user_name: String,
}

/// Fields `edit` may change besides the name (everything else is fixed at creation).
const EDITABLE: &[&str] = &[
    "min_idle_instances",
    "max_capacity",
    "idle_instance_autotermination_minutes",
    "custom_tags",
    "enable_auto_alternate_node_types",
    "remote_disk_throughput",
    "total_initial_remote_disk_size",
    "node_type_flexibility",
];

/// Fields the service owns.
const READ_ONLY: &[&str] = &[
    "instance_pool_id",
    "default_tags",
    "state",
    "stats",
    "status",
];

impl PoolsState {
    /// Whether a pool with this id exists (used by the permissions module and clusters).
    pub fn contains(&self, id: &str) -> bool {
        self.pools.contains_key(id)
    }

    /// The node type of a pool, for clusters that draw from it.
    pub fn node_type_of(&self, id: &str) -> Option<&str> {
        self.pools
            .get(id)?
            .spec
            .get("node_type_id")
            .and_then(Value::as_str)
    }

    /// Inserts a pool without validation (seeds, tests), returning its id.
    pub fn insert(&mut self, id: String, spec: Map<String, Value>, creator: &str) -> String {
        self.pools.insert(
            id.clone(),
            Pool {
                instance_pool_id: id.clone(),
                spec: strip(spec),
                creator_user_name: creator.to_string(),
            },
        );
        id
    }

    fn view(&self, p: &Pool) -> Value {
        let mut out = p.spec.clone();
        out.insert("instance_pool_id".into(), json!(p.instance_pool_id));
        out.entry("idle_instance_autotermination_minutes")
            .or_insert(json!(60));
        out.entry("enable_elastic_disk").or_insert(json!(true));
        out.insert(
            "default_tags".into(),
            json!({"Vendor": "Databricks", "DatabricksInstancePoolCreatorId": p.creator_user_name,
                   "DatabricksInstancePoolId": p.instance_pool_id}),
        );
        out.insert("state".into(), json!("ACTIVE"));
        let idle = out
            .get("min_idle_instances")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        out.insert(
            "stats".into(),
            json!({"used_count": 0, "idle_count": idle, "pending_used_count": 0,
                   "pending_idle_count": 0}),
        );
        out.insert("status".into(), json!({}));
        Value::Object(out)
    }
}

fn strip(mut spec: Map<String, Value>) -> Map<String, Value> {
    for k in READ_ONLY {
        spec.remove(*k);
    }
    spec
}

store::keyed!(PoolsState, pools, Pool, no_such_pool);

fn no_such_pool(id: &str) -> ApiError {
    // match cloud behaviour [UNVERIFIED status]: a 404 RESOURCE_DOES_NOT_EXIST naming the
    // pool.
    ApiError::not_found(format!("Instance pool {id} does not exist."))
}

fn required_str<'a>(body: &'a Map<String, Value>, key: &str) -> ApiResult<&'a str> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::invalid(format!("Missing required field: {key}")))
}

/// Checks the numeric settings shared by create and edit.
fn check_sizes(body: &Map<String, Value>) -> ApiResult<()> {
    let num = |k: &str| body.get(k).and_then(Value::as_i64);
    for k in [
        "min_idle_instances",
        "max_capacity",
        "idle_instance_autotermination_minutes",
    ] {
        if body
            .get(k)
            .is_some_and(|v| v.as_i64().is_none_or(|n| n < 0))
        {
            return Err(ApiError::invalid(format!(
                "{k} must be a non-negative integer."
            )));
        }
    }
    if let (Some(min), Some(max)) = (num("min_idle_instances"), num("max_capacity"))
        && max < min
    {
        return Err(ApiError::invalid(
            "max_capacity must be greater than or equal to min_idle_instances.",
        ));
    }
    if num("idle_instance_autotermination_minutes").is_some_and(|m| m > 10_000) {
        return Err(ApiError::invalid(
            "idle_instance_autotermination_minutes must be between 0 and 10000.",
        ));
    }
    Ok(())
}

pub(crate) async fn create(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let caller = caller_of(caller);
    required_str(&body, "instance_pool_name")?;
    let node = required_str(&body, "node_type_id")?.to_string();
    check_sizes(&body)?;
    let mut st = emu.lock();
    let cloud = st.clusters.cloud;
    attributes::check(&body, cloud, &st.instance_profiles, Holder::Pool)?;
    if !st
        .clusters
        .node_types
        .iter()
        .any(|n| n.node_type_id == node)
    {
        return Err(ApiError::invalid(format!(
            "Node type {node} is not supported."
        )));
    }
    if let Some(versions) = body
        .get("preloaded_spark_versions")
        .and_then(Value::as_array)
    {
        // Documented: at most one preloaded version, and it must be one the workspace offers.
        if versions.len() > 1 {
            return Err(ApiError::invalid(
                "preloaded_spark_versions may contain at most one version.",
            ));
        }
        for v in versions {
            let v = v.as_str().unwrap_or_default();
            if !st.clusters.spark_versions.iter().any(|s| s.key == v) {
                return Err(ApiError::invalid(format!("Invalid spark version {v}.")));
            }
        }
    }
    let id = st.ids.pool_id(now_ms());
    st.permissions
        .init_object("instance-pools", &id, Some(&caller.user_name));
    let id = st.pools.insert(id, body, &caller.user_name);
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({ "instance_pool_id": id })))
}

pub(crate) async fn edit(
    State(emu): State<AppState>,
    JsonBody(body): JsonBody<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let id = required_str(&body, "instance_pool_id")?;
    let name = required_str(&body, "instance_pool_name")?;
    let node = required_str(&body, "node_type_id")?;
    check_sizes(&body)?;
    let mut st = emu.lock();
    attributes::check(
        &body,
        st.clusters.cloud,
        &st.instance_profiles,
        Holder::Pool,
    )?;
    let pool = st.pools.get_mut_or_404(id)?;
    // match cloud behaviour: node_type_id must be sent on edit, and must not change.
    if pool.spec.get("node_type_id").and_then(Value::as_str) != Some(node) {
        return Err(ApiError::invalid(format!(
            "node_type_id cannot be changed on an instance pool (it is {}). Create a new pool instead.",
            pool.spec
                .get("node_type_id")
                .and_then(Value::as_str)
                .unwrap_or("unset")
        )));
    }
    pool.spec.insert("instance_pool_name".into(), json!(name));
    for k in EDITABLE {
        match body.get(*k) {
            Some(v) => pool.spec.insert((*k).to_string(), v.clone()),
            None => pool.spec.remove(*k),
        };
    }
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

pub(crate) async fn get_pool(State(emu): State<AppState>, q: QueryMap) -> ApiResult<Json<Value>> {
    let id = q.required("instance_pool_id")?;
    let st = emu.lock();
    let pool = st.pools.get_or_404(id)?;
    Ok(Json(st.pools.view(pool)))
}

pub(crate) async fn list(State(emu): State<AppState>) -> Json<Value> {
    let st = emu.lock();
    let pools: Vec<Value> = st.pools.pools.values().map(|p| st.pools.view(p)).collect();
    if pools.is_empty() {
        Json(json!({}))
    } else {
        Json(json!({ "instance_pools": pools }))
    }
}

#[derive(Deserialize)]
pub(crate) struct IdBody {
    #[serde(default)]
    instance_pool_id: String,
}

pub(crate) async fn delete(
    State(emu): State<AppState>,
    JsonBody(body): JsonBody<IdBody>,
) -> ApiResult<Json<Value>> {
    let mut st = emu.lock();
    st.pools.remove_or_404(&body.instance_pool_id)?;
    st.permissions
        .remove_object("instance-pools", &body.instance_pool_id);
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}
