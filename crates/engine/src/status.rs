//! `status`: the migration dashboard, read from the ledger alone (no workspace call), and
//! `done`: manual actions marked done by hand, by their stable ids.
//!
//! The report holds everything (every problem, every action with its id: `--output json`);
//! the problems are also folded by class ([`ProblemClass`]) with counts per kind, so a screen
//! can show a migration of any size.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::EngineError;
use crate::dashboard::ListingState;
use crate::kinds;
use crate::ledger::{Access, Entry, Ledger, ManualAction, SkipCode, Status};

/// One kind's counts per ledger status (each object's latest status).
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
    /// Whether every kind of the phase was listed whole and every object listed is done
    /// (migrated, or skipped on purpose), and at least one object was seen.
    pub complete: bool,
}

/// Why an object needs attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemClass {
    /// Failed.
    Failed,
    /// In conflict in the target (left alone).
    Conflict,
    /// A write whose outcome is not known (the run stopped during it).
    Pending,
    /// Skipped because an object it needs failed, is in conflict, or was left out.
    Dependency,
    /// Not attempted (the run was aborted, or `--resume` found it no longer done).
    NotAttempted,
}

impl ProblemClass {
    /// Every class, in the order `status` lists them.
    pub const ALL: [ProblemClass; 5] = [
        ProblemClass::Failed,
        ProblemClass::Conflict,
        ProblemClass::Pending,
        ProblemClass::Dependency,
        ProblemClass::NotAttempted,
    ];

    /// What it is, for a person.
    pub fn title(self) -> &'static str {
        match self {
            ProblemClass::Failed => "failed",
            ProblemClass::Conflict => "in conflict (left alone)",
            ProblemClass::Pending => "interrupted mid-write",
            ProblemClass::Dependency => "skipped: a dependency failed or was left out",
            ProblemClass::NotAttempted => "not attempted (run aborted)",
        }
    }

    fn of(e: &Entry) -> Option<ProblemClass> {
        match (e.status, e.skip) {
            (Status::Failed, _) => Some(ProblemClass::Failed),
            (Status::Conflict, _) => Some(ProblemClass::Conflict),
            (Status::Pending, _) => Some(ProblemClass::Pending),
            (
                Status::Skipped,
                Some(SkipCode::NeverMigrated | SkipCode::Dependency | SkipCode::LeftAlone),
            ) => Some(ProblemClass::Dependency),
            (Status::Skipped, Some(SkipCode::Aborted | SkipCode::NoLongerDone)) => {
                Some(ProblemClass::NotAttempted)
            }
            _ => None,
        }
    }
}

/// An object that needs attention.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Problem {
    /// Why.
    pub class: ProblemClass,
    /// The kind.
    pub kind: String,
    /// The natural key.
    pub key: String,
    /// Its status (failed, conflict, pending, skipped).
    pub status: Status,
    /// The error or reason.
    pub detail: Option<String>,
}

/// The problems of one class, counted.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ProblemFold {
    /// The class.
    pub class: ProblemClass,
    /// What it is, for a person.
    pub title: String,
    /// Objects.
    pub count: usize,
    /// Objects per kind, most first.
    pub kinds: Vec<(String, usize)>,
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
    /// Per phase, per kind counts of each object's latest status.
    pub phases: Vec<PhaseStatus>,
    /// Every object that needs attention (see [`ProblemClass`]).
    pub problems: Vec<Problem>,
    /// The problems folded by class (classes without any are left out).
    pub problem_counts: Vec<ProblemFold>,
    /// The kinds whose last listing of the source did not finish.
    pub incomplete_listings: Vec<String>,
    /// Every manual action, with its id, done or pending.
    pub manual_actions: Vec<ManualAction>,
    /// The seed's success-metrics dashboard: phase progress in objects, post-migration actions
    /// done and pending, objects migrated of listed per kind, over every run.
    pub dashboard: crate::dashboard::Dashboard,
}

impl StatusReport {
    /// Whether nothing needs attention: no problem, and every listing begun finished.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty() && self.incomplete_listings.is_empty()
    }
}

fn fold(problems: &[Problem]) -> Vec<ProblemFold> {
    ProblemClass::ALL
        .into_iter()
        .filter_map(|class| {
            let mut per: BTreeMap<&str, usize> = BTreeMap::new();
            for p in problems.iter().filter(|p| p.class == class) {
                *per.entry(p.kind.as_str()).or_default() += 1;
            }
            let mut kinds: Vec<(String, usize)> =
                per.into_iter().map(|(k, n)| (k.to_string(), n)).collect();
            kinds.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
            let count = kinds.iter().map(|(_, n)| n).sum();
            (count > 0).then(|| ProblemFold {
                class,
                title: class.title().to_string(),
                count,
                kinds,
            })
        })
        .collect()
}

