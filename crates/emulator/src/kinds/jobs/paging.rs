//! Jobs API 2.2 array paging, the 2.2 `update` merge rules, and a job as `list` shows it.
//!
//! match cloud behaviour: in 2.2, `jobs/get` returns at most 100 elements of each of `tasks`,
//! `job_clusters`, `parameters` and `environments`; the root carries `next_page_token` while
//! any of them has more, and later pages carry only the arrays not yet complete (the others
//! are left out). `jobs/list?expand_tasks=true` truncates the same arrays at 100 and marks the
//! job `has_more: true`. 2.0/2.1 return everything.

use serde_json::{Map, Value, json};

use super::Job;
use crate::error::{ApiError, ApiResult};
use crate::state::ApiVersion;

/// Elements of each paged array per response.
pub const ARRAY_PAGE: usize = 100;

/// The arrays 2.2 pages, with the key that identifies their elements.
pub const PAGED_ARRAYS: &[(&str, &str)] = &[
    ("tasks", "task_key"),
    ("job_clusters", "job_cluster_key"),
    ("parameters", "name"),
    ("environments", "environment_key"),
];

/// Parses a `jobs/get` page token (the offset into every paged array).
pub fn parse_token(token: Option<&str>) -> ApiResult<usize> {
    match token.filter(|t| !t.is_empty()) {
        None => Ok(0),
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|n| n % ARRAY_PAGE == 0)
            .ok_or_else(|| ApiError::invalid(format!("Invalid page_token: {t}"))),
    }
}

/// The page of `settings` starting at `offset`, and the token of the next page if any.
pub fn page_of(
    settings: &Map<String, Value>,
    offset: usize,
) -> (Map<String, Value>, Option<String>) {
    let mut out = settings.clone();
    let mut more = false;
    for (array, _) in PAGED_ARRAYS {
        let Some(items) = settings.get(*array).and_then(Value::as_array) else {
            continue;
        };
        if offset > 0 && items.len() <= offset {
            // Complete on an earlier page: left out of this one.
            out.remove(*array);
            continue;
        }
        let end = offset.saturating_add(ARRAY_PAGE).min(items.len());
        out.insert(
            (*array).to_string(),
            Value::Array(items[offset.min(items.len())..end].to_vec()),
        );
        more |= end < items.len();
    }
    let next = more.then(|| offset.saturating_add(ARRAY_PAGE).to_string());
    (out, next)
}

/// The first 100 of each paged array, and whether anything was cut (list with expand_tasks).
pub fn truncated(settings: &Map<String, Value>) -> (Map<String, Value>, bool) {
    let (page, next) = page_of(settings, 0);
    (page, next.is_some())
}

