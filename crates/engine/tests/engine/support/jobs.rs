//! A source with a notebook and jobs in every pause state, and readers of the jobs' pause
//! states (the cutover, drift and verify themes).

use std::collections::BTreeMap;

use brickport_api::WorkspaceClient;
use brickport_api::types::jobs::{JobListQuery, JobSettings, UpdateJob};
use brickport_api::types::workspace::{ExportFormat, Import};
use brickport_engine::status;
use futures::TryStreamExt;
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
    c.workspace()
        .import(&Import {
            path: NB.into(),
            format: ExportFormat::Source,
            language: Some("PYTHON".into()),
            content: b"# Databricks notebook source\nprint(1)\n".to_vec(),
            overwrite: false,
        })
        .await
        .unwrap();
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

/// Job name → block → pause_status, for every job of a workspace.
pub async fn pauses(c: &WorkspaceClient) -> BTreeMap<String, BTreeMap<String, String>> {
    let listed: Vec<_> = c
        .jobs()
        .list(&JobListQuery::default())
        .try_collect()
        .await
        .unwrap();
    let mut out = BTreeMap::new();
    for j in listed {
        let j = c.jobs().get(j.job_id.unwrap()).await.unwrap();
        let s = serde_json::to_value(j.settings.unwrap()).unwrap();
        let mut blocks = BTreeMap::new();
        for b in ["schedule", "trigger", "continuous"] {
            if let Some(block) = s.get(b).filter(|v| !v.is_null()) {
                let p = block["pause_status"].as_str().unwrap_or("UNPAUSED");
                blocks.insert(b.to_string(), p.to_string());
            }
        }
        out.insert(s["name"].as_str().unwrap().to_string(), blocks);
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

pub async fn pause_in_source(c: &WorkspaceClient, id: i64) {
    c.jobs()
        .update(&UpdateJob {
            job_id: id,
            new_settings: Some(JobSettings {
                schedule: Some(json!({"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC", "pause_status": "PAUSED"})),
                ..JobSettings::default()
            }),
            fields_to_remove: Vec::new(),
        })
        .await
        .unwrap();
}
