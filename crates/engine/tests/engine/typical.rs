//! The emulator's `typical` workspace, every Phase 1 kind of the table in a loop, plus
//! SCIM's eventual consistency.

use std::sync::Mutex;
use std::time::Duration;

use brickport_emulator::{EmulatorOptions, RateLimitSpec, SeedSpec};
use brickport_engine::{KindSummary, ObjectReport, Outcome, Progress, kind_names, migrate, plan};

use crate::support::{Pair, client};

pub async fn typical_pair(visibility: Duration) -> Pair {
    let start = |seed: SeedSpec, id_seed| {
        brickport_emulator::start(EmulatorOptions {
            id_seed,
            seed,
            rate_limits: RateLimitSpec::Off,
            scim_visibility_delay: visibility,
            ..EmulatorOptions::default()
        })
    };
    let src = start(SeedSpec::Typical, 11).await.unwrap();
    let dst = start(SeedSpec::None, 12).await.unwrap();
    Pair {
        source: client(src.url()),
        target: client(dst.url()),
        src,
        dst,
        dir: tempfile::tempdir().unwrap(),
    }
}

/// Nothing failed, nothing in conflict. (The typical source gives `admin@example.com`, the
/// principal running the migration, another display name and entitlements than the fresh
/// target: it is mapped and left alone, not a conflict.)
fn only_admin_conflicts(r: &brickport_engine::RunReport) -> bool {
    let caller = r.objects.iter().find(|o| o.key == "admin@example.com");
    caller.is_some_and(|o| o.outcome == Outcome::Skipped)
        && r.objects
            .iter()
            .all(|o| !matches!(o.outcome, Outcome::Failed | Outcome::Conflict))
}

#[derive(Default)]
struct Recorder {
    started: Mutex<Vec<&'static str>>,
    finished: Mutex<Vec<KindSummary>>,
    objects: Mutex<usize>,
}

impl Progress for Recorder {
    fn kind_started(&self, kind: &'static str, _: usize) {
        self.started.lock().unwrap().push(kind);
    }
    fn object_finished(&self, _: &ObjectReport) {
        *self.objects.lock().unwrap() += 1;
    }
    fn kind_finished(&self, s: &KindSummary) {
        self.finished.lock().unwrap().push(s.clone());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typical_workspace_phase1_every_kind_in_the_table() {
    let p = typical_pair(Duration::ZERO).await;
    let opts = p.opts();
    let rec = Recorder::default();
    let report = migrate(&p.source, &p.target, &opts, &rec).await.unwrap();
    assert!(only_admin_conflicts(&report), "{}", report.to_markdown());
    // Progress saw every kind start and finish, and every object.
    assert_eq!(rec.started.lock().unwrap().len(), report.kinds.len());
    let mut finished = rec.finished.lock().unwrap().clone();
    finished.sort_by_key(|k| k.kind);
    let mut kinds = report.kinds.clone();
    kinds.sort_by_key(|k| k.kind);
    assert_eq!(finished, kinds);
    assert_eq!(*rec.objects.lock().unwrap(), report.objects.len());

    // For every Phase 1 kind of the table: objects listed, and a plan now finds nothing to do.
    for kind in kind_names() {
        let Some(summary) = report.kinds.iter().find(|k| k.kind == kind) else {
            continue;
        };
        assert!(summary.total > 0, "the typical workspace has no {kind}");
        let mut only = opts.clone();
        only.only = vec![kind.to_string()];
        only.phase = None;
        let again = plan(&p.source, &p.target, &only).await.unwrap();
        let todo: Vec<_> = again
            .objects
            .iter()
            .filter(|o| o.outcome != Outcome::Unchanged && o.outcome != Outcome::Skipped)
            .filter(|o| o.key != "admin@example.com")
            .collect();
        assert!(todo.is_empty(), "{kind}: {}", again.to_markdown());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scim_lists_lagging_behind_writes_cause_no_duplicate() {
    // A principal created less than 400 ms ago is missing from lists and filters.
    let p = typical_pair(Duration::from_millis(400)).await;
    let mut opts = p.opts();
    opts.only = ["users", "service_principals", "groups"]
        .map(String::from)
        .to_vec();
    opts.phase = None;
    // Interrupt right after the first SCIM writes, then resume at once: the lookups of the
    // resumed run cannot see what was just created.
    let watcher = async {
        while p.target_writes() < 3 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    };
    tokio::select! {
        r = migrate(&p.source, &p.target, &opts, &brickport_engine::NoProgress) => { r.unwrap(); }
        _ = watcher => {}
    }
    let report = migrate(&p.source, &p.target, &opts, &brickport_engine::NoProgress)
        .await
        .unwrap();
    assert!(only_admin_conflicts(&report), "{}", report.to_markdown());
    tokio::time::sleep(Duration::from_millis(500)).await;
    crate::verify::assert_same_identities(&p.source, &p.target).await;
}
