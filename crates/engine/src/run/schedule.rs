//! The scheduler: every selected kind listed at once, each run as soon as its listing is
//! backed up (see the `run` doc), and a kind's objects counted as they finish ([`Tally`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use futures::future::LocalBoxFuture;
use futures::stream::{FuturesUnordered, StreamExt, TryStreamExt};

use super::streamed;
use crate::EngineError;
use crate::backup::BackupWriter;
use crate::kinds::Kind;
use crate::listed::Listed;
use crate::order;
use crate::process::{self, Runtime};
use crate::progress::Progress;
use crate::report::{KindSummary, ObjectReport, Spill};

/// Every kind run: their summaries and backups, in the order of the selection.
pub(super) struct Ran {
    pub summaries: Vec<KindSummary>,
    pub backups: Vec<PathBuf>,
}

/// A kind run to its end: its summary (none when the run was aborted before it started) and
/// its backup (none in a plan).
type KindDone = (&'static str, Option<KindSummary>, Option<PathBuf>);

/// Runs every `selected` kind (see the module's doc); `source` names the backups' origin. A
/// listing that fails ends the run (dropping the kinds in flight: the ledger's intents make
/// the next run resume cleanly).
pub(super) async fn run_kinds(
    rt: &Runtime,
    selected: &[Arc<dyn Kind>],
    source: &str,
    progress: &dyn Progress,
    spill: &Spill,
) -> Result<Ran, EngineError> {
    let stamp = chrono::Utc::now();
    let opts = &rt.ctx.opts;
    let new_writer = |kind: &'static str| match rt.dry_run {
        true => Ok(None),
        false => BackupWriter::create(&opts.run_dir, kind, source, stamp).map(Some),
    };
    // A big listed-whole kind waits on disk (see `listed`): in the run directory, or the
    // system's temporary directory for a plan (which writes nothing there).
    let waiting_dir = match rt.dry_run {
        true => std::env::temp_dir(),
        false => opts.run_dir.clone(),
    };
    let waiting_dir = waiting_dir.as_path();
    let mut listing = FuturesUnordered::new();
    let mut running: FuturesUnordered<LocalBoxFuture<'_, Result<KindDone, EngineError>>> =
        FuturesUnordered::new();
    for k in selected {
        let k: &dyn Kind = k.as_ref();
        let writer = new_writer(k.name())?;
        if k.streamed() {
            // Migrated while listed, backed up object by object.
            running.push(Box::pin(async move {
                let stream = process::list_stream(&rt.ctx, k);
                let (summary, backup) =
                    streamed::run(rt, k, stream, progress, writer, spill).await?;
                rt.waits.finish(k.name());
                Ok((k.name(), Some(summary), backup))
            }));
        } else {
            listing.push(list_whole(rt, k, writer, waiting_dir, progress));
        }
    }
    let mut summaries = BTreeMap::new();
    let mut backups = BTreeMap::new();
    loop {
        let (name, summary, backup) = tokio::select! {
            Some(listed) = listing.next() => {
                let (kind, objs, backup) = listed?;
                running.push(Box::pin(run_listed(rt, kind, objs, backup, progress, spill)));
                continue;
            }
            Some(done) = running.next() => done?,
            else => break,
        };
        summaries.extend(summary.map(|s| (name, s)));
        backups.extend(backup.map(|b| (name, b)));
    }
    Ok(Ran {
        summaries: selected
            .iter()
            .filter_map(|k| summaries.remove(k.name()))
            .collect(),
        backups: selected
            .iter()
            .filter_map(|k| backups.remove(k.name()))
            .collect(),
    })
}

/// Lists a kind whole. The backup keeps the full objects, written one by one as listed (a big
/// kind's are never all in memory); the run needs only their specs.
async fn list_whole<'a>(
    rt: &'a Runtime,
    kind: &'a dyn Kind,
    mut writer: Option<BackupWriter>,
    waiting_dir: &Path,
    progress: &dyn Progress,
) -> Result<(&'a dyn Kind, Listed, Option<PathBuf>), EngineError> {
    let mut objs = Listed::new(waiting_dir, rt.ctx.opts.listed_in_memory);
    listing_started(rt, kind)?;
    let mut listed = std::pin::pin!(process::list_stream(&rt.ctx, kind));
    while let Some(mut o) = listed.try_next().await? {
        progress.object_listed(kind.name());
        let raw = std::mem::take(&mut o.raw);
        if let Some(w) = &mut writer {
            w.push(&raw)?;
        }
        objs.push(o)?;
    }
    objs.seal()?;
    let backup = writer.map(BackupWriter::finish).transpose()?;
    listing_finished(rt, kind, objs.len())?;
    Ok((kind, objs, backup))
}

/// Records in the ledger that `kind`'s listing began (a plan records nothing): until
/// [`listing_finished`], `status` shows the kind as not listed whole.
pub(super) fn listing_started(rt: &Runtime, kind: &dyn Kind) -> Result<(), EngineError> {
    match rt.dry_run {
        true => Ok(()),
        false => rt.ledger.listing_started(kind.name()),
    }
}

/// Records in the ledger that `kind`'s listing ended with `listed` objects.
pub(super) fn listing_finished(
    rt: &Runtime,
    kind: &dyn Kind,
    listed: usize,
) -> Result<(), EngineError> {
    match rt.dry_run {
        true => Ok(()),
        false => rt.ledger.listing_finished(kind.name(), listed),
    }
}

/// Runs a listed kind (nothing once the run is aborted: its backup is kept, and the kind
/// counts as finished for whoever waits for it).
async fn run_listed<'a>(
    rt: &'a Runtime,
    kind: &'a dyn Kind,
    objs: Listed,
    backup: Option<PathBuf>,
    progress: &'a dyn Progress,
    spill: &'a Spill,
) -> Result<KindDone, EngineError> {
    let summary = if rt.aborted.load(std::sync::atomic::Ordering::SeqCst) {
        None
    } else {
        Some(run_kind(rt, kind, &objs, progress, spill).await?)
    };
    rt.waits.finish(kind.name());
    Ok((kind.name(), summary, backup))
}

/// Runs one listed kind: every object's first pass, then the second pass where needed (see
/// `order`). An `Err` means its objects could not be read back (the run stops, as for a
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
    let mut tally = Tally::new(kind, spill);
    order::listed(rt, kind, objs, progress, &mut |r| tally.done(r)).await?;
    Ok(tally.finish(objs.len(), started, progress))
}

/// A kind's finished objects: counted, then handed to the run's spill file (a report is not
/// kept once counted: a large kind's would not fit in memory).
pub(super) struct Tally<'a> {
    summary: KindSummary,
    spill: &'a Spill,
}

impl<'a> Tally<'a> {
    pub(super) fn new(kind: &dyn Kind, spill: &'a Spill) -> Self {
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
    pub(super) fn done(&mut self, r: ObjectReport) {
        self.summary.count(r.outcome);
        self.spill.push(r);
    }

    /// The kind's summary line, told to `progress`.
    pub(super) fn finish(
        self,
        total: usize,
        started: Instant,
        progress: &dyn Progress,
    ) -> KindSummary {
        let mut summary = self.summary;
        summary.total = total;
        summary.millis = started.elapsed().as_millis() as u64;
        progress.kind_finished(&summary);
        summary
    }
}
