//! Shared by the cutover and verify tests: two emulators on loopback (different id ranges,
//! so a missed remap shows), a source with a notebook and jobs in every pause state, and
//! readers of the jobs' pause states.

use std::collections::BTreeMap;
use std::time::Duration;

use brickport_api::types::jobs::{JobListQuery, JobSettings, UpdateJob};
use brickport_api::types::workspace::{ExportFormat, Import};
use brickport_api::{ClientOptions, WorkspaceClient, WorkspaceConfig};
use brickport_emulator::{EmulatorOptions, RateLimitSpec, RunningEmulator, TokenSpec};
use brickport_engine::{EngineOptions, status};
use futures::TryStreamExt;
use serde_json::{Value, json};

pub struct Pair {
    pub src: RunningEmulator,
    pub dst: RunningEmulator,
    pub source: WorkspaceClient,
    pub target: WorkspaceClient,
    pub dir: tempfile::TempDir,
}

pub async fn emulator(id_seed: u64) -> RunningEmulator {
    brickport_emulator::start(EmulatorOptions {
        id_seed,
        rate_limits: RateLimitSpec::Off,
        tokens: vec![TokenSpec {
            token: "test-token".into(),
            user_name: "admin@example.com".into(),
            is_admin: true,
        }],
        ..EmulatorOptions::default()
    })
    .await
    .unwrap()
}

pub fn client(url: &str) -> WorkspaceClient {
    let cfg = WorkspaceConfig::with_token(url, "test-token").unwrap();
    WorkspaceClient::new(cfg, ClientOptions::fast(Duration::from_secs(60))).unwrap()
}

impl Pair {
    pub async fn new() -> Pair {
        let (src, dst) = (emulator(1).await, emulator(2).await);
        let (source, target) = (client(src.url()), client(dst.url()));
        Pair {
            src,
            dst,
            source,
            target,
            dir: tempfile::tempdir().unwrap(),
        }
    }
    pub fn opts(&self) -> EngineOptions {
        let mut o = EngineOptions::new(self.dir.path().join("run"));
        o.max_concurrency = 4;
        o
    }
}

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
