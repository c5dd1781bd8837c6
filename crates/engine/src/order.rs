//! Order inside one kind, for kinds whose objects reference each other without deferring it
//! (a job whose task runs another job): an object's first pass starts once the first passes
//! of the objects it references are finished, so their target ids are known and it is created
//! complete. Objects on a cycle (a job running itself, two jobs running each other) cannot wait
//! for each other: they start at once in *cycle* mode — created without the references to
//! their own kind, completed in the second pass (see `process::run_pass_in`).
//!
//! Kinds without such references do not come here (`run` keeps its plain concurrent pass).

use std::collections::{BTreeMap, BTreeSet};

use futures::stream::{FuturesUnordered, StreamExt};

use crate::json;
use crate::kinds::{Kind, SourceObject};
use crate::process::{Runtime, run_pass_in};
use crate::progress::Progress;
use crate::report::ObjectReport;

/// Whether the kind has non-deferred references to itself.
pub(crate) fn has_self_refs(kind: &dyn Kind) -> bool {
    kind.references()
        .iter()
        .any(|r| !r.deferred && r.kinds.contains(&kind.name()))
}

/// For every object, the objects of the listing it references; and whether it is on a cycle.
pub(crate) fn plan(kind: &dyn Kind, objs: &[SourceObject]) -> (Vec<BTreeSet<usize>>, Vec<bool>) {
    let index: BTreeMap<&str, usize> = objs
        .iter()
        .enumerate()
        .map(|(i, o)| (o.source_id.as_str(), i))
        .collect();
    let deps: Vec<BTreeSet<usize>> = objs
        .iter()
        .map(|o| {
            let spec = o.spec();
            kind.references()
                .iter()
                .filter(|r| !r.deferred && r.kinds.contains(&kind.name()))
                .flat_map(|r| json::strings_at(&spec, r.path))
                .filter_map(|id| index.get(id.as_str()).copied())
                .collect()
        })
        .collect();
    // An object is on a cycle when it can reach itself.
    let on_cycle = (0..objs.len())
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
    (deps, on_cycle)
}

/// Every object's first pass, in dependency order. An object done after it goes to `done` as
/// it finishes; those that need a second pass are returned, `(index, first pass's report)`.
pub(crate) async fn first_passes(
    rt: &Runtime,
    kind: &dyn Kind,
    objs: &[SourceObject],
    progress: &dyn Progress,
    done: &mut dyn FnMut(ObjectReport),
) -> Vec<(usize, ObjectReport)> {
    let (deps, cycle) = plan(kind, objs);
    // Cycle members wait for nobody; every other object for all it references.
    let mut waiting: Vec<BTreeSet<usize>> = deps
        .iter()
        .enumerate()
        .map(|(i, d)| if cycle[i] { BTreeSet::new() } else { d.clone() })
        .collect();
    let mut started = vec![false; objs.len()];
    let mut running = FuturesUnordered::new();
    let mut to_link = Vec::new();
    loop {
        for i in 0..objs.len() {
            if !started[i] && waiting[i].is_empty() {
                started[i] = true;
                let (o, c) = (&objs[i], cycle[i]);
                running.push(async move {
                    let (r, link) = run_pass_in(rt, kind, o, None, c).await;
                    if !link {
                        progress.object_finished(&r);
                    }
                    (i, r, link)
                });
            }
        }
        let Some((i, r, link)) = running.next().await else {
            break;
        };
        for w in waiting.iter_mut() {
            w.remove(&i);
        }
        if link {
            to_link.push((i, r));
        } else {
            done(r);
        }
    }
    to_link
}

#[cfg(test)]
mod tests {
    use super::*;
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
        let (deps, cycle) = plan(&Jobs, &objs);
        assert_eq!(deps[0], BTreeSet::from([1]));
        assert_eq!(cycle, vec![false, false, false, true, true, false, true]);
    }
}
