//! The `typical` and `scale:N` seeds, seen from outside: an emulator is started with the seed
//! and every kind is read over plain HTTP by testkit's walk (every paged list walked) and
//! counted, then the wiring between objects is checked (every id or path a job or cluster
//! names exists; `checks`).

use std::collections::{BTreeMap, BTreeSet};

use base64::Engine;
use brickport_emulator::SeedSpec;
use brickport_emulator::seed::counts::Counts;
use brickport_emulator::seed::parts::Part;
use serde_json::Value;

use crate::common::start_seeded as start;

pub mod checks;

use checks::{array, check_cluster_spec, check_jobs, counts, ids, pipeline_jobs, workspace_groups};

/// The seed part of global init scripts (its count lives in its own file).
fn scripts_part() -> &'static Part {
    Part::named("global init scripts").expect("a seed part for global init scripts")
}

#[tokio::test]
async fn typical_has_the_dashboard_counts() {
    let emu = start(SeedSpec::Typical).await;
    let w = emu.walk().await;
    let c = counts(&w);
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
    // Global init scripts: in position order, one disabled, each with its bash content.
    let positions: Vec<u64> = w
        .init_scripts
        .iter()
        .map(|s| s["position"].as_u64().unwrap())
        .collect();
    assert_eq!((w.init_scripts.len(), positions), (3, vec![0, 1, 2]));
    assert_eq!(scripts_part().count(&Counts::TYPICAL), 3);
    assert_eq!(
        w.init_scripts
            .iter()
            .filter(|s| s["enabled"] == false)
            .count(),
        1
    );
    for s in &w.init_scripts {
        let one = emu
            .get_ok(&format!(
                "/api/2.0/global-init-scripts/{}",
                s["script_id"].as_str().unwrap()
            ))
            .await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(one["script"].as_str().unwrap())
            .unwrap();
        assert!(bytes.starts_with(b"#!/bin/bash\n"), "{}", s["name"]);
    }
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
        .paths("NOTEBOOK")
        .iter()
        .map(|p| p.rsplit('/').next().unwrap())
        .collect();
    let distinct: BTreeSet<&&str> = names.iter().collect();
    assert!(distinct.len() < names.len(), "some notebooks share a name");
}

#[tokio::test]
async fn typical_is_wired_like_a_real_workspace() {
    let emu = start(SeedSpec::Typical).await;
    let w = emu.walk().await;

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
    let sp_ids = ids(&w.service_principals, "id");
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
    let wg = workspace_groups(&w);
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
    // The account group's one direct grant.
    let team = &w.tree["/Shared/Team Space"]["object_id"];
    let acl = emu
        .get_ok(&format!("/api/2.0/permissions/directories/{team}"))
        .await;
    assert!(
        array(&acl, "access_control_list")
            .iter()
            .any(|e| e["group_name"] == account["displayName"]),
        "{acl}"
    );

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
        // Queries, dashboards and Genie spaces are permissioned by their own id (alerts are
        // left out: their tree entry does not say which API holds them).
        let rid = || o["resource_id"].as_str().unwrap_or("").to_string();
        let (t, id) = match o["object_type"].as_str().unwrap() {
            "DIRECTORY" => ("directories", o["object_id"].to_string()),
            "NOTEBOOK" => ("notebooks", o["object_id"].to_string()),
            "FILE" => ("files", o["object_id"].to_string()),
            "QUERY" => ("queries", rid()),
            "DASHBOARD" => ("dashboards", rid()),
            "GENIE_SPACE" => ("genie", rid()),
            _ => continue,
        };
        checks.push((t, id));
    }
    let mut with_grants: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (t, id) in &checks {
        let acl = emu.get_ok(&format!("/api/2.0/permissions/{t}/{id}")).await;
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
    for (name, scope) in &w.scopes {
        assert!(scope.acls.len() >= 2, "{name}: {:?}", scope.acls);
    }
}

#[tokio::test]
async fn seeding_is_deterministic() {
    let a = start(SeedSpec::Typical).await;
    let b = start(SeedSpec::Typical).await;
    let sa = a.get_ok("/_emulator/snapshot").await;
    let sb = b.get_ok("/_emulator/snapshot").await;
    assert!(
        sa["jobs"]["jobs"]
            .as_object()
            .is_some_and(|j| j.len() == 28 + 3 + 3)
    );
    assert_eq!(sa, sb);
}

