//! Cluster policy enforcement on create, edit, update and resize.
//!
//! match cloud behaviour: a cluster that names a `policy_id` gets the policy's `fixed` values
//! (and, with `apply_policy_default_values`, its `defaultValue`s) filled in, and a value that
//! breaks a rule (`fixed`, `forbidden`, `allowlist`, `blocklist`, `range`) is rejected with
//! 400 INVALID_PARAMETER_VALUE `Validation failed for <attribute>, …`. That is why a migrated
//! cluster can fail on a target whose policy differs from the source's. Not enforced: `regex`
//! rules (no regex engine here), array paths (`init_scripts.*…`), `dbus_per_hour`.

use serde_json::{Map, Value, json};

use super::catalog::SparkVersion;
use crate::error::{ApiError, ApiResult};

/// Fields whose dotted policy paths name a key of a string map (`spark_conf.spark.x.y`).
const MAP_FIELDS: &[&str] = &["spark_conf", "spark_env_vars", "custom_tags"];

/// Enforces the policy `spec` names, if it names one that exists (a missing policy is
/// reported by the spec check).
pub fn enforce(spec: &mut Map<String, Value>, st: &crate::state::State) -> ApiResult<()> {
    let Some(policy) = spec
        .get("policy_id")
        .and_then(Value::as_str)
        .and_then(|id| st.policies.policies.get(id))
    else {
        return Ok(());
    };
    let definition: Map<String, Value> =
        serde_json::from_str(&policy.definition).unwrap_or_default();
    apply(spec, &definition, &st.clusters.spark_versions)
}

/// Applies the policy `definition` to `spec`: fills fixed (and, when asked, default) values,
/// then checks every rule. `versions` resolves `auto:latest…` spark version defaults.
pub fn apply(
    spec: &mut Map<String, Value>,
    definition: &Map<String, Value>,
    versions: &[SparkVersion],
) -> ApiResult<()> {
    let defaults = spec
        .get("apply_policy_default_values")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    for (attr, rule) in definition {
        if attr.contains('*') || attr.contains('[') || attr == "dbus_per_hour" {
            continue;
        }
        let kind = rule
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("unlimited");
        if attr == "cluster_type" {
            check_cluster_type(kind, rule)?;
            continue;
        }
        let fill = match kind {
            "fixed" => rule.get("value"),
            _ if defaults => rule.get("defaultValue"),
            _ => None,
        };
        if let Some(v) = fill.filter(|_| get(spec, attr).is_none()) {
            set(spec, attr, resolve_auto(attr, v, versions));
        }
        check(attr, kind, rule, get(spec, attr))?;
    }
    Ok(())
}

fn check_cluster_type(kind: &str, rule: &Value) -> ApiResult<()> {
    // An interactive cluster is `all-purpose`; a policy fixed to `job` refuses it.
    let ok = match kind {
        "fixed" => rule.get("value").and_then(Value::as_str) == Some("all-purpose"),
        "allowlist" => list(rule).iter().any(|v| v.as_str() == Some("all-purpose")),
        "blocklist" => !list(rule).iter().any(|v| v.as_str() == Some("all-purpose")),
        "forbidden" => false,
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "Validation failed for cluster_type, the value must be job (is \"all-purpose\"): this policy is for job clusters only.",
        ))
    }
}

