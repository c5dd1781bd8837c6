//! `migrate` and `plan`: select the kinds, list the source, write the backups, then run the
//! kinds through the scheduler and write the report.
//!
//! The scheduler starts every kind whose selected dependencies are finished, so independent
//! kinds run at the same time; inside a kind, objects run concurrently. One semaphore bounds
//! the objects in flight over all kinds (`max_concurrency`); the client additionally throttles
//! each API family. Everything runs on the caller's task (no spawn): dropping the future stops
//! the run at once, and the ledger's intents make the next run resume cleanly.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use brickport_api::WorkspaceClient;
use futures::future::LocalBoxFuture;
use futures::stream::{FuturesUnordered, StreamExt, TryStreamExt};

use crate::backup;
use crate::graph;
use crate::idmap::IdMap;
use crate::kinds::{self, Ctx, Kind};
use crate::ledger::{Access, Ledger};
use crate::process::{Runtime, run_listed_pass};
use crate::progress::Progress;
use crate::report::{KindSummary, ObjectReport, RunReport, Spill};
use crate::waits::Waits;
use crate::{EngineError, EngineOptions};

/// What `plan` returns: a [`RunReport`] whose outcomes are what `migrate` would do
/// (`dry_run` is true; nothing was written).
pub type Plan = RunReport;

mod listed;
mod streamed;

pub(crate) use listed::Listed;

