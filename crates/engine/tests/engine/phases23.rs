//! Phases 2 and 3 end to end: clusters, notebooks and files, Git folders, jobs and the
//! permissions of every object type, between two emulators on loopback. The target is walked
//! independently of the engine (`support/check.rs`); the failures are in `phases23/failures.rs`.

use std::time::Duration;

use brickport_api::WorkspaceClient;
use brickport_emulator::{EmulatorOptions, Latency, RunningEmulator, SeedSpec};
use brickport_engine::{EngineOptions, NoProgress, Outcome, RunReport, migrate};
use serde_json::json;

use crate::support::{Pair, check, options, seed, seed23};

mod failures;

/// An emulator whose clusters start at once, answering after `latency`.
fn emulator(id_seed: u64, latency: Duration) -> EmulatorOptions {
    EmulatorOptions {
        cluster_start_delay: Duration::from_millis(40),
        latency: Latency {
            fixed: latency,
            jitter: Duration::ZERO,
        },
        ..options(id_seed)
    }
}

async fn pair(target_latency: Duration) -> Pair {
    Pair::of(emulator(1, Duration::ZERO), emulator(2, target_latency)).await
}

fn opts(p: &Pair) -> EngineOptions {
    let mut o = p.options(6);
    // Every listed-whole kind of more than 3 objects waits on disk: these tests go
    // through the read-back path (the other suites through the in-memory one).
    o.listed_in_memory = 3;
    o
}

async fn run(p: &Pair) -> RunReport {
    let r = migrate(&p.source, &p.target, &opts(p), &NoProgress)
        .await
        .unwrap();
    if std::env::var_os("SHOW_REPORT").is_some() {
        eprintln!("{}", r.to_markdown());
    }
    r
}

async fn seeded(p: &Pair, gpu: bool) -> seed23::Seeded {
    let s1 = seed::phase1(&p.source, true).await;
    seed23::phase23(&p.source, &s1.sp_app_id, gpu).await
}

pub(crate) fn outcome(r: &RunReport, kind: &str, key_part: &str) -> brickport_engine::ObjectReport {
    r.objects()
        .unwrap()
        .into_iter()
        .find(|o| o.kind == kind && o.key.contains(key_part))
        .unwrap_or_else(|| panic!("no {kind} `{key_part}` in the report"))
}

