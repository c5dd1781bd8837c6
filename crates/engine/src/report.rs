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
            t.millis = t.millis.max(k.millis);
        }
        t
    }

    /// Whether every object is done (nothing failed, nothing in conflict, not aborted).
    pub fn is_success(&self) -> bool {
        let t = self.totals();
        t.failed == 0 && t.conflicts == 0 && self.aborted.is_none()
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
        s.push_str("| kind | phase | total | created | updated | unchanged | skipped | failed | conflicts | ms |\n");
        s.push_str("|---|---|---|---|---|---|---|---|---|---|\n");
        let mut rows = self.kinds.clone();
        rows.push(self.totals());
        for k in &rows {
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                k.kind,
                k.phase,
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
        if !self.missing_dependencies.is_empty() {
            s.push_str("\n## Missing dependencies\n\n");
            for m in &self.missing_dependencies {
                s.push_str(&format!("- {m}\n"));
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
            s.push_str("\n## Manual actions\n\n");
            for m in &self.manual_actions {
                s.push_str(&format!("- [ ] {} `{}`: {}\n", m.kind, m.key, m.action));
            }
        }
        s.push_str("\n## Every object\n\n| kind | object | outcome | target id | ms |\n|---|---|---|---|---|\n");
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
