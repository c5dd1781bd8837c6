//! Phases 2 and 3 end to end: clusters, notebooks and files, Git folders, jobs and the
//! permissions of every object type, between two emulators on loopback. The target is walked
//! independently of the engine (`phases23/check.rs`).

use std::time::Duration;

use brickport_api::types::clusters::Cluster;
use brickport_api::types::jobs::JobSettings;
use brickport_api::{ClientOptions, WorkspaceClient, WorkspaceConfig};
use brickport_emulator::{EmulatorOptions, Latency, RateLimitSpec, RunningEmulator, TokenSpec};
use brickport_engine::{EngineOptions, NoProgress, Outcome, RunReport, migrate};
use serde_json::json;

#[allow(dead_code)]
#[path = "engine/seed.rs"]
mod seed1;

#[path = "phases23/seed.rs"]
mod seed;

#[path = "phases23/check.rs"]
mod check;

struct Pair {
    src: RunningEmulator,
    dst: RunningEmulator,
    source: WorkspaceClient,
    target: WorkspaceClient,
    dir: tempfile::TempDir,
}

async fn emulator(id_seed: u64, latency: Duration) -> RunningEmulator {
    brickport_emulator::start(EmulatorOptions {
        id_seed,
        rate_limits: RateLimitSpec::Off,
        tokens: vec![TokenSpec {
            token: "test-token".into(),
            user_name: "admin@example.com".into(),
            is_admin: true,
        }],
        cluster_start_delay: Duration::from_millis(40),
        latency: Latency {
            fixed: latency,
            jitter: Duration::ZERO,
        },
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
    async fn new(target_latency: Duration) -> Pair {
        let src = emulator(1, Duration::ZERO).await;
        let dst = emulator(2, target_latency).await;
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
        o.max_concurrency = 6;
        // Every listed-whole kind of more than 3 objects waits on disk: these tests go
        // through the read-back path (the other suites through the in-memory one).
        o.listed_in_memory = 3;
        o
    }
    async fn migrate(&self) -> RunReport {
        let r = migrate(&self.source, &self.target, &self.opts(), &NoProgress)
            .await
            .unwrap();
        if std::env::var_os("SHOW_REPORT").is_some() {
            eprintln!("{}", r.to_markdown());
        }
        r
    }
    async fn seed(&self, gpu: bool) -> seed::Seeded {
        let s1 = seed1::phase1(&self.source, true).await;
        seed::phase23(&self.source, &s1.sp_app_id, gpu).await
    }
}

fn outcome(r: &RunReport, kind: &str, key_part: &str) -> brickport_engine::ObjectReport {
    r.objects()
        .unwrap()
        .into_iter()
        .find(|o| o.kind == kind && o.key.contains(key_part))
        .unwrap_or_else(|| panic!("no {kind} `{key_part}` in the report"))
}

/// Every object is checked once more, and every permission type on a seeded object.
async fn assert_everything(p: &Pair, s: &seed::Seeded) {
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
    let p = Pair::new(Duration::ZERO).await;
    let s = p.seed(false).await;
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
    let planned = brickport_engine::plan(&p.source, &p.target, &p.opts())
        .await
        .unwrap();
    assert_eq!(p.dst.stats().writes, before, "plan wrote to the target");
    let t = planned.totals();
    assert_eq!((t.failed, t.conflicts), (0, 0), "{}", planned.to_markdown());
    assert!(t.created > 0);

    let report = p.migrate().await;
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
    let plan = brickport_engine::plan(&p.source, &p.target, &p.opts())
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
    let again = p.migrate().await;
    assert_eq!(p.dst.stats().writes, before, "a re-run wrote to the target");
    let t = again.totals();
    assert_eq!(
        t.created + t.updated + t.failed + t.conflicts,
        0,
        "{:#?}",
        again.kinds
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_stay_alone_and_their_dependents_are_skipped() {
    use base64::Engine;
    let p = Pair::new(Duration::ZERO).await;
    let s = p.seed(true).await;
    let gpu = s.gpu.clone().unwrap();
    // A job on a cluster deleted since, and a job running that job.
    let doomed = p
        .source
        .clusters()
        .create(&Cluster {
            cluster_name: Some("doomed".into()),
            spark_version: Some("15.4.x-scala2.12".into()),
            node_type_id: Some("i3.xlarge".into()),
            num_workers: Some(1),
            ..Cluster::default()
        })
        .await
        .unwrap();
    let jobs = p.source.jobs();
    let task = |k: &str, t: serde_json::Value| {
        let mut v = t;
        v["task_key"] = json!(k);
        v
    };
    let orphan = jobs
        .create(&JobSettings {
            name: Some("orphan".into()),
            tasks: Some(vec![task("a", json!({"existing_cluster_id": doomed, "notebook_task": {"notebook_path": "/Shared/team/util"}}))]),
            ..JobSettings::default()
        })
        .await
        .unwrap();
    p.source.clusters().permanent_delete(&doomed).await.unwrap();
    let after_orphan = jobs
        .create(&JobSettings {
            name: Some("after-orphan".into()),
            tasks: Some(vec![task("r", json!({"run_job_task": {"job_id": orphan}}))]),
            ..JobSettings::default()
        })
        .await
        .unwrap();
    // A notebook over 10 MB (only the store can hold one), and a job using it.
    {
        let mut st = p.src.emulator().lock();
        let id = st.ids.next_int();
        let body = vec![b'#'; 11 * 1024 * 1024];
        st.workspace.objects.insert(
            "/Shared/team/huge".into(),
            brickport_emulator::kinds::workspace::Object {
                object_id: id,
                object_type: "NOTEBOOK".into(),
                language: Some("PYTHON".into()),
                content: Some(base64::engine::general_purpose::STANDARD.encode(&body)),
                size: body.len(),
                created_at: 1,
                modified_at: 1,
            },
        );
    }
    let huge_job = jobs
        .create(&JobSettings {
            name: Some("huge-job".into()),
            tasks: Some(vec![task("h", json!({"existing_cluster_id": s.etl, "notebook_task": {"notebook_path": "/Shared/team/huge"}}))]),
            ..JobSettings::default()
        })
        .await
        .unwrap();
    let gpu_job = jobs
        .create(&JobSettings {
            name: Some("gpu-job".into()),
            tasks: Some(vec![task("g", json!({"existing_cluster_id": gpu, "notebook_task": {"notebook_path": "/Shared/team/util"}}))]),
            ..JobSettings::default()
        })
        .await
        .unwrap();
    // A cluster reading a secret from a scope that is not in the source any more.
    let needs_secret = p
        .source
        .clusters()
        .create(&Cluster {
            cluster_name: Some("needs-secret".into()),
            spark_version: Some("15.4.x-scala2.12".into()),
            node_type_id: Some("i3.xlarge".into()),
            num_workers: Some(0),
            spark_env_vars: Some(
                serde_json::from_value(json!({"TOKEN": "{{secrets/gone-scope/token}}"})).unwrap(),
            ),
            ..Cluster::default()
        })
        .await
        .unwrap();
    // A job whose owner has left: the migrating principal owns it in the target.
    let leaver = seed1::user(&p.source, "leaver@example.com", "Leaver", true, &[], &[]).await;
    let left_behind = jobs
        .create(&JobSettings {
            name: Some("left-behind".into()),
            run_as: Some(json!({"user_name": "alice@example.com"})),
            ..JobSettings::default()
        })
        .await
        .unwrap();
    let lb = left_behind.to_string();
    seed::grant(
        &p.source,
        "jobs",
        &lb,
        &[("user_name", "leaver@example.com", "IS_OWNER")],
    )
    .await;
    p.source.scim().users().delete(&leaver).await.unwrap();
    // A job using a pipeline: pipelines are not migrated.
    let pipeline_job = jobs
        .create(&JobSettings {
            name: Some("pipeline-job".into()),
            tasks: Some(vec![task(
                "p",
                json!({"pipeline_task": {"pipeline_id": "0123-pipeline"}}),
            )]),
            ..JobSettings::default()
        })
        .await
        .unwrap();
    // The target's region has no GPU nodes.
    p.dst
        .emulator()
        .lock()
        .clusters
        .node_types
        .retain(|n| n.node_type_id != "g4dn.xlarge");

    // validate says so before anything is written.
    let v = brickport_engine::validate(&p.source, &p.target, &p.opts())
        .await
        .unwrap();
    let nodes = v
        .checks
        .iter()
        .find(|c| c.name == "cluster node types")
        .unwrap();
    assert!(
        !nodes.ok && nodes.detail.contains("g4dn.xlarge"),
        "{nodes:?}"
    );

    let r = p.migrate().await;
    let expect = |kind: &str, key: &str, o: Outcome, text: &str| {
        let x = outcome(&r, kind, key);
        assert_eq!(x.outcome, o, "{kind} {key}: {x:?}");
        assert!(
            x.detail.as_deref().unwrap_or("").contains(text),
            "{kind} {key}: {x:?}"
        );
    };
    expect("clusters", &gpu, Outcome::Failed, "g4dn.xlarge");
    expect("notebooks", "/Shared/team/huge", Outcome::Failed, "10 MB");
    expect(
        "jobs",
        &format!("({orphan})"),
        Outcome::Failed,
        "no longer exists in the source",
    );
    expect(
        "jobs",
        &format!("({after_orphan})"),
        Outcome::Skipped,
        "which failed",
    );
    expect(
        "jobs",
        &format!("({huge_job})"),
        Outcome::Skipped,
        "/Shared/team/huge",
    );
    expect(
        "jobs",
        &format!("({gpu_job})"),
        Outcome::Skipped,
        "which failed",
    );
    expect(
        "clusters",
        &needs_secret,
        Outcome::Skipped,
        "secret_scopes `gone-scope`",
    );
    expect(
        "cluster_permissions",
        &gpu,
        Outcome::Skipped,
        "which failed",
    );
    expect(
        "job_permissions",
        &format!("({orphan})"),
        Outcome::Skipped,
        "which failed",
    );
    expect(
        "notebook_permissions",
        "/Shared/team/huge",
        Outcome::Skipped,
        "which failed",
    );
    let lbp = outcome(&r, "job_permissions", &format!("({left_behind})"));
    assert!(
        lbp.dropped.iter().any(|d| d.contains("leaver@example.com")),
        "{lbp:?}"
    );
    let tid = lbp.target_id.clone().unwrap();
    let owner = check::grants(&p.target, "jobs", &tid).await;
    assert!(
        owner.contains("user admin@example.com IS_OWNER"),
        "{owner:?}"
    );
    expect(
        "jobs",
        &format!("({pipeline_job})"),
        Outcome::Failed,
        "pipeline 0123-pipeline, which brickport does not migrate",
    );
    let t = r.totals();
    assert_eq!(t.failed, 4, "{}", r.to_markdown());
    assert_eq!(t.conflicts, 0);
    assert!(
        r.manual_actions.iter().any(|m| m.kind == "notebooks"
            && m.key == "/Shared/team/huge"
            && m.action.contains("by hand")),
        "{:#?}",
        r.manual_actions
    );

    // Everything else arrived.
    let cl =
        check::assert_clusters(&p.source, &p.target, &[gpu.clone(), needs_secret.clone()]).await;
    check::assert_jobs(
        &p.source,
        &p.target,
        &cl,
        &[orphan, after_orphan, huge_job, gpu_job, pipeline_job],
    )
    .await;
    check::assert_contents(&p.source, &p.target, &["/Shared/team/huge"]).await;
    check::assert_repos(&p.source, &p.target).await;
}

/// Runs a migration and drops it as soon as `stop` holds in the target; true when dropped
/// before the end.
async fn run_until(p: &Pair, stop: impl Fn(&RunningEmulator) -> bool) -> bool {
    let opts = p.opts();
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
    let p = Pair::new(Duration::from_millis(10)).await;
    let s = p.seed(false).await;
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

    let report = p.migrate().await;
    assert!(report.is_success(), "{}", report.to_markdown());
    assert_everything(&p, &s).await;
    let before = p.dst.stats().writes;
    let again = p.migrate().await;
    assert_eq!(p.dst.stats().writes, before, "a re-run wrote to the target");
    assert!(again.is_success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_typical_workspace_migrates_in_full() {
    let start = |seed, id_seed| {
        brickport_emulator::start(EmulatorOptions {
            id_seed,
            seed,
            rate_limits: RateLimitSpec::Off,
            cluster_start_delay: Duration::from_millis(40),
            ..EmulatorOptions::default()
        })
    };
    let src = start(brickport_emulator::SeedSpec::Typical, 21)
        .await
        .unwrap();
    let dst = start(brickport_emulator::SeedSpec::None, 22).await.unwrap();
    let (source, target) = (client(src.url()), client(dst.url()));
    let p = Pair {
        src,
        dst,
        source,
        target,
        dir: tempfile::tempdir().unwrap(),
    };
    let report = p.migrate().await;
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
    p.migrate().await;
    assert_eq!(p.dst.stats().writes, before, "a re-run wrote to the target");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_without_the_permissions_api_is_reported_once_per_object_type() {
    let p = Pair::new(Duration::ZERO).await;
    seed1::phase1(&p.source, true).await;
    p.dst.set_permissions_disabled(true);
    let mut opts = p.opts();
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
