//! Walks the target independently of the engine (no ledger) and checks that every Phase 2/3
//! object is there once, equal, with every reference pointing at the right target object.

use std::collections::{BTreeMap, BTreeSet};

use brickport_api::WorkspaceClient;
use brickport_api::types::workspace::ExportFormat;
use futures::TryStreamExt;
use serde_json::{Value, json};

use super::walk;
use brickport_testkit::str_of;

const TAG: &str = "brickport_source_id";

fn v<T: serde::Serialize>(x: T) -> Value {
    serde_json::to_value(x).unwrap()
}

async fn clusters(c: &WorkspaceClient) -> Vec<Value> {
    brickport_testkit::clusters(&walk(c)).await.unwrap()
}

async fn jobs(c: &WorkspaceClient) -> Vec<Value> {
    brickport_testkit::jobs(&walk(c)).await.unwrap()
}

async fn name_by_id(c: &WorkspaceClient, kind: &str, id: &str) -> String {
    match kind {
        "policy" => v(c.policies().get(id).await.unwrap())["name"]
            .as_str()
            .unwrap()
            .to_string(),
        "pool" => v(c.pools().get(id).await.unwrap())["instance_pool_name"]
            .as_str()
            .unwrap()
            .to_string(),
        "warehouse" => v(c.warehouses().get(id).await.unwrap())["name"]
            .as_str()
            .unwrap()
            .to_string(),
        "pipeline" => v(c.pipelines().get(id).await.unwrap())["name"]
            .as_str()
            .unwrap()
            .to_string(),
        "destination" => v(c.notification_destinations().get(id).await.unwrap())["display_name"]
            .as_str()
            .unwrap()
            .to_string(),
        _ => unreachable!(),
    }
}

async fn sp_name(c: &WorkspaceClient, app_id: &str) -> String {
    let hits = c
        .scim()
        .service_principals()
        .find_eq("applicationId", app_id)
        .await
        .unwrap();
    hits[0].display_name.clone().unwrap()
}

/// A cluster spec's references, as names (policy, pools) comparable across workspaces.
async fn cluster_refs(c: &WorkspaceClient, spec: &Value) -> Value {
    let mut out = json!({});
    if let Some(p) = spec["policy_id"].as_str() {
        out["policy"] = json!(name_by_id(c, "policy", p).await);
    }
    if let Some(p) = spec["instance_pool_id"].as_str() {
        out["pool"] = json!(name_by_id(c, "pool", p).await);
    }
    if let Some(p) = spec["driver_instance_pool_id"].as_str() {
        out["driver_pool"] = json!(name_by_id(c, "pool", p).await);
    }
    for f in [
        "spark_version",
        "num_workers",
        "autoscale",
        "spark_conf",
        "single_user_name",
        "data_security_mode",
    ] {
        if !spec[f].is_null() {
            out[f] = spec[f].clone();
        }
    }
    out
}

async fn libs(c: &WorkspaceClient, id: &str) -> BTreeSet<String> {
    let st = c.libraries().cluster_status(id).await.unwrap();
    st.library_statuses
        .unwrap_or_default()
        .into_iter()
        .map(|l| l.library.unwrap().to_string())
        .collect()
}

/// Every migrated source cluster is in the target exactly once, terminated, equal, with its
/// references mapped. Returns source id → target id.
pub async fn assert_clusters(
    src: &WorkspaceClient,
    dst: &WorkspaceClient,
    expect_missing: &[String],
) -> BTreeMap<String, String> {
    let theirs = clusters(dst).await;
    let mut map = BTreeMap::new();
    for s in clusters(src).await {
        let sid = s["cluster_id"].as_str().unwrap().to_string();
        let hits: Vec<&Value> = theirs
            .iter()
            .filter(|t| t["custom_tags"][TAG] == json!(sid))
            .collect();
        if s["cluster_source"] == "JOB" || expect_missing.contains(&sid) {
            assert!(hits.is_empty(), "cluster {sid} should not be in the target");
            continue;
        }
        assert_eq!(
            hits.len(),
            1,
            "cluster {sid} ({}) in the target {} times",
            s["cluster_name"],
            hits.len()
        );
        let t = hits[0];
        let tid = t["cluster_id"].as_str().unwrap().to_string();
        assert!(
            matches!(t["state"].as_str(), Some("TERMINATED" | "TERMINATING")),
            "{}",
            t["state"]
        );
        assert_eq!(t["cluster_name"], s["cluster_name"]);
        assert_eq!(
            t["pinned_by_user_name"].is_null(),
            s["pinned_by_user_name"].is_null(),
            "pinned"
        );
        assert_eq!(
            cluster_refs(dst, t).await,
            cluster_refs(src, &s).await,
            "cluster {sid}"
        );
        let path = |x: &Value| {
            x["init_scripts"][0]["workspace"]["destination"]
                .as_str()
                .map(|p| p.trim_start_matches("/Workspace").to_string())
        };
        assert_eq!(path(t), path(&s));
        assert_eq!(libs(dst, &tid).await, libs(src, &sid).await);
        map.insert(sid, tid);
    }
    map
}

