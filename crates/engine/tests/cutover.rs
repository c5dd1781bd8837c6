//! `cutover`, `verify` and the status dashboard end to end, between two emulators on loopback:
//! a source with jobs in every pause state is migrated (all PAUSED in the target), cut over
//! (exactly the jobs active in the source now are resumed), cut over again (nothing written),
//! with `pause_source` (the source paused); `verify` holds after the migration and the
//! cut-over and fails, naming the object, after a target notebook or job is edited.

use std::collections::BTreeMap;
use std::time::Duration;

use brickport_api::types::jobs::{JobListQuery, JobSettings, UpdateJob};
use brickport_api::types::workspace::{ExportFormat, Import};
use brickport_api::{ClientOptions, WorkspaceClient, WorkspaceConfig};
use brickport_emulator::{EmulatorOptions, RateLimitSpec, RunningEmulator, TokenSpec};
use brickport_engine::{
    CutoverOutcome, EngineOptions, Mismatch, NoProgress, cutover, migrate, status, verify,
};
use futures::TryStreamExt;
use serde_json::{Value, json};

struct Pair {
    src: RunningEmulator,
    dst: RunningEmulator,
    source: WorkspaceClient,
    target: WorkspaceClient,
    dir: tempfile::TempDir,
}

async fn emulator(id_seed: u64) -> RunningEmulator {
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

fn client(url: &str) -> WorkspaceClient {
    let cfg = WorkspaceConfig::with_token(url, "test-token").unwrap();
    WorkspaceClient::new(cfg, ClientOptions::fast(Duration::from_secs(60))).unwrap()
}

impl Pair {
    async fn new() -> Pair {
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
    fn opts(&self) -> EngineOptions {
        let mut o = EngineOptions::new(self.dir.path().join("run"));
        o.max_concurrency = 4;
        o
    }
}

const NB: &str = "/Shared/etl/ingest";

fn job(name: &str, extra: Value) -> JobSettings {
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
async fn seed(c: &WorkspaceClient) -> BTreeMap<&'static str, i64> {
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
async fn pauses(c: &WorkspaceClient) -> BTreeMap<String, BTreeMap<String, String>> {
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

fn one(block: &str, status: &str) -> BTreeMap<String, String> {
    BTreeMap::from([(block.to_string(), status.to_string())])
}

/// (cut-over actions done, total) on the dashboard.
fn cutover_actions(run_dir: &std::path::Path) -> (usize, usize) {
    let s = status(run_dir).unwrap();
    let g = s
        .dashboard
        .post_migration
        .iter()
        .find(|g| g.group == "cutover")
        .expect("a cut-over group on the dashboard");
    (g.done, g.total)
}

async fn pause_in_source(c: &WorkspaceClient, id: i64) {
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cutover_resumes_exactly_the_active_jobs_once() {
    let p = Pair::new().await;
    let ids = seed(&p.source).await;
    let opts = p.opts();
    let run = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(run.is_success(), "{}", run.to_markdown());

    // Every migrated job is PAUSED in the target.
    let t = pauses(&p.target).await;
    assert_eq!(t.len(), 6, "{t:?}");
    for (name, blocks) in &t {
        assert!(blocks.values().all(|s| s == "PAUSED"), "{name}: {blocks:?}");
    }
    assert_eq!(t["arrival"], one("trigger", "PAUSED"));
    // Four jobs were active in the source: four cut-over actions, none done.
    assert_eq!(cutover_actions(&opts.run_dir), (0, 4));

    // Paused in the source since the migration: must stay paused.
    pause_in_source(&p.source, ids["paused-later"]).await;

    let r = cutover(&p.source, &p.target, &opts, false).await.unwrap();
    assert!(r.is_success(), "{r:?}");
    let by_name = |name: &str| {
        r.jobs
            .iter()
            .find(|j| j.key.starts_with(&format!("{name} (")))
            .unwrap_or_else(|| panic!("{name} not in the report"))
    };
    assert_eq!(by_name("hourly").outcome, CutoverOutcome::Resumed);
    assert_eq!(by_name("stream").outcome, CutoverOutcome::Resumed);
    assert_eq!(by_name("arrival").outcome, CutoverOutcome::Resumed);
    assert_eq!(by_name("paused").outcome, CutoverOutcome::PausedInSource);
    assert_eq!(
        by_name("paused-later").outcome,
        CutoverOutcome::PausedInSource
    );
    assert_eq!(by_name("manual").outcome, CutoverOutcome::NoSchedule);
    assert_eq!(r.writes, 3);

    let t = pauses(&p.target).await;
    assert_eq!(t["hourly"], one("schedule", "UNPAUSED"));
    assert_eq!(t["stream"], one("continuous", "UNPAUSED"));
    assert_eq!(t["arrival"], one("trigger", "UNPAUSED"));
    assert_eq!(t["paused"], one("schedule", "PAUSED"));
    assert_eq!(t["paused-later"], one("schedule", "PAUSED"));
    assert!(t["manual"].is_empty());
    // The trigger kept its settings: only the pause status changed.
    let arrival = p
        .target
        .jobs()
        .list(&JobListQuery {
            name: Some("arrival".into()),
            ..JobListQuery::default()
        })
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    let a = p
        .target
        .jobs()
        .get(arrival[0].job_id.unwrap())
        .await
        .unwrap();
    assert_eq!(
        a.settings.unwrap().trigger.unwrap()["file_arrival"]["url"],
        "s3://landing/in/"
    );
    // The source is untouched without pause_source.
    let s = pauses(&p.source).await;
    assert_eq!(s["hourly"], one("schedule", "UNPAUSED"));
    // Three of the four actions are done; the job paused in the source since stays pending.
    assert_eq!(cutover_actions(&opts.run_dir), (3, 4));

    // A second cutover writes nothing, anywhere.
    let (tw, sw) = (p.dst.stats().writes, p.src.stats().writes);
    let again = cutover(&p.source, &p.target, &opts, false).await.unwrap();
    assert_eq!(again.writes, 0);
    assert_eq!(again.count(CutoverOutcome::AlreadyDone), 3);
    assert_eq!((p.dst.stats().writes, p.src.stats().writes), (tw, sw));

    // pause_source pauses the resumed jobs in the source, and only those.
    let paused = cutover(&p.source, &p.target, &opts, true).await.unwrap();
    assert!(paused.is_success(), "{paused:?}");
    assert_eq!(paused.writes, 3);
    assert_eq!(p.dst.stats().writes, tw, "the target is not written again");
    let s = pauses(&p.source).await;
    assert_eq!(s["hourly"], one("schedule", "PAUSED"));
    assert_eq!(s["stream"], one("continuous", "PAUSED"));
    assert_eq!(s["arrival"], one("trigger", "PAUSED"));
    let t = pauses(&p.target).await;
    assert_eq!(t["hourly"], one("schedule", "UNPAUSED"));
    let (tw, sw) = (p.dst.stats().writes, p.src.stats().writes);
    let third = cutover(&p.source, &p.target, &opts, true).await.unwrap();
    assert_eq!(third.writes, 0);
    assert!(
        third
            .jobs
            .iter()
            .filter(|j| j.outcome == CutoverOutcome::AlreadyDone)
            .all(|j| j.source_paused)
    );
    assert_eq!((p.dst.stats().writes, p.src.stats().writes), (tw, sw));

    // A migrate after the cut-over leaves the resumed jobs running in the target, also a job
    // whose source changed since (it is updated, not paused again).
    let rerun = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(rerun.is_success(), "{}", rerun.to_markdown());
    assert_eq!(p.dst.stats().writes, tw, "{}", rerun.to_markdown());
    p.source
        .jobs()
        .update(&UpdateJob {
            job_id: ids["hourly"],
            new_settings: Some(JobSettings {
                max_concurrent_runs: Some(3),
                ..JobSettings::default()
            }),
            fields_to_remove: Vec::new(),
        })
        .await
        .unwrap();
    let rerun = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let hourly = rerun
        .objects
        .iter()
        .find(|o| o.kind == "jobs" && o.key.starts_with("hourly ("))
        .unwrap();
    assert_eq!(hourly.outcome, brickport_engine::Outcome::Updated);
    assert_eq!(
        pauses(&p.target).await,
        t,
        "a re-run paused a cut-over job again"
    );
    // The source's actions are gone (paused there now); the cut-overs are still done.
    assert_eq!(cutover_actions(&opts.run_dir), (3, 3));

    // After the cut-over, verify expects the resumed jobs UNPAUSED in the target.
    let v = verify(&p.source, &p.target, &opts).await.unwrap();
    assert!(v.is_success(), "{:#?}", v.differences);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cutover_refuses_a_run_dir_without_jobs() {
    let p = Pair::new().await;
    let opts = p.opts();
    let e = cutover(&p.source, &p.target, &opts, false)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("brickport migrate"), "{e}");
    // A migration without jobs: nothing to cut over, said so.
    migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let e = cutover(&p.source, &p.target, &opts, false)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("holds no job"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_holds_after_migrate_and_names_what_changed_in_the_target() {
    let p = Pair::new().await;
    seed(&p.source).await;
    let opts = p.opts();
    let run = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(run.is_success(), "{}", run.to_markdown());
    let v = verify(&p.source, &p.target, &opts).await.unwrap();
    assert!(v.is_success(), "{:#?}", v.differences);
    let by_kind = |k: &str| v.kinds.iter().find(|x| x.kind == k).unwrap().clone();
    assert_eq!(by_kind("jobs").compared, 6);
    assert_eq!(by_kind("jobs").equal, 6);
    assert_eq!(by_kind("notebooks").equal, 1);

    // Someone edits the notebook's content and a job's settings in the target.
    p.target
        .workspace()
        .import(&Import {
            path: NB.into(),
            format: ExportFormat::Source,
            language: Some("PYTHON".into()),
            content: b"# Databricks notebook source\nprint(2)\n".to_vec(),
            overwrite: true,
        })
        .await
        .unwrap();
    let hourly = p
        .target
        .jobs()
        .list(&JobListQuery {
            name: Some("hourly".into()),
            ..JobListQuery::default()
        })
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    p.target
        .jobs()
        .update(&UpdateJob {
            job_id: hourly[0].job_id.unwrap(),
            new_settings: Some(JobSettings {
                max_concurrent_runs: Some(7),
                ..JobSettings::default()
            }),
            fields_to_remove: Vec::new(),
        })
        .await
        .unwrap();

    let v = verify(&p.source, &p.target, &opts).await.unwrap();
    assert!(!v.is_success());
    assert_eq!(v.differences.len(), 2, "{:#?}", v.differences);
    let nb = v
        .differences
        .iter()
        .find(|d| d.kind == "notebooks")
        .unwrap();
    assert_eq!(nb.key, NB);
    assert_eq!(nb.mismatch, Mismatch::Differs);
    assert_eq!(nb.details, ["content"]);
    let j = v.differences.iter().find(|d| d.kind == "jobs").unwrap();
    assert!(j.key.starts_with("hourly ("), "{}", j.key);
    assert!(
        j.details.iter().any(|d| d.contains("max_concurrent_runs")),
        "{:?}",
        j.details
    );
    // Verify writes nothing: the plan-like run does not repair it.
    let v2 = verify(&p.source, &p.target, &opts).await.unwrap();
    assert_eq!(v2.differences.len(), 2);

    // A job deleted in the target is missing; a new source job is not in the ledger.
    p.target
        .jobs()
        .delete(hourly[0].job_id.unwrap())
        .await
        .unwrap();
    p.source
        .jobs()
        .create(&job("new", json!({})))
        .await
        .unwrap();
    let v = verify(&p.source, &p.target, &opts).await.unwrap();
    let kinds: Vec<(&str, Mismatch)> = v
        .differences
        .iter()
        .filter(|d| d.kind == "jobs")
        .map(|d| (d.key.split(' ').next().unwrap(), d.mismatch))
        .collect();
    assert!(kinds.contains(&("hourly", Mismatch::Missing)), "{kinds:?}");
    assert!(kinds.contains(&("new", Mismatch::NotInLedger)), "{kinds:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_gone_from_the_target_fails_alone_and_is_retried() {
    let p = Pair::new().await;
    seed(&p.source).await;
    let opts = p.opts();
    migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let ledger = brickport_engine::ledger::Ledger::open_existing(&opts.run_dir).unwrap();
    let hourly = ledger
        .entries(Some("jobs"))
        .unwrap()
        .into_iter()
        .find(|e| e.natural_key.starts_with("hourly ("))
        .unwrap();
    let tid: i64 = hourly.target_id.unwrap().parse().unwrap();
    p.target.jobs().delete(tid).await.unwrap();

    let r = cutover(&p.source, &p.target, &opts, true).await.unwrap();
    assert!(!r.is_success());
    let failed: Vec<_> = r
        .jobs
        .iter()
        .filter(|j| j.outcome == CutoverOutcome::Failed)
        .collect();
    assert_eq!(failed.len(), 1, "{r:?}");
    assert!(failed[0].key.starts_with("hourly ("));
    let detail = failed[0].detail.as_deref().unwrap();
    assert!(
        detail.contains("no longer exists in the target"),
        "{detail}"
    );
    assert_eq!(r.count(CutoverOutcome::Resumed), 3);
    // The failed job was not paused in the source: it still runs somewhere.
    assert_eq!(
        pauses(&p.source).await["hourly"],
        one("schedule", "UNPAUSED")
    );
    // Run again: the others are done, the failed one is tried again (and fails again).
    let again = cutover(&p.source, &p.target, &opts, true).await.unwrap();
    assert_eq!(again.count(CutoverOutcome::AlreadyDone), 3);
    assert_eq!(again.count(CutoverOutcome::Failed), 1);
    assert_eq!(again.writes, 0);
}

/// The typical workspace (every kind, secrets, clusters, Git folders, ACLs): `verify` after
/// `migrate` reports only what the migration itself reported as not done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_after_migrating_the_typical_workspace() {
    let start = |seed, id_seed| {
        brickport_emulator::start(EmulatorOptions {
            id_seed,
            seed,
            rate_limits: RateLimitSpec::Off,
            cluster_start_delay: Duration::from_millis(40),
            ..EmulatorOptions::default()
        })
    };
    let src = start(brickport_emulator::SeedSpec::Typical, 1)
        .await
        .unwrap();
    let dst = start(brickport_emulator::SeedSpec::None, 2).await.unwrap();
    let (source, target) = (client(src.url()), client(dst.url()));
    let dir = tempfile::tempdir().unwrap();
    let mut opts = EngineOptions::new(dir.path().join("run"));
    opts.max_concurrency = 6;
    let run = migrate(&source, &target, &opts, &NoProgress).await.unwrap();
    let not_done: Vec<(String, String)> = run
        .objects
        .iter()
        .filter(|o| {
            matches!(
                o.outcome,
                brickport_engine::Outcome::Failed | brickport_engine::Outcome::Conflict
            )
        })
        .map(|o| (o.kind.to_string(), o.key.clone()))
        .collect();
    let v = verify(&source, &target, &opts).await.unwrap();
    let differing: Vec<(String, String)> = v
        .differences
        .iter()
        .map(|d| (d.kind.clone(), d.key.clone()))
        .collect();
    let unexpected: Vec<_> = v
        .differences
        .iter()
        .filter(|d| !not_done.contains(&(d.kind.clone(), d.key.clone())))
        .collect();
    assert!(unexpected.is_empty(), "{unexpected:#?}");
    for nd in &not_done {
        assert!(differing.contains(nd), "{nd:?} failed but verify passes it");
    }
    assert!(v.compared() > 50, "{:?}", v.kinds);
}
