//! `brickport cutover`, `verify` and the `status` dashboard through the binary, against two
//! emulators on loopback: exit codes, text and JSON, and what the workspaces hold afterwards.

use std::collections::BTreeMap;
use std::ops::Deref;

use brickport_api::WorkspaceClient;
use brickport_api::types::jobs::{JobSettings, UpdateJob};
use brickport_api::types::workspace::{ExportFormat, Import};
use brickport_engine::ledger::{Access, Ledger};
use serde_json::{Value, json};

use crate::support::*;

const NB: &str = "/Shared/etl/ingest";

/// [`Sandbox::unthrottled_pair`] and a client on each workspace.
struct Pair {
    sb: Sandbox,
    source: WorkspaceClient,
    target: WorkspaceClient,
}

impl Deref for Pair {
    type Target = Sandbox;

    fn deref(&self) -> &Sandbox {
        &self.sb
    }
}

impl Pair {
    fn new() -> Pair {
        let mut sb = Sandbox::new();
        let (src, dst) = sb.unthrottled_pair();
        Pair {
            source: api(&src, SOURCE_TOKEN),
            target: api(&dst, TARGET_TOKEN),
            sb,
        }
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
    let sb = Pair::new();
    sb.seed();
    let out = sb.run_between(&["migrate", "-q"]);
    assert_eq!(out.code, 0, "{out:?}");
    for (name, blocks) in sb.pauses(&sb.target) {
        assert!(blocks.values().all(|s| s == "PAUSED"), "{name}: {blocks:?}");
    }

    // The dashboard: phases with bars, the cut-over actions pending.
    let out = sb.run_between(&["status"]);
    assert_eq!(out.code, 0, "{out:?}");
    insta::assert_snapshot!("status_before_cutover", normalise(&sb, &out.stdout));
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
            .contains("☐      0 done      3 pending  to switch on at cut-over"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Objects migrated/listed"),
        "{}",
        out.stdout
    );
    // The built-in groups and default policies are mapped, not migrated.
    assert!(
        out.stdout.contains("6 skipped on purpose"),
        "{}",
        out.stdout
    );
    let doc = sb.run_between(&["status", "--output", "json"]).json();
    assert_eq!(cutover_group(&doc), (0, 3));
    let phases = doc["dashboard"]["phases"].as_array().unwrap();
    assert_eq!(phases[0]["title"], "Enablement Objects");
    assert_eq!(phases[0]["percent"], 100, "{doc}");
    let migrated: BTreeMap<String, u64> = doc["dashboard"]["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            let kind = k["kind"].as_str().unwrap().to_string();
            (kind, k["migrated"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(migrated["jobs"], 5);
    assert_eq!(migrated["notebooks"], 1);

    let out = sb.run_between(&["verify"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("0 differ"), "{out:?}");

    // GO LIVE: exactly the three active jobs are resumed in the target.
    let out = sb.run_between(&["cutover", "--yes", "--output", "json"]);
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
    let doc = sb.run_between(&["status", "--output", "json"]).json();
    assert_eq!(cutover_group(&doc), (3, 3));
    let out = sb.run_between(&["status"]);
    assert!(
        out.stdout
            .contains("✓      3 done      0 pending  to switch on at cut-over"),
        "{}",
        out.stdout
    );

    // Again: nothing changes, nothing is written; the text says the jobs run on both sides.
    let before = (
        sb.emulators[0].stats().writes,
        sb.emulators[1].stats().writes,
    );
    let out = sb.run_between(&["cutover", "--yes"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("3 already cut over"), "{}", out.stdout);
    assert!(out.stdout.contains("0 writes"), "{}", out.stdout);
    assert!(out.stdout.contains("--pause-source"), "{}", out.stdout);
    assert_eq!(
        (
            sb.emulators[0].stats().writes,
            sb.emulators[1].stats().writes
        ),
        before
    );

    // --pause-source pauses them in the source; the target is not written.
    let out = sb.run_between(&["cutover", "--yes", "--pause-source"]);
    assert_eq!(out.code, 0, "{out:?}");
    let s = sb.pauses(&sb.source);
    assert_eq!(s["hourly"], one("schedule", "PAUSED"));
    assert_eq!(s["stream"], one("continuous", "PAUSED"));
    assert_eq!(s["arrival"], one("trigger", "PAUSED"));
    assert_eq!(sb.emulators[1].stats().writes, before.1);

    let out = sb.run_between(&["verify"]);
    assert_eq!(out.code, 0, "after the cut-over: {out:?}");

    // Someone edits the target: verify fails and names what.
    sb.rt
        .block_on(import(&sb.target, b"print('edited')\n", true));
    let out = sb.run_between(&["verify"]);
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
    let out = sb.run_between(&["verify", "--output", "json"]);
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
    assert_eq!(sb.run_between(&["migrate", "-q", "--only", "jobs"]).code, 0);
    sb.rt
        .block_on(sb.target.jobs().delete(sb.target_job("late")))
        .unwrap();
    let out = sb.run_between(&["cutover", "--yes"]);
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
    let sb = Pair::new();
    for cmd in ["cutover", "verify"] {
        // `--yes`: without it, cutover would refuse first (no terminal to ask on).
        let yes = if cmd == "cutover" { "--yes" } else { "-q" };
        let out = sb.run(&[
            cmd,
            yes,
            "--source-profile",
            "src",
            "--target-profile",
            "dst",
            "--run-dir",
            "elsewhere",
        ]);
        assert_eq!(out.code, 2, "{out:?}");
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "{out:?}");
        assert!(lines[0].starts_with("error: "), "{out:?}");
        assert!(lines[0].contains("brickport migrate"), "{out:?}");
        assert!(!sb.path().join("elsewhere/ledger.sqlite").exists());
    }
}

/// A group of the status dashboard's post-migration actions, as (done, total), if present.
fn group(status: &Value, name: &str) -> Option<(u64, u64)> {
    let groups = status["dashboard"]["post_migration"].as_array()?;
    let g = groups.iter().find(|g| g["group"] == name)?;
    Some((g["done"].as_u64()?, g["total"].as_u64()?))
}

#[test]
fn cutover_dry_run_writes_nothing_a_script_must_say_yes_and_both_sides_running_is_an_action() {
    let sb = Pair::new();
    sb.seed();
    assert_eq!(sb.run_between(&["migrate", "-q"]).code, 0);
    let writes = || {
        (
            sb.emulators[0].stats().writes,
            sb.emulators[1].stats().writes,
        )
    };
    let before = writes();
    let files = all_files(&sb.path().join("run"));
    // SQLite's own side files (-wal, -shm) change under a read-only reader too; what the
    // ledger holds is checked through `status` below.
    let changed = |before: &[(std::path::PathBuf, Vec<u8>)]| -> Vec<String> {
        let mut now = all_files(&sb.path().join("run"));
        now.retain(|(p, _)| {
            !p.to_string_lossy().ends_with("-wal") && !p.to_string_lossy().ends_with("-shm")
        });
        let before: Vec<_> = before
            .iter()
            .filter(|(p, _)| {
                !p.to_string_lossy().ends_with("-wal") && !p.to_string_lossy().ends_with("-shm")
            })
            .cloned()
            .collect();
        let mut out: Vec<String> = now
            .iter()
            .filter(|f| !before.contains(f))
            .map(|(p, _)| p.display().to_string())
            .collect();
        out.extend(
            before
                .iter()
                .filter(|f| !now.contains(f))
                .map(|(p, _)| format!("{} (gone)", p.display())),
        );
        out
    };

    // Without a terminal and without --yes: refused before anything is read or written.
    let out = sb.run_between(&["cutover"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("--yes"), "{out:?}");
    assert!(out.stderr.contains("--dry-run"), "{out:?}");

    // --dry-run: what it would do, read from both workspaces; no write anywhere.
    let out = sb.run_between(&["cutover", "--dry-run", "--pause-source", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["writes"], 6, "3 resumes and 3 source pauses: {doc}");
    let out = sb.run_between(&["cutover", "--dry-run"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("dry run: nothing written"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("would resume"), "{}", out.stdout);
    assert!(out.stdout.contains("3 to resume"), "{}", out.stdout);
    assert_eq!(writes(), before, "a dry run wrote to a workspace");
    assert_eq!(
        changed(&files),
        Vec::<String>::new(),
        "a dry run wrote to the run directory"
    );
    for (name, blocks) in sb.pauses(&sb.target) {
        assert!(blocks.values().all(|s| s == "PAUSED"), "{name}: {blocks:?}");
    }
    let doc = sb.run_between(&["status", "--output", "json"]).json();
    assert_eq!(cutover_group(&doc), (0, 3));
    assert_eq!(group(&doc, "pause_source"), None);

    // Cut over without --pause-source: the three jobs now run on both sides, which the
    // pending actions say, with the command that ends it.
    assert_eq!(sb.run_between(&["cutover", "--yes"]).code, 0);
    let doc = sb.run_between(&["status", "--output", "json"]).json();
    assert_eq!(cutover_group(&doc), (3, 3));
    assert_eq!(group(&doc, "pause_source"), Some((0, 3)), "{doc}");
    let text = doc["dashboard"].to_string();
    assert!(text.contains("runs in both workspaces"), "{text}");
    assert!(text.contains("brickport cutover --pause-source"), "{text}");
    // --pause-source ticks them.
    assert_eq!(
        sb.run_between(&["cutover", "--yes", "--pause-source"]).code,
        0
    );
    let doc = sb.run_between(&["status", "--output", "json"]).json();
    assert_eq!(group(&doc, "pause_source"), Some((3, 3)), "{doc}");
}
