//! Policy families (`/api/2.0/policy-families`): the read-only catalogue of Databricks-managed
//! policy templates, and the default (managed) policies a fresh workspace has, one per family.
//!
//! Family ids and names are what the public docs and Terraform examples show
//! (`personal-vm` = Personal Compute, `job-cluster` = Job Compute, …) [UNVERIFIED that every
//! cloud uses the same ids]. Definitions are shortened but structurally real (JSON strings).

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::body::QueryMap;
use crate::cloud::Cloud;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// One policy family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyFamily {
    /// E.g. `personal-vm`.
    pub policy_family_id: String,
    /// E.g. `Personal Compute`.
    pub name: String,
    /// Human description.
    pub description: String,
    /// The family's policy definition, a JSON document as a string.
    pub definition: String,
}

/// The catalogue of a fresh workspace; each family also gives a default policy of the same name.
pub fn default_families() -> Vec<PolicyFamily> {
    let fam = |id: &str, name: &str, description: &str, definition: Value| PolicyFamily {
        policy_family_id: id.to_string(),
        name: name.to_string(),
        description: description.to_string(),
        definition: definition.to_string(),
    };
    vec![
        fam(
            "personal-vm",
            "Personal Compute",
            "Use with small-to-medium data or libraries like pandas and scikit-learn. Spark runs in local mode.",
            json!({
                "node_type_id": {"type": "allowlist", "values": ["i3.xlarge", "m5d.large", "m5d.xlarge"], "defaultValue": "m5d.large"},
                "spark_version": {"type": "unlimited", "defaultValue": "auto:latest-ml"},
                "runtime_engine": {"type": "fixed", "value": "STANDARD", "hidden": true},
                "num_workers": {"type": "fixed", "value": 0, "hidden": true},
                "data_security_mode": {"type": "allowlist", "values": ["SINGLE_USER", "LEGACY_SINGLE_USER", "LEGACY_SINGLE_USER_STANDARD"], "defaultValue": "SINGLE_USER", "hidden": true},
                "spark_conf.spark.databricks.cluster.profile": {"type": "fixed", "value": "singleNode", "hidden": true},
                "autotermination_minutes": {"type": "unlimited", "defaultValue": 4320, "isOptional": true}
            }),
        ),
        fam(
            "power-user",
            "Power User Compute",
            "Use for exploratory data science and analytics on larger data, with autoscaling.",
            json!({
                "spark_version": {"type": "unlimited", "defaultValue": "auto:latest-ml"},
                "autoscale.max_workers": {"type": "range", "maxValue": 10, "defaultValue": 10},
                "autotermination_minutes": {"type": "unlimited", "defaultValue": 120, "isOptional": true}
            }),
        ),
        fam(
            "shared-compute",
            "Shared Compute",
            "Use for multi-user compute with Unity Catalog shared access mode.",
            json!({
                "data_security_mode": {"type": "fixed", "value": "USER_ISOLATION", "hidden": true},
                "spark_version": {"type": "unlimited", "defaultValue": "auto:latest-lts"},
                "autoscale.max_workers": {"type": "range", "maxValue": 10, "defaultValue": 4}
            }),
        ),
        fam(
            "legacy-shared-compute",
            "Legacy Shared Compute",
            "Use for multi-user compute without Unity Catalog (no isolation).",
            json!({
                "data_security_mode": {"type": "fixed", "value": "NONE", "hidden": true},
                "spark_version": {"type": "unlimited", "defaultValue": "auto:latest-lts"}
            }),
        ),
        fam(
            "job-cluster",
            "Job Compute",
            "Use for running jobs on job clusters.",
            json!({
                "cluster_type": {"type": "fixed", "value": "job"},
                "spark_version": {"type": "unlimited", "defaultValue": "auto:latest-lts"},
                "num_workers": {"type": "unlimited", "defaultValue": 4, "isOptional": true}
            }),
        ),
    ]
}

/// A family definition as a workspace on `cloud` shows it: Personal Compute allows that
/// cloud's small node types (its catalogue's equivalents of the AWS ones) [UNVERIFIED which
/// sizes each cloud's managed family lists]. A workspace's built-in policies name only node
/// types its own cloud offers: an Azure workspace never allows `i3.xlarge`.
pub fn on_cloud(definition: &str, cloud: Cloud) -> String {
    let ids = match cloud {
        Cloud::Aws => return definition.to_string(),
        Cloud::Azure => ["Standard_E4ds_v4", "Standard_D2ds_v5", "Standard_D4ds_v5"],
        Cloud::Gcp => ["n2-highmem-4", "n2-standard-2", "n2-standard-4"],
    };
    let aws = ["i3.xlarge", "m5d.large", "m5d.xlarge"];
    aws.iter()
        .zip(ids)
        .fold(definition.to_string(), |d, (a, b)| {
            d.replace(&format!("\"{a}\""), &format!("\"{b}\""))
        })
}

