//! The run's report: per-object outcomes, per-kind counts, manual actions; written as
//! `report.json` and `report.md` in the run directory.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::EngineError;
use crate::ledger::ManualAction;

/// What happened to one object in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
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
    /// Fields that differed (updates, conflicts) — names only, never values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diffs: Vec<String>,
    /// Source attributes not carried over.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<String>,
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
#[derive(Debug, Clone, Serialize)]
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
    /// Every object's outcome.
    pub objects: Vec<ObjectReport>,
    /// Dependencies of the selected kinds that are neither selected nor in the ledger.
    pub missing_dependencies: Vec<String>,
    /// Manual actions left (from the whole ledger, not only this run).
    pub manual_actions: Vec<ManualAction>,
    /// The backup files written.
    pub backups: Vec<PathBuf>,
    /// Set when the run stopped early (`fail_fast`).
    pub aborted: Option<String>,
}

impl RunReport {
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
        self.objects
            .iter()
            .filter(|o| {
                o.outcome == Outcome::Skipped
                    && o.detail
                        .as_deref()
                        .is_some_and(|d| d.contains(crate::idmap::NEVER_MIGRATED))
            })
            .collect()
    }

    /// Whether every object is done: nothing failed, nothing in conflict, not aborted, and
    /// no selected object left out because a kind it needs was never migrated (the operator
    /// asked for it and it is not in the target; the fix is to migrate that kind first).
    pub fn is_success(&self) -> bool {
        let t = self.totals();
        t.failed == 0
            && t.conflicts == 0
            && self.aborted.is_none()
            && self.waiting_for_dependencies().is_empty()
    }

    /// The manual actions not done yet.
    pub fn pending_actions(&self) -> Vec<&ManualAction> {
        self.manual_actions.iter().filter(|a| !a.done).collect()
    }

    /// The report in Markdown.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let title = if self.dry_run {
            "Plan"
        } else {
            "Migration report"
        };
        s.push_str(&format!("# {title}: {} → {}\n\n", self.source, self.target));
        s.push_str(&format!(
            "Started {}, finished {}.\n\n",
            self.started_at, self.finished_at
        ));
        if let Some(a) = &self.aborted {
            s.push_str(&format!("**Aborted:** {a}\n\n"));
        }
        s.push_str(
            "Times: a kind's is the wall time from its start to its last object, waiting for \
             rate limits included; kinds run at the same time, so they overlap. The total is \
             the run's wall time.\n\n",
        );
        s.push_str("| kind | phase | total | created | updated | unchanged | skipped | failed | conflicts | wall ms |\n");
        s.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
        let mut rows: Vec<(String, &KindSummary)> = self
            .kinds
            .iter()
            .map(|k| (k.phase.to_string(), k))
            .collect();
        let totals = self.totals();
        rows.push((String::new(), &totals));
        for (phase, k) in &rows {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                k.kind,
                phase,
                k.total,
                k.created,
                k.updated,
                k.unchanged,
                k.skipped,
                k.failed,
                k.conflicts,
                k.millis
            ));
        }
        let not_reread = self
            .objects
            .iter()
            .filter(|o| {
                o.outcome == Outcome::Unchanged
                    && o.detail.as_deref() == Some(crate::process::NOT_REREAD)
            })
            .count();
        if not_reread > 0 {
            s.push_str(&format!(
                "\n**Not re-read:** {not_reread} objects are unchanged in the source since the last \
                 run and were not read from the target, so a change made there by hand is not \
                 seen: `brickport verify` checks the target, `brickport migrate --recheck` \
                 repairs it.\n"
            ));
        }
        if !self.missing_dependencies.is_empty() {
            s.push_str("\n## Missing dependencies\n\n");
            for m in &self.missing_dependencies {
                s.push_str(&format!("- {m}\n"));
            }
            let waiting = self.waiting_for_dependencies().len();
            if waiting > 0 {
                s.push_str(&format!(
                    "\n**Not migrated:** {waiting} selected objects were skipped because they \
                     need these kinds; migrate them first, then run again.\n"
                ));
            }
        }
        let notable: Vec<&ObjectReport> = self
            .objects
            .iter()
            .filter(|o| {
                !matches!(
                    o.outcome,
                    Outcome::Unchanged | Outcome::Created | Outcome::Updated | Outcome::Adopted
                ) || !o.dropped.is_empty()
            })
            .collect();
        if !notable.is_empty() {
            s.push_str("\n## Failed, skipped, in conflict, or with dropped attributes\n\n");
            s.push_str("| kind | object | outcome | detail | dropped |\n|---|---|---|---|---|\n");
            for o in notable {
                s.push_str(&format!(
                    "| {} | `{}` | {} | {} | {} |\n",
                    o.kind,
                    o.key,
                    o.outcome.as_str(),
                    md_cell(o.detail.as_deref().unwrap_or("")),
                    md_cell(&o.dropped.join(", "))
                ));
            }
        }
        if !self.manual_actions.is_empty() {
            let pending = self.pending_actions().len();
            s.push_str(&format!(
                "\n## Manual actions ({pending} pending, {} done)\n\n",
                self.manual_actions.len() - pending
            ));
            for m in &self.manual_actions {
                let mark = if m.done { "x" } else { " " };
                s.push_str(&format!(
                    "- [{mark}] {} `{}`: {}\n",
                    m.kind, m.key, m.action
                ));
            }
        }
        s.push_str("\n## Every object\n\n| kind | object | outcome | target id | ms (its own passes) |\n|---|---|---|---|---|\n");
        for o in &self.objects {
            s.push_str(&format!(
                "| {} | `{}` | {} | {} | {} |\n",
                o.kind,
                o.key,
                o.outcome.as_str(),
                o.target_id.as_deref().unwrap_or(""),
                o.millis
            ));
        }
        s
    }

    /// Writes `report.json` and `report.md` into `dir` (owner-only).
    pub fn write(&self, dir: &Path) -> Result<(), EngineError> {
        let json = serde_json::to_vec_pretty(self).map_err(|e| EngineError::Io {
            path: dir.join("report.json"),
            message: e.to_string(),
        })?;
        crate::backup::write_private(&dir.join("report.json"), &json)?;
        crate::backup::write_private(&dir.join("report.md"), self.to_markdown().as_bytes())
    }
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
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
            objects: Vec::new(),
            missing_dependencies: Vec::new(),
            manual_actions: vec![
                ManualAction {
                    kind: "jobs".into(),
                    key: "a (1)".into(),
                    action: "unpause at cut-over: job `a` (schedule)".into(),
                    done: true,
                },
                ManualAction {
                    kind: "jobs".into(),
                    key: "b (2)".into(),
                    action: "unpause at cut-over: job `b` (schedule)".into(),
                    done: false,
                },
            ],
            backups: Vec::new(),
            aborted: None,
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
}
