//! The kill tests' view of a workspace: `brickport_testkit`'s independent walk (raw HTTP, never
//! the ledger), less what is the target's own rather than migrated (its caller and the
//! caller's home, service principals' home folders), and the copies of each source cluster
//! and job in a target, found by the `brickport_source_id` tag the engine sets.

use std::collections::BTreeMap;

use brickport_testkit::{Walk, Workspace, clusters, jobs, str_of};

use super::{TAG, TARGET_USER};

/// Every migratable object of a workspace, as sorted keys per kind (a key twice: a duplicate).
pub async fn walk(url: &str, token: &str) -> BTreeMap<&'static str, Vec<String>> {
    let w = Walk::of(&Workspace::new(url, token)).await.unwrap();
    let mut out = w.keys();
    // The target's caller is the target's own user, not a migrated one (the source's caller
    // is a source user like any other: it is migrated), and so is its home.
    out.entry("users").or_default().retain(|u| u != TARGET_USER);
    let home = format!("/Users/{TARGET_USER}");
    // A service principal's home folder is named by its application id, which each workspace
    // gives it: the workspace's own, not a migrated folder (what is inside would be).
    let sp_homes: Vec<String> = w
        .service_principals
        .iter()
        .map(|s| format!("/Users/{}", str_of(s, "applicationId")))
        .collect();
    for kind in ["workspace_folders", "notebooks", "files"] {
        let paths = out.entry(kind).or_default();
        paths.retain(|p| !p.starts_with(&home) && !sp_homes.contains(p));
    }
    out
}

/// Source cluster/job id → how many target objects carry it in their `brickport_source_id` tag.
pub async fn tagged(src: &Workspace, dst: &Workspace) -> Vec<(String, usize)> {
    let theirs = clusters(dst).await.unwrap();
    let mut out = Vec::new();
    for s in clusters(src).await.unwrap() {
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
    let theirs = jobs(dst).await.unwrap();
    for j in jobs(src).await.unwrap() {
        let id = j["job_id"].as_i64().unwrap().to_string();
        let n = theirs
            .iter()
            .filter(|t| t["settings"]["tags"][TAG].as_str() == Some(id.as_str()))
            .count();
        out.push((format!("job {id}"), n));
    }
    out
}
