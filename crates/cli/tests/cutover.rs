//! `brickport cutover`, `verify` and the `status` dashboard through the binary, against two
//! emulators on loopback: exit codes, text and JSON, and what the workspaces hold afterwards.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use assert_cmd::cargo::CommandCargoExt;
use brickport_api::types::jobs::{JobSettings, UpdateJob};
use brickport_api::types::workspace::{ExportFormat, Import};
use brickport_api::{ClientOptions, WorkspaceClient, WorkspaceConfig};
use brickport_emulator::{EmulatorOptions, RateLimitSpec, RunningEmulator, TokenSpec};
use brickport_engine::ledger::{Access, Ledger};
use serde_json::{Value, json};

const SOURCE_TOKEN: &str = "dapi-cutover-source-31d7";
const TARGET_TOKEN: &str = "dapi-cutover-target-88a0";
const NB: &str = "/Shared/etl/ingest";

struct Sandbox {
    dir: tempfile::TempDir,
    src: RunningEmulator,
    dst: RunningEmulator,
    source: WorkspaceClient,
    target: WorkspaceClient,
    rt: tokio::runtime::Runtime,
}

#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:?}"))
    }
}

fn client(url: &str, token: &str) -> WorkspaceClient {
    let cfg = WorkspaceConfig::with_token(url, token).unwrap();
    WorkspaceClient::new(cfg, ClientOptions::fast(Duration::from_secs(30))).unwrap()
}

impl Sandbox {
    fn new() -> Sandbox {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let start = |token: &str, user: &str, id_seed| {
            rt.block_on(brickport_emulator::start(EmulatorOptions {
                tokens: vec![TokenSpec::parse(&format!("{token}:{user}")).unwrap()],
                id_seed,
                rate_limits: RateLimitSpec::Off,
                ..EmulatorOptions::default()
            }))
            .unwrap()
        };
        let src = start(SOURCE_TOKEN, "alice@source.example", 1);
        let dst = start(TARGET_TOKEN, "bob@target.example", 2);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(".databrickscfg"),
            format!(
                "[src]\nhost = {}\ntoken = {SOURCE_TOKEN}\n\n[dst]\nhost = {}\ntoken = {TARGET_TOKEN}\n",
                src.url(),
                dst.url()
            ),
        )
        .unwrap();
        // The emulators are local: lift the client budgets meant for real workspaces.
        let mut toml = String::new();
        for f in [
            "scim",
            "clusters",
            "pools",
            "policies",
            "jobs",
            "workspace",
            "permissions",
            "secrets",
            "sql",
            "repos",
            "other",
        ] {
            toml.push_str(&format!("[throttle.{f}]\nrps = 1000\nconcurrency = 16\n\n"));
        }
        std::fs::write(dir.path().join("brickport.toml"), toml).unwrap();
        let (source, target) = (
            client(src.url(), SOURCE_TOKEN),
            client(dst.url(), TARGET_TOKEN),
        );
        Sandbox {
            dir,
            src,
            dst,
            source,
            target,
            rt,
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `brickport ARGS --source-profile src --target-profile dst --run-dir <run_dir>`.
    fn run_in(&self, run_dir: &str, args: &[&str]) -> Out {
        let mut cmd = Command::cargo_bin("brickport").unwrap();
        cmd.current_dir(self.path());
        for (k, _) in std::env::vars() {
            if k.starts_with("DATABRICKS_") || k.starts_with("BRICKPORT_") || k == "RUST_LOG" {
                cmd.env_remove(k);
            }
        }
        cmd.env("HOME", self.path())
            .env("DATABRICKS_CONFIG_FILE", self.path().join(".databrickscfg"))
            .args(args)
            .args([
                "--source-profile",
                "src",
                "--target-profile",
                "dst",
                "--run-dir",
                run_dir,
            ]);
        let o = cmd.output().unwrap();
        let out = Out {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        };
        for t in [SOURCE_TOKEN, TARGET_TOKEN] {
            assert!(
                !out.stdout.contains(t) && !out.stderr.contains(t),
                "token printed: {out:?}"
            );
        }
        assert!(!out.stderr.contains("panicked"), "{out:?}");
        if std::env::var_os("SHOW_OUTPUT").is_some() {
            eprintln!(
                "$ brickport {}\n{}{}",
                args.join(" "),
                out.stdout,
                out.stderr
            );
        }
        out
    }

    fn run(&self, args: &[&str]) -> Out {
        self.run_in("run", args)
    }

    fn seed(&self) {
        let c = &self.source;
        self.rt.block_on(async {
            c.workspace().mkdirs("/Shared/etl").await.unwrap();
            import(c, b"print(1)\n", false).await;
            let cron = |p: &str| json!({"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC", "pause_status": p});
            for (name, extra) in [
                ("hourly", json!({"schedule": cron("UNPAUSED")})),
                ("paused", json!({"schedule": cron("PAUSED")})),
                ("stream", json!({"continuous": {"pause_status": "UNPAUSED"}})),
                ("arrival", json!({"trigger": {"file_arrival": {"url": "s3://landing/"}, "pause_status": "UNPAUSED"}})),
                ("manual", json!({})),
            ] {
                let mut v = json!({"name": name, "tasks": [{"task_key": "t", "notebook_task": {"notebook_path": NB}}]});
                v.as_object_mut()
                    .unwrap()
                    .extend(extra.as_object().unwrap().clone());
                let s: JobSettings = serde_json::from_value(v).unwrap();
                c.jobs().create(&s).await.unwrap();
            }
        });
    }

    /// Job name → block → pause status, for the ledger's jobs on one side.
    fn pauses(&self, c: &WorkspaceClient) -> BTreeMap<String, BTreeMap<String, String>> {
        let ledger = Ledger::open(&self.path().join("run"), Access::ReadOnly).unwrap();
        let target = c.host() == self.target.host();
        self.rt.block_on(async {
            let mut out = BTreeMap::new();
            for e in ledger.entries(Some("jobs")).unwrap() {
                let id = if target {
                    e.target_id.clone().unwrap()
                } else {
                    e.source_id.clone()
                };
                let s = c
                    .jobs()
                    .get(id.parse().unwrap())
                    .await
                    .unwrap()
                    .settings
                    .unwrap();
                let s = serde_json::to_value(s).unwrap();
                let mut blocks = BTreeMap::new();
                for b in ["schedule", "trigger", "continuous"] {
                    if let Some(x) = s.get(b).filter(|x| !x.is_null()) {
                        let p = x["pause_status"].as_str().unwrap_or("UNPAUSED");
                        blocks.insert(b.to_string(), p.to_string());
                    }
                }
                out.insert(s["name"].as_str().unwrap().to_string(), blocks);
            }
            out
        })
    }

    /// The target id of the migrated job `name`.
    fn target_job(&self, name: &str) -> i64 {
        let ledger = Ledger::open(&self.path().join("run"), Access::ReadOnly).unwrap();
        let e = ledger
            .entries(Some("jobs"))
            .unwrap()
            .into_iter()
            .find(|e| e.natural_key.starts_with(&format!("{name} (")))
            .unwrap();
        e.target_id.unwrap().parse().unwrap()
    }
}

async fn import(c: &WorkspaceClient, body: &[u8], overwrite: bool) {
    let mut content = b"# Databricks notebook source\n".to_vec();
    content.extend_from_slice(body);
    c.workspace()
        .import(&Import {
            path: NB.into(),
            format: ExportFormat::Source,
            language: Some("PYTHON".into()),
            content,
            overwrite,
        })
        .await
        .unwrap();
}

fn cutover_group(status: &Value) -> (u64, u64) {
    let g = status["dashboard"]["post_migration"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == "cutover")
        .unwrap_or_else(|| panic!("no cut-over group: {status}"));
    (g["done"].as_u64().unwrap(), g["total"].as_u64().unwrap())
}

fn one(b: &str, s: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(b.to_string(), s.to_string())])
}

