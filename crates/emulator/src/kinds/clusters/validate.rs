//! What the clusters API accepts in a ClusterSpec, checked the way the service checks it.
//!
//! Only rules the real service enforces are enforced here; each carries the reason.

use serde_json::{Map, Value};

use super::ClustersState;
use crate::error::{ApiError, ApiResult};
use crate::kinds::{policies::PoliciesState, pools::PoolsState};

/// Fields the service owns: sent back by `get`, ignored when a client sends them on write.
const READ_ONLY: &[&str] = &[
    "cluster_id",
    "state",
    "state_message",
    "start_time",
    "terminated_time",
    "termination_reason",
    "last_restarted_time",
    "last_state_loss_time",
    "last_activity_time",
    "driver",
    "executors",
    "spark_context_id",
    "jdbc_port",
    "cluster_cores",
    "cluster_memory_mb",
    "cluster_source",
    "creator_user_name",
    "default_tags",
    "cluster_log_status",
    "spec",
    "effective_spark_version",
    "init_scripts_safe_mode",
    "pinned_by_user_name",
    "disk_spec",
    "clone_from",
];

/// The spec without the service-owned fields.
pub fn strip_read_only(mut spec: Map<String, Value>) -> Map<String, Value> {
    for k in READ_ONLY {
        spec.remove(*k);
    }
    spec
}

fn str_field<'a>(spec: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    spec.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Checks a ClusterSpec for create or edit against the workspace's catalogue, pools and
/// policies.
pub fn check_spec(
    spec: &Map<String, Value>,
    clusters: &ClustersState,
    pools: &PoolsState,
    policies: &PoliciesState,
) -> ApiResult<()> {
    // match cloud behaviour: spark_version is the one field every create/edit needs, and it
    // must be a version this workspace offers (a target in another region may lack one).
    let version = str_field(spec, "spark_version")
        .ok_or_else(|| ApiError::invalid("Missing required field: spark_version"))?;
    if !clusters.spark_versions.iter().any(|v| v.key == version) {
        return Err(ApiError::invalid(format!(
            "Invalid spark version {version}. Call /api/2.1/clusters/spark-versions for the versions this workspace offers."
        )));
    }

    let pool = str_field(spec, "instance_pool_id");
    if let Some(pool_id) = pool {
        if !pools.contains(pool_id) {
            return Err(ApiError::invalid(format!(
                "Instance pool {pool_id} does not exist."
            )));
        }
        // match cloud behaviour: the node type comes from the pool, and sending one as well
        // is rejected with exactly this message (seen from jobs/clusters create).
        for field in ["node_type_id", "driver_node_type_id"] {
            if str_field(spec, field).is_some() {
                return Err(ApiError::invalid(format!(
                    "The field '{field}' cannot be supplied when an instance pool ID is provided."
                )));
            }
        }
    } else {
        let node = str_field(spec, "node_type_id").ok_or_else(|| {
            ApiError::invalid("Missing required field: node_type_id (or give an instance_pool_id)")
        })?;
        check_node_type(clusters, node)?;
    }
    if let Some(driver_pool) = str_field(spec, "driver_instance_pool_id") {
        if !pools.contains(driver_pool) {
            return Err(ApiError::invalid(format!(
                "Instance pool {driver_pool} does not exist."
            )));
        }
        if pool.is_none() {
            return Err(ApiError::invalid(
                "driver_instance_pool_id requires instance_pool_id to be set as well.",
            ));
        }
    }
    if pool.is_none()
        && let Some(driver) = str_field(spec, "driver_node_type_id")
    {
        check_node_type(clusters, driver)?;
    }

    if let Some(policy_id) = str_field(spec, "policy_id")
        && !policies.contains(policy_id)
    {
        return Err(ApiError::invalid(format!(
            "Cluster policy {policy_id} does not exist."
        )));
    }

    if spec.contains_key("num_workers") && spec.contains_key("autoscale") {
        // match cloud behaviour [UNVERIFIED message]: the two sizing modes are exclusive.
        return Err(ApiError::invalid(
            "Only one of num_workers and autoscale may be set.",
        ));
    }
    if let Some(n) = spec.get("num_workers")
        && n.as_i64().is_none_or(|n| n < 0)
    {
        return Err(ApiError::invalid(
            "num_workers must be a non-negative integer.",
        ));
    }
    if let Some(a) = spec.get("autoscale") {
        let min = a.get("min_workers").and_then(Value::as_i64);
        let max = a.get("max_workers").and_then(Value::as_i64);
        match (min, max) {
            (Some(min), Some(max)) if min >= 0 && max >= min => {}
            _ => {
                return Err(ApiError::invalid(
                    "autoscale needs min_workers >= 0 and max_workers >= min_workers.",
                ));
            }
        }
    }
    if let Some(t) = spec.get("autotermination_minutes") {
        // Documented range: 0 (never) or 10..=10000.
        match t.as_i64() {
            Some(0) => {}
            Some(m) if (10..=10_000).contains(&m) => {}
            _ => {
                return Err(ApiError::invalid(
                    "autotermination_minutes must be 0 (disabled) or between 10 and 10000.",
                ));
            }
        }
    }
    Ok(())
}

fn check_node_type(clusters: &ClustersState, node: &str) -> ApiResult<()> {
    if clusters.node_types.iter().any(|n| n.node_type_id == node) {
        Ok(())
    } else {
        // match cloud behaviour: an unknown node type is a 400 naming it.
        Err(ApiError::invalid(format!(
            "Node type {node} is not supported. Call /api/2.1/clusters/list-node-types for the node types this workspace offers."
        )))
    }
}
