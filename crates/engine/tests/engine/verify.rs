//! `verify` end to end: it holds after a migration (also of the typical workspace, every
//! kind), and fails naming the object after a target notebook's content or a job's settings
//! is edited, a target job is deleted, or a source job is new.

use std::time::Duration;

use crate::support::jobs::*;
use crate::support::{Pair, options, pair};
use brickport_emulator::{EmulatorOptions, SeedSpec};
use brickport_engine::{Mismatch, NoProgress, migrate, verify};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_holds_after_migrate_and_names_what_changed_in_the_target() {
    let p = pair().await;
    seed(&p.source).await;
    let opts = p.options(4);
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
    let hourly = edit_by_hand(&p.target).await;

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
    p.target.jobs().delete(hourly).await.unwrap();
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

/// The typical workspace (every kind, secrets, clusters, Git folders, ACLs): `verify` after
/// `migrate` reports only what the migration itself reported as not done.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_after_migrating_the_typical_workspace() {
    let at = |seed, id_seed| EmulatorOptions {
        seed,
        cluster_start_delay: Duration::from_millis(40),
        ..options(id_seed)
    };
    let p = Pair::of(at(SeedSpec::Typical, 1), at(SeedSpec::None, 2)).await;
    let (source, target) = (&p.source, &p.target);
    let opts = p.options(6);
    let run = migrate(source, target, &opts, &NoProgress).await.unwrap();
    let not_done: Vec<(String, String)> = run
        .objects()
        .unwrap()
        .into_iter()
        .filter(|o| {
            matches!(
                o.outcome,
                brickport_engine::Outcome::Failed | brickport_engine::Outcome::Conflict
            )
        })
        .map(|o| (o.kind.to_string(), o.key.clone()))
        .collect();
    let v = verify(source, target, &opts).await.unwrap();
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