#[test]
fn migrate_status_cutover_verify_through_the_binary() {
    let sb = Sandbox::new();
    sb.seed();
    let out = sb.run(&["migrate", "-q"]);
    assert_eq!(out.code, 0, "{out:?}");
    for (name, blocks) in sb.pauses(&sb.target) {
        assert!(blocks.values().all(|s| s == "PAUSED"), "{name}: {blocks:?}");
    }

    // The dashboard: phases with bars, the cut-over actions pending.
    let out = sb.run(&["status"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("MIGRATION COMPLETION STATUS"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Phase 1: Enablement Objects"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("▓▓▓▓▓▓▓▓▓▓ 100%"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("☐ jobs to unpause at cut-over (0/3 done)"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("Objects migrated:"), "{}", out.stdout);
    // The built-in groups and default policies are mapped, not migrated.
    assert!(
        out.stdout.contains("Objects skipped on purpose"),
        "{}",
        out.stdout
    );
    let doc = sb.run(&["status", "--output", "json"]).json();
    assert_eq!(cutover_group(&doc), (0, 3));
    let phases = doc["dashboard"]["phases"].as_array().unwrap();
    assert_eq!(phases[0]["title"], "Enablement Objects");
    assert_eq!(phases[0]["percent"], 100, "{doc}");
    let migrated: BTreeMap<String, u64> = doc["dashboard"]["migrated"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_str().unwrap().to_string(), p[1].as_u64().unwrap()))
        .collect();
    assert_eq!(migrated["jobs"], 5);
    assert_eq!(migrated["notebooks"], 1);

    let out = sb.run(&["verify"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("0 differ"), "{out:?}");

    // GO LIVE: exactly the three active jobs are resumed in the target.
    let out = sb.run(&["cutover", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["writes"], 3);
    let t = sb.pauses(&sb.target);
    assert_eq!(t["hourly"], one("schedule", "UNPAUSED"));
    assert_eq!(t["stream"], one("continuous", "UNPAUSED"));
    assert_eq!(t["arrival"], one("trigger", "UNPAUSED"));
    assert_eq!(t["paused"], one("schedule", "PAUSED"));
    assert!(t["manual"].is_empty());
    assert_eq!(sb.pauses(&sb.source)["hourly"], one("schedule", "UNPAUSED"));
    let doc = sb.run(&["status", "--output", "json"]).json();
    assert_eq!(cutover_group(&doc), (3, 3));
    let out = sb.run(&["status"]);
    assert!(
        out.stdout
            .contains("✓ jobs to unpause at cut-over (3/3 done)"),
        "{}",
        out.stdout
    );

    // Again: nothing changes, nothing is written; the text says the jobs run on both sides.
    let before = (sb.src.stats().writes, sb.dst.stats().writes);
    let out = sb.run(&["cutover"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("3 already cut over"), "{}", out.stdout);
    assert!(out.stdout.contains("0 writes"), "{}", out.stdout);
    assert!(out.stdout.contains("--pause-source"), "{}", out.stdout);
    assert_eq!((sb.src.stats().writes, sb.dst.stats().writes), before);

    // --pause-source pauses them in the source; the target is not written.
    let out = sb.run(&["cutover", "--pause-source"]);
    assert_eq!(out.code, 0, "{out:?}");
    let s = sb.pauses(&sb.source);
    assert_eq!(s["hourly"], one("schedule", "PAUSED"));
    assert_eq!(s["stream"], one("continuous", "PAUSED"));
    assert_eq!(s["arrival"], one("trigger", "PAUSED"));
    assert_eq!(sb.dst.stats().writes, before.1);

    let out = sb.run(&["verify"]);
    assert_eq!(out.code, 0, "after the cut-over: {out:?}");

    // Someone edits the target: verify fails and names what.
    sb.rt
        .block_on(import(&sb.target, b"print('edited')\n", true));
    let out = sb.run(&["verify"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("1 differ"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains(&format!("notebooks {NB}: differs in the target: content")),
        "{}",
        out.stdout
    );
    let hourly = sb.target_job("hourly");
    sb.rt.block_on(async {
        sb.target
            .jobs()
            .update(&UpdateJob {
                job_id: hourly,
                new_settings: Some(JobSettings {
                    timeout_seconds: Some(600),
                    ..JobSettings::default()
                }),
                fields_to_remove: Vec::new(),
            })
            .await
            .unwrap()
    });
    let out = sb.run(&["verify", "--output", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["ok"], false);
    let diffs = doc["differences"].as_array().unwrap();
    assert_eq!(diffs.len(), 2, "{doc}");
    let job = diffs.iter().find(|d| d["kind"] == "jobs").unwrap();
    assert!(
        job["key"].as_str().unwrap().starts_with("hourly ("),
        "{job}"
    );
    assert_eq!(job["mismatch"], "differs");
    assert!(
        job["details"].to_string().contains("timeout_seconds"),
        "{job}"
    );

    // A job deleted from the target cannot be resumed: exit 1, naming it.
    sb.rt.block_on(async {
        let late: JobSettings = serde_json::from_value(json!({
            "name": "late",
            "schedule": {"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC"},
        }))
        .unwrap();
        sb.source.jobs().create(&late).await.unwrap();
    });
    assert_eq!(sb.run(&["migrate", "-q", "--only", "jobs"]).code, 0);
    sb.rt
        .block_on(sb.target.jobs().delete(sb.target_job("late")))
        .unwrap();
    let out = sb.run(&["cutover"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("FAILED"), "{}", out.stdout);
    assert!(out.stdout.contains("late ("), "{}", out.stdout);
    assert!(
        out.stdout.contains("no longer exists in the target"),
        "{}",
        out.stdout
    );
}

#[test]
fn cutover_and_verify_without_a_migration_do_nothing_and_say_why() {
    let sb = Sandbox::new();
    for cmd in ["cutover", "verify"] {
        let out = sb.run_in("elsewhere", &[cmd]);
        assert_eq!(out.code, 2, "{out:?}");
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{out:?}");
        assert!(lines[0].starts_with("error: "), "{out:?}");
        assert!(lines[0].contains("brickport migrate"), "{out:?}");
        assert!(
            !PathBuf::from(sb.path())
                .join("elsewhere/ledger.sqlite")
                .exists()
        );
    }
}
