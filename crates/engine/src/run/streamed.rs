//! Running a [`Kind::streamed`] kind: each object starts as soon as the listing yields it,
//! while the listing goes on (see `kinds::source_walk` for why).

use std::time::Instant;

use futures::{StreamExt, TryStreamExt};

use super::{merge_link, summarise};
use crate::EngineError;
use crate::kinds::{Kind, ObjectStream};
use crate::process::{Runtime, run_pass};
use crate::progress::Progress;
use crate::report::{KindSummary, ObjectReport};

/// Runs every object of `stream` (first pass, then the second pass for those that need one)
/// and returns the kind's summary, its reports, and the raw objects for the backup. A listing
/// error ends the kind with that error.
pub(super) async fn run(
    rt: &Runtime,
    kind: &dyn Kind,
    stream: ObjectStream<'_>,
    progress: &dyn Progress,
) -> Result<(KindSummary, Vec<ObjectReport>, Vec<serde_json::Value>), EngineError> {
    let started = Instant::now();
    progress.kind_started(kind.name(), 0);
    let width = rt.ctx.opts.max_concurrency.max(1);
    let mut raw = Vec::new();
    let mut reports = Vec::new();
    let mut to_link = Vec::new();
    {
        let objs = stream.map_ok(|mut o| {
            raw.push(std::mem::take(&mut o.raw));
            o
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
    progress.kind_listed(kind.name(), raw.len());
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
    let summary = summarise(kind, raw.len(), &reports, started, progress);
    Ok((summary, reports, raw))
}