/// The definition of a policy built from `family` with `overrides` (a JSON object as a string)
/// laid over it, key by key.
pub fn merged_definition(family: &PolicyFamily, overrides: Option<&str>) -> ApiResult<String> {
    let mut def: Map<String, Value> = serde_json::from_str(&family.definition).unwrap_or_default();
    if let Some(text) = overrides.filter(|t| !t.trim().is_empty()) {
        let over = parse_definition(text, "policy_family_definition_overrides")?;
        def.extend(over);
    }
    Ok(Value::Object(def).to_string())
}

/// Parses a policy definition string: it must be a JSON object.
pub fn parse_definition(text: &str, field: &str) -> ApiResult<Map<String, Value>> {
    // match cloud behaviour: definition is a JSON document carried as a string; anything that
    // is not a JSON object is rejected with INVALID_PARAMETER_VALUE.
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => {
            for (attr, rule) in &m {
                check_rule(field, attr, rule)?;
            }
            Ok(m)
        }
        Ok(_) => Err(ApiError::invalid(format!(
            "{field} must be a JSON object (a string holding {{\"attribute\": {{\"type\": ...}}}})."
        ))),
        Err(e) => Err(ApiError::invalid(format!("{field} is not valid JSON: {e}"))),
    }
}

/// Checks one attribute rule of a definition the way the policy service does: an object with
/// a known `type` and the keys that type needs.
fn check_rule(field: &str, attr: &str, rule: &Value) -> ApiResult<()> {
    let bad = |why: &str| {
        Err(ApiError::invalid(format!(
            "Invalid {field}: attribute '{attr}' {why}"
        )))
    };
    let Some(rule) = rule.as_object() else {
        return bad("must be an object such as {\"type\": \"fixed\", \"value\": ...}.");
    };
    let has = |k: &str| rule.contains_key(k);
    match rule.get("type").and_then(Value::as_str) {
        Some("fixed") if has("value") => Ok(()),
        Some("fixed") => bad("has type fixed but no value."),
        Some("allowlist" | "blocklist") if rule.get("values").is_some_and(Value::is_array) => {
            Ok(())
        }
        Some("allowlist" | "blocklist") => bad("needs a values list."),
        Some("regex") if rule.get("pattern").is_some_and(Value::is_string) => Ok(()),
        Some("regex") => bad("has type regex but no pattern."),
        Some("range") if has("minValue") || has("maxValue") => Ok(()),
        Some("range") => bad("has type range but neither minValue nor maxValue."),
        Some("forbidden" | "unlimited") => Ok(()),
        Some(other) => bad(&format!(
            "has unknown type '{other}' (use fixed, forbidden, allowlist, blocklist, regex, range or unlimited)."
        )),
        None => bad("has no type."),
    }
}

const DEFAULT_MAX_RESULTS: usize = 20;

/// `GET /api/2.0/policy-families?max_results=&page_token=`.
pub async fn list(State(emu): State<AppState>, q: QueryMap) -> ApiResult<Json<Value>> {
    let size = match q.i64("max_results")? {
        None | Some(0) => DEFAULT_MAX_RESULTS,
        Some(n) if (1..=100).contains(&n) => n as usize,
        Some(n) => {
            return Err(ApiError::invalid(format!(
                "max_results must be between 1 and 100, got {n}"
            )));
        }
    };
    let offset = match q.get("page_token").filter(|t| !t.is_empty()) {
        None => 0,
        Some(t) => t
            .parse::<usize>()
            .map_err(|_| ApiError::invalid(format!("Invalid page_token: {t}")))?,
    };
    let st = emu.lock();
    let all = &st.policies.families;
    let page: Vec<&PolicyFamily> = all.iter().skip(offset).take(size).collect();
    let mut out = Map::new();
    if !page.is_empty() {
        out.insert("policy_families".into(), json!(page));
    }
    if offset.saturating_add(size) < all.len() {
        out.insert("next_page_token".into(), json!((offset + size).to_string()));
    }
    Ok(Json(Value::Object(out)))
}

/// `GET /api/2.0/policy-families/{id}`.
pub async fn get(State(emu): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let st = emu.lock();
    let fam = st
        .policies
        .families
        .iter()
        .find(|f| f.policy_family_id == id)
        .ok_or_else(|| ApiError::not_found(format!("Policy family {id} does not exist.")))?;
    Ok(Json(json!(fam)))
}