/// A kind run to its end: its summary and its backup (none in a plan).
type KindDone = (&'static str, KindSummary, Option<std::path::PathBuf>);

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A kind's finished objects: counted, then handed to the run's spill file (a report is not
/// kept once counted: a large kind's would not fit in memory).
struct Tally<'a> {
    summary: KindSummary,
    spill: &'a Spill,
}

impl<'a> Tally<'a> {
    fn new(kind: &dyn Kind, spill: &'a Spill) -> Self {
        Tally {
            summary: KindSummary {
                kind: kind.name(),
                phase: kind.phase(),
                ..KindSummary::default()
            },
            spill,
        }
    }

    /// One object done (after its second pass if it has one).
    fn done(&mut self, r: ObjectReport) {
        self.summary.count(r.outcome);
        self.spill.push(r);
    }

    /// The kind's summary line, told to `progress`.
    fn finish(self, total: usize, started: Instant, progress: &dyn Progress) -> KindSummary {
        let mut summary = self.summary;
        summary.total = total;
        summary.millis = started.elapsed().as_millis() as u64;
        progress.kind_finished(&summary);
        summary
    }
}

/// How many objects of a listed-whole kind are taken up at once: more than its slots
/// (`max_concurrency`), so that objects whose references are settled do not queue behind
/// objects still waiting for theirs; a waiting object holds only what it waits for (see
/// [`run_listed_pass`]).
pub(crate) fn waiting_window(rt: &Runtime) -> usize {
    rt.ctx.opts.max_concurrency.max(1).max(WAITING)
}

/// See [`waiting_window`].
const WAITING: usize = 1_024;

/// Runs one kind: every object's first pass, then the second pass where needed. Objects are
/// taken from `objs` as their turn comes ([`waiting_window`] at once, `max_concurrency` of
/// them in a pass); an `Err` means they could not be read back (the run stops, as for a
/// ledger error).
async fn run_kind(
    rt: &Runtime,
    kind: &dyn Kind,
    objs: &Listed,
    progress: &dyn Progress,
    spill: &Spill,
) -> Result<KindSummary, EngineError> {
    let started = Instant::now();
    progress.kind_started(kind.name(), objs.len());
    progress.kind_listed(kind.name(), objs.len());
    let waiting = waiting_window(rt);
    let mut tally = Tally::new(kind, spill);
    // Objects that need a second pass, with their first pass's report.
    let to_link: Vec<(usize, ObjectReport)> = if crate::order::has_self_refs(kind) {
        // Objects referencing each other (jobs running jobs): in dependency order.
        crate::order::first_passes(rt, kind, objs, progress, &mut |r| tally.done(r)).await?
    } else {
        let mut firsts = std::pin::pin!(
            futures::stream::iter(0..objs.len())
                .map(|i| async move {
                    let (r, link) = run_listed_pass(rt, kind, objs, i, None, false).await?;
                    if !link {
                        progress.object_finished(&r);
                    }
                    Ok::<_, EngineError>((i, r, link))
                })
                .buffer_unordered(waiting)
        );
        let mut to_link = Vec::new();
        while let Some((i, r, link)) = firsts.try_next().await? {
            if link {
                to_link.push((i, r));
            } else {
                tally.done(r);
            }
        }
        to_link
    };
    let mut linked = std::pin::pin!(
        futures::stream::iter(to_link)
            .map(|(i, first)| async move {
                let (r, _) = run_listed_pass(rt, kind, objs, i, Some(first.outcome), false).await?;
                progress.object_finished(&r);
                Ok::<_, EngineError>(merge_link(first, r))
            })
            .buffer_unordered(waiting)
    );
    while let Some(r) = linked.try_next().await? {
        tally.done(r);
    }
    Ok(tally.finish(objs.len(), started, progress))
}

/// An object's report after its second pass, with what its first pass said.
fn merge_link(first: ObjectReport, mut r: ObjectReport) -> ObjectReport {
    r.millis += first.millis;
    if r.detail.is_none() {
        r.detail = first.detail;
    }
    let mut dropped = first.dropped;
    for d in r.dropped.drain(..) {
        if !dropped.contains(&d) {
            dropped.push(d);
        }
    }
    r.dropped = dropped;
    r
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
    let ledger = Arc::new(if dry_run {
        if Ledger::file(&opts.run_dir).is_file() {
            Ledger::open(&opts.run_dir, Access::ReadOnly)?
        } else {
            Ledger::open_memory()?
        }
    } else {
        backup::ensure_private_dir(&opts.run_dir)?;
        Ledger::open(&opts.run_dir, Access::Create)?
    });
    let ctx = Ctx {
        source: source.clone(),
        target: target.clone(),
        opts: Arc::new(opts.clone()),
        ids: IdMap::new(ledger.clone()),
        run_dir: opts.run_dir.clone(),
        cache: Default::default(),
    };

    let mut missing = Vec::new();
    for (dep, needed_by) in graph::outside_dependencies(&selected) {
        if ledger.entries(Some(dep))?.is_empty() {
            missing.push(format!(
                "{dep} (needed by {}) is not selected and not in the ledger: references to it \
                 cannot be mapped; migrate {dep} first",
                needed_by.iter().copied().collect::<Vec<_>>().join(", ")
            ));
        }
    }

    let selection = format!(
        "only={:?} phase={:?} dry_run={dry_run}",
        opts.only, opts.phase
    );
    let run_id = if dry_run {
        None
    } else {
        Some(ledger.start_run(&selection)?)
    };
    let chosen: BTreeSet<&'static str> = selected.iter().map(|k| k.name()).collect();
    // Every object's report goes to disk as it finishes (see `report::log`): in the run
    // directory, or the system's temporary directory for a plan (which writes nothing there).
    let spilled = Spill::create((!dry_run).then_some(opts.run_dir.as_path()))?;
    let spill = &spilled;
    let runtime = Runtime {
        ctx,
        ledger: ledger.clone(),
        dry_run,
        permits: selected
            .iter()
            .map(|k| {
                let slots = tokio::sync::Semaphore::new(opts.max_concurrency.max(1));
                (k.name(), slots)
            })
            .collect(),
        aborted: AtomicBool::new(false),
        abort_reason: Mutex::new(None),
        left_alone: Default::default(),
        waits: Waits::new(
            table
                .iter()
                .map(|k| k.name())
                .filter(|n| !chosen.contains(n)),
        ),
    };
    progress.run_started(&selected.iter().map(|k| k.name()).collect::<Vec<_>>());

    // Every kind is listed at once, and starts as soon as its own listing is backed up: its
    // objects wait one by one for what they reference (`waits`), not for whole kinds. A
    // listing that fails ends the run (dropping the kinds in flight: the ledger's intents
    // make the next run resume cleanly).
    let stamp = chrono::Utc::now();
    let rt = &runtime;
    let new_writer = |kind: &'static str| {
        if dry_run {
            Ok(None)
        } else {
            backup::BackupWriter::create(&opts.run_dir, kind, source.host(), stamp).map(Some)
        }
    };
    // A big listed-whole kind waits on disk (see `listed`): in the run directory, or the
    // system's temporary directory for a plan (which writes nothing there).
    let waiting_dir = if dry_run {
        std::env::temp_dir()
    } else {
        opts.run_dir.clone()
    };
    let waiting_dir = &waiting_dir;
    let mut listing = FuturesUnordered::new();
    let mut running: FuturesUnordered<LocalBoxFuture<'_, Result<KindDone, EngineError>>> =
        FuturesUnordered::new();
    for k in &selected {
        let k: &dyn Kind = k.as_ref();
        if k.streamed() {
            // Migrated while listed, backed up object by object.
            let writer = new_writer(k.name())?;
            running.push(Box::pin(async move {
                let (summary, backup) =
                    streamed::run(rt, k, k.list_stream(&rt.ctx), progress, writer, spill).await?;
                rt.waits.finish(k.name());
                Ok((k.name(), summary, backup))
            }));
            continue;
        }
        listing.push(async move {
            // The backup keeps the full objects, written one by one as listed (a big kind's
            // are never all in memory); the run needs only their specs.
            let mut writer = new_writer(k.name())?;
            let mut objs = Listed::new(waiting_dir, opts.listed_in_memory);
            let mut listed = std::pin::pin!(k.list_stream(&rt.ctx));
            while let Some(mut o) = listed.try_next().await? {
                let raw = std::mem::take(&mut o.raw);
                if let Some(w) = &mut writer {
                    w.push(&raw)?;
                }
                objs.push(o)?;
            }
            objs.seal()?;
            let backup = writer.map(backup::BackupWriter::finish).transpose()?;
            Ok::<_, EngineError>((k, objs, backup))
        });
    }
    let mut results: BTreeMap<&'static str, KindSummary> = BTreeMap::new();
    let mut backups_by_kind = BTreeMap::new();
    loop {
        tokio::select! {
            Some(listed) = listing.next() => {
                let (kind, objs, backup) = listed?;
                if rt.aborted.load(std::sync::atomic::Ordering::SeqCst) {
                    if let Some(b) = backup {
                        backups_by_kind.insert(kind.name(), b);
                    }
                    rt.waits.finish(kind.name());
                    continue;
                }
                running.push(Box::pin(async move {
                    let summary = run_kind(rt, kind, &objs, progress, spill).await?;
                    rt.waits.finish(kind.name());
                    Ok((kind.name(), summary, backup))
                }));
            }
            Some(done) = running.next() => {
                let (name, summary, backup) = done?;
                if let Some(b) = backup {
                    backups_by_kind.insert(name, b);
                }
                results.insert(name, summary);
            }
            else => break,
        }
    }
    let backups: Vec<_> = selected
        .iter()
        .filter_map(|k| backups_by_kind.remove(k.name()))
        .collect();

    let kinds_out: Vec<KindSummary> = selected
        .iter()
        .filter_map(|k| results.remove(k.name()))
        .collect();
    let aborted = rt
        .abort_reason
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    // The run's working state (caches, waits) is no longer needed: freed before the reports
    // are sorted and written.
    drop(running);
    drop(listing);
    drop(runtime);
    // Kinds in the order of `kinds` (table order); objects by key inside a kind.
    let order: Vec<&'static str> = selected
        .iter()
        .map(|k| k.name())
        .chain(
            table
                .iter()
                .map(|k| k.name())
                .filter(|n| !chosen.contains(n)),
        )
        .collect();
    let log = spilled.finish(&order)?;
    let report = RunReport {
        source: source.host().to_string(),
        target: target.host().to_string(),
        started_at,
        finished_at: now(),
        dry_run,
        kinds: kinds_out,
        log,
        missing_dependencies: missing,
        manual_actions: ledger.manual_actions()?,
        backups,
        aborted,
    };
    if let Some(id) = run_id {
        let summary = serde_json::to_string(&report.kinds).unwrap_or_default();
        ledger.finish_run(id, &summary)?;
        report.write(&opts.run_dir)?;
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
    execute(source, target, opts, &crate::progress::NoProgress, true).await
}
