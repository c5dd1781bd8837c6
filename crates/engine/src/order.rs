//! Order inside one kind, for kinds whose objects reference each other without deferring it
//! (a job whose task runs another job): an object's first pass starts once the first passes
//! of the objects it references are finished, so their target ids are known and it is created
//! complete. Objects on a cycle (a job running itself, two jobs running each other) cannot wait
//! for each other: they start at once in *cycle* mode — created without the references to
//! their own kind, completed in the second pass (see `process::run_pass_in`).
//!
//! Kinds without such references do not come here (`run` keeps its plain concurrent pass).

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use futures::stream::{FuturesUnordered, StreamExt};

use crate::EngineError;
use crate::json;
use crate::kinds::Kind;
use crate::process::{Runtime, run_listed_pass};
use crate::progress::Progress;
use crate::report::ObjectReport;
use crate::run::Listed;

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

/// Every object's first pass, in dependency order, at most [`crate::run::waiting_window`]
/// taken up at a time. An object done after it goes to `done` as it finishes;
/// those that need a second pass are returned, `(index, first pass's report)`.
pub(crate) async fn first_passes(
    rt: &Runtime,
    kind: &dyn Kind,
    objs: &Listed,
    progress: &dyn Progress,
    done: &mut dyn FnMut(ObjectReport),
) -> Result<Vec<(usize, ObjectReport)>, EngineError> {
    let (deps, cycle) = plan(kind, objs)?;
    let width = crate::run::waiting_window(rt);
    // Cycle members wait for nobody; every other object for all it references. Started
    // objects never wait for unstarted ones of this kind, so the window cannot deadlock.
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
    let mut ready: VecDeque<usize> = (0..deps.len()).filter(|&i| left[i] == 0).collect();
    let mut running = FuturesUnordered::new();
    let mut to_link = Vec::new();
    loop {
        while running.len() < width
            && let Some(i) = ready.pop_front()
        {
            let c = cycle[i];
            running.push(async move {
                let (r, link) = run_listed_pass(rt, kind, objs, i, None, c).await?;
                if !link {
                    progress.object_finished(&r);
                }
                Ok::<_, EngineError>((i, r, link))
            });
        }
        let Some(next) = running.next().await else {
            break;
        };
        let (i, r, link) = next?;
        for &d in &dependents[i] {
            left[d] -= 1;
            if left[d] == 0 {
                ready.push_back(d);
            }
        }
        if link {
            to_link.push((i, r));
        } else {
            done(r);
        }
    }
    Ok(to_link)
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
