//! The report of the whole migration, from the ledger: every object the ledger knows, with
//! its latest status and what the migration did to it over all runs (created by it stays
//! `created` when a later run finds it unchanged), the detail of the run that last processed
//! it (its saved report line, see `ledger::lines`), and the runs' history. It is what
//! `report.json`, `report.md` and `report.html` at the top of the run directory hold; each
//! run's own report is in `runs/<n>/`.

use std::collections::HashMap;

use serde::Deserialize;

use super::{KindSummary, ObjectReport, Outcome, RunReport, Spill};
use crate::EngineError;
use crate::ledger::{Entry, Ledger, Note, Status};
use crate::translation::Translation;

/// What a saved report line adds to the ledger's row.
#[derive(Deserialize, Default)]
#[serde(default)]
struct Kept {
    outcome: Option<Outcome>,
    detail: Option<String>,
    diffs: Vec<String>,
    dropped: Vec<String>,
    lost: Vec<String>,
    translated: Vec<Translation>,
    manual: Vec<String>,
    millis: u64,
}

impl RunReport {
    /// Saves this run's report lines in the ledger (see `ledger::lines`).
    pub(crate) fn save_lines(&self, ledger: &Ledger) -> Result<(), EngineError> {
        let lines = self.objects_iter().map(|o| {
            let o = o?;
            let line = serde_json::to_string(&o).map_err(|e| {
                EngineError::Internal(format!(
                    "cannot save the report line of {} `{}`: {e}",
                    o.kind, o.key
                ))
            })?;
            Ok((o.kind.to_string(), o.source_id, line))
        });
        ledger.save_report_lines(lines)
    }

    /// The whole migration's report: this run's hosts, end and manual actions, every object
    /// of the ledger (kinds in table order), the runs so far. Spilled like a run's.
    pub(crate) fn migration(&self, ledger: &Ledger) -> Result<RunReport, EngineError> {
        let names: Vec<&'static str> = crate::kinds::all().iter().map(|k| k.name()).collect();
        let dir = ledger.path().parent().map(std::path::Path::to_path_buf);
        let spill = Spill::create(dir.as_deref())?;
        let mut kinds = Vec::new();
        let has_lines = ledger.has_report_lines()?;
        for (phase, name) in crate::kinds::all().iter().map(|k| (k.phase(), k.name())) {
            let entries = ledger.entries(Some(name))?;
            // A kind this run listed empty keeps its row, as in the run's own report.
            if entries.is_empty() && !self.kinds.iter().any(|k| k.kind == name) {
                continue;
            }
            let mut sum = KindSummary {
                kind: name,
                phase,
                millis: (self.kinds.iter())
                    .find(|k| k.kind == name)
                    .map_or(0, |k| k.millis),
                ..KindSummary::default()
            };
            for e in entries {
                let kept = match has_lines {
                    true => ledger.report_line(name, &e.source_id)?,
                    false => None,
                };
                let line = line_of(name, e, kept.as_deref());
                sum.total += 1;
                sum.count(line.outcome);
                spill.push(line);
            }
            kinds.push(sum);
        }
        let history = ledger.runs()?;
        Ok(RunReport {
            source: self.source.clone(),
            target: self.target.clone(),
            started_at: (history.first())
                .map_or_else(|| self.started_at.clone(), |r| r.started_at.clone()),
            finished_at: self.finished_at.clone(),
            dry_run: false,
            kinds,
            log: spill.finish(&names)?,
            missing_dependencies: self.missing_dependencies.clone(),
            manual_actions: self.manual_actions.clone(),
            backups: latest_backups(dir.as_deref()),
            aborted: self.aborted.clone(),
            history,
        })
    }
}

/// Every kind's newest backup file (`backups/latest.json`), for the migration's report.
fn latest_backups(dir: Option<&std::path::Path>) -> Vec<std::path::PathBuf> {
    let Some(backups) = dir.map(|d| d.join("backups")) else {
        return Vec::new();
    };
    let index = crate::backup::latest::read_index(&backups);
    index.values().map(|l| backups.join(&l.file)).collect()
}