/// A job's or a task's `webhook_notifications` name, event by event, the target's own
/// destinations with the source's display names.
async fn assert_webhooks(src: &WorkspaceClient, dst: &WorkspaceClient, s: &Value, t: &Value) {
    let Some(events) = s.as_object() else {
        return;
    };
    for (event, list) in events {
        let ids = |v: &Value| -> Vec<String> {
            v.as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d["id"].as_str().map(str::to_string))
                .collect()
        };
        let (sids, tids) = (ids(list), ids(&t[event]));
        assert_eq!(sids.len(), tids.len(), "webhooks {event}");
        for (si, ti) in sids.iter().zip(&tids) {
            assert_ne!(si, ti, "webhooks {event}: the source's destination id kept");
            assert_eq!(
                name_by_id(dst, "destination", ti).await,
                name_by_id(src, "destination", si).await,
                "webhooks {event}"
            );
        }
    }
}

/// Every migrated source job is in the target once, paused, with every reference mapped.
/// Returns source id → target id.
pub async fn assert_jobs(
    src: &WorkspaceClient,
    dst: &WorkspaceClient,
    clusters: &BTreeMap<String, String>,
    expect_missing: &[i64],
) -> BTreeMap<i64, i64> {
    let theirs = jobs(dst).await;
    let ours = jobs(src).await;
    let tag_of = |j: &Value| j["settings"]["tags"][TAG].as_str().map(str::to_string);
    let mut map = BTreeMap::new();
    for s in &ours {
        let sid = s["job_id"].as_i64().unwrap();
        let hits: Vec<&Value> = theirs
            .iter()
            .filter(|t| tag_of(t) == Some(sid.to_string()))
            .collect();
        if expect_missing.contains(&sid) {
            assert!(hits.is_empty(), "job {sid} should not be in the target");
            continue;
        }
        assert_eq!(
            hits.len(),
            1,
            "job {sid} ({}) in the target {} times; target tags: {:?}",
            s["settings"]["name"],
            hits.len(),
            theirs
                .iter()
                .map(|t| t["settings"]["tags"].clone())
                .collect::<Vec<_>>()
        );
        map.insert(sid, hits[0]["job_id"].as_i64().unwrap());
    }
    for s in &ours {
        let sid = s["job_id"].as_i64().unwrap();
        let Some(tid) = map.get(&sid) else { continue };
        let t = theirs.iter().find(|t| t["job_id"] == json!(tid)).unwrap();
        let (ss, ts) = (&s["settings"], &t["settings"]);
        assert_eq!(ts["name"], ss["name"]);
        for f in ["schedule", "trigger", "continuous"] {
            if !ss[f].is_null() {
                assert_eq!(ts[f]["pause_status"], "PAUSED", "job {sid} {f}");
            }
        }
        if let Some(sp) = ss["run_as"]["service_principal_name"].as_str() {
            let tsp = ts["run_as"]["service_principal_name"].as_str().unwrap();
            assert_eq!(sp_name(dst, tsp).await, sp_name(src, sp).await);
        }
        assert_webhooks(
            src,
            dst,
            &ss["webhook_notifications"],
            &ts["webhook_notifications"],
        )
        .await;
        let stasks = ss["tasks"].as_array().cloned().unwrap_or_default();
        let ttasks = ts["tasks"].as_array().cloned().unwrap_or_default();
        assert_eq!(stasks.len(), ttasks.len(), "job {sid} tasks");
        for st in &stasks {
            let tt = ttasks
                .iter()
                .find(|t| t["task_key"] == st["task_key"])
                .unwrap();
            if let Some(c) = st["existing_cluster_id"].as_str() {
                assert_eq!(
                    tt["existing_cluster_id"].as_str(),
                    clusters.get(c).map(String::as_str),
                    "job {sid} cluster"
                );
            }
            if let Some(j) = st["run_job_task"]["job_id"].as_i64() {
                assert_eq!(
                    tt["run_job_task"]["job_id"].as_i64(),
                    map.get(&j).copied(),
                    "job {sid} runs"
                );
            }
            if let Some(pl) = st["pipeline_task"]["pipeline_id"].as_str() {
                let tp = tt["pipeline_task"]["pipeline_id"].as_str().unwrap();
                assert_eq!(
                    name_by_id(dst, "pipeline", tp).await,
                    name_by_id(src, "pipeline", pl).await,
                    "job {sid} pipeline task"
                );
            }
            assert_webhooks(
                src,
                dst,
                &st["webhook_notifications"],
                &tt["webhook_notifications"],
            )
            .await;
            if let Some(w) = st["sql_task"]["warehouse_id"].as_str() {
                let tw = tt["sql_task"]["warehouse_id"].as_str().unwrap();
                assert_eq!(
                    name_by_id(dst, "warehouse", tw).await,
                    name_by_id(src, "warehouse", w).await
                );
            }
            // `/Workspace/x` is an alias of `/x`: the migration writes the short form.
            let norm = |x: &Value| {
                json!(
                    x.as_str()
                        .map(|p| p.strip_prefix("/Workspace").unwrap_or(p))
                )
            };
            assert_eq!(
                norm(&tt["notebook_task"]["notebook_path"]),
                norm(&st["notebook_task"]["notebook_path"])
            );
            let mut py = st["spark_python_task"].clone();
            if let Some(f) = py.get_mut("python_file") {
                *f = norm(f);
            }
            assert_eq!(tt["spark_python_task"], py);
            if st["new_cluster"].is_object() {
                assert_eq!(
                    cluster_refs(dst, &tt["new_cluster"]).await,
                    cluster_refs(src, &st["new_cluster"]).await
                );
            }
        }
        for sjc in ss["job_clusters"].as_array().into_iter().flatten() {
            let tjc = ts["job_clusters"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["job_cluster_key"] == sjc["job_cluster_key"])
                .unwrap();
            assert_eq!(
                cluster_refs(dst, &tjc["new_cluster"]).await,
                cluster_refs(src, &sjc["new_cluster"]).await
            );
        }
    }
    map
}

