//! Running a [`Kind::streamed`] kind: each object starts as soon as the listing yields it,
//! while the listing goes on (see `kinds::source_walk` for why).

use std::path::PathBuf;
use std::time::Instant;

use futures::{StreamExt, TryStreamExt};

use super::{merge_link, summarise};
use crate::EngineError;
use crate::backup::BackupWriter;
use crate::kinds::{Kind, ObjectStream};
use crate::process::{Runtime, run_pass};
use crate::progress::Progress;
use crate::report::{KindSummary, ObjectReport};

/// Runs every object of `stream` (first pass, then the second pass for those that need one),
/// writing each listed object to `backup` (none in a plan) as it comes, and returns the
/// kind's summary, its reports and its backup file. A listing error ends the kind with it.
pub(super) async fn run(
    rt: &Runtime,
    kind: &dyn Kind,
    stream: ObjectStream<'_>,
    progress: &dyn Progress,
    mut backup: Option<BackupWriter>,
) -> Result<(KindSummary, Vec<ObjectReport>, Option<PathBuf>), EngineError> {
    let started = Instant::now();
    progress.kind_started(kind.name(), 0);
    let width = rt.ctx.opts.max_concurrency.max(1);
    let mut listed = 0;
    let mut reports = Vec::new();
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
                reports.push(r);
            }
        }
    }
    progress.kind_listed(kind.name(), listed);
    let backup = backup.map(BackupWriter::finish).transpose()?;
    let linked: Vec<ObjectReport> = futures::stream::iter(to_link)
        .map(|(o, first)| async move {
            let (r, _) = run_pass(rt, kind, &o, Some(first.outcome)).await;
            progress.object_finished(&r);
            merge_link(first, r)
        })
        .buffer_unordered(width)
        .collect()
        .await;
    reports.extend(linked);
    let summary = summarise(kind, listed, &reports, started, progress);
    Ok((summary, reports, backup))
}
