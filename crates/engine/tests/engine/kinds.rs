//! Every kind of `brickport_engine::kinds::all()`, one at a time, from its line in the fixture
//! table (`kinds/fixtures.rs`): in an empty source and target, the object is created in the
//! source → `migrate` → it is in the target → a re-run writes nothing → the object is changed
//! in the source → a re-run updates it and nothing else → `verify` is clean (and the
//! independent Phase 1 view equal) → `plan` has nothing to do → `rollback` leaves the target
//! as an empty workspace, and a second one writes nothing. A kind without a line fails the
//! test, named; so does every failing kind.

mod aibi;
mod fixtures;
mod objects;

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use brickport_emulator::EmulatorOptions;
use brickport_engine::{
    NoProgress, ObjectReport, Outcome, RollbackOptions, RollbackOutcome, RunReport, migrate, plan,
    rollback, verify,
};
use brickport_testkit::Walk;
use futures::{FutureExt, StreamExt};

use crate::support::{Pair, check, options, view, walk};
use fixtures::Fixture;

/// An empty workspace whose clusters start (and stop) at once.
fn emulator(id_seed: u64) -> EmulatorOptions {
    EmulatorOptions {
        cluster_start_delay: Duration::from_millis(20),
        ..options(id_seed)
    }
}

/// The objects `r` wrote or tried to (created, updated, failed, in conflict).
fn written(r: &RunReport) -> Vec<ObjectReport> {
    let quiet = [Outcome::Unchanged, Outcome::Adopted, Outcome::Skipped];
    let objects = r.objects().unwrap().into_iter();
    objects.filter(|o| !quiet.contains(&o.outcome)).collect()
}

async fn run(p: &Pair) -> RunReport {
    let opts = p.options(8);
    migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap()
}

/// The table's object is in the target: found by its key in a walk of both workspaces, or,
/// for a permissions kind, the guarded object's grants equal.
async fn assert_in_target(p: &Pair, f: &Fixture, created: &ObjectReport) {
    if let Some(g) = f.grant {
        let tid = created.target_id.as_deref().unwrap();
        check::assert_grants(&p.source, &p.target, g.object_type, &created.source_id, tid).await;
        return;
    }
    let source = Walk::of(&walk(&p.source)).await.unwrap().keys();
    let target = Walk::of(&walk(&p.target)).await.unwrap().keys();
    let (s, t) = (&source[f.kind], &target[f.kind]);
    assert!(
        s.iter().any(|k| k == f.name),
        "{} not walked in the source: {s:?}",
        f.name
    );
    assert_eq!(s, t, "the source's and the target's keys");
}

/// Requests the target answered since `before`, by path (reads included: the context of a
/// failed count).
fn sent_since(p: &Pair, before: &BTreeMap<String, u64>) -> BTreeMap<String, u64> {
    let now = p.dst.stats().by_path;
    let sent = now
        .into_iter()
        .map(|(k, n)| (n - before.get(&k).unwrap_or(&0), k));
    sent.filter(|(n, _)| *n > 0).map(|(n, k)| (k, n)).collect()
}

/// The first run: nothing fails, and the kind's object (source id `id`) is written — the one
/// object the later steps look at.
async fn migrated(p: &Pair, f: &Fixture, id: &str) -> ObjectReport {
    let first = run(p).await;
    let written = written(&first);
    let failed: Vec<_> = written
        .iter()
        .filter(|o| matches!(o.outcome, Outcome::Failed | Outcome::Conflict))
        .collect();
    assert!(failed.is_empty(), "migrate: {failed:#?}");
    let mine: Vec<&ObjectReport> = written
        .iter()
        .filter(|o| o.kind == f.kind && o.source_id == id)
        .collect();
    assert_eq!(
        mine.len(),
        1,
        "migrate wrote the object {id} once: {written:#?}"
    );
    mine[0].clone()
}

/// The change, then a re-run: the object is updated, nothing else is written, and the target
/// answered exactly the update's writes.
async fn updated_once(p: &Pair, f: &Fixture, id: &str, object: &ObjectReport) {
    f.change_in(&p.source, id).await;
    let (before, by_path) = (p.target_writes(), p.dst.stats().by_path);
    let w = written(&run(p).await);
    let one = w.len() == 1 && w[0].kind == f.kind && w[0].key == object.key;
    assert!(
        one,
        "after the change, one update of {}: {w:#?}",
        object.key
    );
    assert_eq!(w[0].outcome, Outcome::Updated, "{w:#?}");
    let sent = sent_since(p, &by_path);
    assert_eq!(
        p.target_writes() - before,
        f.change.writes(),
        "writes of the update: {sent:?}"
    );
}

