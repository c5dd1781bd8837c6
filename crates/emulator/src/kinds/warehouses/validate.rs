//! What a warehouse create/edit body may hold, checked as the service documents it, with the
//! defaults the service fills in.

use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};

/// Documented `cluster_size` values.
pub const SIZES: &[&str] = &[
    "2X-Small", "X-Small", "Small", "Medium", "Large", "X-Large", "2X-Large", "3X-Large",
    "4X-Large", "5X-Large",
];

/// Fields the service owns (ignored when sent).
const READ_ONLY: &[&str] = &[
    "id",
    "state",
    "num_clusters",
    "num_active_sessions",
    "jdbc_url",
    "odbc_params",
    "health",
    "creator_name",
];

/// The validated spec, with defaults filled in.
pub fn checked_spec(body: &Map<String, Value>) -> ApiResult<Map<String, Value>> {
    let mut spec = body.clone();
    for k in READ_ONLY {
        spec.remove(*k);
    }
    let name = spec
        .get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| ApiError::invalid("Missing required field: name"))?;
    if name.chars().count() >= 100 {
        return Err(ApiError::invalid(
            "name must be shorter than 100 characters.",
        ));
    }
    let size = spec
        .get("cluster_size")
        .and_then(Value::as_str)
        .ok_or_else(|| {
            ApiError::invalid(format!(
                "Missing required field: cluster_size (one of {})",
                SIZES.join(", ")
            ))
        })?;
    if !SIZES.contains(&size) {
        return Err(ApiError::invalid(format!(
            "Invalid cluster_size '{size}': use one of {}",
            SIZES.join(", ")
        )));
    }
    let int = |spec: &Map<String, Value>, k: &str, default: i64| -> ApiResult<i64> {
        match spec.get(k) {
            None | Some(Value::Null) => Ok(default),
            Some(v) => v
                .as_i64()
                .ok_or_else(|| ApiError::invalid(format!("{k} must be an integer"))),
        }
    };
    let min = int(&spec, "min_num_clusters", 1)?;
    let max = int(&spec, "max_num_clusters", min.max(1))?;
    // Documented: 0 < min <= min(max, 30); min <= max <= 40.
    if !(1..=30).contains(&min) || min > max {
        return Err(ApiError::invalid(
            "min_num_clusters must be at least 1, at most 30 and at most max_num_clusters.",
        ));
    }
    if max > 40 {
        return Err(ApiError::invalid("max_num_clusters must be at most 40."));
    }
    let stop = int(&spec, "auto_stop_mins", 120)?;
    // Documented: 0 disables auto stop; otherwise at least 10 minutes.
    if stop != 0 && !(10..=i64::from(i32::MAX)).contains(&stop) {
        return Err(ApiError::invalid(
            "auto_stop_mins must be 0 (never stop) or at least 10.",
        ));
    }
    let kind = spec
        .get("warehouse_type")
        .and_then(Value::as_str)
        .unwrap_or("CLASSIC")
        .to_string();
    if !["PRO", "CLASSIC", "TYPE_UNSPECIFIED"].contains(&kind.as_str()) {
        return Err(ApiError::invalid(format!(
            "Invalid warehouse_type '{kind}': use PRO or CLASSIC"
        )));
    }
    let serverless = spec
        .get("enable_serverless_compute")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if serverless && kind != "PRO" {
        // Documented: serverless needs warehouse_type PRO.
        return Err(ApiError::invalid(
            "Serverless compute requires warehouse_type PRO.",
        ));
    }
    if let Some(p) = spec.get("spot_instance_policy").and_then(Value::as_str)
        && ![
            "COST_OPTIMIZED",
            "RELIABILITY_OPTIMIZED",
            "POLICY_UNSPECIFIED",
        ]
        .contains(&p)
    {
        return Err(ApiError::invalid(format!(
            "Invalid spot_instance_policy '{p}'"
        )));
    }
    let tags = spec
        .get("tags")
        .and_then(|t| t.get("custom_tags"))
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    if tags >= 45 {
        return Err(ApiError::invalid(
            "A warehouse can have fewer than 45 custom tags.",
        ));
    }
    spec.insert("min_num_clusters".into(), json!(min));
    spec.insert("max_num_clusters".into(), json!(max));
    spec.insert("auto_stop_mins".into(), json!(stop));
    spec.insert("warehouse_type".into(), json!(kind));
    spec.insert("enable_serverless_compute".into(), json!(serverless));
    spec.entry("enable_photon").or_insert(json!(true));
    spec.entry("spot_instance_policy")
        .or_insert(json!("COST_OPTIMIZED"));
    spec.entry("channel")
        .or_insert(json!({"name": "CHANNEL_NAME_CURRENT"}));
    Ok(spec)
}
