//! One object this migration created, through `rollback`'s steps: can its kind delete it →
//! is it still what the migration last wrote (gone: recorded; changed, or holding objects the
//! migration did not create: kept) → does it hold an object this rollback keeps → delete it,
//! the intent recorded before the call and the row marked rolled back after it.

use super::{RollbackLine, RollbackOutcome, Run};
use crate::EngineError;
use crate::kinds::cut_over::keep_resumed;
use crate::kinds::{Deleted, Drift, InTarget, Kind, SourceObject, Written};
use crate::ledger::{Entry, Supplied};

/// What the look at the target decided.
enum Verdict {
    /// Not in the target any more.
    Gone,
    /// To be left there, with this line.
    Keep(RollbackOutcome, String),
    /// To be deleted.
    Delete,
}

/// One created object's rollback (see the module doc). An `Err` is the ledger failing; a
/// workspace call that fails is the object's `Failed` line.
pub(super) async fn step(
    run: &Run,
    kind: &dyn Kind,
    e: &Entry,
) -> Result<RollbackLine, EngineError> {
    use RollbackOutcome::*;
    let line = |outcome, detail: Option<String>| RollbackLine::of(e, outcome, detail);
    let Some(id) = e.target_id.as_deref() else {
        let why = "created, but the ledger has no target id for it: check the target by hand";
        return Ok(line(Unsettled, Some(why.into())));
    };
    let t = InTarget {
        id,
        key: e.target_key.as_deref().unwrap_or(&e.natural_key),
    };
    if kind.delete(&run.ctx, t).is_none() {
        run.kept(t.key);
        let why = format!("{} cannot be rolled back: delete it by hand", kind.name());
        return Ok(line(Unsupported, Some(why)));
    }
    let verdict = match check(run, kind, e, t).await {
        Ok(v) => v,
        Err(err) if matches!(err, EngineError::Ledger { .. }) => return Err(err),
        Err(err) => {
            run.kept(t.key);
            let err = err.context(|| format!("reading {} `{}`", kind.name(), e.natural_key));
            return Ok(line(Failed, Some(err.to_string())));
        }
    };
    match verdict {
        Verdict::Gone => {
            if !run.opts.dry_run {
                run.ledger.record_rolled_back(
                    &e.kind,
                    &e.source_id,
                    &e.natural_key,
                    supplied(e),
                )?;
            }
            run.deleted(&e.kind, &e.source_id);
            return Ok(line(Gone, Some("no longer in the target".into())));
        }
        Verdict::Keep(outcome, why) => {
            run.kept(t.key);
            return Ok(line(outcome, Some(why)));
        }
        Verdict::Delete => {}
    }
    if let Some(inside) = run.kept_inside(t.key) {
        run.kept(t.key);
        let why = format!("holds `{inside}`, which this rollback keeps");
        return Ok(line(Holds, Some(why)));
    }
    if run.opts.dry_run {
        run.deleted(&e.kind, &e.source_id);
        return Ok(line(Deleted, Some("would be deleted".into())));
    }
    delete(run, kind, e, t).await
}

/// The values supplied by the operator that lived in the object (forgotten with it).
fn supplied(e: &Entry) -> Supplied<'_> {
    match e.kind.as_str() {
        crate::kinds::secret_scopes::NAME => Supplied::Scope(&e.natural_key),
        crate::kinds::notification_destinations::NAME => Supplied::Destination(&e.source_id),
        _ => Supplied::Nothing,
    }
}

