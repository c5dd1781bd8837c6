//! The `typical` and `scale:N` seeds, seen from outside: an emulator is started with the seed
//! and every kind is counted over plain HTTP, walking every paged list, then the wiring
//! between objects is checked (every id or path a job or cluster names exists).

use std::collections::{BTreeMap, BTreeSet};

use brickport_emulator::seed::counts::Counts;
use brickport_emulator::{EmulatorOptions, RateLimitSpec, RunningEmulator, SeedSpec};
use serde_json::Value;

struct Emu {
    http: reqwest::Client,
    running: RunningEmulator,
}

async fn start(seed: SeedSpec) -> Emu {
    let opts = EmulatorOptions {
        seed,
        rate_limits: RateLimitSpec::Off,
        ..EmulatorOptions::default()
    };
    Emu {
        http: reqwest::Client::new(),
        running: brickport_emulator::start(opts).await.unwrap(),
    }
}

impl Emu {
    async fn get(&self, path: &str) -> Value {
        let url = format!("{}{path}", self.running.url());
        let resp = self
            .http
            .get(&url)
            .bearer_auth("any-token")
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        assert_eq!(status, 200, "GET {path}: {text}");
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        }
    }

    /// Every item of a token-paged list (`next_page_token` in the answer, sent back as
    /// `token_param`).
    async fn paged(&self, path: &str, key: &str, token_param: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let sep = if path.contains('?') { '&' } else { '?' };
            let url = match &token {
                Some(t) => format!("{path}{sep}{token_param}={}", urlenc(t)),
                None => path.to_string(),
            };
            let page = self.get(&url).await;
            out.extend(page[key].as_array().cloned().unwrap_or_default());
            match page["next_page_token"].as_str() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return out,
            }
            assert!(out.len() < 1_000_000, "paging does not end: {path}");
        }
    }

    /// Every resource of a SCIM list (1-based `startIndex`, pages of 100).
    async fn scim(&self, kind: &str) -> Vec<Value> {
        let mut out = Vec::new();
        loop {
            let page = self
                .get(&format!(
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
    async fn tree(&self) -> BTreeMap<String, Value> {
        let mut out = BTreeMap::new();
        let mut todo = vec!["/".to_string()];
        while let Some(dir) = todo.pop() {
            let page = self
                .get(&format!("/api/2.0/workspace/list?path={}", urlenc(&dir)))
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
fn urlenc(s: &str) -> String {
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
struct Walk {
    users: Vec<Value>,
    groups: Vec<Value>,
    sps: Vec<Value>,
    policies: Vec<Value>,
    pools: Vec<Value>,
    warehouses: Vec<Value>,
    scopes: BTreeMap<String, BTreeSet<String>>,
    tree: BTreeMap<String, Value>,
    repos: Vec<Value>,
    clusters: Vec<Value>,
    jobs: Vec<Value>,
}

impl Walk {
    async fn of(emu: &Emu) -> Walk {
        let mut scopes = BTreeMap::new();
        let scope_list = emu.get("/api/2.0/secrets/scopes/list").await;
        for s in scope_list["scopes"].as_array().cloned().unwrap_or_default() {
            let name = s["name"].as_str().unwrap().to_string();
            let keys = emu
                .get(&format!("/api/2.0/secrets/list?scope={}", urlenc(&name)))
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
                emu.get(&format!("/api/2.2/jobs/get?job_id={}", j["job_id"]))
                    .await,
            );
        }
        Walk {
            users: emu.scim("Users").await,
            groups: emu.scim("Groups").await,
            sps: emu.scim("ServicePrincipals").await,
            policies: array(
                &emu.get("/api/2.0/policies/clusters/list").await,
                "policies",
            ),
            pools: array(
                &emu.get("/api/2.0/instance-pools/list").await,
                "instance_pools",
            ),
            warehouses: array(&emu.get("/api/2.0/sql/warehouses").await, "warehouses"),
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
        }
    }

    fn of_type(&self, t: &str) -> Vec<&String> {
        self.tree
            .iter()
            .filter(|(_, o)| o["object_type"] == t)
            .map(|(p, _)| p)
            .collect()
    }

    /// Folders as the seeds count them: directories outside `/Repos`, built-ins excluded.
    fn folders(&self) -> usize {
        self.of_type("DIRECTORY")
            .into_iter()
            .filter(|p| !p.starts_with("/Repos") && !["/Users", "/Shared"].contains(&p.as_str()))
            .count()
    }

    fn workspace_groups(&self) -> Vec<&Value> {
        self.groups
            .iter()
            .filter(|g| g["meta"]["resourceType"] == "WorkspaceGroup")
            .filter(|g| g["displayName"] != "admins" && g["displayName"] != "users")
            .collect()
    }

    fn counts(&self) -> Counts {
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
            jobs: self.jobs.len(),
        }
    }
}

fn array(v: &Value, key: &str) -> Vec<Value> {
    v[key].as_array().cloned().unwrap_or_default()
}

fn ids(items: &[Value], key: &str) -> BTreeSet<String> {
    items
        .iter()
        .map(|v| match &v[key] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect()
}

/// Every `{{secrets/scope/key}}` in the string values of `v`.
fn secret_refs(v: &Value, out: &mut Vec<(String, String)>) {
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
fn check_cluster_spec(w: &Walk, spec: &Value, what: &str) -> usize {
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
fn check_jobs(w: &Walk) -> BTreeMap<&'static str, usize> {
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

#[tokio::test]
async fn typical_has_the_dashboard_counts() {
    let emu = start(SeedSpec::Typical).await;
    let w = Walk::of(&emu).await;
    let c = w.counts();
    assert_eq!(c, Counts::TYPICAL);
    // The dashboard's numbers, spelled out.
    assert_eq!(
        (c.users, c.groups, c.clusters, c.policies, c.warehouses),
        (45, 12, 8, 4, 2)
    );
    assert_eq!(
        (c.notebooks, c.repos, c.jobs, c.secrets, c.folders),
        (123, 3, 28, 15, 87)
    );
    assert_eq!(
        (c.service_principals, c.pools, c.account_groups, c.scopes),
        (3, 2, 1, 3)
    );
    // Built-ins are there besides the 12 groups; default policies besides the 4.
    let names: BTreeSet<&str> = w
        .groups
        .iter()
        .filter_map(|g| g["displayName"].as_str())
        .collect();
    assert!(names.contains("admins") && names.contains("users"));
    assert!(w.policies.iter().any(|p| p["is_default"] == true));
    // Folders: one home per user, and non-ASCII names and spaces in the tree.
    for u in &w.users {
        let home = format!("/Users/{}", u["userName"].as_str().unwrap());
        assert_eq!(w.tree[&home]["object_type"], "DIRECTORY", "{home}");
    }
    assert!(w.tree.keys().any(|p| !p.is_ascii()));
    assert!(w.tree.keys().any(|p| p.contains(' ')));
    let langs: BTreeSet<&str> = w
        .tree
        .values()
        .filter_map(|o| o["language"].as_str())
        .collect();
    assert_eq!(langs, BTreeSet::from(["PYTHON", "R", "SCALA", "SQL"]));
    let names: Vec<&str> = w
        .of_type("NOTEBOOK")
        .iter()
        .map(|p| p.rsplit('/').next().unwrap())
        .collect();
    let distinct: BTreeSet<&&str> = names.iter().collect();
    assert!(distinct.len() < names.len(), "some notebooks share a name");
}

#[tokio::test]
async fn typical_is_wired_like_a_real_workspace() {
    let emu = start(SeedSpec::Typical).await;
    let w = Walk::of(&emu).await;

    let seen = check_jobs(&w);
    for k in [
        "existing_cluster_id",
        "run_job_task",
        "notebook_path",
        "warehouse_id",
        "workspace file",
        "run_as",
    ] {
        assert!(
            seen.get(k).copied().unwrap_or(0) > 0,
            "no job checks {k}: {seen:?}"
        );
    }
    assert!(seen["job_cluster refs"] > 0);
    let mut cluster_refs = 0;
    for c in &w.clusters {
        cluster_refs += check_cluster_spec(&w, c, c["cluster_name"].as_str().unwrap());
    }
    assert!(cluster_refs > 5, "clusters use policies, pools and secrets");

    // Clusters: one running, some pinned, job clusters visible; names are not unique.
    let running = w
        .clusters
        .iter()
        .filter(|c| c["state"] == "RUNNING")
        .count();
    assert!(running >= 1);
    assert!(
        w.clusters
            .iter()
            .any(|c| c["pinned_by_user_name"].is_string())
    );
    let names: Vec<&str> = w
        .clusters
        .iter()
        .filter(|c| c["cluster_source"] != "JOB")
        .filter_map(|c| c["cluster_name"].as_str())
        .collect();
    assert!(names.iter().collect::<BTreeSet<_>>().len() < names.len());

    // Jobs: multi-task with depends_on, paused and unpaused schedules, continuous, file arrival.
    let settings: Vec<&Value> = w.jobs.iter().map(|j| &j["settings"]).collect();
    let any = |f: &dyn Fn(&Value) -> bool| settings.iter().any(|s| f(s));
    assert!(any(&|s| s["tasks"]
        .as_array()
        .is_some_and(|t| t.iter().any(|t| t["depends_on"].is_array()))));
    assert!(any(&|s| s["schedule"]["pause_status"] == "PAUSED"));
    assert!(any(&|s| s["schedule"]["pause_status"] == "UNPAUSED"));
    assert!(any(&|s| s["continuous"].is_object()));
    assert!(any(&|s| s["trigger"]["file_arrival"]["url"].is_string()));
    assert!(any(&|s| s["git_source"].is_object()));

    // Groups: nesting, service principals and the account group as members.
    let group_ids = ids(&w.groups, "id");
    let sp_ids = ids(&w.sps, "id");
    let account = w
        .groups
        .iter()
        .find(|g| g["meta"]["resourceType"] == "Group")
        .unwrap();
    let members = |g: &Value| -> Vec<String> {
        array(g, "members")
            .iter()
            .map(|m| m["value"].as_str().unwrap().to_string())
            .collect()
    };
    let wg = w.workspace_groups();
    assert!(
        wg.iter()
            .any(|g| members(g).iter().any(|m| group_ids.contains(m)))
    );
    assert!(
        wg.iter()
            .any(|g| members(g).iter().any(|m| sp_ids.contains(m)))
    );
    assert!(
        wg.iter()
            .any(|g| members(g).contains(&account["id"].as_str().unwrap().to_string()))
    );
    assert!(w.users.iter().any(|u| u["entitlements"].is_array()));
    assert!(w.users.iter().any(|u| u["active"] == false));

    // Direct permissions on most objects of each kind, and ACLs on every scope.
    let mut checks: Vec<(&str, String)> = Vec::new();
    checks.extend(
        w.clusters
            .iter()
            .map(|c| ("clusters", c["cluster_id"].as_str().unwrap().to_string())),
    );
    checks.extend(
        w.policies
            .iter()
            .filter(|p| p["is_default"] != true)
            .map(|p| {
                (
                    "cluster-policies",
                    p["policy_id"].as_str().unwrap().to_string(),
                )
            }),
    );
    checks.extend(w.pools.iter().map(|p| {
        (
            "instance-pools",
            p["instance_pool_id"].as_str().unwrap().to_string(),
        )
    }));
    checks.extend(
        w.warehouses
            .iter()
            .map(|p| ("warehouses", p["id"].as_str().unwrap().to_string())),
    );
    checks.extend(w.jobs.iter().map(|j| ("jobs", j["job_id"].to_string())));
    checks.extend(w.repos.iter().map(|r| ("repos", r["id"].to_string())));
    for (_, o) in w.tree.iter().filter(|(p, _)| p.starts_with("/Shared/")) {
        let t = match o["object_type"].as_str().unwrap() {
            "DIRECTORY" => "directories",
            "NOTEBOOK" => "notebooks",
            _ => "files",
        };
        checks.push((t, o["object_id"].to_string()));
    }
    let mut with_grants: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (t, id) in &checks {
        let acl = emu.get(&format!("/api/2.0/permissions/{t}/{id}")).await;
        let direct = array(&acl, "access_control_list")
            .iter()
            .filter(|e| {
                array(e, "all_permissions")
                    .iter()
                    .any(|p| p["inherited"] != true)
            })
            .filter(|e| e["group_name"] != "admins")
            .count();
        let entry = with_grants.entry(t).or_default();
        entry.1 += 1;
        if direct >= 2 || (*t == "cluster-policies" && direct >= 1) {
            entry.0 += 1;
        }
    }
    for (t, (granted, total)) in &with_grants {
        assert!(
            granted * 2 > *total,
            "{t}: only {granted} of {total} have direct grants"
        );
    }
    for scope in w.scopes.keys() {
        let acls = emu
            .get(&format!(
                "/api/2.0/secrets/acls/list?scope={}",
                urlenc(scope)
            ))
            .await;
        assert!(array(&acls, "items").len() >= 2, "{scope}: {acls}");
    }
}

#[tokio::test]
async fn seeding_is_deterministic() {
    let a = start(SeedSpec::Typical).await;
    let b = start(SeedSpec::Typical).await;
    let sa = a.get("/_emulator/snapshot").await;
    let sb = b.get("/_emulator/snapshot").await;
    assert!(
        sa["jobs"]["jobs"]
            .as_object()
            .is_some_and(|j| j.len() == 28)
    );
    assert_eq!(sa, sb);
}

#[tokio::test]
async fn scale_500_follows_the_formulas() {
    let emu = start(SeedSpec::Scale(500)).await;
    let w = Walk::of(&emu).await;
    let c = w.counts();
    assert_eq!(c, Counts::scaled(500));
    // notebooks = N; others max(typical, floor(typical × N / 123)).
    assert_eq!(
        (c.notebooks, c.folders, c.jobs, c.users),
        (500, 353, 113, 182)
    );
    assert_eq!(
        (c.groups, c.clusters, c.secrets, c.scopes),
        (48, 32, 60, 12)
    );
    let seen = check_jobs(&w);
    assert!(seen["run_job_task"] > 0 && seen["notebook_path"] > 0);
}