/// Every notebook and file outside /Repos: same type, language and bytes. Returns path →
/// (source object id, target object id, type).
pub async fn assert_contents(
    src: &WorkspaceClient,
    dst: &WorkspaceClient,
    expect_missing: &[&str],
) -> BTreeMap<String, (String, String, String)> {
    let mut out = BTreeMap::new();
    for (path, o) in walk(src).tree().await.unwrap() {
        if path.starts_with("/Repos") {
            continue;
        }
        let kind = str_of(&o, "object_type");
        // Folders are checked by their kind; queries, dashboards, Genie spaces… (tree entries
        // of other kinds, never exported) by theirs.
        if kind != "NOTEBOOK" && kind != "FILE" {
            continue;
        }
        if expect_missing.contains(&path.as_str()) {
            assert!(
                dst.workspace().get_status(&path).await.is_err(),
                "{path} should be missing"
            );
            continue;
        }
        let t = dst
            .workspace()
            .get_status(&path)
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(
            t.object_type.as_deref(),
            o["object_type"].as_str(),
            "{path}"
        );
        assert_eq!(t.language.as_deref(), o["language"].as_str(), "{path}");
        let f = if kind == "NOTEBOOK" {
            ExportFormat::Source
        } else {
            ExportFormat::Raw
        };
        let a = src.workspace().export(&path, f).await.unwrap().content;
        let b = dst.workspace().export(&path, f).await.unwrap().content;
        assert!(a == b, "{path}: contents differ");
        out.insert(
            path,
            (
                o["object_id"].as_i64().unwrap().to_string(),
                t.object_id.unwrap().to_string(),
                kind,
            ),
        );
    }
    out
}

pub async fn assert_repos(
    src: &WorkspaceClient,
    dst: &WorkspaceClient,
) -> BTreeMap<String, String> {
    let theirs: Vec<Value> = dst
        .repos()
        .list(None)
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .map(v)
        .collect();
    let mut map = BTreeMap::new();
    for s in src
        .repos()
        .list(None)
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .map(v)
    {
        let t = theirs
            .iter()
            .find(|t| t["path"] == s["path"])
            .unwrap_or_else(|| panic!("repo {} missing", s["path"]));
        for f in ["url", "provider", "branch", "sparse_checkout"] {
            assert_eq!(t[f], s[f], "repo {} {f}", s["path"]);
        }
        map.insert(s["id"].to_string(), t["id"].to_string());
    }
    assert_eq!(theirs.len(), map.len(), "extra Git folders in the target");
    map
}

