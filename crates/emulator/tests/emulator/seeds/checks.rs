//! What the seed tests check on a workspace read by testkit's walk: the core kinds counted
//! the way [`Counts`] counts them, and every reference between objects (a job's clusters,
//! notebooks, files, warehouses, jobs and run-as principal; a cluster spec's policy, pools,
//! secrets and init scripts; a pipeline task's pipeline; a webhook's notification
//! destinations) resolved against what was read.

use std::collections::{BTreeMap, BTreeSet};

use brickport_emulator::seed::counts::Counts;
use brickport_testkit::Walk;
use serde_json::Value;

/// Folders as the seeds count them: directories outside `/Repos`, built-ins excluded.
pub fn folders(w: &Walk) -> usize {
    w.paths("DIRECTORY")
        .into_iter()
        .filter(|p| !["/Users", "/Shared"].contains(p))
        .count()
}

/// Workspace-local groups, the built-in `admins` and `users` excluded.
pub fn workspace_groups(w: &Walk) -> Vec<&Value> {
    w.groups
        .iter()
        .filter(|g| g["meta"]["resourceType"] == "WorkspaceGroup")
        .filter(|g| g["displayName"] != "admins" && g["displayName"] != "users")
        .collect()
}

/// The jobs with a pipeline task (the seed part `jobs with pipeline tasks`; the core jobs
/// have none).
pub fn pipeline_jobs(w: &Walk) -> Vec<&Value> {
    (w.jobs.iter())
        .filter(|j| {
            let tasks = j["settings"]["tasks"].as_array();
            tasks.is_some_and(|t| t.iter().any(|t| t["pipeline_task"].is_object()))
        })
        .collect()
}

/// The jobs running SQL queries, alerts or dashboards (their seed part's).
pub fn sql_jobs(w: &Walk) -> Vec<&Value> {
    let sql = |t: &Value| {
        let s = &t["sql_task"];
        s["query"].is_object()
            || s["alert"].is_object()
            || s["dashboard"].is_object()
            || t["dashboard_task"].is_object()
    };
    (w.jobs.iter())
        .filter(|j| (j["settings"]["tasks"].as_array()).is_some_and(|t| t.iter().any(sql)))
        .collect()
}

/// The core kinds' counts (the seed's parts count themselves: `Part::count`); the jobs
/// running pipelines or SQL objects belong to their own parts, so they are left out of `jobs`.
pub fn counts(w: &Walk) -> Counts {
    let secrets = w.scopes.values().map(|s| s.keys.len()).sum();
    let (job_clusters, clusters): (Vec<&Value>, Vec<&Value>) = w
        .clusters
        .iter()
        .partition(|c| c["cluster_source"] == "JOB");
    Counts {
        users: w.users.len(),
        service_principals: w.service_principals.len(),
        groups: workspace_groups(w).len(),
        account_groups: w
            .groups
            .iter()
            .filter(|g| g["meta"]["resourceType"] == "Group")
            .count(),
        policies: w
            .policies
            .iter()
            .filter(|p| p["is_default"] != true)
            .count(),
        pools: w.pools.len(),
        warehouses: w.warehouses.len(),
        scopes: w.scopes.len(),
        secrets,
        folders: folders(w),
        notebooks: w.paths("NOTEBOOK").len(),
        files: w.paths("FILE").len(),
        repos: w.repos.len(),
        clusters: clusters.len(),
        job_clusters: job_clusters.len(),
        jobs: w.jobs.len() - pipeline_jobs(w).len() - sql_jobs(w).len(),
    }
}

pub fn array(v: &Value, key: &str) -> Vec<Value> {
    v[key].as_array().cloned().unwrap_or_default()
}

