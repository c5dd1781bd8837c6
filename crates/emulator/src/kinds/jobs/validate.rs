//! What the jobs service checks in a JobSettings on create, reset and update, and the
//! defaults it fills in. Only checks the real service makes are made; each says why.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::kinds::clusters::ClustersState;
use crate::state::State;
use crate::store::Keyed;

/// Most tasks a job may have on write (documented).
pub const MAX_TASKS: usize = 1000;
/// Most tags on a job (documented).
pub const MAX_TAGS: usize = 25;

fn key_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Checks a complete JobSettings against the workspace (clusters and jobs it refers to).
pub fn check(settings: &Map<String, Value>, st: &State) -> ApiResult<()> {
    if let Some(name) = settings.get("name").and_then(Value::as_str)
        && name.len() > 4096
    {
        return Err(ApiError::invalid("name must be at most 4096 bytes."));
    }
    if let Some(n) = settings.get("max_concurrent_runs") {
        // Documented: 0..=1000 (0 skips every run).
        if n.as_i64().is_none_or(|n| !(0..=1000).contains(&n)) {
            return Err(ApiError::invalid(
                "max_concurrent_runs must be between 0 and 1000.",
            ));
        }
    }
    if settings
        .get("tags")
        .and_then(Value::as_object)
        .is_some_and(|t| t.len() > MAX_TAGS)
    {
        return Err(ApiError::invalid(format!(
            "A job can have at most {MAX_TAGS} tags."
        )));
    }
    if let Some(git) = settings.get("git_source").filter(|g| !g.is_null()) {
        // match cloud behaviour: git_source needs a provider.
        if key_of(git, "git_provider").is_none_or(str::is_empty) {
            return Err(ApiError::invalid(
                "git_source.git_provider must be one of: gitHub, bitbucketCloud, gitLab, azureDevOpsServices, gitHubEnterprise, bitbucketServer, gitLabEnterpriseEdition, awsCodeCommit",
            ));
        }
    }
    check_webhooks(settings.get("webhook_notifications"), st)?;
    // The cloud attributes of every cluster the job would start.
    crate::kinds::clusters::attributes::check_all(
        crate::kinds::clusters::attributes::job_cluster_specs(settings),
        st,
    )?;
    let job_clusters = keys(settings, "job_clusters", "job_cluster_key")?;
    let tasks = settings
        .get("tasks")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if tasks.len() > MAX_TASKS {
        return Err(ApiError::invalid(format!(
            "A job can have at most {MAX_TASKS} tasks; this one has {}.",
            tasks.len()
        )));
    }
    let task_keys = keys(settings, "tasks", "task_key")?;
    let mut deps: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for t in tasks {
        let key = key_of(t, "task_key").unwrap_or_default();
        let needs: Vec<&str> = t
            .get("depends_on")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|d| key_of(d, "task_key"))
            .collect();
        for n in &needs {
            // match cloud behaviour: a dependency must name a task of the same job.
            if !task_keys.contains(n) {
                return Err(ApiError::invalid(format!(
                    "Invalid dependency graph, task '{key}' depends on '{n}', which was not found."
                )));
            }
        }
        deps.insert(key, needs);
        if let Some(jc) = key_of(t, "job_cluster_key") {
            // match cloud behaviour: a task's job cluster must be defined on the job.
            if !job_clusters.contains(jc) {
                return Err(ApiError::invalid(format!(
                    "Task {key} refers to job cluster '{jc}', which is not defined in job_clusters."
                )));
            }
        }
        if let Some(c) = key_of(t, "existing_cluster_id") {
            // match cloud behaviour: an existing cluster is checked when the job is saved.
            if !st.clusters.contains(c) {
                return Err(ClustersState::missing(c));
            }
        }
        check_task_refs(t, st)?;
        if let Some(j) = t.get("run_job_task").and_then(|r| r.get("job_id")) {
            // match cloud behaviour: the job a run_job_task triggers must exist, which is why
            // migrators create jobs in dependency order (or create, then update).
            let id = j
                .as_i64()
                .or_else(|| j.as_str().and_then(|s| s.parse().ok()));
            if id.is_none_or(|id| !st.jobs.jobs.contains_key(&id)) {
                return Err(ApiError::invalid(format!("Job {j} does not exist.")));
            }
        }
    }
    if let Some(k) = find_cycle(&deps) {
        return Err(ApiError::invalid(format!(
            "Invalid dependency graph, task '{k}' is part of a cycle."
        )));
    }
    Ok(())
}

/// Most notification destinations per webhook event (documented).
pub const MAX_WEBHOOKS_PER_EVENT: usize = 3;

/// A task's references to pipelines, notification destinations, SQL objects and dashboards.
fn check_task_refs(t: &Value, st: &State) -> ApiResult<()> {
    if let Some(p) = t.get("pipeline_task").filter(|p| !p.is_null()) {
        // [UNVERIFIED] like run_job_task's job: the pipeline a task refreshes must exist.
        let id = key_of(p, "pipeline_id").unwrap_or_default();
        if !st.pipelines.contains(id) {
            return Err(ApiError::invalid(format!("Pipeline {id} does not exist.")));
        }
    }
    check_sql_refs(t, st)?;
    check_webhooks(t.get("webhook_notifications"), st)
}

/// The object a task's `<task>.<field>...` path names, when the task has it.
fn task_ref<'a>(t: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = t;
    for p in path {
        v = v.get(*p).filter(|x| !x.is_null())?;
    }
    v.as_str()
}

