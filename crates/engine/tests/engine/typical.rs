//! The emulator's `typical` workspace, every Phase 1 kind of the table in a loop, plus
//! SCIM's eventual consistency.

use std::sync::Mutex;
use std::time::Duration;

use brickport_emulator::{EmulatorOptions, SeedSpec};
use brickport_engine::{KindSummary, ObjectReport, Outcome, Progress, kind_names, migrate, plan};

use crate::support::{Pair, options};

pub async fn typical_pair(visibility: Duration) -> Pair {
    let at = |seed, id_seed| EmulatorOptions {
        seed,
        scim_visibility_delay: visibility,
        ..options(id_seed)
    };
    Pair::of(at(SeedSpec::Typical, 11), at(SeedSpec::None, 12)).await
}

/// Kinds of the table the `typical` seed does not carry yet, and why: the loop below cannot
/// look at them (the table test in `kinds.rs` covers each).
const NOT_SEEDED: &[(&str, &str)] = &[];

/// Nothing failed, nothing in conflict. (The typical source gives `admin@example.com`, the
/// principal running the migration, another display name and entitlements than the fresh
/// target: it is mapped and left alone, not a conflict.)
fn only_admin_conflicts(r: &brickport_engine::RunReport) -> bool {
    let caller = r
        .objects()
        .unwrap()
        .into_iter()
        .find(|o| o.key == "admin@example.com");
    caller.is_some_and(|o| o.outcome == Outcome::Skipped)
        && r.objects()
            .unwrap()
            .into_iter()
            .all(|o| !matches!(o.outcome, Outcome::Failed | Outcome::Conflict))
}

/// `report.json` and `report.md` (owner-only) list every object of the run once, with the
/// outcome the report gives it, kinds in the report's order and keys sorted inside a kind.
fn report_files_list_every_object(r: &brickport_engine::RunReport, dir: &std::path::Path) {
    let objects = r.objects().unwrap();
    let total: usize = r.kinds.iter().map(|k| k.total).sum();
    assert_eq!(objects.len(), total);
    assert_eq!(r.object_count(), total);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("report.json")).unwrap()).unwrap();
    let listed: Vec<(String, String, String)> = json["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let f = |k: &str| o[k].as_str().unwrap().to_string();
            (f("kind"), f("key"), f("outcome"))
        })
        .collect();
    let expected: Vec<(String, String, String)> = objects
        .iter()
        .map(|o| (o.kind.into(), o.key.clone(), o.outcome.as_str().into()))
        .collect();
    assert_eq!(listed, expected);
    // Kinds in the report's order, keys sorted inside each.
    let place = |k: &str| r.kinds.iter().position(|s| s.kind == k).unwrap();
    assert!(
        objects
            .windows(2)
            .all(|w| (place(w[0].kind), &w[0].key) <= (place(w[1].kind), &w[1].key))
    );
    // Each kind's counts agree with its objects.
    for k in &r.kinds {
        let n = |o: Outcome| {
            objects
                .iter()
                .filter(|x| x.kind == k.kind && x.outcome == o)
                .count()
        };
        assert_eq!(
            (n(Outcome::Created), n(Outcome::Failed)),
            (k.created, k.failed)
        );
    }
    assert_eq!(json["kinds"].as_array().unwrap().len(), r.kinds.len());
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let every = md.split("## Every object").nth(1).unwrap();
    for o in &objects {
        let row = format!("| {} | `{}` | {} |", o.kind, o.key, o.outcome.as_str());
        assert!(every.contains(&row), "{row} missing from report.md");
    }
    assert_eq!(
        every.lines().filter(|l| l.starts_with("| ")).count(),
        objects.len() + 1,
        "one row per object, and the header"
    );
    #[cfg(unix)]
    for f in ["report.json", "report.md"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(f)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{f}");
    }
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
    assert_eq!(
        *rec.objects.lock().unwrap(),
        report.objects().unwrap().len()
    );
    report_files_list_every_object(&report, &opts.run_dir);

    // For every Phase 1 kind of the table: objects listed, and a plan now finds nothing to do.
    for kind in kind_names() {
        let Some(summary) = report.kinds.iter().find(|k| k.kind == kind) else {
            continue;
        };
        if let Some((_, why)) = NOT_SEEDED.iter().find(|(k, _)| *k == kind) {
            assert_eq!(
                summary.total, 0,
                "{kind} is seeded now: take it off NOT_SEEDED"
            );
            eprintln!("{kind}: not looked at: {why}");
            continue;
        }
        assert!(summary.total > 0, "the typical workspace has no {kind}");
        let mut only = opts.clone();
        only.only = vec![kind.to_string()];
        only.phase = None;
        let again = plan(&p.source, &p.target, &only).await.unwrap();
        let todo: Vec<_> = again
            .objects()
            .unwrap()
            .into_iter()
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
    crate::support::view::assert_same_identities(&p.source, &p.target).await;
}
