//! Running a [`Kind::streamed`] kind: each object starts as soon as the listing yields it,
//! while the listing goes on (see `kinds::source_walk` for why).

use std::path::PathBuf;
use std::time::Instant;

use futures::TryStreamExt;

use super::schedule::Tally;
use crate::EngineError;
use crate::backup::BackupWriter;
use crate::kinds::{Kind, ObjectStream, SourceObject};
use crate::order;
use crate::process::{Runtime, run_pass};
use crate::progress::Progress;
use crate::report::{KindSummary, Outcome, Spill};

/// Runs every object of `stream` through its passes (see `order`), writing each listed
/// object to `backup` (none in a plan) as it comes and each finished object's report to
/// `spill`, and returns the kind's summary and its backup file. A listing error ends the kind
/// with it.
pub(super) async fn run(
    rt: &Runtime,
    kind: &dyn Kind,
    stream: ObjectStream<'_>,
    progress: &dyn Progress,
    mut backup: Option<BackupWriter>,
    spill: &Spill,
) -> Result<(KindSummary, Option<PathBuf>), EngineError> {
    let started = Instant::now();
    super::schedule::listing_started(rt, kind)?;
    progress.kind_started(kind.name(), 0);
    let width = rt.ctx.opts.max_concurrency.max(1);
    let mut listed = 0;
    let mut tally = Tally::new(kind, spill);
    let pass = |o: SourceObject, first: Option<Outcome>| async move {
        let (r, second) = run_pass(rt, kind, &o, first).await?;
        Ok((o, r, second))
    };
    let objs = stream.and_then(|mut o| {
        listed += 1;
        progress.object_listed(kind.name());
        let raw = std::mem::take(&mut o.raw);
        let written = match &mut backup {
            Some(b) => b.push(&raw),
            None => Ok(()),
        };
        std::future::ready(written.map(|()| o))
    });
    let mut done = |r| tally.done(r);
    let later = order::first_passes(objs, width, &pass, &mut |_| {}, progress, &mut done).await?;
    super::schedule::listing_finished(rt, kind, listed)?;
    progress.kind_listed(kind.name(), listed);
    let backup = backup.map(BackupWriter::finish).transpose()?;
    order::second_passes(later, width, &pass, progress, &mut done).await?;
    Ok((tally.finish(listed, started, progress), backup))
}
