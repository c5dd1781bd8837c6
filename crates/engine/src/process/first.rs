//! An object's first pass, as named steps — skip, map-only, resumed, unchanged, remap,
//! locate, then create, adopt, update or conflict (see the `process` doc for what each
//! means). Each step records its outcome through [`Writes`] (nothing in a plan).

use serde_json::Value;

use super::target::{CreateResult, locate};
use super::writes::{PLANNED_UPDATE, Writes, planned_create, planned_merge};
use super::{Done, calls, dropped_refs, status_of, top_field};
use crate::EngineError;
use crate::idmap::Pass;
use crate::kinds::facts::content_hash;
use crate::kinds::{Mode, Reference, TargetObject, Written};
use crate::ledger::{Entry, Intent, Note, SkipReason, Status};
use crate::options::ConflictPolicy;
use crate::report::Outcome;

/// The first pass of `w`'s object; `cycle`: it is on a cycle of references to its own kind,
/// which wait for the second pass.
pub(super) async fn first_pass(w: &Writes<'_>, cycle: bool) -> Result<Done, EngineError> {
    if let Some(done) = outside_the_plan(w) {
        return Ok(done);
    }
    if let Some(reason) = skip_reason(w)? {
        return w.skip(&reason, None, None);
    }
    if let Mode::MapOnly(reason) = &w.obj.mode {
        return map_only(w, reason).await;
    }
    let spec = w.obj.spec();
    let hash = content_hash(&spec, &w.obj.facts);
    let row = w.rt.ledger.get(w.kind.name(), &w.obj.source_id)?;
    if w.obj.mode == Mode::Resumed {
        return resumed(w, row.as_ref());
    }
    if let Some(done) = unchanged(w, row.as_ref(), &hash)? {
        return Ok(done);
    }
    let (desired, unresolved) = remap(w, &spec, cycle)?;
    if let Some(u) = w.missing(&unresolved) {
        return w.skip(&SkipReason::Dependency(u.reason.clone()), None, None);
    }
    // Under another name than the ledger's (a principal map changed): another object.
    let moved = (row.as_ref())
        .filter(|r| r.target_id.is_some())
        .filter(|r| crate::principals::key_moved(w.kind.name(), &r.natural_key, &w.obj.key))
        .map(|r| r.natural_key.clone());
    let known_id = (row.as_ref())
        .filter(|_| moved.is_none())
        .and_then(|r| r.target_id.as_deref());
    let found = locate(&w.rt.ctx, w.kind, w.obj, known_id, &desired).await?;
    let s = Remapped::new(
        w,
        row.as_ref(),
        &hash,
        cycle,
        desired,
        dropped_refs(&unresolved, w.planning()),
    );
    match found {
        Some(target) => found_step(w, s, target).await,
        None => create(w, s).await.map(|d| left_behind(d, moved)),
    }
}

/// Carrying out a saved plan (`migrate --plan`): an object the plan does not have, or whose
/// source changed since (checked for every object before the run; this holds for what
/// changes while it runs), is not touched — nothing written, not even to the ledger — and
/// fails, saying so.
fn outside_the_plan(w: &Writes<'_>) -> Option<Done> {
    let planned = w.rt.ctx.opts.planned.as_ref()?;
    let at = (w.kind.name().to_string(), w.obj.source_id.clone());
    let why = match planned.get(&at) {
        None => {
            "not in the plan (it appeared in the source since): not touched; run \
                 `brickport plan` again"
        }
        Some(p) if p.hash != content_hash(&w.obj.spec(), &w.obj.facts) => {
            "changed in the source since the plan: not touched; run `brickport plan` again"
        }
        Some(_) => return None,
    };
    Some(Done::new(Outcome::Failed, None).with_detail(why))
}

/// A created object that an earlier run made under another name (`moved`): that one stays
/// in the target, no longer the ledger's — said in the report line.
fn left_behind(mut done: Done, moved: Option<String>) -> Done {
    if let (Some(old), Outcome::Created) = (moved, done.outcome) {
        done.detail = Some(format!(
            "renamed by the principal maps since the last run: `{old}` stays in the target, no longer tracked by brickport (delete it there if it is not wanted)"
        ));
    }
    done
}

/// Why the object is skipped: excluded, or the grants of an object left alone.
fn skip_reason(w: &Writes<'_>) -> Result<Option<SkipReason>, EngineError> {
    if let Mode::Skip(reason) = &w.obj.mode {
        return Ok(Some(reason.clone()));
    }
    left_alone(w)
}

