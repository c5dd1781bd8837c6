//! The run's report: per-object outcomes, per-kind counts, manual actions; written as
//! `report.json`, `report.md` and `report.html` (a page to look at, see `html`) in the run
//! directory.
//!
//! The per-object lines are not kept in memory (a large workspace has hundreds of thousands):
//! they are on disk (`log`), read back one at a time by whatever writes them out: the report
//! files, the cli's JSON (the report's `Serialize` streams them) and [`RunReport::objects`].

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::EngineError;
use crate::ledger::{ManualAction, Note, SkipCode};
use crate::translation::Translation;

mod files;
mod html;
mod log;
mod markdown;
mod migration;
mod spill;

pub(crate) use log::ObjectLog;
pub use log::Objects;
pub(crate) use spill::Spill;

/// What happened to one object in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Created in the target.
    Created,
    /// Updated in the target.
    Updated,
    /// Already equal (nothing written).
    Unchanged,
    /// Found in the target, equal, not created by this migration: now managed by it.
    Adopted,
    /// Not migrated, on purpose (reason in `detail`).
    Skipped,
    /// Failed (error in `detail`).
    Failed,
    /// Exists in the target, differs, not created by this migration; left alone.
    Conflict,
}

impl Outcome {
    /// The outcome's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Created => "created",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Adopted => "adopted",
            Outcome::Skipped => "skipped",
            Outcome::Failed => "failed",
            Outcome::Conflict => "conflict",
        }
    }
}

/// One object's line in the report.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectReport {
    /// Its kind.
    pub kind: &'static str,
    /// Its natural key in the source.
    pub key: String,
    /// Its id in the source.
    pub source_id: String,
    /// Its id in the target, when it exists there.
    pub target_id: Option<String>,
    /// What happened.
    pub outcome: Outcome,
    /// Why (skip reason, error, conflict details).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// What `detail` means, when something decides on it (not in the report's files, which
    /// have the words; kept in the spill file, see [`log`]).
    #[serde(skip)]
    pub note: Option<Note>,
    /// In a plan, the hash of what the source holds for the object (its spec as migrate would
    /// hash it): what a saved plan (`plan --out`) checks again before it is carried out. Not
    /// in the report's files (kept in the spill file, like `note`).
    #[serde(skip)]
    pub source_hash: Option<String>,
    /// Fields that differed (updates, conflicts) — names only, never values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diffs: Vec<String>,
    /// Source attributes not carried over.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<String>,
    /// Of the references in `dropped`, those lost: what they point at was left out of the
    /// migration (`--only`/`--skip`) or failed, not skipped on purpose. Decided from the
    /// dependency's typed state; any makes the run unsuccessful ([`RunReport::lost`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lost: Vec<String>,
    /// Values written in place of the source's (see [`crate::translation`]).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub translated: Vec<Translation>,
    /// What the operator must do by hand.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub manual: Vec<String>,
    /// Time spent on it, in milliseconds.
    pub millis: u64,
}

/// Counts for one kind.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct KindSummary {
    /// The kind.
    pub kind: &'static str,
    /// Its phase.
    pub phase: u8,
    /// Objects listed in the source.
    pub total: usize,
    /// Created.
    pub created: usize,
    /// Updated.
    pub updated: usize,
    /// Unchanged or adopted.
    pub unchanged: usize,
    /// Skipped.
    pub skipped: usize,
    /// Failed.
    pub failed: usize,
    /// In conflict.
    pub conflicts: usize,
    /// Wall time of the kind, in milliseconds.
    pub millis: u64,
}

impl KindSummary {
    /// Created + updated.
    pub fn migrated(&self) -> usize {
        self.created + self.updated
    }

    /// Counts one outcome.
    pub fn count(&mut self, o: Outcome) {
        match o {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged | Outcome::Adopted => self.unchanged += 1,
            Outcome::Skipped => self.skipped += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Conflict => self.conflicts += 1,
        }
    }
}

/// The result of `migrate` (also what `plan` returns, with would-be outcomes).
///
/// Serialized (`report.json`, the cli's `--output json`) with every object under `objects`,
/// read back from disk while it is written.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// The source workspace's host.
    pub source: String,
    /// The target workspace's host.
    pub target: String,
    /// When the run started (RFC 3339).
    pub started_at: String,
    /// When it ended (RFC 3339).
    pub finished_at: String,
    /// Whether nothing was written (a plan).
    pub dry_run: bool,
    /// The kinds processed, with their counts, in table order.
    pub kinds: Vec<KindSummary>,
    /// Every object's outcome, on disk (see [`RunReport::objects_iter`]).
    pub(crate) log: ObjectLog,
    /// Dependencies of the selected kinds that are neither selected nor in the ledger.
    pub missing_dependencies: Vec<String>,
    /// Manual actions left (from the whole ledger, not only this run).
    pub manual_actions: Vec<ManualAction>,
    /// The backup files written.
    pub backups: Vec<PathBuf>,
    /// Set when the run stopped early (`fail_fast`).
    pub aborted: Option<String>,
    /// The runs of the migration, oldest first, in the report of the whole migration (the
    /// run directory's `report.*`, built from the ledger: every object it knows); empty in a
    /// run's own report (`runs/<n>/report.*`, what `migrate` returns) and a plan's.
    pub history: Vec<crate::ledger::RunRecord>,
}