/// Applies a 2.x `update`: `fields_to_remove` first (top-level names, or `tasks/<key>`,
/// `job_clusters/<key>`, `parameters/<name>`, `environments/<key>`), then `new_settings`,
/// whose top-level fields replace the current ones, except the keyed arrays, which merge by
/// key (an element with a known key replaces that element, a new key is appended).
pub fn apply_update(
    current: &mut Map<String, Value>,
    new_settings: &Map<String, Value>,
    fields_to_remove: &[String],
) -> ApiResult<()> {
    for field in fields_to_remove {
        match field.split_once('/') {
            None => {
                current.remove(field);
            }
            Some((array, key)) => {
                let id_key = PAGED_ARRAYS
                    .iter()
                    .find(|(a, _)| *a == array)
                    .map(|(_, k)| *k)
                    .ok_or_else(|| {
                        ApiError::invalid(format!(
                            "Cannot remove {field}: only top-level fields and tasks/<task_key>, job_clusters/<job_cluster_key> can be removed."
                        ))
                    })?;
                let items = current.get_mut(array).and_then(Value::as_array_mut);
                let before = items.as_ref().map_or(0, |i| i.len());
                if let Some(items) = items {
                    items.retain(|i| i.get(id_key).and_then(Value::as_str) != Some(key));
                    // [UNVERIFIED] whether the service rejects removing an absent element; we do,
                    // so a migrator's wrong key shows up instead of silently doing nothing.
                    if items.len() == before {
                        return Err(ApiError::invalid(format!(
                            "Cannot remove {field}: no element with {id_key} '{key}'."
                        )));
                    }
                } else {
                    return Err(ApiError::invalid(format!(
                        "Cannot remove {field}: the job has no {array}."
                    )));
                }
            }
        }
    }
    for (k, v) in new_settings {
        let keyed = PAGED_ARRAYS
            .iter()
            .find(|(a, _)| *a == k && (*a == "tasks" || *a == "job_clusters"));
        match (
            keyed,
            v.as_array(),
            current.get_mut(k).and_then(Value::as_array_mut),
        ) {
            (Some((_, id_key)), Some(new_items), Some(items)) => {
                for item in new_items {
                    let id = item.get(*id_key).and_then(Value::as_str);
                    match items
                        .iter_mut()
                        .find(|i| id.is_some() && i.get(*id_key).and_then(Value::as_str) == id)
                    {
                        Some(existing) => *existing = item.clone(),
                        None => items.push(item.clone()),
                    }
                }
            }
            _ => {
                current.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(())
}

/// A job as `list` shows it: without tasks and job clusters unless `expand_tasks`, and in
/// 2.2 with each array cut at 100 (`has_more: true` on the job when cut).
pub fn base_job(j: &Job, expand: bool, v: ApiVersion) -> Value {
    let mut out = json!({
        "job_id": j.job_id,
        "creator_user_name": j.creator_user_name,
        "created_time": j.created_time,
    });
    let mut settings = j.settings.clone();
    if !expand {
        settings.remove("tasks");
        settings.remove("job_clusters");
    } else if v.at_least(2, 2) {
        let (cut, more) = truncated(&settings);
        settings = cut;
        out["has_more"] = json!(more);
    }
    out["settings"] = Value::Object(settings);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn settings(tasks: usize, clusters: usize) -> Map<String, Value> {
        let tasks: Vec<Value> = (0..tasks)
            .map(|i| json!({"task_key": format!("t{i}")}))
            .collect();
        let jcs: Vec<Value> = (0..clusters)
            .map(|i| json!({"job_cluster_key": format!("c{i}")}))
            .collect();
        json!({"name": "x", "tasks": tasks, "job_clusters": jcs})
            .as_object()
            .cloned()
            .unwrap()
    }

    #[test]
    fn pages_until_every_array_is_complete() {
        let s = settings(250, 3);
        let (p1, t1) = page_of(&s, 0);
        assert_eq!(p1["tasks"].as_array().unwrap().len(), 100);
        assert_eq!(p1["job_clusters"].as_array().unwrap().len(), 3);
        let (p2, t2) = page_of(&s, parse_token(t1.as_deref()).unwrap());
        assert_eq!(p2["tasks"].as_array().unwrap().len(), 100);
        assert!(p2.get("job_clusters").is_none());
        let (p3, t3) = page_of(&s, parse_token(t2.as_deref()).unwrap());
        assert_eq!(p3["tasks"][49]["task_key"], "t249");
        assert_eq!(t3, None);
    }

    #[test]
    fn update_merges_by_key_and_removes() {
        let mut s = settings(3, 1);
        let new = json!({"tasks": [{"task_key": "t1", "x": 1}, {"task_key": "new"}], "name": "y"});
        apply_update(&mut s, new.as_object().unwrap(), &["tasks/t0".into()]).unwrap();
        let keys: Vec<&str> = s["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["task_key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["t1", "t2", "new"]);
        assert_eq!(s["tasks"][0]["x"], 1);
        assert_eq!(s["name"], "y");
        assert!(apply_update(&mut s, &Map::new(), &["tasks/nope".into()]).is_err());
    }
}