/// Never written: found by its key alone (every kind's `find` for such objects reads no
/// desired body), so its spec is neither parsed nor remapped — the built-in `users` group's
/// holds every user of the workspace.
async fn map_only(w: &Writes<'_>, reason: &SkipReason) -> Result<Done, EngineError> {
    let found = calls::find(&w.rt.ctx, w.kind, w.obj, &Value::Null).await?;
    if found.is_none() && !w.planning() {
        // Not there because what it needs is not (an account group whose assignment the
        // target refused): that is the reason its dependents read.
        let ids = &w.rt.ctx.ids;
        if let Some(u) = ids.unmet(w.kind.needs(), &w.obj.facts.needs)?.first() {
            return w.skip(&SkipReason::Dependency(u.reason.clone()), None, None);
        }
    }
    let detail = match &found {
        Some(_) => reason.to_string(),
        None => format!("{reason}; not found in the target"),
    };
    w.skip(reason, found.as_ref(), Some(detail))
}

/// Done in an earlier run (`--resume`): its spec is only the listing's, never written; the
/// listing found it done.
fn resumed(w: &Writes<'_>, row: Option<&Entry>) -> Result<Done, EngineError> {
    let done = row
        .filter(|r| r.intent.is_none() && r.status.is_done())
        .and_then(|r| r.target_id.clone());
    let Some(tid) = done else {
        return Ok(Done::skipped(&SkipReason::NoLongerDone, None));
    };
    w.record(w.outcome(Status::Unchanged))?;
    Ok(Done::new(Outcome::Unchanged, Some(tid)).with_note(Note::Resumed, Note::RESUMED))
}

/// Unchanged since the last run (same content hash, no write in flight): done without a
/// call, unless `recheck`.
fn unchanged(w: &Writes<'_>, row: Option<&Entry>, hash: &str) -> Result<Option<Done>, EngineError> {
    let Some(r) = row else {
        return Ok(None);
    };
    if r.intent.is_some()
        || !r.status.is_done()
        || r.content_hash.as_deref() != Some(hash)
        || r.target_id.is_none()
        || w.rt.ctx.opts.recheck
    {
        return Ok(None);
    }
    w.record(w.outcome(Status::Unchanged))?;
    let done = Done::new(Outcome::Unchanged, r.target_id.clone());
    Ok(Some(done.with_note(Note::NotReread, Note::NOT_REREAD)))
}

/// The spec with its references remapped for the first pass. On a cycle, references to the
/// own kind wait for the second pass (their top-level fields are left out of the first
/// create, like deferred ones).
fn remap(
    w: &Writes<'_>,
    spec: &Value,
    cycle: bool,
) -> Result<(Value, Vec<crate::idmap::Unresolved>), EngineError> {
    let name = w.kind.name();
    let self_ref = |r: &Reference| r.kinds.contains(&name);
    let refs: Vec<Reference> = w
        .kind
        .references()
        .iter()
        .filter(|r| !(cycle && self_ref(r)))
        .copied()
        .collect();
    let (mut desired, unresolved) = w.remap(spec, &refs, Pass::First)?;
    if cycle && let Value::Object(m) = &mut desired {
        for r in w.kind.references().iter().filter(|r| self_ref(r)) {
            m.remove(top_field(r.path));
        }
    }
    Ok((desired, unresolved))
}

/// What the first pass knows once the object's references are remapped.
struct Remapped<'h> {
    desired: Value,
    /// The content hash to record once the target is equal; none for an object with a second
    /// pass (only that pass makes it equal).
    hash: Option<&'h str>,
    needs_second_pass: bool,
    dropped: Vec<super::DroppedRef>,
    /// The row's write in flight was a create: the object found is this migration's.
    create_in_flight: bool,
    /// This migration's (created by it, or merged into a built-in): updated when it differs.
    ours: bool,
    /// Created by this migration (by the ledger, or a create in flight).
    created: bool,
}