/// What the migration did to an object over all its runs, from its row: created by it
/// (whatever later runs found), else what its latest run said when the row agrees (done),
/// else from the row: updated, adopted (managed, found equal), mapped or unchanged, or not
/// done (skipped, failed, in conflict, pending, rolled back).
fn outcome_of(e: &Entry, latest: Option<Outcome>) -> Outcome {
    let done_outcome =
        |o: Outcome| matches!(o, Outcome::Updated | Outcome::Unchanged | Outcome::Adopted);
    match (e.status, latest) {
        (s, _) if s.is_done() && e.created => Outcome::Created,
        (s, Some(o)) if s.is_done() && done_outcome(o) => o,
        (Status::Created, _) => Outcome::Created,
        (Status::Updated, _) => Outcome::Updated,
        (Status::Unchanged, _) if e.owned => Outcome::Adopted,
        (Status::Unchanged, _) => Outcome::Unchanged,
        (Status::Skipped | Status::RolledBack, _) => Outcome::Skipped,
        (Status::Conflict, _) => Outcome::Conflict,
        (Status::Failed | Status::Pending, _) => Outcome::Failed,
    }
}

/// An object's line in the migration's report: its row, with what its latest saved line adds.
fn line_of(kind: &'static str, e: Entry, kept: Option<&str>) -> ObjectReport {
    let k: Kept = kept
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_default();
    let outcome = outcome_of(&e, k.outcome);
    let detail = match e.status {
        Status::Pending => Some("pending: a write whose outcome is not recorded (a run was stopped); run `brickport migrate` again".to_string()),
        Status::RolledBack => Some("rolled back: deleted from the target by `brickport rollback`".to_string()),
        s if !s.is_done() => e.last_error.clone().or(k.detail),
        // A done object's detail from its latest run ("not re-read", a warning), unless that
        // run's outcome was another one than the migration's.
        _ => k.detail.filter(|_| k.outcome == Some(outcome)),
    };
    let note = match e.status {
        Status::Skipped => e.skip.map(Note::Skipped),
        _ => None,
    };
    let done = e.status.is_done();
    ObjectReport {
        kind,
        key: e.natural_key,
        source_id: e.source_id,
        target_id: e.target_id,
        outcome,
        detail,
        note,
        diffs: k.diffs,
        dropped: k.dropped,
        lost: if done { k.lost } else { Vec::new() },
        translated: k.translated,
        manual: k.manual,
        millis: k.millis,
        source_hash: None,
    }
}

/// The runs' lines of `report.md`'s history (kept short: the latest first, then a count).
pub(super) fn history_rows(history: &[crate::ledger::RunRecord]) -> Vec<String> {
    const SHOWN: usize = 10;
    let mut rows: Vec<String> = history
        .iter()
        .rev()
        .take(SHOWN)
        .map(|r| {
            let counts = r
                .summary
                .as_deref()
                .and_then(|s| serde_json::from_str::<Vec<HashMap<String, serde_json::Value>>>(s).ok())
                .map(|kinds| {
                    let n = |f: &str| -> u64 {
                        kinds.iter().filter_map(|k| k.get(f)?.as_u64()).sum()
                    };
                    format!(
                        "{} objects: {} created, {} updated, {} unchanged, {} skipped, {} failed, {} conflicts",
                        n("total"), n("created"), n("updated"), n("unchanged"), n("skipped"), n("failed"), n("conflicts")
                    )
                })
                .unwrap_or_else(|| "not finished (interrupted, or still running)".into());
            format!(
                "| {} | {} | {} | `{}` | {} |",
                r.id,
                r.started_at,
                r.finished_at.as_deref().unwrap_or(""),
                r.selection,
                counts
            )
        })
        .collect();
    if history.len() > SHOWN {
        rows.push(format!(
            "| … | {} older runs | | | |",
            history.len() - SHOWN
        ));
    }
    rows
}
