//! An object's second pass: with every object of its kind in place, its references are
//! remapped in full (deferred ones, and those to its own kind on a cycle) and it is updated
//! when that changes it.

use super::target::locate;
use super::writes::{Writes, planned_second_pass};
use super::{Done, dropped_refs, status_of, top_field};
use crate::EngineError;
use crate::idmap::Pass;
use crate::kinds::facts::content_hash;
use crate::kinds::{TargetObject, Written};
use crate::ledger::{Entry, Intent, SkipReason};
use crate::report::Outcome;

/// The second pass of `w`'s object, whose first pass ended in `first`.
pub(super) async fn second_pass(w: &Writes<'_>, first: Outcome) -> Result<Done, EngineError> {
    let (kind, obj) = (w.kind, w.obj);
    let spec = obj.spec();
    let hash = content_hash(&spec, &obj.facts);
    let (desired, unresolved) = w.remap(&spec, kind.references(), Pass::Second)?;
    let row = w.rt.ledger.get(kind.name(), &obj.source_id)?;
    let known_id = row.as_ref().and_then(|r| r.target_id.clone());
    if let Some(planned) = planned_second_pass(w, first, known_id.is_some(), &unresolved) {
        return Ok(planned);
    }
    if let Some(u) = unresolved.iter().find(|u| u.required) {
        // The object exists but cannot be completed; no hash, so the next run tries again.
        let mut done = w.skip(&SkipReason::Dependency(u.reason.clone()), None, None)?;
        done.target_id = known_id;
        return Ok(done);
    }
    let target = target_of(w, row.as_ref(), first, &desired).await?;
    let diffs = kind.compare(obj, &desired, &target);
    let mut outcome = first;
    if !diffs.is_empty() {
        if matches!(first, Outcome::Unchanged | Outcome::Adopted) {
            outcome = Outcome::Updated;
        }
        w.update(Intent::SecondPass, &target, &desired).await?;
    }
    // The complete body, for an object this pass wrote or this migration created.
    let created = first == Outcome::Created || row.as_ref().is_some_and(|r| r.created);
    let written = (created || !diffs.is_empty()).then(|| Written::text(&desired, &obj.facts));
    let r = w.outcome(status_of(outcome));
    // A lost reference: no hash, so the next run (once what it names is migrated) restores it.
    let lost = unresolved
        .iter()
        .any(|u| !u.required && u.reason.state.is_lost());
    w.record(
        r.target(Some(&target.id), Some(&target.key))
            .hash((!lost).then_some(hash.as_str()))
            .written(written.as_deref()),
    )?;
    let mut d = Done::new(outcome, Some(target.id));
    d.diffs = diffs;
    d.dropped_refs = dropped_refs(&unresolved, w.planning());
    Ok(d)
}

/// The object in the target. Created by this run's first pass, it holds what that pass sent,
/// which is known without reading it back (a SCIM read per group costs 1/4 s at the
/// published limit); otherwise it is located.
async fn target_of(
    w: &Writes<'_>,
    row: Option<&Entry>,
    first: Outcome,
    desired: &serde_json::Value,
) -> Result<TargetObject, EngineError> {
    let known_id = row.and_then(|r| r.target_id.as_deref());
    if let (Some(r), Some(id), Outcome::Created, false) = (row, known_id, first, w.planning()) {
        return Ok(TargetObject {
            id: id.to_string(),
            key: r.target_key.clone().unwrap_or_else(|| w.obj.key.clone()),
            body: first_pass_body(w)?,
            facts: Default::default(),
        });
    }
    match locate(&w.rt.ctx, w.kind, w.obj, known_id, desired).await? {
        Some(t) => Ok(t),
        None => Err(EngineError::Shape {
            kind: w.kind.name(),
            key: w.obj.key.clone(),
            message: "created in the first pass but no longer found in the target".into(),
        }),
    }
}

/// What an object's first pass created: its spec remapped, without the fields a first pass
/// leaves out (deferred references, and references to its own kind on a cycle — the only
/// case where an object of a kind without deferred references has a second pass).
fn first_pass_body(w: &Writes<'_>) -> Result<serde_json::Value, EngineError> {
    let kind = w.kind;
    let (mut body, _) =
        w.rt.ctx
            .ids
            .remap(&w.obj.spec(), kind.references(), Pass::First, false)?;
    if let serde_json::Value::Object(m) = &mut body {
        for r in kind.references() {
            if r.deferred || r.kinds.contains(&kind.name()) {
                m.remove(top_field(r.path));
            }
        }
    }
    Ok(body)
}
