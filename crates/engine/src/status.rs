//! `status`: the migration dashboard, read from the ledger alone (no workspace call).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::EngineError;
use crate::kinds;
use crate::ledger::{Access, Ledger, ManualAction, Status};

/// One kind's counts per ledger status.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct KindStatus {
    /// The kind.
    pub kind: String,
    /// Objects in the ledger.
    pub total: usize,
    /// Count per status (`created`, `unchanged`, `failed`, …); statuses with no object are absent.
    pub by_status: BTreeMap<Status, usize>,
}

/// One phase's kinds.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PhaseStatus {
    /// The phase (1, 2, 3).
    pub phase: u8,
    /// Its kinds, in table order (kinds never run show `total: 0`).
    pub kinds: Vec<KindStatus>,
    /// Whether every object of the phase is done (nothing pending, failed, in conflict or
    /// rolled back) and at least one object was seen.
    pub complete: bool,
}

/// An object that needs attention.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// The kind.
    pub kind: String,
    /// The natural key.
    pub key: String,
    /// Its status (failed, conflict, pending).
    pub status: Status,
    /// The error or reason.
    pub detail: Option<String>,
}

/// What `status` returns.
#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    /// The run directory.
    pub run_dir: PathBuf,
    /// Runs started in this directory.
    pub runs_started: i64,
    /// Runs that finished (a difference means a run was interrupted).
    pub runs_finished: i64,
    /// Per phase, per kind counts.
    pub phases: Vec<PhaseStatus>,
    /// Failed, in-conflict and pending objects, and objects skipped because they need a kind
    /// never migrated.
    pub problems: Vec<Problem>,
    /// Manual actions left for the operator.
    pub manual_actions: Vec<ManualAction>,
    /// The seed's success-metrics dashboard: phase progress, post-migration actions done and
    /// pending, objects migrated per kind.
    pub dashboard: crate::dashboard::Dashboard,
}

/// Reads the ledger of `run_dir` into a dashboard.
pub fn status(run_dir: &Path) -> Result<StatusReport, EngineError> {
    let ledger = Ledger::open(run_dir, Access::ReadOnly)?;
    let entries = ledger.entries(None)?;
    let (runs_started, runs_finished) = ledger.run_counts()?;
    let manual_actions = ledger.manual_actions()?;
    let mut per_kind: BTreeMap<String, KindStatus> = BTreeMap::new();
    let mut problems = Vec::new();
    for e in &entries {
        let ks = per_kind
            .entry(e.kind.clone())
            .or_insert_with(|| KindStatus {
                kind: e.kind.clone(),
                total: 0,
                by_status: BTreeMap::new(),
            });
        ks.total += 1;
        *ks.by_status.entry(e.status).or_default() += 1;
        if matches!(
            e.status,
            Status::Failed | Status::Conflict | Status::Pending
        ) || e.waits_for_a_kind()
        {
            problems.push(Problem {
                kind: e.kind.clone(),
                key: e.natural_key.clone(),
                status: e.status,
                detail: e.last_error.clone(),
            });
        }
    }
    // Kinds with objects waiting for a kind never migrated: their phase is not complete.
    let waiting: std::collections::BTreeSet<&str> = entries
        .iter()
        .filter(|e| e.waits_for_a_kind())
        .map(|e| e.kind.as_str())
        .collect();
    let mut phases: BTreeMap<u8, Vec<KindStatus>> = BTreeMap::new();
    for k in kinds::all() {
        let ks = per_kind.remove(k.name()).unwrap_or_else(|| KindStatus {
            kind: k.name().to_string(),
            total: 0,
            by_status: BTreeMap::new(),
        });
        phases.entry(k.phase()).or_default().push(ks);
    }
    let phases = phases
        .into_iter()
        .map(|(phase, kinds)| {
            let total: usize = kinds.iter().map(|k| k.total).sum();
            let bad: usize = kinds
                .iter()
                .flat_map(|k| k.by_status.iter())
                .filter(|(s, _)| {
                    matches!(
                        s,
                        Status::Failed | Status::Conflict | Status::Pending | Status::RolledBack
                    )
                })
                .map(|(_, n)| *n)
                .sum::<usize>()
                + waiting
                    .iter()
                    .filter(|k| kinds.iter().any(|x| &x.kind == *k))
                    .count();
            PhaseStatus {
                phase,
                complete: total > 0 && bad == 0,
                kinds,
            }
        })
        .collect();
    Ok(StatusReport {
        run_dir: run_dir.to_path_buf(),
        runs_started,
        runs_finished,
        phases,
        problems,
        dashboard: crate::dashboard::build(
            &ledger,
            &entries,
            &manual_actions,
            &crate::cutover::store::rows(run_dir)?,
        )?,
        manual_actions,
    })
}