impl RunReport {
    /// Every object's outcome, read back from disk one at a time: kinds in table order,
    /// objects by key inside a kind.
    pub fn objects_iter(&self) -> Objects<'_> {
        self.log.iter()
    }

    /// Every object's outcome, all read back (fine for a small run or a test; a large run's
    /// reader should use [`RunReport::objects_iter`]).
    pub fn objects(&self) -> Result<Vec<ObjectReport>, EngineError> {
        self.objects_iter().collect()
    }

    /// How many objects the report lists.
    pub fn object_count(&self) -> usize {
        self.log.len()
    }

    /// The objects failed, in conflict, skipped or with dropped attributes (kept in memory),
    /// in the report's order.
    pub fn notable(&self) -> &[ObjectReport] {
        &self.log.notable
    }

    /// The totals over all kinds.
    pub fn totals(&self) -> KindSummary {
        let mut t = KindSummary {
            kind: "total",
            ..KindSummary::default()
        };
        for k in &self.kinds {
            t.total += k.total;
            t.created += k.created;
            t.updated += k.updated;
            t.unchanged += k.unchanged;
            t.skipped += k.skipped;
            t.failed += k.failed;
            t.conflicts += k.conflicts;
        }
        // Kinds run at the same time: the sum (or the largest) of their times is not the
        // run's; the total is the run's wall time.
        t.millis = self.wall_millis();
        t
    }

    /// The run's wall time, from `started_at` to `finished_at` (0 when unreadable).
    pub fn wall_millis(&self) -> u64 {
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
        match (at(&self.started_at), at(&self.finished_at)) {
            (Some(a), Some(b)) => (b - a).num_milliseconds().max(0) as u64,
            _ => 0,
        }
    }

    /// The objects skipped because they reference a kind that was never migrated (neither
    /// selected nor in the ledger: see [`RunReport::missing_dependencies`]).
    pub fn waiting_for_dependencies(&self) -> Vec<&ObjectReport> {
        self.notable()
            .iter()
            .filter(|o| {
                o.outcome == Outcome::Skipped
                    && o.note == Some(Note::Skipped(SkipCode::NeverMigrated))
            })
            .collect()
    }

    /// The objects with a lost reference or grant ([`ObjectReport::lost`]), in the
    /// report's order.
    pub fn lost(&self) -> Vec<&ObjectReport> {
        self.notable()
            .iter()
            .filter(|o| !o.lost.is_empty())
            .collect()
    }

    /// How many references and grants were lost, over all objects.
    pub fn lost_count(&self) -> usize {
        self.notable().iter().map(|o| o.lost.len()).sum()
    }

    /// Whether every object is done: nothing failed, nothing in conflict, not aborted, no
    /// selected object left out because a kind it needs was never migrated (the operator
    /// asked for it and it is not in the target; the fix is to migrate that kind first), and
    /// no reference or grant lost for the same reason or because what it names failed.
    pub fn is_success(&self) -> bool {
        let t = self.totals();
        t.failed == 0
            && t.conflicts == 0
            && self.aborted.is_none()
            && self.waiting_for_dependencies().is_empty()
            && self.lost_count() == 0
    }

    /// The manual actions not done yet.
    pub fn pending_actions(&self) -> Vec<&ManualAction> {
        self.manual_actions.iter().filter(|a| !a.done).collect()
    }

    /// The report in Markdown, as one string (a large run's is large: [`RunReport::write`]
    /// streams it to its file instead). An object that cannot be read back ends it with a
    /// line saying so.
    pub fn to_markdown(&self) -> String {
        let mut out = Vec::new();
        if let Err(e) = self.write_markdown(&mut out) {
            out.extend_from_slice(format!("\n(the report stops here: {e})\n").as_bytes());
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(kind: &'static str, phase: u8, total: usize, millis: u64) -> KindSummary {
        KindSummary {
            kind,
            phase,
            total,
            created: total,
            millis,
            ..KindSummary::default()
        }
    }

    #[test]
    fn the_totals_row_has_no_phase_and_the_runs_wall_time() {
        let r = RunReport {
            source: "s".into(),
            target: "t".into(),
            started_at: "2026-11-25T18:00:00.000Z".into(),
            finished_at: "2026-11-25T18:00:50.250Z".into(),
            dry_run: false,
            kinds: vec![kind("users", 1, 4, 700), kind("jobs", 3, 2, 28958)],
            log: ObjectLog::default(),
            missing_dependencies: Vec::new(),
            manual_actions: vec![
                ManualAction {
                    id: "cut-00000001".into(),
                    done_by: true.then_some(crate::ledger::DoneBy::Cutover),
                    kind: "jobs".into(),
                    key: "a (1)".into(),
                    category: crate::ledger::Category::Unpause,
                    action: "unpause at cut-over: job `a` (schedule)".into(),
                    done: true,
                },
                ManualAction {
                    id: "cut-00000002".into(),
                    done_by: false.then_some(crate::ledger::DoneBy::Cutover),
                    kind: "jobs".into(),
                    key: "b (2)".into(),
                    category: crate::ledger::Category::Unpause,
                    action: "unpause at cut-over: job `b` (schedule)".into(),
                    done: false,
                },
            ],
            backups: Vec::new(),
            aborted: None,
            history: Vec::new(),
        };
        assert_eq!(r.totals().millis, 50_250);
        let md = r.to_markdown();
        assert!(md.contains("| total |  | 6 | 6 |"), "{md}");
        assert!(md.contains("| 50250 |"), "{md}");
        assert!(md.contains("| jobs | 3 | 2 |"), "{md}");
        assert!(md.contains("wall ms"), "{md}");
        assert!(md.contains("## Manual actions (1 pending, 1 done)"), "{md}");
        assert!(md.contains("- [x] jobs `a (1)`"), "{md}");
        assert!(md.contains("- [ ] jobs `b (2)`"), "{md}");
        assert_eq!(r.pending_actions().len(), 1);
    }

    fn obj(kind: &'static str, key: &str, outcome: Outcome, detail: Option<&str>) -> ObjectReport {
        ObjectReport {
            kind,
            key: key.into(),
            source_id: key.into(),
            target_id: None,
            outcome,
            detail: detail.map(str::to_string),
            note: None,
            source_hash: None,
            diffs: Vec::new(),
            dropped: Vec::new(),
            lost: Vec::new(),
            translated: Vec::new(),
            manual: Vec::new(),
            millis: 1,
        }
    }

    #[test]
    fn the_files_list_every_object_in_order_streamed_from_disk_and_are_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let spill = Spill::create(Some(dir.path())).unwrap();
        spill.push(obj("jobs", "b", Outcome::Failed, Some("boom")));
        spill.push(obj("users", "u", Outcome::Created, None));
        spill.push(ObjectReport {
            note: Some(Note::NotReread),
            ..obj("jobs", "a", Outcome::Unchanged, Some(Note::NOT_REREAD))
        });
        spill.push(ObjectReport {
            note: Some(Note::Skipped(SkipCode::NeverMigrated)),
            ..obj("jobs", "c", Outcome::Skipped, Some("needs clusters"))
        });
        let r = RunReport {
            source: "s".into(),
            target: "t".into(),
            started_at: "2026-11-25T18:00:00.000Z".into(),
            finished_at: "2026-11-25T18:00:01.000Z".into(),
            dry_run: false,
            kinds: vec![kind("users", 1, 1, 1), kind("jobs", 3, 3, 1)],
            log: spill.finish(&["users", "jobs"]).unwrap(),
            missing_dependencies: vec!["clusters".into()],
            manual_actions: Vec::new(),
            backups: Vec::new(),
            aborted: None,
            history: Vec::new(),
        };
        assert_eq!(r.waiting_for_dependencies().len(), 1);
        assert!(!r.is_success());
        // The notes survive the spill file, and stay out of the report's files.
        let notes: Vec<_> = r.objects().unwrap().iter().map(|o| o.note).collect();
        assert_eq!(
            notes,
            [
                None,
                Some(Note::NotReread),
                None,
                Some(Note::Skipped(SkipCode::NeverMigrated))
            ]
        );
        r.write(dir.path()).unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("report.json")).unwrap())
                .unwrap();
        let keys: Vec<&str> = json["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["key"].as_str().unwrap())
            .collect();
        assert_eq!(keys, ["u", "a", "b", "c"]);
        assert_eq!(json["objects"][2]["outcome"], "failed");
        assert_eq!(json["objects"][2]["detail"], "boom");
        assert_eq!(json["kinds"][1]["kind"], "jobs");
        assert_eq!(json["aborted"], serde_json::Value::Null);
        // The streamed document is the one the report serializes to.
        assert_eq!(json, serde_json::to_value(&r).unwrap());
        let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
        assert_eq!(md, r.to_markdown());
        assert!(md.contains("**Not re-read:** 1 objects"), "{md}");
        assert!(md.contains("**Not migrated:** 1 selected objects"), "{md}");
        assert!(md.contains("| jobs | `b` | failed | boom |  |"), "{md}");
        let every = md.split("## Every object").nth(1).unwrap();
        let order: Vec<usize> = ["`u`", "`a`", "`b`", "`c`"]
            .iter()
            .map(|k| every.find(k).unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{md}");
        #[cfg(unix)]
        for f in ["report.json", "report.md", "report.html"] {
            use std::os::unix::fs::PermissionsExt;
            let p = dir.path().join(f);
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        // Only the three reports are left: the spill files are unnamed.
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["report.html", "report.json", "report.md"]);
    }
}
