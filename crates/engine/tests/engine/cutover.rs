//! `cutover` end to end, between two emulators on loopback: a source with jobs in every pause
//! state is migrated (all PAUSED in the target), cut over (exactly the jobs active in the
//! source now are resumed), cut over again (nothing written), with `pause_source` (the source
//! paused), migrated again (still running), and with a job gone from the target (it fails
//! alone). The status dashboard shows the cut-over actions pending, then done.

use crate::support::jobs::*;
use crate::support::pair;
use brickport_api::types::jobs::JobSettings;
use brickport_engine::{CutoverOutcome, NoProgress, cutover, migrate, status, verify};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cutover_resumes_exactly_the_active_jobs_once() {
    let p = pair().await;
    let ids = seed(&p.source).await;
    let opts = p.options(4);
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
    let arrival = &settings(&p.target).await["arrival"];
    assert_eq!(
        arrival["trigger"]["file_arrival"]["url"],
        "s3://landing/in/"
    );
    // The source is untouched without pause_source.
    let s = pauses(&p.source).await;
    assert_eq!(s["hourly"], one("schedule", "UNPAUSED"));
    // Three of the four actions are done; the job paused in the source since stays pending.
    assert_eq!(cutover_actions(&opts.run_dir), (3, 4));

    // A migrate after the cut-over says what `status` says: the resumed jobs' unpause actions
    // are done (one rule for both), in the report it returns and in report.md.
    let after = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert!(after.is_success(), "{}", after.to_markdown());
    let unpause: Vec<_> = after
        .manual_actions
        .iter()
        .filter(|a| a.action.starts_with("unpause at cut-over"))
        .collect();
    let done = unpause.iter().filter(|a| a.done).count();
    assert_eq!((done, unpause.len()), cutover_actions(&opts.run_dir));
    assert_eq!(done, 3, "{unpause:?}");
    assert!(
        after
            .pending_actions()
            .iter()
            .all(|a| !a.action.starts_with("unpause at cut-over")),
        "{unpause:?}"
    );
    let md = std::fs::read_to_string(opts.run_dir.join("report.md")).unwrap();
    assert_eq!(md.matches("- [x] jobs").count(), 3, "{md}");
    // Cut over without pause_source, the three now run in both workspaces: what is pending
    // for jobs says so, with the command that ends it.
    let pending: Vec<&str> = md.lines().filter(|l| l.starts_with("- [ ] jobs")).collect();
    assert_eq!(pending.len(), 3, "{md}");
    assert!(
        pending.iter().all(|l| l.contains("runs in both workspaces")
            && l.contains("`brickport cutover --pause-source`")),
        "{md}"
    );

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
    let settings = JobSettings {
        max_concurrent_runs: Some(3),
        ..JobSettings::default()
    };
    edit(&p.source, ids["hourly"], settings).await;
    let rerun = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let hourly = rerun
        .objects()
        .unwrap()
        .into_iter()
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
async fn jobs_alone_without_their_dependencies_are_not_a_success_and_ask_nothing() {
    let p = pair().await;
    seed(&p.source).await;
    let mut opts = p.options(4);
    opts.only = vec!["jobs".into()];
    let r = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let t = r.totals();
    assert_eq!((t.total, t.skipped), (6, 6), "{}", r.to_markdown());
    assert!(!r.missing_dependencies.is_empty());
    assert_eq!(r.waiting_for_dependencies().len(), 6);
    // Nothing was migrated: not a success, and no "unpause the job created PAUSED" for jobs
    // that were never created.
    assert!(!r.is_success(), "{}", r.to_markdown());
    assert!(r.manual_actions.is_empty(), "{:?}", r.manual_actions);
    // `status` does not call it done either: six objects need attention, phase 3 is not
    // complete, and the jobs are not "skipped on purpose".
    let st = status(&opts.run_dir).unwrap();
    assert!(st.manual_actions.is_empty());
    assert_eq!(st.problems.len(), 6, "{:#?}", st.problems);
    assert!(!st.phases.iter().find(|p| p.phase == 3).unwrap().complete);
    let on_purpose: usize = st
        .dashboard
        .kinds
        .iter()
        .map(|k| k.skipped_on_purpose)
        .sum();
    assert_eq!(on_purpose, 0, "{:?}", st.dashboard.kinds);
    let p3 = &st.dashboard.phases[2];
    assert!(p3.pending.contains(&"jobs".to_string()), "{p3:?}");
    let md = r.to_markdown();
    assert!(md.contains("**Not migrated:** 6 selected objects"), "{md}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cutover_refuses_a_run_dir_without_jobs() {
    let p = pair().await;
    let opts = p.options(4);
    let e = cutover(&p.source, &p.target, &opts, false)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("brickport migrate"), "{e}");
    // A migration without anything held back (jobs, pipelines, alerts, dashboards…): nothing
    // to cut over, said so, naming those kinds.
    migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let e = cutover(&p.source, &p.target, &opts, false)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("holds no") && e.contains("jobs"), "{e}");
    assert!(
        e.contains("dashboards") && e.contains("sql_alerts_v2"),
        "{e}"
    );
    assert!(e.contains("nothing to cut over"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_gone_from_the_target_fails_alone_and_is_retried() {
    let p = pair().await;
    seed(&p.source).await;
    let opts = p.options(4);
    migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let ledger = brickport_engine::ledger::Ledger::open(
        &opts.run_dir,
        brickport_engine::ledger::Access::ReadOnly,
    )
    .unwrap();
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
