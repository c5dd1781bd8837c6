//! A kind's objects through their passes: every object's first pass, then the second pass for
//! those that need one (deferred references, or a cycle of references to their own kind).
//! The loop is written once ([`first_passes`], [`second_passes`]); its callers say only where
//! the objects come from and how many run at once:
//!
//! - a listed-whole kind ([`listed`]): objects read back from [`Listed`] by index,
//!   [`waiting_window`] taken up at a time. For a kind whose objects reference each other
//!   without deferring it (a job whose task runs another job) an object's first pass starts
//!   once the first passes of the objects it references are finished, so their target ids are
//!   known and it is created complete. Objects on a cycle (a job running itself, two jobs
//!   running each other) cannot wait for each other: they start at once in *cycle* mode —
//!   created without the references to their own kind, completed in the second pass (see
//!   `process`). Started objects never wait for unstarted ones of the kind, so the window
//!   cannot deadlock.
//! - a streamed kind (`run::streamed`): each object as the listing yields it.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::future::Future;
use std::task::{Context, Poll, Waker};

use futures::stream::{Stream, StreamExt, TryStreamExt};

use crate::EngineError;
use crate::json;
use crate::kinds::Kind;
use crate::listed::Listed;
use crate::process::{Runtime, run_listed_pass};
use crate::progress::Progress;
use crate::report::{ObjectReport, Outcome};

/// How many objects of a listed-whole kind are taken up at once: more than its slots
/// (`max_concurrency`), so that objects whose references are settled do not queue behind
/// objects still waiting for theirs; a waiting object holds only what it waits for (see
/// [`run_listed_pass`]).
pub(crate) fn waiting_window(rt: &Runtime) -> usize {
    rt.ctx.opts.max_concurrency.max(1).max(WAITING)
}

/// See [`waiting_window`].
const WAITING: usize = 1_024;

/// Every object `ready` yields through its first pass, `width` at a time: `pass(object, None)`
/// gives the object back with its report and whether it needs a second pass. `finished` hears
/// of every first pass as it ends; an object done after it is told to `progress` and handed to
/// `done`; those that need a second pass are returned with their first pass's report.
pub(crate) async fn first_passes<T, Fut>(
    ready: impl Stream<Item = Result<T, EngineError>>,
    width: usize,
    pass: &impl Fn(T, Option<Outcome>) -> Fut,
    finished: &mut dyn FnMut(&T),
    progress: &dyn Progress,
    done: &mut dyn FnMut(ObjectReport),
) -> Result<Vec<(T, ObjectReport)>, EngineError>
where
    Fut: Future<Output = Result<(T, ObjectReport, bool), EngineError>>,
{
    let mut firsts = std::pin::pin!(ready.map_ok(|o| pass(o, None)).try_buffer_unordered(width));
    let mut later = Vec::new();
    while let Some((o, r, second)) = firsts.try_next().await? {
        finished(&o);
        if second {
            later.push((o, r));
        } else {
            progress.object_finished(&r);
            done(r);
        }
    }
    Ok(later)
}

/// The second pass of every object in `later` (with its first pass's report), `width` at a
/// time; each object's report, merged with its first pass's, is told to `progress` and
/// handed to `done`.
pub(crate) async fn second_passes<T, Fut>(
    later: Vec<(T, ObjectReport)>,
    width: usize,
    pass: &impl Fn(T, Option<Outcome>) -> Fut,
    progress: &dyn Progress,
    done: &mut dyn FnMut(ObjectReport),
) -> Result<(), EngineError>
where
    Fut: Future<Output = Result<(T, ObjectReport, bool), EngineError>>,
{
    let mut seconds = std::pin::pin!(
        futures::stream::iter(later)
            .map(|(o, first)| async move {
                let (_, r, _) = pass(o, Some(first.outcome)).await?;
                Ok::<_, EngineError>(merge_second_pass(first, r))
            })
            .buffer_unordered(width)
    );
    while let Some(r) = seconds.try_next().await? {
        progress.object_finished(&r);
        done(r);
    }
    Ok(())
}

/// An object's report after its second pass, with what its first pass said.
fn merge_second_pass(first: ObjectReport, mut r: ObjectReport) -> ObjectReport {
    r.millis += first.millis;
    r.source_hash = r.source_hash.or(first.source_hash);
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
    let mut lost = first.lost;
    for d in r.lost.drain(..) {
        if !lost.contains(&d) {
            lost.push(d);
        }
    }
    r.lost = lost;
    let mut translated = first.translated;
    crate::translation::merge(&mut translated, r.translated.drain(..));
    r.translated = translated;
    r
}

/// Runs every object of a listed-whole kind through its passes (see the module's doc); each
/// finished object's report goes to `done`. An `Err`: an object could not be read back (the
/// run stops, as for a ledger error).
pub(crate) async fn listed(
    rt: &Runtime,
    kind: &dyn Kind,
    objs: &Listed,
    progress: &dyn Progress,
    done: &mut dyn FnMut(ObjectReport),
) -> Result<(), EngineError> {
    let order = RefCell::new(if has_self_refs(kind) {
        let (deps, cycle) = plan(kind, objs)?;
        Order::by_dependencies(&deps, cycle)
    } else {
        Order::Free {
            next: 0,
            len: objs.len(),
        }
    });
    let width = waiting_window(rt);
    let ready = futures::stream::poll_fn(|cx| order.borrow_mut().poll_ready(cx));
    let pass = |i: usize, first: Option<Outcome>| {
        let cycle = first.is_none() && order.borrow().on_cycle(i);
        async move {
            let (r, second) = run_listed_pass(rt, kind, objs, i, first, cycle).await?;
            Ok((i, r, second))
        }
    };
    let mut finished = |i: &usize| order.borrow_mut().finished(*i);
    let later = first_passes(ready, width, &pass, &mut finished, progress, done).await?;
    second_passes(later, width, &pass, progress, done).await
}