impl<'h> Remapped<'h> {
    fn new(
        w: &Writes<'_>,
        row: Option<&Entry>,
        hash: &'h str,
        cycle: bool,
        desired: Value,
        dropped: Vec<super::DroppedRef>,
    ) -> Self {
        let needs_second_pass = cycle || w.kind.references().iter().any(|r| r.deferred);
        let create_in_flight = row.is_some_and(|r| r.intent == Some(Intent::Create));
        Remapped {
            desired,
            // A lost reference: no hash, so the next run (once what it names is migrated)
            // restores it rather than finding the object unchanged.
            hash: (!needs_second_pass && !dropped.iter().any(|d| d.lost)).then_some(hash),
            needs_second_pass,
            dropped,
            create_in_flight,
            ours: w.obj.mode == Mode::Merge || create_in_flight || row.is_some_and(|r| r.owned),
            created: create_in_flight || row.is_some_and(|r| r.created),
        }
    }

    /// What the ledger keeps of the body the target now holds (see `Written`).
    fn written(&self, w: &Writes<'_>) -> String {
        Written::text(&self.desired, &w.obj.facts)
    }

    /// The pass ended in `outcome` with the object in the target as `target_id`.
    fn done(self, outcome: Outcome, target_id: String) -> Done {
        let mut d = Done::new(outcome, Some(target_id));
        d.needs_second_pass = self.needs_second_pass;
        d.dropped_refs = self.dropped;
        d
    }
}

/// Not found in the target: created (or found after all, when the target says it exists).
async fn create(w: &Writes<'_>, s: Remapped<'_>) -> Result<Done, EngineError> {
    match w.create(&s.desired).await? {
        CreateResult::Done(id, tkey) => {
            let tkey = tkey.as_deref().unwrap_or(&w.obj.key);
            let r = w.outcome(Status::Created).target(Some(&id), Some(tkey));
            let written = s.written(w);
            w.record(r.hash(s.hash).owned(true).created().written(Some(&written)))?;
            Ok(s.done(Outcome::Created, id))
        }
        CreateResult::Existing(t) => found_step(w, s, *t).await,
        CreateResult::Unknown(msg) => {
            w.record(w.outcome(Status::Failed).owned(true).error(&msg))?;
            Ok(Done::new(Outcome::Failed, None).with_detail(msg))
        }
        CreateResult::Planned => Ok(planned_create(s.dropped)),
        CreateResult::PlannedMerge => Ok(planned_merge(w, &s.desired, s.dropped)),
    }
}

/// Found in the target: equal (adopted), or updated when it is ours (or the policy says
/// overwrite), else a conflict.
async fn found_step(
    w: &Writes<'_>,
    mut s: Remapped<'_>,
    target: TargetObject,
) -> Result<Done, EngineError> {
    // Found by the migration's own mark (a tag with the source id): created by it.
    s.ours |= w.kind.owns(w.obj, &target);
    let diffs = w.kind.compare(w.obj, &s.desired, &target);
    if diffs.is_empty() {
        return equal(w, s, target);
    }
    if s.ours || w.rt.ctx.opts.conflict_policy == ConflictPolicy::Overwrite {
        return update(w, s, target, diffs).await;
    }
    conflict(w, target, diffs)
}

/// Equal in the target: unchanged when it is ours, created when a create was in flight or
/// the target made it with an object this run created, else adopted.
fn equal(w: &Writes<'_>, s: Remapped<'_>, target: TargetObject) -> Result<Done, EngineError> {
    let made = if s.create_in_flight || s.ours {
        None
    } else {
        made_by_this_run(w)?
    };
    let outcome = if s.create_in_flight || made.is_some() {
        Outcome::Created
    } else if s.ours {
        Outcome::Unchanged
    } else {
        Outcome::Adopted
    };
    let r = w.outcome(status_of(outcome));
    let r = r.target(Some(&target.id), Some(&target.key)).hash(s.hash);
    // Created (now, or found equal after its create): what it holds is the desired body.
    let created = outcome == Outcome::Created || s.created;
    let written = created.then(|| s.written(w));
    let r = r.owned(true).written(written.as_deref());
    w.record(if outcome == Outcome::Created {
        r.created()
    } else {
        r
    })?;
    let mut d = s.done(outcome, target.id);
    if outcome == Outcome::Adopted {
        d.detail = Some("existed in the target, equal: adopted".into());
    }
    if let Some(m) = made {
        d.detail = Some(m);
    }
    Ok(d)
}