#[tokio::test]
async fn scale_500_follows_the_formulas() {
    let emu = start(SeedSpec::Scale(500)).await;
    let w = emu.walk().await;
    let c = counts(&w);
    assert_eq!(c, Counts::scaled(500));
    // notebooks = N; others max(typical, floor(typical × N / 123)).
    assert_eq!(
        (c.notebooks, c.folders, c.jobs, c.users),
        (500, 353, 113, 182)
    );
    assert_eq!(
        (
            c.groups,
            c.clusters,
            c.secrets,
            c.scopes,
            w.init_scripts.len()
        ),
        (48, 32, 60, 12, 12)
    );
    assert_eq!(scripts_part().count(&Counts::scaled(500)), 12);
    // The parts for pipelines: 6, 4 and 3 in typical, scaled the same way.
    assert_eq!(
        (
            w.pipelines.len(),
            w.destinations.len(),
            pipeline_jobs(&w).len()
        ),
        (24, 16, 12)
    );
    let seen = check_jobs(&w);
    assert!(seen["run_job_task"] > 0 && seen["notebook_path"] > 0);
    assert!(seen["pipeline_task"] >= 12 && seen["webhook"] > 12);
}

#[tokio::test]
async fn typical_content_exports_like_created_content() {
    let emu = start(SeedSpec::Typical).await;
    let ws = emu.workspace();
    let b64 = base64::engine::general_purpose::STANDARD;
    let export = async |path: &str| {
        let q = [("path", path), ("format", "SOURCE")];
        ws.get("/api/2.0/workspace/export", &q).await.unwrap()
    };
    // A SQL notebook with a space in its name comes back with its header, as a .sql source.
    let nb = export("/Shared/Reports/Daily Report").await;
    let text = String::from_utf8(b64.decode(nb["content"].as_str().unwrap()).unwrap()).unwrap();
    assert!(
        text.starts_with("-- Databricks notebook source\n"),
        "{text}"
    );
    assert!(text.contains("-- COMMAND ----------"));
    assert_eq!(nb["file_type"], "sql");
    // A non-ASCII notebook name is a path like any other.
    let path = "/Shared/Reports/Finance/Análisis de ventas";
    let st = ws
        .get("/api/2.0/workspace/get-status", &[("path", path)])
        .await
        .unwrap();
    assert_eq!(
        (st["object_type"].as_str(), st["language"].as_str()),
        (Some("NOTEBOOK"), Some("PYTHON"))
    );
    // The binary file keeps every byte.
    let png = export("/Shared/Reports/logo.png").await;
    let bytes = b64.decode(png["content"].as_str().unwrap()).unwrap();
    assert_eq!(&bytes[..4], b"\x89PNG");
    assert!(bytes.contains(&0) && bytes.contains(&255));
    // Secret values are stored (base64 on `get`, as the service answers) and never listed.
    let listed = emu.get_ok("/api/2.0/secrets/list?scope=prod-db").await;
    assert!(!listed.to_string().contains("not-a-real-secret"));
    let got = emu
        .get_ok("/api/2.0/secrets/get?scope=prod-db&key=jdbc-password")
        .await;
    let value = b64.decode(got["value"].as_str().unwrap()).unwrap();
    assert_eq!(value, b"seed-prod-db-jdbc-password-not-a-real-secret");
    // A home folder belongs to its user.
    let home = emu
        .get_ok("/api/2.0/workspace/get-status?path=/Users/jose.muller@example.com")
        .await;
    let acl = emu
        .get_ok(&format!(
            "/api/2.0/permissions/directories/{}",
            home["object_id"]
        ))
        .await;
    assert!(
        array(&acl, "access_control_list")
            .iter()
            .any(|e| e["user_name"] == "jose.muller@example.com"),
        "{acl}"
    );
}

#[test]
fn scale_rejects_an_absurd_n() {
    let mut st = brickport_emulator::state::State::fresh(0);
    let e = brickport_emulator::seed::apply(&mut st, &SeedSpec::Scale(2_000_000)).unwrap_err();
    assert!(e.to_string().contains("between 1 and"), "{e}");
}

#[tokio::test]
async fn typical_clusters_and_jobs_are_accepted_as_they_are() {
    // A real workspace's clusters were created under their policies: re-creating each
    // all-purpose cluster from its own spec must pass the policy checks.
    let emu = start(SeedSpec::Typical).await;
    let clusters = brickport_testkit::clusters(&emu.workspace()).await.unwrap();
    let mut created = 0;
    for c in clusters.iter().filter(|c| c["cluster_source"] != "JOB") {
        let (status, body) = emu
            .post("/api/2.1/clusters/create", c["spec"].clone())
            .await;
        assert_eq!(status, 200, "{}: {body}", c["cluster_name"]);
        created += 1;
    }
    assert_eq!(created, 8);
    // The same for jobs: every job's settings are accepted by jobs/create as they are.
    let jobs = brickport_testkit::jobs(&emu.workspace()).await.unwrap();
    for job in &jobs {
        let (status, body) = emu
            .post("/api/2.2/jobs/create", job["settings"].clone())
            .await;
        assert_eq!(status, 200, "{}: {body}", job["settings"]["name"]);
    }
    assert_eq!(
        jobs.len(),
        28 + 3 + 3,
        "the core jobs, those running pipelines and those running SQL objects"
    );
}
