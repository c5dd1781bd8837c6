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
use futures::stream::{FuturesUnordered, StreamExt};

use crate::backup;
use crate::graph;
use crate::idmap::IdMap;
use crate::kinds::{self, Ctx, Kind, SourceObject};
use crate::ledger::Ledger;
use crate::process::{Runtime, run_pass};
use crate::progress::Progress;
use crate::report::{KindSummary, ObjectReport, RunReport};
use crate::waits::Waits;
use crate::{EngineError, EngineOptions};

/// What `plan` returns: a [`RunReport`] whose outcomes are what `migrate` would do
/// (`dry_run` is true; nothing was written).
pub type Plan = RunReport;

mod streamed;

/// A kind run to its end: its summary, its objects' reports, its backup (none in a plan).
type KindDone = (
    &'static str,
    KindSummary,
    Vec<ObjectReport>,
    Option<std::path::PathBuf>,
);

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Runs one kind: every object's first pass, then the second pass where needed.
async fn run_kind(
    rt: &Runtime,
    kind: &dyn Kind,
    objs: &[SourceObject],
    progress: &dyn Progress,
) -> (KindSummary, Vec<ObjectReport>) {
    let started = Instant::now();
    progress.kind_started(kind.name(), objs.len());
    progress.kind_listed(kind.name(), objs.len());
    let width = rt.ctx.opts.max_concurrency.max(1);
    let firsts: Vec<(usize, ObjectReport, bool)> = if crate::order::has_self_refs(kind) {
        // Objects referencing each other (jobs running jobs): in dependency order.
        crate::order::first_passes(rt, kind, objs, progress).await
    } else {
        futures::stream::iter(objs.iter().enumerate())
            .map(|(i, o)| async move {
                let (r, link) = run_pass(rt, kind, o, None).await;
                if !link {
                    progress.object_finished(&r);
                }
                (i, r, link)
            })
            .buffer_unordered(width)
            .collect()
            .await
    };
    let mut reports: Vec<Option<ObjectReport>> = vec![None; objs.len()];
    let mut to_link = Vec::new();
    for (i, r, link) in firsts {
        if link {
            to_link.push((i, r.outcome));
        }
        reports[i] = Some(r);
    }
    let linked: Vec<(usize, ObjectReport)> = futures::stream::iter(to_link)
        .map(|(i, first)| async move {
            let (r, _) = run_pass(rt, kind, &objs[i], Some(first)).await;
            progress.object_finished(&r);
            (i, r)
        })
        .buffer_unordered(width)
        .collect()
        .await;
    for (i, r) in linked {
        let r = match reports[i].take() {
            Some(first) => merge_link(first, r),
            None => r,
        };
        reports[i] = Some(r);
    }
    let reports: Vec<ObjectReport> = reports.into_iter().flatten().collect();
    let summary = summarise(kind, objs.len(), &reports, started, progress);
    (summary, reports)
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

/// The kind's summary line, told to `progress`.
fn summarise(
    kind: &dyn Kind,
    total: usize,
    reports: &[ObjectReport],
    started: Instant,
    progress: &dyn Progress,
) -> KindSummary {
    let mut summary = KindSummary {
        kind: kind.name(),
        phase: kind.phase(),
        total,
        ..KindSummary::default()
    };
    for r in reports {
        summary.count(r.outcome);
    }
    summary.millis = started.elapsed().as_millis() as u64;
    progress.kind_finished(&summary);
    summary
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
        if opts.run_dir.join("ledger.sqlite").is_file() {
            Ledger::open(&opts.run_dir)?
        } else {
            Ledger::open_memory()?
        }
    } else {
        backup::ensure_private_dir(&opts.run_dir)?;
        Ledger::open(&opts.run_dir)?
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
    let rt = Runtime {
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
    let rt = &rt;
    let write_backup = |kind: &'static str, raw: Vec<serde_json::Value>| {
        if dry_run {
            Ok(None)
        } else {
            backup::write_backup(&opts.run_dir, kind, source.host(), stamp, raw).map(Some)
        }
    };
    let mut listing = FuturesUnordered::new();
    let mut running: FuturesUnordered<LocalBoxFuture<'_, Result<KindDone, EngineError>>> =
        FuturesUnordered::new();
    for k in &selected {
        let k: &dyn Kind = k.as_ref();
        if k.streamed() {
            // Migrated while listed, backed up object by object.
            let writer = if dry_run {
                None
            } else {
                Some(backup::BackupWriter::create(
                    &opts.run_dir,
                    k.name(),
                    source.host(),
                    stamp,
                )?)
            };
            running.push(Box::pin(async move {
                let (summary, reports, backup) =
                    streamed::run(rt, k, k.list_stream(&rt.ctx), progress, writer).await?;
                rt.waits.finish(k.name());
                Ok((k.name(), summary, reports, backup))
            }));
            continue;
        }
        listing.push(async move {
            let mut objs = k.list(&rt.ctx).await?;
            // The backup keeps the full objects; the run needs only their specs.
            let raw = objs
                .iter_mut()
                .map(|o| std::mem::take(&mut o.raw))
                .collect();
            let backup = write_backup(k.name(), raw)?;
            Ok::<_, EngineError>((k, objs, backup))
        });
    }
    let mut results: BTreeMap<&'static str, (KindSummary, Vec<ObjectReport>)> = BTreeMap::new();
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
                    let (summary, reports) = run_kind(rt, kind, &objs, progress).await;
                    rt.waits.finish(kind.name());
                    Ok((kind.name(), summary, reports, backup))
                }));
            }
            Some(done) = running.next() => {
                let (name, summary, reports, backup) = done?;
                if let Some(b) = backup {
                    backups_by_kind.insert(name, b);
                }
                results.insert(name, (summary, reports));
            }
            else => break,
        }
    }
    let backups: Vec<_> = selected
        .iter()
        .filter_map(|k| backups_by_kind.remove(k.name()))
        .collect();

    let mut kinds_out = Vec::new();
    let mut objects = Vec::new();
    for k in &selected {
        if let Some((s, mut r)) = results.remove(k.name()) {
            r.sort_by(|a, b| a.key.cmp(&b.key));
            kinds_out.push(s);
            objects.extend(r);
        }
    }
    let aborted = rt
        .abort_reason
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone();
    let report = RunReport {
        source: source.host().to_string(),
        target: target.host().to_string(),
        started_at,
        finished_at: now(),
        dry_run,
        kinds: kinds_out,
        objects,
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
