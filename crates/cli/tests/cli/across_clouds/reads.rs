//! The reads and setup `across_clouds` shares: the AWS → Azure sandbox, each workspace's
//! catalogue, every cluster spec of a walk, report.json's objects, the assigned account groups.

use std::collections::{BTreeMap, BTreeSet};

use brickport_emulator::{Cloud, EmulatorOptions, RateLimitSpec, SeedSpec};
use brickport_testkit::{Walk, Workspace, items, str_of};
use serde_json::Value;

use crate::support::{Out, SOURCE_TOKEN, Sandbox, TARGET_TOKEN, write_fast_config};

/// A typical AWS source (emulator 0) and an empty Azure target (emulator 1), profiles `src`
/// and `dst`, the fast config plus `extra`.
pub fn aws_to_azure(extra: &str) -> Sandbox {
    let mut sb = Sandbox::new();
    let at = |seed, cloud| EmulatorOptions {
        seed,
        cloud,
        rate_limits: RateLimitSpec::Off,
        ..EmulatorOptions::default()
    };
    let src = sb.emulator(
        &[&format!("{SOURCE_TOKEN}:alice@source.example")],
        at(SeedSpec::Typical, Cloud::Aws),
    );
    let dst = sb.emulator(
        &[&format!("{TARGET_TOKEN}:bob@target.example")],
        at(SeedSpec::None, Cloud::Azure),
    );
    sb.databrickscfg(&format!(
        "[src]\nhost = {src}\ntoken = {SOURCE_TOKEN}\n\n[dst]\nhost = {dst}\ntoken = {TARGET_TOKEN}\n"
    ));
    write_fast_config(&sb);
    let config = std::fs::read_to_string(sb.path().join("brickport.toml")).unwrap();
    sb.write("brickport.toml", &format!("{config}{extra}"));
    sb
}

/// A run's output short enough to read in a failure: its table and failures, its last lines.
pub fn brief(out: &Out) -> String {
    let table = out.stdout.split("\ntranslated (").next().unwrap_or("");
    let lines: Vec<&str> = out.stderr.lines().collect();
    let tail = lines[lines.len().saturating_sub(8)..].join("\n");
    format!("exit {}\n{table}\n{tail}", out.code)
}

/// Appends `extra` to the sandbox's config.
pub fn add_config(sb: &Sandbox, extra: &str) {
    let config = std::fs::read_to_string(sb.path().join("brickport.toml")).unwrap();
    sb.write("brickport.toml", &format!("{config}{extra}"));
}

/// A node type's size: cores, memory (MB), GPUs.
pub type Size = (f64, f64, i64);

/// What a workspace offers: node types by id (with their size) and Spark version keys.
pub fn catalogue(sb: &Sandbox, ws: &Workspace) -> (BTreeMap<String, Size>, BTreeSet<String>) {
    sb.rt.block_on(async {
        let nodes = ws
            .get("/api/2.0/clusters/list-node-types", &[])
            .await
            .unwrap();
        let nodes = items(&nodes, "node_types")
            .iter()
            .map(|n| {
                let size = (
                    n["num_cores"].as_f64().unwrap(),
                    n["memory_mb"].as_f64().unwrap(),
                    n["num_gpus"].as_i64().unwrap_or(0),
                );
                (str_of(n, "node_type_id"), size)
            })
            .collect();
        let versions = ws
            .get("/api/2.0/clusters/spark-versions", &[])
            .await
            .unwrap();
        let versions = items(&versions, "versions")
            .iter()
            .map(|v| str_of(v, "key"))
            .collect();
        (nodes, versions)
    })
}

/// Every cluster spec of a walk by where it is (clusters a job made left out).
pub fn specs(w: &Walk) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for c in w.clusters.iter().filter(|c| c["cluster_source"] != "JOB") {
        out.insert(format!("cluster {}", c["cluster_name"]), c.clone());
    }
    for p in &w.pools {
        out.insert(format!("pool {}", p["instance_pool_name"]), p.clone());
    }
    for j in &w.jobs {
        let s = &j["settings"];
        for jc in s["job_clusters"].as_array().into_iter().flatten() {
            let at = format!("job {} cluster {}", s["name"], jc["job_cluster_key"]);
            out.insert(at, jc["new_cluster"].clone());
        }
        for t in s["tasks"].as_array().into_iter().flatten() {
            if let Some(c) = t.get("new_cluster") {
                out.insert(
                    format!("job {} task {}", s["name"], t["task_key"]),
                    c.clone(),
                );
            }
        }
    }
    for p in &w.pipelines {
        for c in p["spec"]["clusters"].as_array().into_iter().flatten() {
            let at = format!("pipeline {} cluster {}", p["name"], c["label"]);
            out.insert(at, c.clone());
        }
    }
    out
}

/// `name` under the domain map.
pub fn renamed(name: &str) -> String {
    name.replace("@example.com", "@example.org")
}

/// report.json's objects.
pub fn report_objects(sb: &Sandbox) -> Vec<Value> {
    let text = std::fs::read_to_string(sb.path().join("run/report.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    json["objects"].as_array().cloned().unwrap_or_default()
}

/// The last run's own report lines (`run/runs/<n>/report.json`, `<n>` the highest): the
/// top-level report describes the whole migration, where an object created by an earlier run
/// stays `created`.
pub fn last_run_objects(sb: &Sandbox) -> Vec<Value> {
    let runs = sb.path().join("run/runs");
    let last = std::fs::read_dir(&runs)
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u64>().ok())
        .max()
        .expect("a run's own report");
    let path = runs.join(last.to_string()).join("report.json");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["objects"].as_array().cloned().unwrap_or_default()
}

pub fn walk(sb: &Sandbox, ws: &Workspace) -> Walk {
    sb.rt.block_on(Walk::of(ws)).unwrap()
}

/// The account groups the target workspace has been assigned (permission-assignments API).
pub fn assigned_groups(sb: &Sandbox, target: &Workspace) -> BTreeSet<String> {
    let page = sb
        .rt
        .block_on(target.get("/api/2.0/preview/permissionassignments", &[]))
        .unwrap();
    items(&page, "permission_assignments")
        .iter()
        .filter_map(|a| a["principal"]["group_name"].as_str().map(str::to_string))
        .collect()
}
