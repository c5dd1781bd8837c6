//! `migrate` and `plan`: select the kinds, open the ledger, run the kinds through the
//! scheduler (`schedule`), and write the report.
//!
//! The scheduler lists every selected kind at once; a kind starts as soon as its own listing
//! is backed up (a [`crate::kinds::Kind::streamed`] kind while it is listed), so kinds run at
//! the same time and each object waits, one by one, for the objects it references
//! (`waits`), not for whole kinds. Each kind has its own slots (`max_concurrency` objects in
//! a pass at once, see `process::Runtime::permits`); the client additionally throttles each
//! API family. Inside a kind, `order` runs the first passes, then the second passes.
//! Everything runs on the caller's task (no spawn): dropping the future stops the run at
//! once, and the ledger's intents make the next run resume cleanly.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use brickport_api::WorkspaceClient;

use crate::backup;
use crate::graph;
use crate::idmap::IdMap;
use crate::kinds::{self, Ctx, Kind};
use crate::ledger::{Access, Ledger};
use crate::process::Runtime;
use crate::progress::Progress;
use crate::report::{RunReport, Spill};
use crate::waits::Waits;
use crate::{EngineError, EngineOptions};

/// What `plan` returns: a [`RunReport`] whose outcomes are what `migrate` would do
/// (`dry_run` is true; nothing was written).
pub type Plan = RunReport;

mod outage;
mod schedule;
mod streamed;

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Shared by `migrate` and `plan`.
async fn execute(
    source: &WorkspaceClient,
    target: &WorkspaceClient,
    opts: &EngineOptions,
    progress: &dyn Progress,
    dry_run: bool,
) -> Result<RunReport, EngineError> {
    let started_at = now();
    let table = kinds::all();
    let selected = graph::select(&table, &opts.only, opts.phase)?;
    // Refuses a cycle between kinds (a kind table bug): object waits rely on there being none.
    graph::waves(&selected)?;
    let ledger = Arc::new(open_ledger(opts, dry_run)?);
    let missing = missing_dependencies(&selected, &ledger)?;
    let selection = format!(
        "only={:?} phase={:?} dry_run={dry_run}",
        opts.only, opts.phase
    );
    let run_id = match dry_run {
        true => None,
        false => Some(ledger.start_run(&selection)?),
    };
    // Every object's report goes to disk as it finishes (see `report::log`): in the run
    // directory, or the system's temporary directory for a plan (which writes nothing there).
    let spill = Spill::create((!dry_run).then_some(opts.run_dir.as_path()))?;
    let unselected = || {
        let chosen: BTreeSet<&str> = selected.iter().map(|k| k.name()).collect();
        let names = table.iter().map(|k| k.name());
        names.filter(move |n| !chosen.contains(n))
    };
    let sides = (source, target);
    let runtime = new_runtime(
        sides,
        opts,
        ledger.clone(),
        dry_run,
        &selected,
        unselected(),
    );
    progress.run_started(&selected.iter().map(|k| k.name()).collect::<Vec<_>>());
    let run = schedule::run_kinds(&runtime, &selected, source.host(), progress, &spill);
    // An outage is waited out inside the clients; past `outage_wait` the run stops here.
    let ran = outage::watched(sides, progress, run).await?;
    let aborted = runtime
        .abort_reason
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    // The run's working state (caches, waits) is no longer needed: freed before the reports
    // are sorted and written.
    drop(runtime);
    // Kinds in the order of `kinds` (table order); objects by key inside a kind.
    let order: Vec<&'static str> = selected
        .iter()
        .map(|k| k.name())
        .chain(unselected())
        .collect();
    let report = RunReport {
        source: source.host().to_string(),
        target: target.host().to_string(),
        started_at,
        finished_at: String::new(),
        dry_run,
        kinds: ran.summaries,
        log: spill.finish(&order)?,
        missing_dependencies: missing,
        manual_actions: ledger.manual_actions()?,
        backups: ran.backups,
        aborted,
        history: Vec::new(),
    };
    finish(report, &ledger, run_id, opts)
}

/// The run's ledger: the run directory's; for a plan, the run directory's when it has one
/// (read only: a plan records nothing), else an empty one in memory.
fn open_ledger(opts: &EngineOptions, dry_run: bool) -> Result<Ledger, EngineError> {
    if !dry_run {
        backup::ensure_private_dir(&opts.run_dir)?;
        Ledger::open(&opts.run_dir, Access::Create)
    } else if Ledger::file(&opts.run_dir).is_file() {
        Ledger::open(&opts.run_dir, Access::ReadOnly)
    } else {
        Ledger::open_memory()
    }
}