/// Is the object still what the migration last wrote? (See [`Verdict`].)
async fn check(
    run: &Run,
    kind: &dyn Kind,
    e: &Entry,
    t: InTarget<'_>,
) -> Result<Verdict, EngineError> {
    let text = run.ledger.written(&e.kind, &e.source_id)?;
    let Some(written) = text.as_deref().and_then(Written::parse) else {
        if run.opts.force {
            return Ok(Verdict::Delete);
        }
        let why = "the ledger has no record of what the migration wrote to it (an earlier \
                   version's ledger), so a change made since cannot be told: --force deletes it";
        return Ok(Verdict::Keep(RollbackOutcome::Unrecorded, why.into()));
    };
    let mut obj = written.object(&e.source_id, &e.natural_key);
    // What `cutover` switched on (a job's schedule) was brickport's doing too.
    keep_resumed(kind, &run.ctx, &mut obj)?;
    let drift = match kind.drift(&run.ctx, &obj, t) {
        Some(read) => read.await?,
        None => read_and_compare(run, kind, &obj, t).await?,
    };
    let Some(d) = drift else {
        return Ok(Verdict::Gone);
    };
    if !d.holds.is_empty() {
        let why = format!(
            "holds objects this migration did not create: {}",
            d.holds.join(", ")
        );
        return Ok(Verdict::Keep(RollbackOutcome::Holds, why));
    }
    if !d.differs.is_empty() && !run.opts.force {
        let why = format!(
            "changed in the target since the migration wrote it ({}): --force deletes it",
            d.differs.join(", ")
        );
        return Ok(Verdict::Keep(RollbackOutcome::Changed, why));
    }
    Ok(Verdict::Delete)
}

/// The engine's own look: the object read back (by id, else by key) and compared with the
/// body written.
async fn read_and_compare(
    run: &Run,
    kind: &dyn Kind,
    obj: &SourceObject,
    t: InTarget<'_>,
) -> Result<Option<Drift>, EngineError> {
    let body = obj.spec();
    let found = match kind.get(&run.ctx, t.id) {
        Some(read) => read.await?,
        None => kind.find(&run.ctx, obj, &body).await?,
    };
    Ok(found.map(|target| Drift {
        differs: kind.compare(obj, &body, &target),
        holds: Vec::new(),
    }))
}

/// Deletes, recorded around the call: the intent before, then the row rolled back — or, when
/// the object stays, the row as it was.
async fn delete(
    run: &Run,
    kind: &dyn Kind,
    e: &Entry,
    t: InTarget<'_>,
) -> Result<RollbackLine, EngineError> {
    let ledger = &run.ledger;
    ledger.record_delete_intent(&e.kind, &e.source_id)?;
    match delete_call(run, kind, t).await {
        Ok(Deleted::Done) => {
            ledger.record_rolled_back(&e.kind, &e.source_id, &e.natural_key, supplied(e))?;
            run.deleted(&e.kind, &e.source_id);
            Ok(RollbackLine::of(e, RollbackOutcome::Deleted, None))
        }
        Ok(Deleted::Kept(why)) => {
            ledger.clear_delete_intent(&e.kind, &e.source_id)?;
            run.kept(t.key);
            Ok(RollbackLine::of(e, RollbackOutcome::Holds, Some(why)))
        }
        Err(err) => {
            ledger.clear_delete_intent(&e.kind, &e.source_id)?;
            run.kept(t.key);
            let err = err.context(|| format!("deleting {} `{}`", kind.name(), e.natural_key));
            Ok(RollbackLine::of(
                e,
                RollbackOutcome::Failed,
                Some(err.to_string()),
            ))
        }
    }
}

/// The kind's delete; "not found" is deleted. A delete whose answer was lost is sent again:
/// its "not found" then says the first one was applied.
async fn delete_call(run: &Run, kind: &dyn Kind, t: InTarget<'_>) -> Result<Deleted, EngineError> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        let Some(call) = kind.delete(&run.ctx, t) else {
            return Err(EngineError::Internal(format!(
                "{} lost its delete during a rollback",
                kind.name()
            )));
        };
        match call.await {
            Ok(d) => return Ok(d),
            Err(e) if e.is_not_found() => return Ok(Deleted::Done),
            Err(e) if e.is_outcome_unknown() && attempts < 3 => continue,
            Err(e) => return Err(e),
        }
    }
}
