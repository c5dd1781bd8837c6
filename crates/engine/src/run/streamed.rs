//! Running a [`Kind::streamed`] kind: each object starts as soon as the listing yields it,
//! while the listing goes on (see `kinds::source_walk` for why).

use std::path::PathBuf;
use std::time::Instant;

use futures::{StreamExt, TryStreamExt};

use super::{Tally, merge_link};
use crate::EngineError;
use crate::backup::BackupWriter;
use crate::kinds::{Kind, ObjectStream};
use crate::process::{Runtime, run_pass};
use crate::progress::Progress;
use crate::report::{KindSummary, Spill};

/// Runs every object of `stream` (first pass, then the second pass for those that need one),
/// writing each listed object to `backup` (none in a plan) as it comes and each finished
/// object's report to `spill`, and returns the kind's summary and its backup file. A listing
/// error ends the kind with it.
pub(super) async fn run(
    rt: &Runtime,
    kind: &dyn Kind,
    stream: ObjectStream<'_>,
    progress: &dyn Progress,
    mut backup: Option<BackupWriter>,
    spill: &Spill,
) -> Result<(KindSummary, Option<PathBuf>), EngineError> {
    let started = Instant::now();
    progress.kind_started(kind.name(), 0);
    let width = rt.ctx.opts.max_concurrency.max(1);
    let mut listed = 0;
    let mut tally = Tally::new(kind, spill);
    let mut to_link = Vec::new();
    {
        let objs = stream.and_then(|mut o| {
            listed += 1;
            let raw = std::mem::take(&mut o.raw);
            let written = match &mut backup {
                Some(b) => b.push(&raw),
                None => Ok(()),
            };
            std::future::ready(written.map(|()| o))
        });
        let mut passes = std::pin::pin!(
            objs.map_ok(|o| async move {
                let (r, link) = run_pass(rt, kind, &o, None).await;
                if !link {
                    progress.object_finished(&r);
                }
                Ok((o, r, link))
            })
            .try_buffer_unordered(width)
        );
        while let Some(done) = passes.next().await {
            let (o, r, link) = done?;
            if link {
                to_link.push((o, r));
            } else {
                tally.done(r);
            }
        }
    }
    progress.kind_listed(kind.name(), listed);
    let backup = backup.map(BackupWriter::finish).transpose()?;
    let mut linked = std::pin::pin!(
        futures::stream::iter(to_link)
            .map(|(o, first)| async move {
                let (r, _) = run_pass(rt, kind, &o, Some(first.outcome)).await;
                progress.object_finished(&r);
                merge_link(first, r)
            })
            .buffer_unordered(width)
    );
    while let Some(r) = linked.next().await {
        tally.done(r);
    }
    Ok((tally.finish(listed, started, progress), backup))
}