/// When each object of a listed-whole kind may start its first pass.
enum Order {
    /// No object waits for another: in listing order.
    Free { next: usize, len: usize },
    /// Cycle members wait for nobody; every other object for all it references.
    Dependencies {
        ready: VecDeque<usize>,
        /// How many of the objects each one references are not finished yet.
        left: Vec<usize>,
        /// The objects waiting for each one.
        dependents: Vec<Vec<usize>>,
        cycle: Vec<bool>,
        /// How many objects were handed out.
        started: usize,
        /// The loop waiting for an object to become ready.
        waker: Option<Waker>,
    },
}

impl Order {
    fn by_dependencies(deps: &[BTreeSet<usize>], cycle: Vec<bool>) -> Order {
        let mut left: Vec<usize> = vec![0; deps.len()];
        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); deps.len()];
        for (i, d) in deps.iter().enumerate() {
            if cycle[i] {
                continue;
            }
            left[i] = d.len();
            for &j in d {
                dependents[j].push(i);
            }
        }
        Order::Dependencies {
            ready: (0..deps.len()).filter(|&i| left[i] == 0).collect(),
            left,
            dependents,
            cycle,
            started: 0,
            waker: None,
        }
    }

    /// The next object that may start; pending while every unstarted object waits for one
    /// still running; `None` once all are started.
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<usize, EngineError>>> {
        match self {
            Order::Free { next, len } => Poll::Ready((*next < *len).then(|| {
                *next += 1;
                Ok(*next - 1)
            })),
            Order::Dependencies {
                ready,
                left,
                started,
                waker,
                ..
            } => {
                if let Some(i) = ready.pop_front() {
                    *started += 1;
                    Poll::Ready(Some(Ok(i)))
                } else if *started == left.len() {
                    Poll::Ready(None)
                } else {
                    *waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        }
    }

    /// Object `i`'s first pass is finished: the objects waiting only for it are ready.
    fn finished(&mut self, i: usize) {
        if let Order::Dependencies {
            ready,
            left,
            dependents,
            waker,
            ..
        } = self
        {
            for &d in &dependents[i] {
                left[d] -= 1;
                if left[d] == 0 {
                    ready.push_back(d);
                }
            }
            if let Some(w) = waker.take() {
                w.wake();
            }
        }
    }

    fn on_cycle(&self, i: usize) -> bool {
        match self {
            Order::Free { .. } => false,
            Order::Dependencies { cycle, .. } => cycle[i],
        }
    }
}

/// Whether the kind has non-deferred references to itself.
pub(crate) fn has_self_refs(kind: &dyn Kind) -> bool {
    kind.references()
        .iter()
        .any(|r| !r.deferred && r.kinds.contains(&kind.name()))
}

/// For every object, the objects of the listing it references; and whether it is on a cycle.
/// Reads every object once (they may be on disk).
pub(crate) fn plan(
    kind: &dyn Kind,
    objs: &Listed,
) -> Result<(Vec<BTreeSet<usize>>, Vec<bool>), EngineError> {
    let mut ids: Vec<String> = Vec::with_capacity(objs.len());
    let mut refs: Vec<Vec<String>> = Vec::with_capacity(objs.len());
    for o in objs.iter() {
        let o = o?;
        let spec = o.spec();
        refs.push(
            kind.references()
                .iter()
                .filter(|r| !r.deferred && r.kinds.contains(&kind.name()))
                .flat_map(|r| json::strings_at(&spec, r.path))
                .collect(),
        );
        ids.push(o.source_id.clone());
    }
    let index: BTreeMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.as_str(), i))
        .collect();
    let deps: Vec<BTreeSet<usize>> = refs
        .iter()
        .map(|r| {
            r.iter()
                .filter_map(|id| index.get(id.as_str()).copied())
                .collect()
        })
        .collect();
    // An object is on a cycle when it can reach itself.
    let on_cycle = (0..deps.len())
        .map(|start| {
            let mut seen = BTreeSet::new();
            let mut stack: Vec<usize> = deps[start].iter().copied().collect();
            while let Some(n) = stack.pop() {
                if n == start {
                    return true;
                }
                if seen.insert(n) {
                    stack.extend(deps[n].iter().copied());
                }
            }
            false
        })
        .collect();
    Ok((deps, on_cycle))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::SourceObject;
    use crate::kinds::jobs::Jobs;
    use serde_json::json;

    fn job(id: &str, runs: &[&str]) -> SourceObject {
        let tasks: Vec<_> = runs
            .iter()
            .map(|r| json!({"task_key": r, "run_job_task": {"job_id": r}}))
            .collect();
        SourceObject::new(id, id, json!({}), json!({ "tasks": tasks }))
    }

    #[test]
    fn chains_wait_and_cycles_are_found() {
        // 1 → 2 → 3; 4 ↔ 5; 6 → 4 (depends on a cycle, not on one); 7 runs itself.
        let objs = vec![
            job("1", &["2"]),
            job("2", &["3"]),
            job("3", &[]),
            job("4", &["5"]),
            job("5", &["4"]),
            job("6", &["4"]),
            job("7", &["7"]),
        ];
        let (deps, cycle) = plan(&Jobs, &Listed::in_memory(objs)).unwrap();
        assert_eq!(deps[0], BTreeSet::from([1]));
        assert_eq!(cycle, vec![false, false, false, true, true, false, true]);
    }
}