fn list(rule: &Value) -> &[Value] {
    rule.get("values")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Equal as JSON, or equal once both are written as text (`"0"` vs `0`, `"true"` vs `true`).
fn same(a: &Value, b: &Value) -> bool {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    a == b || text(a) == text(b)
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn check(attr: &str, kind: &str, rule: &Value, value: Option<&Value>) -> ApiResult<()> {
    let fail = |must: String, is: &Value| {
        Err(ApiError::invalid(format!(
            "Validation failed for {attr}, the value must be {must} (is {is})"
        )))
    };
    let Some(value) = value else {
        // An absent attribute only breaks `fixed`, which was filled in above.
        return Ok(());
    };
    match kind {
        "fixed" => match rule.get("value") {
            Some(want) if !same(want, value) => fail(want.to_string(), value),
            _ => Ok(()),
        },
        "forbidden" => fail("absent (the attribute is forbidden)".into(), value),
        "allowlist" if !list(rule).iter().any(|v| same(v, value)) => {
            fail(format!("one of {}", json!(list(rule))), value)
        }
        "blocklist" if list(rule).iter().any(|v| same(v, value)) => {
            fail(format!("none of {}", json!(list(rule))), value)
        }
        "range" => {
            let n = number(value);
            let min = rule.get("minValue").and_then(number);
            let max = rule.get("maxValue").and_then(number);
            let below = matches!((n, min), (Some(n), Some(m)) if n < m);
            let above = matches!((n, max), (Some(n), Some(m)) if n > m);
            if n.is_none() || below || above {
                let lo = min.map_or("-inf".into(), |m| m.to_string());
                let hi = max.map_or("inf".into(), |m| m.to_string());
                fail(format!("between {lo} and {hi}"), value)
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
}

/// `auto:latest-lts` / `auto:latest-ml` / `auto:latest` → a spark version key of this
/// workspace (the newest first in its catalogue).
fn resolve_auto(attr: &str, v: &Value, versions: &[SparkVersion]) -> Value {
    let Some(text) = v
        .as_str()
        .filter(|t| attr == "spark_version" && t.starts_with("auto:"))
    else {
        return v.clone();
    };
    let pick = versions.iter().find(|s| match text {
        "auto:latest-lts" => s.name.contains("LTS") && !s.key.contains("-ml-"),
        "auto:latest-lts-ml" | "auto:latest-ml" => s.key.contains("-ml-"),
        _ => !s.key.contains("-ml-"),
    });
    pick.map_or_else(|| v.clone(), |s| json!(s.key))
}

/// The value at a policy path: `spark_conf.<key>` style for the string maps, else nested
/// objects (`autoscale.max_workers`, `aws_attributes.availability`).
fn get<'a>(spec: &'a Map<String, Value>, attr: &str) -> Option<&'a Value> {
    match attr.split_once('.') {
        Some((top, key)) if MAP_FIELDS.contains(&top) => spec.get(top)?.get(key),
        _ => {
            let mut parts = attr.split('.');
            let mut cur = spec.get(parts.next()?)?;
            for p in parts {
                cur = cur.get(p)?;
            }
            Some(cur)
        }
    }
}

fn set(spec: &mut Map<String, Value>, attr: &str, value: Value) {
    let (top, rest): (&str, Vec<&str>) = match attr.split_once('.') {
        Some((top, key)) if MAP_FIELDS.contains(&top) => (top, vec![key]),
        _ => {
            let mut parts = attr.split('.');
            let top = parts.next().unwrap_or(attr);
            (top, parts.collect())
        }
    };
    let mut cur = spec.entry(top.to_string()).or_insert(Value::Null);
    for key in rest {
        if !cur.is_object() {
            *cur = json!({});
        }
        let Some(obj) = cur.as_object_mut() else {
            return;
        };
        cur = obj.entry(key.to_string()).or_insert(Value::Null);
    }
    *cur = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn fixed_values_fill_in_and_rules_hold() {
        let def = obj(json!({
            "spark_conf.spark.databricks.cluster.profile": {"type": "fixed", "value": "singleNode"},
            "num_workers": {"type": "fixed", "value": 0},
            "autoscale.max_workers": {"type": "range", "maxValue": 4},
            "node_type_id": {"type": "allowlist", "values": ["a", "b"]},
            "spark_version": {"type": "unlimited", "defaultValue": "auto:latest-lts"}
        }));
        let versions = super::super::catalog::default_spark_versions();
        let mut spec = obj(json!({"node_type_id": "a", "apply_policy_default_values": true}));
        apply(&mut spec, &def, &versions).unwrap();
        assert_eq!(
            spec["spark_conf"]["spark.databricks.cluster.profile"],
            "singleNode"
        );
        assert_eq!(spec["num_workers"], 0);
        assert_eq!(spec["spark_version"], "16.4.x-scala2.12");
        let mut bad = obj(json!({"node_type_id": "c"}));
        assert!(apply(&mut bad, &def, &versions).is_err());
        let mut bad = obj(json!({"node_type_id": "a", "num_workers": 2}));
        assert!(apply(&mut bad, &def, &versions).is_err());
        let mut bad = obj(json!({"node_type_id": "a", "autoscale": {"max_workers": 9}}));
        assert!(apply(&mut bad, &def, &versions).is_err());
        let job_only = obj(json!({"cluster_type": {"type": "fixed", "value": "job"}}));
        assert!(apply(&mut obj(json!({})), &job_only, &versions).is_err());
    }
}
