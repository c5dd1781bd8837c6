//! A saved plan carried out (`plan --out`, `migrate --plan`): refused before any write when a
//! new plan differs from it, and, while it runs, nothing touched that the plan does not have
//! as it was (an object new or changed since, or a write it did not announce).

use std::sync::Arc;

use futures::TryStreamExt;

use brickport_engine::{
    Change, EngineError, NoProgress, Outcome, PlanView, SavedPlan, migrate, migrate_planned, plan,
};

use crate::support::jobs::*;
use crate::support::pair;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_saved_plan_round_trips_and_is_refused_when_the_source_changed() {
    let p = pair().await;
    seed(&p.source).await;
    let opts = p.options(4);
    let planned = plan(&p.source, &p.target, &opts).await.unwrap();
    let saved = SavedPlan::of(&planned, &opts).unwrap();
    assert!(saved.objects.iter().all(|o| o.source_sha256.len() == 64));
    let file = p.dir.path().join("plan.json");
    saved.write(&file).unwrap();
    let back = SavedPlan::read(&file).unwrap();
    assert_eq!(back.objects, saved.objects);
    assert_eq!(back.listing_sha256, saved.listing_sha256);
    // The view: kinds in phase order, the counts of the saved plan.
    let view = PlanView::of(&planned, Some(2)).unwrap();
    assert_eq!(view.count(Change::Create), saved.counts[&Change::Create]);
    let phases: Vec<u8> = view.kinds.iter().map(|k| k.phase).collect();
    assert!(phases.windows(2).all(|w| w[0] <= w[1]), "{phases:?}");
    assert!(view.kinds.iter().all(|k| k.lines.len() <= 2));

    // The source changes: refused, nothing written anywhere.
    edit_by_hand(&p.source).await;
    let writes = p.dst.stats().writes;
    let err = migrate_planned(&p.source, &p.target, &opts, &back, &NoProgress)
        .await
        .unwrap_err();
    assert!(matches!(err, EngineError::PlanNoLongerHolds(_)), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("notebooks `{NB}`: changed in the source")),
        "{err}"
    );
    assert_eq!(p.dst.stats().writes, writes);
    assert!(!opts.run_dir.join("ledger.sqlite").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn while_a_saved_plan_runs_nothing_outside_it_is_touched() {
    let p = pair().await;
    seed(&p.source).await;
    let mut opts = p.options(4);
    let planned = plan(&p.source, &p.target, &opts).await.unwrap();
    let saved = SavedPlan::of(&planned, &opts).unwrap();
    // As if, since the plan was checked, a job changed, another appeared, and a third one's
    // create were no longer announced (the target changed).
    let mut sources = saved.sources();
    let of = |kind: &str, key: &str| {
        let o = saved
            .objects
            .iter()
            .find(|o| o.kind == kind && o.key.starts_with(key));
        let o = o.unwrap_or_else(|| panic!("{kind} {key}"));
        (o.kind.clone(), o.source_id.clone())
    };
    sources.get_mut(&of("jobs", "paused (")).unwrap().hash = "0".repeat(64);
    sources.remove(&of("jobs", "stream"));
    sources.get_mut(&of("jobs", "hourly")).unwrap().writes = false;
    opts.planned = Some(Arc::new(sources));
    let r = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let line = |kind: &str, key: &str| {
        r.objects()
            .unwrap()
            .into_iter()
            .find(|o| o.kind == kind && o.key.starts_with(key))
            .unwrap()
    };
    for (kind, key, words) in [
        ("jobs", "paused (", "changed in the source since the plan"),
        ("jobs", "stream", "not in the plan"),
        ("jobs", "hourly", "which the plan did not say"),
    ] {
        let o = line(kind, key);
        assert_eq!((o.outcome, &o.target_id), (Outcome::Failed, &None), "{o:?}");
        assert!(o.detail.as_deref().unwrap_or("").contains(words), "{o:?}");
    }
    assert!(!r.is_success());
    // Not in the target (three of the six jobs), and the others went through.
    let query = brickport_api::types::jobs::JobListQuery::default();
    let jobs: Vec<_> = p.target.jobs().list(&query).try_collect().await.unwrap();
    assert_eq!(jobs.len(), 6 - 3);
    assert_eq!(line("jobs", "arrival").outcome, Outcome::Created);
    assert_eq!(line("notebooks", NB).outcome, Outcome::Created);
}