/// Direct grants as comparable strings (service principals by display name; `admins` left out).
pub async fn grants(c: &WorkspaceClient, t: &str, id: &str) -> BTreeSet<String> {
    let p = c.permissions().get(t, id).await.unwrap();
    let mut out = BTreeSet::new();
    for a in p.access_control_list.unwrap_or_default() {
        for g in a.direct_grants() {
            let who = if let Some(u) = &g.user_name {
                format!("user {u}")
            } else if let Some(gr) = &g.group_name {
                if gr == "admins" {
                    continue;
                }
                format!("group {gr}")
            } else {
                format!(
                    "sp {}",
                    sp_name(c, g.service_principal_name.as_deref().unwrap()).await
                )
            };
            out.insert(format!("{who} {}", g.permission_level.unwrap()));
        }
    }
    out
}

pub async fn assert_grants(
    src: &WorkspaceClient,
    dst: &WorkspaceClient,
    t: &str,
    sid: &str,
    tid: &str,
) {
    let (a, b) = (grants(src, t, sid).await, grants(dst, t, tid).await);
    assert_eq!(a, b, "{t} {sid} → {tid}");
}

/// Every pipeline as `GET` answers it, by name.
async fn pipelines(c: &WorkspaceClient) -> BTreeMap<String, Value> {
    use futures::TryStreamExt;
    let listed: Vec<_> = c
        .pipelines()
        .list(&Default::default())
        .try_collect()
        .await
        .unwrap();
    let mut out = BTreeMap::new();
    for p in listed {
        let id = p.pipeline_id.unwrap();
        let full = v(c.pipelines().get(&id).await.unwrap());
        let name = full["name"].as_str().unwrap().to_string();
        assert!(
            out.insert(name.clone(), full).is_none(),
            "pipeline {name} twice"
        );
    }
    out
}

/// Every source pipeline is in the target once by name, never started (triggered, not
/// running), with its libraries and its clusters' policies and pools pointing at the
/// target's own. Returns source id → target id.
pub async fn assert_pipelines(
    src: &WorkspaceClient,
    dst: &WorkspaceClient,
) -> BTreeMap<String, String> {
    let (ours, theirs) = (pipelines(src).await, pipelines(dst).await);
    assert!(!ours.is_empty(), "the source has pipelines");
    let mut map = BTreeMap::new();
    for (name, s) in &ours {
        let t = theirs
            .get(name)
            .unwrap_or_else(|| panic!("pipeline {name} not in the target"));
        let (ss, ts) = (&s["spec"], &t["spec"]);
        assert_ne!(ts["continuous"], true, "{name}: continuous before cut-over");
        assert_ne!(t["state"], "RUNNING", "{name}: running in the target");
        // `/Workspace/x` is an alias of `/x`: the migration writes the short form.
        let short = |v: &Value| {
            let text = v.to_string().replace("\"/Workspace/", "\"/");
            serde_json::from_str::<Value>(&text).unwrap()
        };
        assert_eq!(
            short(&ts["libraries"]),
            short(&ss["libraries"]),
            "{name} libraries"
        );
        for f in [
            "catalog",
            "schema",
            "target",
            "configuration",
            "development",
        ] {
            assert_eq!(ts[f], ss[f], "{name} {f}");
        }
        let sc = ss["clusters"].as_array().cloned().unwrap_or_default();
        let tc = ts["clusters"].as_array().cloned().unwrap_or_default();
        assert_eq!(sc.len(), tc.len(), "{name} clusters");
        for (a, b) in sc.iter().zip(&tc) {
            for (field, kind) in [("policy_id", "policy"), ("instance_pool_id", "pool")] {
                if let Some(id) = a[field].as_str() {
                    let tid = b[field].as_str().unwrap();
                    assert_eq!(
                        name_by_id(dst, kind, tid).await,
                        name_by_id(src, kind, id).await,
                        "{name} {field}"
                    );
                }
            }
        }
        let id = |p: &Value| p["pipeline_id"].as_str().unwrap().to_string();
        map.insert(id(s), id(t));
    }
    map
}

/// Every source notification destination is in the target once, same name and type.
pub async fn assert_destinations(src: &WorkspaceClient, dst: &WorkspaceClient) {
    use futures::TryStreamExt;
    let all = |c: &WorkspaceClient| {
        let c = c.clone();
        async move {
            let list: Vec<_> = c
                .notification_destinations()
                .list(None)
                .try_collect()
                .await
                .unwrap();
            let mut keys: Vec<(String, String)> = list
                .into_iter()
                .map(|d| (d.display_name.unwrap(), d.destination_type.unwrap()))
                .collect();
            keys.sort();
            keys
        }
    };
    let ours = all(src).await;
    assert!(!ours.is_empty(), "the source has notification destinations");
    assert_eq!(all(dst).await, ours);
}