pub fn ids(items: &[Value], key: &str) -> BTreeSet<String> {
    items
        .iter()
        .map(|v| match &v[key] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// Every `{{secrets/scope/key}}` in the string values of `v`.
pub fn secret_refs(v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::String(s) => {
            let mut rest = s.as_str();
            while let Some(i) = rest.find("{{secrets/") {
                let tail = &rest[i + 10..];
                let end = tail.find("}}").unwrap();
                let (scope, key) = tail[..end].split_once('/').unwrap();
                out.push((scope.to_string(), key.to_string()));
                rest = &tail[end..];
            }
        }
        Value::Array(a) => a.iter().for_each(|x| secret_refs(x, out)),
        Value::Object(m) => m.values().for_each(|x| secret_refs(x, out)),
        _ => {}
    }
}

/// The references a cluster spec makes, checked against the workspace.
pub fn check_cluster_spec(w: &Walk, spec: &Value, what: &str) -> usize {
    let mut checked = 0;
    if let Some(p) = spec["policy_id"].as_str() {
        assert!(
            ids(&w.policies, "policy_id").contains(p),
            "{what}: policy {p}"
        );
        checked += 1;
    }
    for k in ["instance_pool_id", "driver_instance_pool_id"] {
        if let Some(p) = spec[k].as_str() {
            assert!(
                ids(&w.pools, "instance_pool_id").contains(p),
                "{what}: pool {p}"
            );
            checked += 1;
        }
    }
    let mut refs = Vec::new();
    secret_refs(&spec["spark_conf"], &mut refs);
    secret_refs(&spec["spark_env_vars"], &mut refs);
    for (scope, key) in refs {
        assert!(
            w.scopes.get(&scope).is_some_and(|s| s.keys.contains(&key)),
            "{what}: secret {scope}/{key}"
        );
        checked += 1;
    }
    for s in spec["init_scripts"].as_array().cloned().unwrap_or_default() {
        if let Some(d) = s["workspace"]["destination"].as_str() {
            let p = d.strip_prefix("/Workspace").unwrap_or(d);
            assert_eq!(w.tree[p]["object_type"], "FILE", "{what}: init script {d}");
            checked += 1;
        }
    }
    checked
}

/// Checks every reference of every job; returns how many references were checked by kind.
pub fn check_jobs(w: &Walk) -> BTreeMap<&'static str, usize> {
    let mut seen: BTreeMap<&'static str, usize> = BTreeMap::new();
    let clusters = ids(&w.clusters, "cluster_id");
    let jobs = ids(&w.jobs, "job_id");
    let warehouses = ids(&w.warehouses, "id");
    let ws = |p: &str| p.strip_prefix("/Workspace").unwrap_or(p).to_string();
    for j in &w.jobs {
        let s = &j["settings"];
        let name = s["name"].as_str().unwrap_or("?").to_string();
        for jc in s["job_clusters"].as_array().cloned().unwrap_or_default() {
            *seen.entry("job_cluster refs").or_default() +=
                check_cluster_spec(w, &jc["new_cluster"], &name);
        }
        for t in s["tasks"].as_array().cloned().unwrap_or_default() {
            if let Some(c) = t["existing_cluster_id"].as_str() {
                assert!(clusters.contains(c), "{name}: cluster {c}");
                *seen.entry("existing_cluster_id").or_default() += 1;
            }
            if t["new_cluster"].is_object() {
                *seen.entry("job_cluster refs").or_default() +=
                    check_cluster_spec(w, &t["new_cluster"], &name);
            }
            if let Some(id) = t["pipeline_task"]["pipeline_id"].as_str() {
                assert!(
                    ids(&w.pipelines, "pipeline_id").contains(id),
                    "{name}: pipeline {id}"
                );
                *seen.entry("pipeline_task").or_default() += 1;
            }
            *seen.entry("webhook").or_default() +=
                check_webhooks(w, &t["webhook_notifications"], &name);
            if let Some(id) = t["run_job_task"]["job_id"].as_i64() {
                assert!(jobs.contains(&id.to_string()), "{name}: run_job_task {id}");
                *seen.entry("run_job_task").or_default() += 1;
            }
            let nt = &t["notebook_task"];
            if let Some(p) = nt["notebook_path"].as_str()
                && nt["source"] != "GIT"
                && s["git_source"].is_null()
            {
                assert_eq!(w.tree[&ws(p)]["object_type"], "NOTEBOOK", "{name}: {p}");
                *seen.entry("notebook_path").or_default() += 1;
            }
            for wh in [&nt["warehouse_id"], &t["sql_task"]["warehouse_id"]] {
                if let Some(id) = wh.as_str() {
                    assert!(warehouses.contains(id), "{name}: warehouse {id}");
                    *seen.entry("warehouse_id").or_default() += 1;
                }
            }
            for f in [
                &t["sql_task"]["file"]["path"],
                &t["spark_python_task"]["python_file"],
            ] {
                if let Some(p) = f.as_str() {
                    assert_eq!(w.tree[&ws(p)]["object_type"], "FILE", "{name}: {p}");
                    *seen.entry("workspace file").or_default() += 1;
                }
            }
        }
        *seen.entry("webhook").or_default() +=
            check_webhooks(w, &s["webhook_notifications"], &name);
        if let Some(sp) = s["run_as"]["service_principal_name"].as_str() {
            assert!(
                ids(&w.service_principals, "applicationId").contains(sp),
                "{name}: run_as {sp}"
            );
            *seen.entry("run_as").or_default() += 1;
        }
    }
    seen
}

/// Checks every destination id of a `webhook_notifications` (job or task level): it names a
/// notification destination, at most three per event. Returns how many were checked.
pub fn check_webhooks(w: &Walk, hooks: &Value, what: &str) -> usize {
    let known = ids(&w.destinations, "id");
    let mut checked = 0;
    for (event, list) in hooks.as_object().into_iter().flatten() {
        let list = list.as_array().cloned().unwrap_or_default();
        assert!(
            list.len() <= 3,
            "{what}: {event} has {} destinations",
            list.len()
        );
        for d in list {
            let id = d["id"].as_str().unwrap();
            assert!(known.contains(id), "{what}: {event} destination {id}");
            checked += 1;
        }
    }
    checked
}
