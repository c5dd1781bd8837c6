//! `brickport-engine`: migration itself — kinds, dependency graph, scheduler, ledger,
//! backups, reports. It talks to workspaces only through `brickport-api`'s typed handlers
//! (it never builds a URL) and never touches the terminal.
//!
//! # Public API (used by the cli)
//!
//! - [`EngineOptions`] (run dir, `only` kinds, `phase`, include/exclude path prefixes,
//!   [`ConflictPolicy`], secret placeholder, secret values, `fail_fast`, `max_concurrency`).
//! - [`validate`](fn@validate)`(&source, &target, &opts) -> Result<ValidationReport,
//!   EngineError>`: who we are on each side, admin rights, same-workspace refusal, per-kind
//!   pre-checks. Never prints.
//! - [`plan`]`(&source, &target, &opts) -> Result<Plan, EngineError>`: what `migrate` would
//!   do; writes nothing.
//! - [`migrate`]`(&source, &target, &opts, &dyn Progress) -> Result<RunReport, EngineError>`:
//!   the run; per-object failures are in the report ([`RunReport::is_success`]), not an `Err`.
//! - [`status`](fn@status)`(run_dir) -> Result<StatusReport, EngineError>`: the dashboard,
//!   from the ledger.
//! - [`verify`](fn@verify)`(&source, &target, &opts) -> Result<VerifyReport, EngineError>`: every
//!   migrated object compared with the target through the id map; differences can fail it.
//! - [`cutover`](fn@cutover)`(&source, &target, &opts, pause_source) -> Result<CutoverReport,
//!   EngineError>`: GO LIVE, resumes in the target the jobs active in the source now; idempotent.
//! - [`rollback`](fn@rollback)`(&source, &target, &opts, RollbackOptions) ->
//!   Result<RollbackReport, EngineError>`: deletes from the target what the migration created
//!   (never what it adopted), unless changed there since; resumable; `dry_run` writes nothing.
//! - [`PlanView::of`]`(&plan, fold)`: a plan's per-object lines by kind in phase order;
//!   [`SavedPlan`] (`plan --out`) and [`migrate_planned`]`(&source, &target, &opts, &saved,
//!   &dyn Progress)`: a saved plan carried out, refused before any write when it no longer holds.
//! - [`Progress`]: callbacks the cli implements (kind started, object finished, kind finished).
//! - [`kind_names`]: every kind, in table order (for `--only` help and validation).
//!
//! # Layout
//!
//! `kinds/` (one file per kind, one table in `kinds/mod.rs`) → `process` (one object's state
//! machine as named steps, every ledger/target write through one place that a plan makes a
//! no-op) → `order` (a kind's objects through their first, then second pass: the one loop;
//! in dependency order inside a kind that references itself, cycles in two passes) → `run`
//! (selection, listing, backups, the scheduler) → `report`. `graph` derives the order of
//! kinds from their declared references, `idmap` remaps those references through the
//! `ledger`. No top-level module is on a cycle (`module_graph` tests it).
#![deny(missing_docs)]

pub mod backup;
mod check;
pub mod cutover;
pub mod dashboard;
mod error;
pub mod graph;
pub mod idmap;
pub mod json;
pub mod kinds;
pub mod ledger;
mod listed;
#[cfg(test)]
mod module_graph;
mod options;
mod order;
pub mod plan_file;
pub mod plan_view;
pub mod principals;
mod process;
mod progress;
pub mod report;
mod rollback;
mod run;
mod status;
mod tmpfile;
pub mod translation;
mod validate;
mod verify;
mod waits;

pub use check::{Check, Severity};
pub use cutover::{CutoverJob, CutoverOutcome, CutoverReport, cutover, cutover_with};
pub use dashboard::Dashboard;
pub use error::EngineError;
pub use idmap::IdMap;
pub use options::{ConflictPolicy, DestinationValues, EngineOptions, SecretValues};
pub use options::{PlannedSource, PlannedSources};
pub use plan_file::{SavedPlan, migrate_planned};
pub use plan_view::{Change, PlanView};
pub use progress::{NoProgress, Progress};
pub use report::{KindSummary, ObjectReport, Outcome, RunReport};
pub use rollback::{RollbackLine, RollbackOptions, RollbackOutcome, RollbackReport, rollback};
pub use run::{Plan, migrate, plan, plan_with_progress};
pub use status::{
    KindStatus, PhaseStatus, Problem, ProblemClass, ProblemFold, StatusReport, mark_done, status,
};
pub use translation::Translation;
pub use validate::{ValidationReport, validate};
pub use verify::{Difference, Mismatch, VerifyKind, VerifyReport, verify, verify_with_progress};

/// Every kind's name, in table order (`users`, `service_principals`, `groups`, …).
pub fn kind_names() -> Vec<&'static str> {
    kinds::names()
}

/// The phase of the kind named `name` (1 enablement objects, 2 content, 3 jobs), if there is
/// such a kind.
pub fn kind_phase(name: &str) -> Option<u8> {
    kinds::all()
        .iter()
        .find(|k| k.name() == name)
        .map(|k| k.phase())
}