/// Every kind's latest statuses, per phase.
fn phase_statuses(entries: &[Entry], dashboard: &crate::dashboard::Dashboard) -> Vec<PhaseStatus> {
    let mut per_kind: BTreeMap<&str, KindStatus> = BTreeMap::new();
    for e in entries {
        let ks = per_kind.entry(&e.kind).or_insert_with(|| KindStatus {
            kind: e.kind.clone(),
            total: 0,
            by_status: BTreeMap::new(),
        });
        ks.total += 1;
        *ks.by_status.entry(e.status).or_default() += 1;
    }
    let mut phases: BTreeMap<u8, Vec<KindStatus>> = BTreeMap::new();
    for k in kinds::all() {
        let ks = per_kind.remove(k.name()).unwrap_or_else(|| KindStatus {
            kind: k.name().to_string(),
            total: 0,
            by_status: BTreeMap::new(),
        });
        phases.entry(k.phase()).or_default().push(ks);
    }
    phases
        .into_iter()
        .map(|(phase, kinds)| {
            let seen: usize = kinds.iter().map(|k| k.total).sum();
            let whole = dashboard
                .phases
                .iter()
                .find(|p| p.phase == phase)
                .is_some_and(|p| p.pending.is_empty());
            PhaseStatus {
                phase,
                complete: seen > 0 && whole,
                kinds,
            }
        })
        .collect()
}

/// Reads the ledger of `run_dir` into a dashboard.
pub fn status(run_dir: &Path) -> Result<StatusReport, EngineError> {
    let ledger = Ledger::open(run_dir, Access::ReadOnly)?;
    let entries = ledger.entries(None)?;
    let (runs_started, runs_finished) = ledger.run_counts()?;
    let manual_actions = ledger.manual_actions()?;
    let problems: Vec<Problem> = entries
        .iter()
        .filter_map(|e| {
            Some(Problem {
                class: ProblemClass::of(e)?,
                kind: e.kind.clone(),
                key: e.natural_key.clone(),
                status: e.status,
                detail: e.last_error.clone(),
            })
        })
        .collect();
    let dashboard = crate::dashboard::build(
        &ledger,
        &entries,
        &manual_actions,
        &crate::cutover::store::rows(run_dir)?,
    )?;
    let incomplete_listings = dashboard
        .kinds
        .iter()
        .filter(|k| k.listing == Some(ListingState::Incomplete))
        .map(|k| k.kind.clone())
        .collect();
    Ok(StatusReport {
        run_dir: run_dir.to_path_buf(),
        runs_started,
        runs_finished,
        phases: phase_statuses(&entries, &dashboard),
        problem_counts: fold(&problems),
        problems,
        incomplete_listings,
        dashboard,
        manual_actions,
    })
}

/// Marks the manual actions `ids` of `run_dir`'s ledger done by hand (`done`), or takes the
/// marks back; returns them. An id may be shortened to any prefix only one action has.
/// Nothing is marked unless every id names exactly one action.
pub fn mark_done(
    run_dir: &Path,
    ids: &[String],
    done: bool,
) -> Result<Vec<ManualAction>, EngineError> {
    let ledger = Ledger::open(run_dir, Access::ReadWrite)?;
    let actions = ledger.manual_actions()?;
    let mut found = Vec::new();
    for id in ids {
        let want = id.trim().to_ascii_lowercase();
        let matching: Vec<&ManualAction> = actions
            .iter()
            .filter(|a| a.id == want || (want.len() >= 5 && a.id.starts_with(&want)))
            .collect();
        match matching.as_slice() {
            [one] => found.push((*one).clone()),
            [] => {
                return Err(EngineError::InvalidOption(format!(
                    "no manual action has the id `{id}` (`brickport status --details` lists them)"
                )));
            }
            many => {
                return Err(EngineError::InvalidOption(format!(
                    "`{id}` is the start of {} action ids: give more of it",
                    many.len()
                )));
            }
        }
    }
    let ids: Vec<String> = found.iter().map(|a| a.id.clone()).collect();
    ledger.mark_actions_done(&ids, done)?;
    let now = ledger.manual_actions()?;
    Ok(now.into_iter().filter(|a| ids.contains(&a.id)).collect())
}