/// Differs and is ours (or the policy says overwrite): made equal.
async fn update(
    w: &Writes<'_>,
    s: Remapped<'_>,
    target: TargetObject,
    diffs: Vec<String>,
) -> Result<Done, EngineError> {
    // Finishing a create that was in flight (a scope whose keys were not all put) is still
    // that create: an "update" intent would forget that this migration made the object, and
    // a run killed now would find it "not created by this migration".
    let (outcome, intent) = if s.create_in_flight {
        (Outcome::Created, Intent::Create)
    } else {
        (Outcome::Updated, Intent::Update)
    };
    let sent = w.update(intent, &target, &s.desired).await?;
    let (hash, ours, written) = (s.hash, s.ours, s.written(w));
    let mut d = s.done(outcome, target.id.clone());
    d.diffs = diffs;
    if !sent {
        d.detail = Some(PLANNED_UPDATE.into());
        return Ok(d);
    }
    let r = w.outcome(status_of(outcome));
    let r = r.target(Some(&target.id), Some(&target.key)).hash(hash);
    let r = r.owned(true).written(Some(&written));
    w.record(if outcome == Outcome::Created {
        r.created()
    } else {
        r
    })?;
    if !ours {
        d.detail =
            Some("existed in the target and differed: overwritten (policy overwrite)".into());
    }
    Ok(d)
}

/// Differs, not created by this migration: the conflict policy decides.
fn conflict(w: &Writes<'_>, target: TargetObject, diffs: Vec<String>) -> Result<Done, EngineError> {
    let policy = w.rt.ctx.opts.conflict_policy;
    let detail = format!(
        "exists in the target, not created by this migration, and differs in: {}",
        diffs.join(", ")
    );
    let (status, outcome) = match policy {
        ConflictPolicy::Skip => (Status::Skipped, Outcome::Skipped),
        ConflictPolicy::Fail => (Status::Failed, Outcome::Failed),
        _ => (Status::Conflict, Outcome::Conflict),
    };
    // Left alone, it still exists under the same natural key: references to it (a user in a
    // group) map to it — except under `fail`, whose point is to stop the dependents.
    let kept = (policy != ConflictPolicy::Fail).then_some(&target);
    let (tid, tkey) = (kept.map(|t| t.id.as_str()), kept.map(|t| t.key.as_str()));
    w.record(w.outcome(status).target(tid, tkey).error(&detail))?;
    if kept.is_some() {
        w.rt.left_alone
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((w.kind.name(), w.obj.source_id.clone()));
    }
    let mut d = Done::new(outcome, tid.map(str::to_string)).with_detail(detail);
    d.diffs = diffs;
    Ok(d)
}

/// Why an object found in the target counts as created: the target made it when this run
/// created the object it comes with ([`crate::kinds::After::Object`] `made_with`: a user's
/// home folder).
fn made_by_this_run(w: &Writes<'_>) -> Result<Option<String>, EngineError> {
    let crate::kinds::After::Object { kinds, made_with } = w.kind.after() else {
        return Ok(None);
    };
    let Some(key) = w.kind.after_object(w.obj).filter(|_| made_with) else {
        return Ok(None);
    };
    for k in kinds {
        if let Some(row) = w.rt.ledger.get_by_key(k, &key)?
            && row.status == Status::Created
        {
            return Ok(Some(format!(
                "made by the target with {k} `{key}`, created by this run"
            )));
        }
    }
    Ok(None)
}

/// For the grants of an object ([`crate::kinds::Kind::grants_of`]): why they are left alone,
/// when that object was left alone as a conflict (policy `report` or `skip`) — replacing its
/// ACL would change an object the migration does not own.
fn left_alone(w: &Writes<'_>) -> Result<Option<SkipReason>, EngineError> {
    let Some(guarded) = w.kind.grants_of() else {
        return Ok(None);
    };
    let reason = |key: &str| SkipReason::LeftAlone {
        kind: guarded.to_string(),
        key: key.to_string(),
    };
    let this_run =
        w.rt.left_alone
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(&(guarded, w.obj.source_id.clone()));
    if this_run {
        return Ok(Some(reason(&w.obj.key)));
    }
    // An earlier run's conflict (the grants migrated on their own, `--only …_permissions`).
    let Some(row) = w.rt.ledger.get(guarded, &w.obj.source_id)? else {
        return Ok(None);
    };
    // A conflict left alone keeps its target id (references map to it); a skip for any other
    // reason (a missing dependency) has none, and the grants' own reference says so.
    let conflict = match row.status {
        Status::Conflict => true,
        Status::Skipped => row.target_id.is_some() && !row.owned,
        _ => false,
    };
    Ok(conflict.then(|| reason(&row.natural_key)))
}
