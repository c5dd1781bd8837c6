//! Reading a seeded emulator over HTTP: every paged list walked, every kind counted, and
//! the references between objects checked.

use std::collections::{BTreeMap, BTreeSet};

use brickport_emulator::seed::counts::Counts;
use serde_json::Value;

use super::Emu;

impl Emu {
    /// Every item of a token-paged list (`next_page_token` in the answer, sent back as
    /// `token_param`).
    pub async fn paged(&self, path: &str, key: &str, token_param: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = match &token {
                Some(t) => format!("{path}{sep}{token_param}={}", urlenc(t)),
                None => path.to_string(),
            };
            let page = self.get_ok(&url).await;
            out.extend(page[key].as_array().cloned().unwrap_or_default());
            match page["next_page_token"].as_str() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return out,
            }
            assert!(out.len() < 1_000_000, "paging does not end: {path}");
        }
    }

    /// Every resource of a SCIM list (1-based `startIndex`, pages of 100).
    pub async fn scim(&self, kind: &str) -> Vec<Value> {
        let mut out = Vec::new();
        loop {
            let page = self
                .get_ok(&format!(
                    "/api/2.0/preview/scim/v2/{kind}?startIndex={}&count=100",
                    out.len() + 1
                ))
                .await;
            let items = page["Resources"].as_array().cloned().unwrap_or_default();
            let total = page["totalResults"].as_u64().unwrap() as usize;
            if items.is_empty() {
                assert_eq!(out.len(), total, "{kind}: short SCIM listing");
                return out;
            }
            out.extend(items);
            if out.len() >= total {
                return out;
            }
        }
    }

    /// Every workspace object under `/`, by path (a walk of `workspace/list`).
    pub async fn tree(&self) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        let mut todo = vec!["/".to_string()];
        while let Some(dir) = todo.pop() {
            let page = self
                .get_ok(&format!("/api/2.0/workspace/list?path={}", urlenc(&dir)))
                .await;
            for o in page["objects"].as_array().cloned().unwrap_or_default() {
                let path = o["path"].as_str().unwrap().to_string();
                if o["object_type"] == "DIRECTORY" {
                    todo.push(path.clone());
                }
                out.insert(path, o);
            }
        }
        out
    }
}

/// Percent-encodes everything but unreserved characters and `/`.
pub fn urlenc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Everything a seeded workspace holds, counted and indexed over HTTP.
pub struct Walk {
    pub users: Vec<Value>,
    pub groups: Vec<Value>,
    pub sps: Vec<Value>,
    pub policies: Vec<Value>,
    pub pools: Vec<Value>,
    pub warehouses: Vec<Value>,
    pub scopes: BTreeMap<String, BTreeSet<String>>,
    pub tree: BTreeMap<String, Value>,
    pub repos: Vec<Value>,
    pub clusters: Vec<Value>,
    pub jobs: Vec<Value>,
    pub init_scripts: Vec<Value>,
    /// Every pipeline, read whole (`GET /pipelines/{id}`).
    pub pipelines: Vec<Value>,
    /// Every notification destination, read whole (as the admin: with its config).
    pub destinations: Vec<Value>,
}