/// The kinds the selection depends on that are neither selected nor in the ledger: their
/// references cannot be mapped (said in the report).
fn missing_dependencies(
    selected: &[Arc<dyn Kind>],
    ledger: &Ledger,
) -> Result<Vec<String>, EngineError> {
    let mut missing = Vec::new();
    for (dep, needed_by) in graph::outside_dependencies(selected) {
        if ledger.entries(Some(dep))?.is_empty() {
            missing.push(format!(
                "{dep} (needed by {}) is not selected and not in the ledger: references to it \
                 cannot be mapped; migrate {dep} first",
                needed_by.iter().copied().collect::<Vec<_>>().join(", ")
            ));
        }
    }
    Ok(missing)
}

/// What every object task of the run shares. The `unselected` kinds count as finished from
/// the start: what the ledger has of them is all there will be.
fn new_runtime(
    (source, target): (&WorkspaceClient, &WorkspaceClient),
    opts: &EngineOptions,
    ledger: Arc<Ledger>,
    dry_run: bool,
    selected: &[Arc<dyn Kind>],
    unselected: impl Iterator<Item = &'static str>,
) -> Runtime {
    let slots = |k: &Arc<dyn Kind>| {
        let slots = tokio::sync::Semaphore::new(opts.max_concurrency.max(1));
        (k.name(), slots)
    };
    Runtime {
        ctx: Ctx {
            source: source.clone(),
            target: target.clone(),
            opts: Arc::new(opts.clone()),
            ids: IdMap::new(ledger.clone()),
            run_dir: opts.run_dir.clone(),
            cache: Arc::new(kinds::snapshot::RunCache::reading_cutover(
                crate::cutover::resumed,
            )),
        },
        ledger,
        dry_run,
        permits: selected.iter().map(slots).collect(),
        aborted: AtomicBool::new(false),
        abort_reason: Mutex::new(None),
        left_alone: Default::default(),
        waits: Waits::new(unselected),
    }
}

/// Stamps the report's end; for a migration (`run_id`), records the run's end in the ledger
/// and writes `report.json`/`report.md`.
fn finish(
    mut report: RunReport,
    ledger: &Ledger,
    run_id: Option<i64>,
    opts: &EngineOptions,
) -> Result<RunReport, EngineError> {
    report.finished_at = now();
    if let Some(id) = run_id {
        let summary = serde_json::to_string(&report.kinds).unwrap_or_default();
        ledger.finish_run(id, &summary)?;
        // This run's own report in `runs/<n>/`; the whole migration's, from the ledger, at
        // the top of the run directory (see `report::migration`).
        let own = opts.run_dir.join("runs").join(id.to_string());
        backup::ensure_private_dir(&own)?;
        report.write(&own)?;
        report.save_lines(ledger)?;
        report.migration(ledger)?.write(&opts.run_dir)?;
    }
    Ok(report)
}

/// Migrates the selected kinds from `source` to `target`: backups first, then every kind in
/// dependency order, recording the ledger around every write, then `report.json`/`report.md`.
/// Per-object failures do not make this an `Err` (see [`RunReport::is_success`]).
pub async fn migrate(
    source: &WorkspaceClient,
    target: &WorkspaceClient,
    opts: &EngineOptions,
    progress: &dyn Progress,
) -> Result<RunReport, EngineError> {
    execute(source, target, opts, progress, false).await
}

/// What `migrate` would do, without writing anything (to the target, the ledger or the run
/// directory). Reads the ledger when the run directory has one.
pub async fn plan(
    source: &WorkspaceClient,
    target: &WorkspaceClient,
    opts: &EngineOptions,
) -> Result<Plan, EngineError> {
    plan_with_progress(source, target, opts, &crate::progress::NoProgress).await
}

/// [`plan`], telling `progress` what it does as `migrate` would (each object's outcome is
/// what `migrate` would do).
pub async fn plan_with_progress(
    source: &WorkspaceClient,
    target: &WorkspaceClient,
    opts: &EngineOptions,
    progress: &dyn Progress,
) -> Result<Plan, EngineError> {
    execute(source, target, opts, progress, true).await
}
