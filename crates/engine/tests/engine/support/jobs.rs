//! A source with a notebook and jobs in every pause state, and readers of the jobs' pause
//! states (the cutover, drift and verify themes).

use std::collections::BTreeMap;

use brickport_api::WorkspaceClient;
use brickport_api::types::jobs::{JobSettings, UpdateJob};
use brickport_api::types::workspace::{ExportFormat, Import};
use brickport_engine::status;
use brickport_testkit::str_of;
use serde_json::{Value, json};

pub const NB: &str = "/Shared/etl/ingest";

pub fn job(name: &str, extra: Value) -> JobSettings {
    let mut v = json!({
        "name": name,
        "tasks": [{"task_key": "t", "notebook_task": {"notebook_path": NB}}],
    });
    if let (Value::Object(m), Value::Object(x)) = (&mut v, extra) {
        m.extend(x);
    }
    serde_json::from_value(v).unwrap()
}

/// A notebook, and jobs in every pause state; returns job name → source id.
pub async fn seed(c: &WorkspaceClient) -> BTreeMap<&'static str, i64> {
    c.workspace().mkdirs("/Shared/etl").await.unwrap();
    import(c, b"print(1)", false).await;
    let cron = |p: &str| json!({"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC", "pause_status": p});
    let jobs: [(&str, Value); 6] = [
        ("hourly", json!({"schedule": cron("UNPAUSED")})),
        ("paused", json!({"schedule": cron("PAUSED")})),
        (
            "stream",
            json!({"continuous": {"pause_status": "UNPAUSED"}}),
        ),
        // No pause_status: the API's default is UNPAUSED.
        (
            "arrival",
            json!({"trigger": {"file_arrival": {"url": "s3://landing/in/"}}}),
        ),
        ("manual", json!({})),
        ("paused-later", json!({"schedule": cron("UNPAUSED")})),
    ];
    let mut ids = BTreeMap::new();
    for (name, extra) in jobs {
        ids.insert(name, c.jobs().create(&job(name, extra)).await.unwrap());
    }
    ids
}

/// Job name → settings, for every job of a workspace (read by the walk, not by `c`).
pub async fn settings(c: &WorkspaceClient) -> BTreeMap<String, Value> {
    let jobs = brickport_testkit::jobs(&super::walk(c)).await.unwrap();
    jobs.into_iter()
        .map(|j| (str_of(&j["settings"], "name"), j["settings"].clone()))
        .collect()
}

/// The id of the job named `name`.
pub async fn job_id(c: &WorkspaceClient, name: &str) -> i64 {
    let jobs = brickport_testkit::jobs(&super::walk(c)).await.unwrap();
    let job = jobs.iter().find(|j| j["settings"]["name"] == name);
    job.and_then(|j| j["job_id"].as_i64())
        .unwrap_or_else(|| panic!("no job {name}"))
}

/// Job name → block → pause_status, for every job of a workspace.
pub async fn pauses(c: &WorkspaceClient) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (name, s) in settings(c).await {
        let mut blocks = BTreeMap::new();
        for b in ["schedule", "trigger", "continuous"] {
            if let Some(block) = s.get(b).filter(|v| !v.is_null()) {
                let p = block["pause_status"].as_str().unwrap_or("UNPAUSED");
                blocks.insert(b.to_string(), p.to_string());
            }
        }
        out.insert(name, blocks);
    }
    out
}

pub fn one(block: &str, status: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(block.to_string(), status.to_string())])
}

/// (cut-over actions done, total) on the dashboard.
pub fn cutover_actions(run_dir: &std::path::Path) -> (usize, usize) {
    let s = status(run_dir).unwrap();
    let g = s
        .dashboard
        .post_migration
        .iter()
        .find(|g| g.group == "cutover")
        .expect("a cut-over group on the dashboard");
    (g.done, g.total)
}

/// Replaces the given top-level settings of job `id`.
pub async fn edit(c: &WorkspaceClient, id: i64, settings: JobSettings) {
    let update = UpdateJob {
        job_id: id,
        new_settings: Some(settings),
        fields_to_remove: Vec::new(),
    };
    c.jobs().update(&update).await.unwrap();
}

pub async fn pause_in_source(c: &WorkspaceClient, id: i64) {
    let schedule = json!({"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC", "pause_status": "PAUSED"});
    let settings = JobSettings {
        schedule: Some(schedule),
        ..JobSettings::default()
    };
    edit(c, id, settings).await;
}

/// Someone edits the seeded notebook's content and job `hourly`'s settings in `target`;
/// returns `hourly`'s id there.
pub async fn edit_by_hand(target: &WorkspaceClient) -> i64 {
    import(target, b"print(2)", true).await;
    let hourly = job_id(target, "hourly").await;
    let settings = JobSettings {
        max_concurrent_runs: Some(7),
        ..JobSettings::default()
    };
    edit(target, hourly, settings).await;
    hourly
}

/// Writes the seeded notebook with this code.
async fn import(c: &WorkspaceClient, code: &[u8], overwrite: bool) {
    let mut content = b"# Databricks notebook source\n".to_vec();
    content.extend_from_slice(code);
    content.push(b'\n');
    let import = Import {
        path: NB.into(),
        format: ExportFormat::Source,
        language: Some("PYTHON".into()),
        content,
        overwrite,
    };
    c.workspace().import(&import).await.unwrap();
}
