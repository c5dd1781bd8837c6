//! An independent walk of a workspace over HTTP (raw JSON through the api crate's client,
//! never the ledger): every migratable object as a key per kind, and the copies of each source
//! cluster and job in a target, found by the `brickport_source_id` tag the engine sets.

use std::collections::BTreeMap;

use brickport_api::WorkspaceClient;
use serde_json::Value;

use super::{TAG, TARGET_USER};

fn str_of(x: &Value, field: &str) -> String {
    x[field].as_str().unwrap_or_default().to_string()
}

fn items(page: &Value, field: &str) -> Vec<Value> {
    page[field].as_array().cloned().unwrap_or_default()
}

/// Every item of a token-paged list (`token_param` names the query parameter the API
/// wants the `next_page_token` in).
async fn paged(
    c: &WorkspaceClient,
    path: &str,
    query: &[(&str, &str)],
    field: &str,
    token_param: &str,
) -> Vec<Value> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let mut q = query.to_vec();
        if !token.is_empty() {
            q.push((token_param, &token));
        }
        let page = c.get_json(path, &q).await.unwrap();
        out.extend(items(&page, field));
        match page["next_page_token"].as_str() {
            Some(t) if !t.is_empty() => token = t.to_string(),
            _ => return out,
        }
    }
}

/// Every resource of a SCIM collection (1-based `startIndex` paging).
async fn scim(c: &WorkspaceClient, collection: &str) -> Vec<Value> {
    let path = format!("/api/2.0/preview/scim/v2/{collection}");
    let mut out = Vec::new();
    loop {
        let start = (out.len() + 1).to_string();
        let page = c
            .get_json(&path, &[("startIndex", &start), ("count", "100")])
            .await
            .unwrap();
        let got = items(&page, "Resources");
        let total = page["totalResults"].as_u64().unwrap() as usize;
        let empty = got.is_empty();
        out.extend(got);
        if empty || out.len() >= total {
            return out;
        }
    }
}

pub async fn clusters(c: &WorkspaceClient) -> Vec<Value> {
    let q = [("page_size", "100")];
    paged(c, "/api/2.1/clusters/list", &q, "clusters", "page_token").await
}

/// Every job, in full (`jobs/get`: the list may leave settings out).
pub async fn jobs(c: &WorkspaceClient) -> Vec<Value> {
    let q = [("limit", "100")];
    let mut out = Vec::new();
    for j in paged(c, "/api/2.2/jobs/list", &q, "jobs", "page_token").await {
        let id = j["job_id"].as_i64().unwrap().to_string();
        let job = c
            .get_json("/api/2.2/jobs/get", &[("job_id", &id)])
            .await
            .unwrap();
        out.push(job);
    }
    out
}

