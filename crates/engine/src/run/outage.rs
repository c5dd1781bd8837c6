//! A workspace that stops answering, as a run sees it. The client waits an outage out by
//! itself (its gate: requests pause, one probe goes out, they resume when it answers); the
//! run only shows it — one line when a side stops answering, one when it answers again — and,
//! when the client gave up after `outage_wait`, stops with [`EngineError::Unreachable`] naming
//! the side. The run's objects are then left as they are: nothing is marked failed (see
//! `process::pass_with`), the untried ones stay pending for the next run.

use std::convert::Infallible;
use std::future::Future;
use std::time::{Duration, SystemTime};

use brickport_api::{ApiError, Outage, WorkspaceClient};

use crate::EngineError;
use crate::progress::Progress;

/// `run`'s result, with the outages of `source` and `target` told to `progress` meanwhile;
/// an error from a side that stayed unreachable becomes [`EngineError::Unreachable`].
pub(super) async fn watched<T>(
    (source, target): (&WorkspaceClient, &WorkspaceClient),
    progress: &dyn Progress,
    run: impl Future<Output = Result<T, EngineError>>,
) -> Result<T, EngineError> {
    let shown = show(source, target, progress);
    let result = tokio::select! {
        r = run => r,
        never = shown => match never {},
    };
    result.map_err(|e| stopped(e, target.host()))
}

/// Tells `progress` of every change of either side's availability; never ends.
async fn show(
    source: &WorkspaceClient,
    target: &WorkspaceClient,
    progress: &dyn Progress,
) -> Infallible {
    let mut sides = [("source", source.outages()), ("target", target.outages())];
    let mut down: [Option<SystemTime>; 2] = [None, None];
    loop {
        let [(_, s), (_, t)] = &mut sides;
        let i = tokio::select! {
            Ok(()) = s.changed() => 0,
            Ok(()) = t.changed() => 1,
            // Both clients gone: nothing more to show.
            else => std::future::pending().await,
        };
        let (side, rx) = &mut sides[i];
        let now = *rx.borrow_and_update();
        match (now, down[i]) {
            (Outage::Unreachable { since, every }, None) => {
                down[i] = Some(since);
                progress.workspace_unreachable(side, since, every);
            }
            (Outage::Answering, Some(since)) => {
                down[i] = None;
                let gone = since.elapsed().unwrap_or(Duration::ZERO);
                progress.workspace_answering(side, gone);
            }
            // The same state again, or the client gave up (the run's error says so).
            _ => {}
        }
    }
}

/// `e`, or the stop it means when a workspace stayed unreachable.
fn stopped(e: EngineError, target_host: &str) -> EngineError {
    let source = match &e {
        EngineError::Api { source, .. } => source,
        _ => return e,
    };
    match source {
        ApiError::Unreachable {
            host,
            since,
            waited,
        } => EngineError::Unreachable {
            side: if host == target_host {
                "target"
            } else {
                "source"
            },
            host: host.clone(),
            since: *since,
            waited: *waited,
        },
        _ => e,
    }
}