/// `sql_task.{query.query_id, alert.alert_id, dashboard.dashboard_id}` (the last a legacy
/// dashboard), `dashboard_task.dashboard_id` (an AI/BI dashboard) and `alert_task.alert_id` (an
/// alert v2) must name active objects. [UNVERIFIED] like the pipeline of a pipeline_task:
/// checked when the job is saved, which orders a migration.
fn check_sql_refs(t: &Value, st: &State) -> ApiResult<()> {
    type Exists = fn(&State, &str) -> bool;
    let refs: [(&[&str], &str, Exists); 5] = [
        (&["sql_task", "query", "query_id"], "Query", |st, id| {
            st.sql.has_active_query(id)
        }),
        (&["sql_task", "alert", "alert_id"], "Alert", |st, id| {
            st.sql.has_active_alert(id)
        }),
        (
            &["sql_task", "dashboard", "dashboard_id"],
            "Dashboard",
            |st, id| {
                st.sql
                    .legacy_dashboards
                    .get(id)
                    .is_some_and(|d| !d.is_archived)
            },
        ),
        (
            &["dashboard_task", "dashboard_id"],
            "Dashboard",
            |st, id| st.lakeview.has_active(id),
        ),
        (&["alert_task", "alert_id"], "Alert", |st, id| {
            st.sql.alerts_v2.get(id).is_some_and(|a| !a.trashed)
        }),
    ];
    for (path, what, exists) in refs {
        if let Some(id) = task_ref(t, path)
            && !exists(st, id)
        {
            return Err(ApiError::invalid(format!(
                "{what} {id} does not exist ({}).",
                path.join(".")
            )));
        }
    }
    Ok(())
}

/// `webhook_notifications` (job or task level): at most three destinations per event, each
/// an existing notification destination.
fn check_webhooks(w: Option<&Value>, st: &State) -> ApiResult<()> {
    let Some(events) = w.and_then(Value::as_object) else {
        return Ok(());
    };
    for (event, list) in events {
        let list = list.as_array().map_or(&[][..], Vec::as_slice);
        if list.len() > MAX_WEBHOOKS_PER_EVENT {
            // Documented: at most 3 destinations per event.
            return Err(ApiError::invalid(format!(
                "webhook_notifications.{event} can have at most {MAX_WEBHOOKS_PER_EVENT} destinations."
            )));
        }
        for d in list {
            // [UNVERIFIED] the destination must exist (ids are per workspace).
            let id = key_of(d, "id").unwrap_or_default();
            if !st.destinations.contains(id) {
                return Err(ApiError::invalid(format!(
                    "Notification destination {id} does not exist."
                )));
            }
        }
    }
    Ok(())
}

/// The keys of an array of objects, checking each has one and they are unique.
fn keys<'a>(
    settings: &'a Map<String, Value>,
    array: &str,
    key: &str,
) -> ApiResult<BTreeSet<&'a str>> {
    let mut seen = BTreeSet::new();
    for item in settings
        .get(array)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let k = key_of(item, key)
            .filter(|k| !k.is_empty())
            .ok_or_else(|| ApiError::invalid(format!("Missing required field: {array}.{key}")))?;
        // match cloud behaviour: keys are unique within a job.
        if !seen.insert(k) {
            return Err(ApiError::invalid(format!(
                "{key} '{k}' is used more than once in {array}; it must be unique within the job."
            )));
        }
    }
    Ok(seen)
}

/// A task on a dependency cycle, if there is one (iterative three-colour DFS).
fn find_cycle<'a>(deps: &BTreeMap<&'a str, Vec<&'a str>>) -> Option<&'a str> {
    let mut colour: BTreeMap<&str, u8> = BTreeMap::new(); // 1 = on stack, 2 = done
    for &start in deps.keys() {
        if colour.contains_key(start) {
            continue;
        }
        let mut stack: Vec<(&str, usize)> = vec![(start, 0)];
        colour.insert(start, 1);
        while let Some((node, i)) = stack.pop() {
            let next = deps.get(node).and_then(|d| d.get(i)).copied();
            match next {
                None => {
                    colour.insert(node, 2);
                }
                Some(n) => {
                    stack.push((node, i + 1));
                    match colour.get(n) {
                        Some(1) => return Some(n),
                        Some(_) => {}
                        None => {
                            colour.insert(n, 1);
                            stack.push((n, 0));
                        }
                    }
                }
            }
        }
    }
    None
}

/// Fills in what the service fills in on write. `queue_default`: jobs created through 2.2
/// get `queue.enabled: true` when they do not say otherwise.
pub fn fix_up(settings: &mut Map<String, Value>, queue_default: bool) {
    settings.entry("name").or_insert(json!("Untitled"));
    settings.entry("max_concurrent_runs").or_insert(json!(1));
    settings.entry("timeout_seconds").or_insert(json!(0));
    settings.entry("email_notifications").or_insert(json!({}));
    settings.entry("webhook_notifications").or_insert(json!({}));
    // match cloud behaviour: format is ignored on write and reads MULTI_TASK.
    settings.insert("format".into(), json!("MULTI_TASK"));
    if queue_default {
        // match cloud behaviour: 2.2 enables queueing by default; 2.0/2.1 do not.
        settings
            .entry("queue")
            .or_insert(json!({ "enabled": true }));
    }
    if let Some(tasks) = settings.get_mut("tasks").and_then(Value::as_array_mut) {
        for t in tasks.iter_mut().filter_map(Value::as_object_mut) {
            t.entry("run_if").or_insert(json!("ALL_SUCCESS"));
            t.entry("timeout_seconds").or_insert(json!(0));
            t.entry("email_notifications").or_insert(json!({}));
        }
    }
}