/// Every step for one kind; panics naming the step that fails.
async fn steps(f: Fixture) {
    let p = Pair::of(emulator(1), emulator(2)).await;
    let id = f.create_in(&p.source).await;
    let object = migrated(&p, &f, &id).await;
    assert_in_target(&p, &f, &object).await;

    let before = p.target_writes();
    let again = written(&run(&p).await);
    assert_eq!(p.target_writes(), before, "a re-run wrote: {again:#?}");
    assert!(again.is_empty(), "a re-run: {again:#?}");

    if let fixtures::Change::Nothing(why) = f.change {
        eprintln!("{}: not changed, not updated: {why}", f.kind);
    } else {
        updated_once(&p, &f, &id, &object).await;
    }

    // Read independently of the engine too: every Phase 1 object equal, field by field.
    view::assert_same(&p.source, &p.target).await;
    let v = verify(&p.source, &p.target, &p.options(8)).await.unwrap();
    assert!(v.is_success(), "verify: {:#?}", v.differences);
    let compared = v
        .kinds
        .iter()
        .find(|k| k.kind == f.kind)
        .map(|k| k.compared);
    assert!(
        compared >= Some(1),
        "verify compared no {}: {:?}",
        f.kind,
        v.kinds
    );

    let planned = plan(&p.source, &p.target, &p.options(8)).await.unwrap();
    let todo = written(&planned);
    assert!(todo.is_empty(), "plan: {todo:#?}");

    rolled_back(&p, &f).await;
}

/// `rollback` takes every object the migration created out of the target — for a permissions
/// kind, the guarded object, its grants with it —, leaving what an empty workspace holds; a
/// second one writes nothing.
async fn rolled_back(p: &Pair, f: &Fixture) {
    let how = RollbackOptions::default();
    let r = rollback(&p.source, &p.target, &p.options(8), how)
        .await
        .unwrap();
    let kept: Vec<_> = r
        .objects
        .iter()
        .filter(|o| o.outcome.left_behind())
        .collect();
    assert!(kept.is_empty(), "rollback kept: {kept:#?}");
    let expected = match f.grant {
        Some(_) => RollbackOutcome::WithObject,
        None => RollbackOutcome::Deleted,
    };
    let mine = r.objects.iter().filter(|o| o.kind == f.kind);
    let mine: Vec<_> = mine.map(|o| (o.key.as_str(), o.outcome)).collect();
    assert!(
        mine.iter().any(|(_, o)| *o == expected),
        "rollback, {expected:?} expected: {mine:?}"
    );
    let empty = crate::support::start(emulator(3)).await;
    let keys = |w: Walk| w.keys();
    let fresh = keys(
        Walk::of(&walk(&crate::support::client(empty.url())))
            .await
            .unwrap(),
    );
    let now = keys(Walk::of(&walk(&p.target)).await.unwrap());
    assert_eq!(
        now, fresh,
        "the target after the rollback, and an empty workspace"
    );
    let before = p.target_writes();
    rollback(&p.source, &p.target, &p.options(8), how)
        .await
        .unwrap();
    assert_eq!(p.target_writes(), before, "a second rollback wrote");
}

/// What a panic said.
fn said(payload: Box<dyn std::any::Any + Send>) -> String {
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(payload) => payload
            .downcast::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_else(|_| "a panic".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_is_created_left_alone_updated_once_verified_planned_empty_and_rolled_back() {
    let table = fixtures::table();
    let kinds: Vec<&str> = brickport_engine::kinds::all()
        .iter()
        .map(|k| k.name())
        .collect();
    let mut failures: Vec<String> = kinds
        .iter()
        .filter(|k| !table.iter().any(|f| f.kind == **k))
        .map(|k| format!("{k}: no line in the fixture table (kinds/fixtures.rs)"))
        .collect();
    failures.extend(
        table
            .iter()
            .filter(|f| !kinds.contains(&f.kind))
            .map(|f| format!("{}: a fixture line for a kind not in kinds::all()", f.kind)),
    );
    let results = futures::stream::iter(table)
        .map(|f| async move { (f.kind, AssertUnwindSafe(steps(f)).catch_unwind().await) })
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;
    for (kind, r) in results {
        if let Err(e) = r {
            failures.push(format!("{kind}: {}", said(e)));
        }
    }
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} kinds fail:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