/// Every migratable object of a workspace, as sorted keys per kind (a key twice: a duplicate).
pub async fn walk(c: &WorkspaceClient) -> BTreeMap<&'static str, Vec<String>> {
    let mut out: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    // The target's caller is the target's own user, not a migrated one (the source's caller
    // is a source user like any other: it is migrated).
    let users = scim(c, "Users").await;
    out.insert(
        "users",
        users
            .iter()
            .map(|u| str_of(u, "userName"))
            .filter(|n| n != TARGET_USER)
            .collect(),
    );
    // Built-in groups are not migrated; account groups are assigned (once) in both.
    let groups = scim(c, "Groups").await;
    out.insert(
        "groups",
        groups
            .iter()
            .map(|g| str_of(g, "displayName"))
            .filter(|n| n != "admins" && n != "users")
            .collect(),
    );
    let sps = scim(c, "ServicePrincipals").await;
    out.insert(
        "service_principals",
        sps.iter().map(|s| str_of(s, "displayName")).collect(),
    );
    let page = c
        .get_json("/api/2.0/policies/clusters/list", &[])
        .await
        .unwrap();
    out.insert(
        "cluster_policies",
        items(&page, "policies")
            .iter()
            .filter(|p| p["is_default"] != Value::Bool(true))
            .map(|p| str_of(p, "name"))
            .collect(),
    );
    let page = c
        .get_json("/api/2.0/instance-pools/list", &[])
        .await
        .unwrap();
    out.insert(
        "instance_pools",
        items(&page, "instance_pools")
            .iter()
            .map(|p| str_of(p, "instance_pool_name"))
            .collect(),
    );
    let page = c.get_json("/api/2.0/sql/warehouses", &[]).await.unwrap();
    out.insert(
        "sql_warehouses",
        items(&page, "warehouses")
            .iter()
            .map(|w| str_of(w, "name"))
            .collect(),
    );
    let mut scopes = Vec::new();
    let mut keys = Vec::new();
    let page = c
        .get_json("/api/2.0/secrets/scopes/list", &[])
        .await
        .unwrap();
    for s in items(&page, "scopes") {
        let name = str_of(&s, "name");
        let page = c
            .get_json("/api/2.0/secrets/list", &[("scope", &name)])
            .await
            .unwrap();
        for k in items(&page, "secrets") {
            keys.push(format!("{name}/{}", str_of(&k, "key")));
        }
        scopes.push(name);
    }
    out.insert("secret_scopes", scopes);
    out.insert("secrets", keys);
    // Folders, notebooks and files outside /Repos, by path; the target caller's home is the
    // target's own.
    let home = format!("/Users/{TARGET_USER}");
    // A service principal's home folder is named by its application id, which each workspace
    // gives it: the workspace's own, not a migrated folder (what is inside would be).
    let sp_homes: Vec<String> = sps
        .iter()
        .map(|s| format!("/Users/{}", str_of(s, "applicationId")))
        .collect();
    let mut frontier = vec!["/".to_string()];
    for kind in ["folders", "notebooks", "files"] {
        out.insert(kind, Vec::new());
    }
    while let Some(dir) = frontier.pop() {
        let page = c
            .get_json("/api/2.0/workspace/list", &[("path", &dir)])
            .await
            .unwrap();
        for o in items(&page, "objects") {
            let path = str_of(&o, "path");
            if path.starts_with("/Repos") || path.starts_with(&home) {
                continue;
            }
            let kind = match o["object_type"].as_str().unwrap() {
                "DIRECTORY" => {
                    frontier.push(path.clone());
                    if path == "/Users" || path == "/Shared" || sp_homes.contains(&path) {
                        continue;
                    }
                    "folders"
                }
                "NOTEBOOK" => "notebooks",
                "FILE" => "files",
                other => panic!("unexpected {other} at {path}"),
            };
            out.get_mut(kind).unwrap().push(path);
        }
    }
    let repos = paged(c, "/api/2.0/repos", &[], "repos", "next_page_token").await;
    out.insert("repos", repos.iter().map(|r| str_of(r, "path")).collect());
    out.insert(
        "clusters",
        clusters(c)
            .await
            .iter()
            .filter(|c| c["cluster_source"] != "JOB")
            .map(|c| str_of(c, "cluster_name"))
            .collect(),
    );
    out.insert(
        "jobs",
        jobs(c)
            .await
            .iter()
            .map(|j| str_of(&j["settings"], "name"))
            .collect(),
    );
    for keys in out.values_mut() {
        keys.sort();
    }
    out
}

/// Source cluster/job id → how many target objects carry it in their `brickport_source_id` tag.
pub async fn tagged(src: &WorkspaceClient, dst: &WorkspaceClient) -> Vec<(String, usize)> {
    let theirs = clusters(dst).await;
    let mut out = Vec::new();
    for s in clusters(src).await {
        if s["cluster_source"] == "JOB" {
            continue;
        }
        let id = str_of(&s, "cluster_id");
        let n = theirs
            .iter()
            .filter(|t| t["custom_tags"][TAG].as_str() == Some(id.as_str()))
            .count();
        out.push((format!("cluster {id}"), n));
    }
    let theirs = jobs(dst).await;
    for j in jobs(src).await {
        let id = j["job_id"].as_i64().unwrap().to_string();
        let n = theirs
            .iter()
            .filter(|t| t["settings"]["tags"][TAG].as_str() == Some(id.as_str()))
            .count();
        out.push((format!("job {id}"), n));
    }
    out
}