impl Walk {
    pub async fn of(emu: &Emu) -> Walk {
        let mut scopes = BTreeMap::new();
        let scope_list = emu.get_ok("/api/2.0/secrets/scopes/list").await;
        for s in scope_list["scopes"].as_array().cloned().unwrap_or_default() {
            let name = s["name"].as_str().unwrap().to_string();
            let keys = emu
                .get_ok(&format!("/api/2.0/secrets/list?scope={}", urlenc(&name)))
                .await;
            let keys: BTreeSet<String> = keys["secrets"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .map(|k| k["key"].as_str().unwrap().to_string())
                .collect();
            scopes.insert(name, keys);
        }
        let job_list = emu
            .paged("/api/2.2/jobs/list?limit=100", "jobs", "page_token")
            .await;
        let mut jobs = Vec::new();
        for j in &job_list {
            jobs.push(
                emu.get_ok(&format!("/api/2.2/jobs/get?job_id={}", j["job_id"]))
                    .await,
            );
        }
        let mut pipelines = Vec::new();
        for p in emu
            .paged(
                "/api/2.0/pipelines?max_results=100",
                "statuses",
                "page_token",
            )
            .await
        {
            let id = p["pipeline_id"].as_str().unwrap();
            pipelines.push(emu.get_ok(&format!("/api/2.0/pipelines/{id}")).await);
        }
        let mut destinations = Vec::new();
        let list = "/api/2.0/notification-destinations?page_size=100";
        for d in emu.paged(list, "results", "page_token").await {
            let id = d["id"].as_str().unwrap();
            destinations.push(
                emu.get_ok(&format!("/api/2.0/notification-destinations/{id}"))
                    .await,
            );
        }
        Walk {
            pipelines,
            destinations,
            users: emu.scim("Users").await,
            groups: emu.scim("Groups").await,
            sps: emu.scim("ServicePrincipals").await,
            policies: array(
                &emu.get_ok("/api/2.0/policies/clusters/list").await,
                "policies",
            ),
            pools: array(
                &emu.get_ok("/api/2.0/instance-pools/list").await,
                "instance_pools",
            ),
            warehouses: array(&emu.get_ok("/api/2.0/sql/warehouses").await, "warehouses"),
            scopes,
            tree: emu.tree().await,
            repos: emu
                .paged("/api/2.0/repos", "repos", "next_page_token")
                .await,
            clusters: emu
                .paged(
                    "/api/2.1/clusters/list?page_size=50",
                    "clusters",
                    "page_token",
                )
                .await,
            jobs,
            init_scripts: array(&emu.get_ok("/api/2.0/global-init-scripts").await, "scripts"),
        }
    }

    pub fn of_type(&self, t: &str) -> Vec<&String> {
        self.tree
            .iter()
            .filter(|(_, o)| o["object_type"] == t)
            .map(|(p, _)| p)
            .collect()
    }

    /// Folders as the seeds count them: directories outside `/Repos`, built-ins excluded.
    pub fn folders(&self) -> usize {
        self.of_type("DIRECTORY")
            .into_iter()
            .filter(|p| !p.starts_with("/Repos") && !["/Users", "/Shared"].contains(&p.as_str()))
            .count()
    }

    pub fn workspace_groups(&self) -> Vec<&Value> {
        self.groups
            .iter()
            .filter(|g| g["meta"]["resourceType"] == "WorkspaceGroup")
            .filter(|g| g["displayName"] != "admins" && g["displayName"] != "users")
            .collect()
    }

    /// The core kinds' counts (the seed's parts count themselves: `Part::count`).
    pub fn counts(&self) -> Counts {
        let secrets = self.scopes.values().map(BTreeSet::len).sum();
        let (job_clusters, clusters): (Vec<&Value>, Vec<&Value>) = self
            .clusters
            .iter()
            .partition(|c| c["cluster_source"] == "JOB");
        Counts {
            users: self.users.len(),
            service_principals: self.sps.len(),
            groups: self.workspace_groups().len(),
            account_groups: self
                .groups
                .iter()
                .filter(|g| g["meta"]["resourceType"] == "Group")
                .count(),
            policies: self
                .policies
                .iter()
                .filter(|p| p["is_default"] != true)
                .count(),
            pools: self.pools.len(),
            warehouses: self.warehouses.len(),
            scopes: self.scopes.len(),
            secrets,
            folders: self.folders(),
            notebooks: self.of_type("NOTEBOOK").len(),
            files: self.of_type("FILE").len(),
            repos: self.repos.len(),
            clusters: clusters.len(),
            job_clusters: job_clusters.len(),
            jobs: self.jobs.len() - self.pipeline_jobs().len(),
        }
    }

    /// The jobs with a pipeline task (the seed part `jobs with pipeline tasks`; the core jobs
    /// have none).
    pub fn pipeline_jobs(&self) -> Vec<&Value> {
        (self.jobs.iter())
            .filter(|j| {
                let tasks = j["settings"]["tasks"].as_array();
                tasks.is_some_and(|t| t.iter().any(|t| t["pipeline_task"].is_object()))
            })
            .collect()
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
            w.scopes.get(&scope).is_some_and(|k| k.contains(&key)),
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
                ids(&w.sps, "applicationId").contains(sp),
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
