//! Reading the ledger for `rollback`: which of a kind's rows are objects this migration
//! created (to go through their steps, `object.rs`) and what the others are — already rolled
//! back, never in the target, existing before the migration, or changed by it without being
//! its own —, the order of the created ones inside a kind that references itself, and, once
//! every object is through, the grants, which go with their object.

use super::{RollbackLine, RollbackOutcome, Run};
use crate::EngineError;
use crate::idmap::RefBy;
use crate::kinds::{Kind, Written};
use crate::ledger::{Entry, Intent, Status, Supplied};

/// What a manual line says of an object the migration changed without creating it.
const CHANGED_NOT_OURS: &str = "existed in the target before the migration, which changed it: \
    left as it is now (its earlier state was not recorded); review it by hand";

/// A kind's rows: the lines of those not created by this migration, the rows of those it
/// created (candidates for deletion), and how many an earlier rollback took out.
pub(super) fn classify(
    run: &Run,
    kind: &dyn Kind,
) -> Result<(Vec<RollbackLine>, Vec<Entry>, usize), EngineError> {
    let (mut lines, mut candidates, mut already) = (Vec::new(), Vec::new(), 0);
    for e in run.ledger.entries(Some(kind.name()))? {
        if e.status == Status::RolledBack {
            already += 1;
        } else if e.created {
            candidates.push(e);
        } else if let Some(line) = not_created(run, &e)? {
            lines.push(line);
        }
    }
    Ok((lines, candidates, already))
}

/// The created objects of `kind` in rounds: an object comes in a round before every object it
/// references (by what the migration wrote to it: the target's ids and keys), so deleting one
/// never changes another still to be checked. Objects on a cycle (none the platform allows)
/// come last, together. One round for a kind that does not reference itself.
pub(super) fn rounds(
    run: &Run,
    kind: &dyn Kind,
    candidates: Vec<Entry>,
) -> Result<Vec<Vec<Entry>>, EngineError> {
    let own: Vec<_> = kind
        .references()
        .iter()
        .filter(|r| r.kinds.contains(&kind.name()))
        .collect();
    if own.is_empty() || candidates.len() < 2 {
        return Ok(vec![candidates]);
    }
    let key = |e: &Entry| {
        e.target_key
            .clone()
            .unwrap_or_else(|| e.natural_key.clone())
    };
    // For each candidate, the candidates it references.
    let mut refs: Vec<Vec<usize>> = Vec::with_capacity(candidates.len());
    for e in &candidates {
        let text = run.ledger.written(&e.kind, &e.source_id)?;
        let body = text.as_deref().and_then(Written::parse).map(|w| w.body);
        let mut to = Vec::new();
        for r in &own {
            for v in body.iter().flat_map(|b| crate::json::strings_at(b, r.path)) {
                let hit = candidates.iter().position(|c| match r.by {
                    RefBy::Id => c.target_id.as_deref() == Some(v.as_str()),
                    RefBy::Key => key(c) == v,
                });
                to.extend(hit);
            }
        }
        refs.push(to);
    }
    let mut left: Vec<Option<Entry>> = candidates.into_iter().map(Some).collect();
    let mut out = Vec::new();
    loop {
        let pending: Vec<usize> = (0..left.len()).filter(|i| left[*i].is_some()).collect();
        if pending.is_empty() {
            return Ok(out);
        }
        // Free: referenced by no object still waiting.
        let free: Vec<usize> = pending
            .iter()
            .copied()
            .filter(|i| !pending.iter().any(|j| j != i && refs[*j].contains(i)))
            .collect();
        let take = if free.is_empty() { pending } else { free };
        out.push(take.iter().filter_map(|i| left[*i].take()).collect());
    }
}

/// The line of an object this migration did not create (none for one never in the target).
fn not_created(run: &Run, e: &Entry) -> Result<Option<RollbackLine>, EngineError> {
    use RollbackOutcome::*;
    if e.intent == Some(Intent::Create) {
        let why = "its create was interrupted, so whether it exists in the target is not known: \
                   run `brickport migrate` to settle it, then roll back again";
        return Ok(Some(RollbackLine::of(e, Unsettled, Some(why.into()))));
    }
    if e.target_id.is_none() {
        return Ok(None);
    }
    if run.ledger.written(&e.kind, &e.source_id)?.is_some() {
        return Ok(Some(RollbackLine::of(
            e,
            Manual,
            Some(CHANGED_NOT_OURS.into()),
        )));
    }
    Ok(Some(RollbackLine::of(e, Existed, None)))
}

/// The grants (rows of the permissions kinds): gone with their object when it was deleted
/// (recorded so); on an object the migration did not create, a manual action when the
/// migration set them; nothing to say on an object kept.
pub(super) fn grants(
    run: &Run,
    table: &[std::sync::Arc<dyn Kind>],
) -> Result<(Vec<RollbackLine>, usize), EngineError> {
    let (mut lines, mut already) = (Vec::new(), 0);
    for kind in table {
        let Some(guarded) = kind.grants_of() else {
            continue;
        };
        for e in run.ledger.entries(Some(kind.name()))? {
            if e.status == Status::RolledBack {
                already += 1;
                continue;
            }
            if e.target_id.is_none() {
                continue;
            }
            let object = run.ledger.get(guarded, &e.source_id)?;
            let gone = run.was_deleted(guarded, &e.source_id)
                || object
                    .as_ref()
                    .is_some_and(|o| o.status == Status::RolledBack);
            if gone {
                if !run.opts.dry_run {
                    let sid = &e.source_id;
                    run.ledger.record_rolled_back(
                        &e.kind,
                        sid,
                        &e.natural_key,
                        Supplied::Nothing,
                    )?;
                }
                lines.push(RollbackLine::of(&e, RollbackOutcome::WithObject, None));
            } else if !object.is_some_and(|o| o.created)
                && run.ledger.written(&e.kind, &e.source_id)?.is_some()
            {
                let why = format!(
                    "the grants the migration set on {guarded} `{}` stay: the ACL they replaced \
                     was not recorded; review it by hand",
                    e.natural_key
                );
                lines.push(RollbackLine::of(&e, RollbackOutcome::Manual, Some(why)));
            }
        }
    }
    Ok((lines, already))
}