/// Every object is checked once more, and every permission type on a seeded object.
async fn assert_everything(p: &Pair, s: &seed23::Seeded) {
    let cl = check::assert_clusters(&p.source, &p.target, &[]).await;
    let jobs = check::assert_jobs(&p.source, &p.target, &cl, &[]).await;
    let files = check::assert_contents(&p.source, &p.target, &[]).await;
    let repos = check::assert_repos(&p.source, &p.target).await;
    check::assert_grants(&p.source, &p.target, "clusters", &s.etl, &cl[&s.etl]).await;
    check::assert_grants(
        &p.source,
        &p.target,
        "jobs",
        &s.nightly.to_string(),
        &jobs[&s.nightly].to_string(),
    )
    .await;
    for path in ["/Shared/team/reports/daily", "/Shared/team/config.json"] {
        let (sid, tid, kind) = &files[path];
        let t = if kind == "NOTEBOOK" {
            "notebooks"
        } else {
            "files"
        };
        check::assert_grants(&p.source, &p.target, t, sid, tid).await;
    }
    let dir = |c: &WorkspaceClient| {
        let c = c.clone();
        async move {
            c.workspace()
                .get_status("/Shared/team")
                .await
                .unwrap()
                .object_id
                .unwrap()
                .to_string()
        }
    };
    check::assert_grants(
        &p.source,
        &p.target,
        "directories",
        &dir(&p.source).await,
        &dir(&p.target).await,
    )
    .await;
    for (sid, tid) in &repos {
        check::assert_grants(&p.source, &p.target, "repos", sid, tid).await;
    }
    let policy = |c: &WorkspaceClient| {
        let c = c.clone();
        async move {
            c.policies()
                .list()
                .await
                .unwrap()
                .into_iter()
                .find(|p| p.name.as_deref() == Some("small-clusters"))
                .unwrap()
                .policy_id
                .unwrap()
        }
    };
    check::assert_grants(
        &p.source,
        &p.target,
        "cluster-policies",
        &policy(&p.source).await,
        &policy(&p.target).await,
    )
    .await;
    let pool = |c: &WorkspaceClient| {
        let c = c.clone();
        async move {
            c.pools()
                .list()
                .await
                .unwrap()
                .into_iter()
                .find(|p| p.instance_pool_name.as_deref() == Some("pool-small"))
                .unwrap()
                .instance_pool_id
                .unwrap()
        }
    };
    check::assert_grants(
        &p.source,
        &p.target,
        "instance-pools",
        &pool(&p.source).await,
        &pool(&p.target).await,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phases_2_and_3_migrate_everything_then_a_rerun_writes_nothing() {
    let p = pair(Duration::ZERO).await;
    let s = seeded(&p, false).await;
    // A cluster the jobs service made: listed, never re-created.
    let job_cluster = {
        let mut st = p.src.emulator().lock();
        let spec = serde_json::from_value(json!({"cluster_name": "job-1-run-1", "spark_version": "15.4.x-scala2.12", "node_type_id": "i3.xlarge", "num_workers": 1})).unwrap();
        st.clusters.insert(
            "0101-000000-jobclstr".into(),
            spec,
            "admin@example.com",
            "JOB",
            false,
        )
    };

    // A plan against the empty target: everything would be created, nothing fails (the
    // grants of objects that do not exist yet included), nothing is written.
    let before = p.dst.stats().writes;
    let planned = brickport_engine::plan(&p.source, &p.target, &opts(&p))
        .await
        .unwrap();
    assert_eq!(p.dst.stats().writes, before, "plan wrote to the target");
    let t = planned.totals();
    assert_eq!((t.failed, t.conflicts), (0, 0), "{}", planned.to_markdown());
    assert!(t.created > 0);

    let report = run(&p).await;
    assert!(report.is_success(), "{}", report.to_markdown());
    let skipped = outcome(&report, "clusters", &job_cluster);
    assert_eq!(skipped.outcome, Outcome::Skipped);
    assert!(
        skipped
            .detail
            .as_deref()
            .unwrap()
            .contains("cluster_source JOB"),
        "{skipped:?}"
    );
    assert_everything(&p, &s).await;

    // Manual actions: unpause at cut-over, re-authenticate Git folders, the running cluster.
    let manual: Vec<String> = report
        .manual_actions
        .iter()
        .map(|m| format!("{} {}: {}", m.kind, m.key, m.action))
        .collect();
    let has = |kind: &str, text: &str| {
        manual
            .iter()
            .filter(|m| m.starts_with(kind) && m.contains(text))
            .count()
    };
    assert_eq!(has("jobs", "unpause at cut-over"), 2, "{manual:#?}"); // nightly (schedule), big (continuous)
    assert_eq!(has("repos", "re-authenticate"), 2, "{manual:#?}");
    assert_eq!(
        has("clusters", "was running in the source"),
        1,
        "{manual:#?}"
    );

    // Contents were kept beside the backups, owner-only, byte for byte.
    let kept = p
        .dir
        .path()
        .join("run/backups/content/files/Shared/team/data.bin");
    let bytes: Vec<u8> = (0..=255u8).cycle().take(3000).collect();
    assert_eq!(std::fs::read(&kept).unwrap(), bytes);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(
        p.dir
            .path()
            .join("run/backups/content/notebooks/Shared/ünï côde/nb ✓")
            .is_file()
    );

    // A plan now finds nothing to do.
    let plan = brickport_engine::plan(&p.source, &p.target, &opts(&p))
        .await
        .unwrap();
    let todo: Vec<_> = plan
        .objects()
        .unwrap()
        .into_iter()
        .filter(|o| !matches!(o.outcome, Outcome::Unchanged | Outcome::Skipped))
        .collect();
    assert!(todo.is_empty(), "{todo:#?}");

    // A re-run: nothing to do, nothing written.
    let before = p.dst.stats().writes;
    let again = run(&p).await;
    assert_eq!(p.dst.stats().writes, before, "a re-run wrote to the target");
    let t = again.totals();
    assert_eq!(
        t.created + t.updated + t.failed + t.conflicts,
        0,
        "{:#?}",
        again.kinds
    );
}

/// Runs a migration and drops it as soon as `stop` holds in the target; true when dropped
/// before the end.
async fn run_until(p: &Pair, stop: impl Fn(&RunningEmulator) -> bool) -> bool {
    let opts = opts(p);
    let run = migrate(&p.source, &p.target, &opts, &NoProgress);
    tokio::pin!(run);
    loop {
        tokio::select! {
            r = &mut run => {
                r.unwrap();
                return false;
            }
            _ = tokio::time::sleep(Duration::from_millis(5)) => {
                if stop(&p.dst) {
                    return true;
                }
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_dropped_mid_phase_2_and_mid_phase_3_resume_without_duplicates() {
    let p = pair(Duration::from_millis(10)).await;
    let s = seeded(&p, false).await;
    let clusters = |d: &RunningEmulator| d.emulator().lock().clusters.clusters.len();
    let jobs = |d: &RunningEmulator| d.emulator().lock().jobs.jobs.len();
    assert!(
        run_until(&p, |d| clusters(d) >= 2).await,
        "the run ended before Phase 2 was under way"
    );
    assert!(
        clusters(&p.dst) < 3 || jobs(&p.dst) == 0,
        "dropped mid Phase 2"
    );
    assert!(
        run_until(&p, |d| jobs(d) >= 3).await,
        "the run ended before Phase 3 was under way"
    );
    assert!(jobs(&p.dst) < 7, "dropped mid Phase 3");

    let report = run(&p).await;
    assert!(report.is_success(), "{}", report.to_markdown());
    assert_everything(&p, &s).await;
    let before = p.dst.stats().writes;
    let again = run(&p).await;
    assert_eq!(p.dst.stats().writes, before, "a re-run wrote to the target");
    assert!(again.is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typical_workspace_migrates_in_full() {
    let at = |seed| EmulatorOptions {
        seed,
        ..emulator(0, Duration::ZERO)
    };
    let p = Pair::of(
        EmulatorOptions {
            id_seed: 21,
            ..at(SeedSpec::Typical)
        },
        EmulatorOptions {
            id_seed: 22,
            ..at(SeedSpec::None)
        },
    )
    .await;
    let report = run(&p).await;
    // The typical source gives the migrating admin another display name than the fresh
    // target: that one SCIM user is a conflict by design (left alone); nothing else.
    let bad: Vec<_> = report
        .objects()
        .unwrap()
        .into_iter()
        .filter(|o| matches!(o.outcome, Outcome::Failed | Outcome::Conflict))
        .filter(|o| !(o.kind == "users" && o.key == "admin@example.com"))
        .collect();
    assert!(bad.is_empty(), "{bad:#?}");
    for kind in ["clusters", "notebooks", "repos", "jobs", "job_permissions"] {
        let k = report.kinds.iter().find(|k| k.kind == kind).unwrap();
        assert!(k.total > 0, "the typical seed has {kind}");
    }
    let cl = check::assert_clusters(&p.source, &p.target, &[]).await;
    let jobs = check::assert_jobs(&p.source, &p.target, &cl, &[]).await;
    let files = check::assert_contents(&p.source, &p.target, &[]).await;
    let repos = check::assert_repos(&p.source, &p.target).await;
    let pipelines = check::assert_pipelines(&p.source, &p.target).await;
    check::assert_destinations(&p.source, &p.target).await;
    for (s, t) in &pipelines {
        check::assert_grants(&p.source, &p.target, "pipelines", s, t).await;
    }
    // Every object's direct grants, principals mapped.
    for (s, t) in &cl {
        check::assert_grants(&p.source, &p.target, "clusters", s, t).await;
    }
    for (s, t) in &jobs {
        check::assert_grants(&p.source, &p.target, "jobs", &s.to_string(), &t.to_string()).await;
    }
    for (s, t, kind) in files.values() {
        let ty = if kind == "NOTEBOOK" {
            "notebooks"
        } else {
            "files"
        };
        check::assert_grants(&p.source, &p.target, ty, s, t).await;
    }
    for (s, t) in &repos {
        check::assert_grants(&p.source, &p.target, "repos", s, t).await;
    }
    let before = p.dst.stats().writes;
    run(&p).await;
    assert_eq!(p.dst.stats().writes, before, "a re-run wrote to the target");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_without_the_permissions_api_is_reported_once_per_object_type() {
    let p = pair(Duration::ZERO).await;
    seed::phase1(&p.source, true).await;
    p.dst.set_permissions_disabled(true);
    let mut opts = opts(&p);
    opts.phase = Some(1);
    let r = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(r.is_success(), "{}", r.to_markdown());
    for kind in [
        "cluster_policy_permissions",
        "instance_pool_permissions",
        "sql_warehouse_permissions",
        "folder_permissions",
    ] {
        let lines: Vec<_> = r
            .objects()
            .unwrap()
            .into_iter()
            .filter(|o| o.kind == kind)
            .collect();
        assert_eq!(lines.len(), 1, "{lines:#?}");
        assert_eq!(lines[0].outcome, Outcome::Skipped);
        assert!(
            lines[0]
                .detail
                .as_deref()
                .unwrap()
                .contains("FEATURE_DISABLED"),
            "{lines:?}"
        );
    }
}
