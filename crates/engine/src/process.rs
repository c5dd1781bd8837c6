//! One object's migration: the state machine every kind goes through.
//!
//! First pass: unchanged since the last run (same content hash, no write in flight) → done
//! without a call (the target is not read: drift made there by hand is seen by `verify`, or
//! repaired with `recheck`, which skips this shortcut). Otherwise remap references; locate
//! the target object (by the ledger's target id, else by natural key — this also resolves a
//! write whose outcome is unknown);
//! create it, or compare and update it, or apply the conflict policy. An intent is recorded
//! before every write and the outcome after it. Second pass (kinds with deferred
//! references only): with every object of the kind in place, remap everything and update.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::EngineError;

mod target;

use crate::idmap::{Pass, Unresolved};
use crate::json;
use crate::kinds::{Ctx, Kind, Mode, SourceObject, TargetObject};
use crate::ledger::{Ledger, Note, SkipReason, Status};
use crate::options::ConflictPolicy;
use crate::report::{ObjectReport, Outcome};
use crate::run::Listed;
use target::{CreateResult, create, locate, update_settled};

/// What every object task shares during a run.
pub(crate) struct Runtime {
    pub ctx: Ctx,
    pub ledger: std::sync::Arc<Ledger>,
    /// A plan: nothing is written, to the target or the ledger.
    pub dry_run: bool,
    /// Each kind's slots (`max_concurrency` objects in flight per kind). Per kind, not for the
    /// whole run: objects queued on one saturated API family (clusters, the workspace) must
    /// not hold the slots the other kinds' objects need to use the other families.
    pub permits: std::collections::BTreeMap<&'static str, tokio::sync::Semaphore>,
    pub aborted: AtomicBool,
    pub abort_reason: Mutex<Option<String>>,
    /// (kind, source id) of the objects this run left alone as conflicts: their grants are
    /// not written. Kept here too because a plan records nothing in the ledger.
    pub left_alone: Mutex<std::collections::BTreeSet<(&'static str, String)>>,
    /// Which objects have settled and which kinds finished: what objects wait for.
    pub waits: crate::waits::Waits,
}

impl Runtime {
    pub fn abort(&self, reason: String) {
        if !self.aborted.swap(true, Ordering::SeqCst) {
            *self.abort_reason.lock().unwrap_or_else(|p| p.into_inner()) = Some(reason);
        }
    }
}

/// How an object's pass ended.
pub(crate) struct Done {
    pub outcome: Outcome,
    pub target_id: Option<String>,
    pub detail: Option<String>,
    pub note: Option<Note>,
    pub diffs: Vec<String>,
    pub dropped_refs: Vec<String>,
    /// Whether the second pass must run for it.
    pub needs_link: bool,
}

impl Done {
    fn new(outcome: Outcome, target_id: Option<String>) -> Self {
        Done {
            outcome,
            target_id,
            detail: None,
            note: None,
            diffs: Vec::new(),
            dropped_refs: Vec::new(),
            needs_link: false,
        }
    }
    fn with_detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }
    fn with_note(mut self, note: Note, d: impl Into<String>) -> Self {
        self.note = Some(note);
        self.with_detail(d)
    }
    fn skipped(reason: &SkipReason, target_id: Option<String>) -> Self {
        Done::new(Outcome::Skipped, target_id)
            .with_note(Note::Skipped(reason.code()), reason.to_string())
    }
}

fn status_of(o: Outcome) -> Status {
    match o {
        Outcome::Created => Status::Created,
        Outcome::Updated => Status::Updated,
        Outcome::Unchanged | Outcome::Adopted => Status::Unchanged,
        Outcome::Skipped => Status::Skipped,
        Outcome::Failed => Status::Failed,
        Outcome::Conflict => Status::Conflict,
    }
}

fn dropped_refs(unresolved: &[Unresolved]) -> Vec<String> {
    unresolved
        .iter()
        .filter(|u| !u.required)
        .map(|u| format!("reference {} `{}` dropped: {}", u.path, u.value, u.reason))
        .collect()
}

/// Runs one pass of one object and turns the result into its report line; records failures.
pub(crate) async fn run_pass(
    rt: &Runtime,
    kind: &dyn Kind,
    obj: &SourceObject,
    link: Option<Outcome>,
) -> (ObjectReport, bool) {
    run_pass_in(rt, kind, obj, link, false).await
}

/// [`run_pass`]; `cycle` marks an object on a cycle of references to its own kind (jobs
/// running each other): its first pass leaves those references out, the second completes it.
pub(crate) async fn run_pass_in(
    rt: &Runtime,
    kind: &dyn Kind,
    obj: &SourceObject,
    link: Option<Outcome>,
    cycle: bool,
) -> (ObjectReport, bool) {
    // Wait for what it references before taking a permit (see `waits`).
    wait_for(rt, crate::waits::prerequisites(kind, obj, link.is_some())).await;
    let permit = permit(rt, kind).await;
    pass_with(rt, kind, obj, link, cycle, permit).await
}

/// [`run_pass_in`] for object `i` of a listed-whole kind: read once to learn what it waits
/// for, and again only once it has a permit, so the objects waiting (most of a big kind) are
/// not in memory. An `Err`: the object could not be read back.
pub(crate) async fn run_listed_pass(
    rt: &Runtime,
    kind: &dyn Kind,
    objs: &Listed,
    i: usize,
    link: Option<Outcome>,
    cycle: bool,
) -> Result<(ObjectReport, bool), EngineError> {
    let waits = crate::waits::prerequisites(kind, &*objs.get(i)?, link.is_some());
    wait_for(rt, waits).await;
    let permit = permit(rt, kind).await;
    let obj = objs.get(i)?;
    Ok(pass_with(rt, kind, &obj, link, cycle, permit).await)
}

/// Waits until each of `waits` is settled (or the run is aborted).
async fn wait_for(rt: &Runtime, waits: Vec<crate::waits::Wait>) {
    for w in waits {
        if rt.aborted.load(Ordering::SeqCst) {
            break;
        }
        rt.waits.wait(&w).await;
    }
}

/// One of the kind's slots (none once the run is aborted, or for a kind without slots).
async fn permit<'a>(rt: &'a Runtime, kind: &dyn Kind) -> Option<tokio::sync::SemaphorePermit<'a>> {
    if rt.aborted.load(Ordering::SeqCst) {
        return None;
    }
    match rt.permits.get(kind.name()) {
        Some(p) => p.acquire().await.ok(),
        None => None,
    }
}

/// The pass itself, holding `permit`, once what the object references is settled.
async fn pass_with(
    rt: &Runtime,
    kind: &dyn Kind,
    obj: &SourceObject,
    link: Option<Outcome>,
    cycle: bool,
    permit: Option<tokio::sync::SemaphorePermit<'_>>,
) -> (ObjectReport, bool) {
    let started = Instant::now();
    let result = if rt.aborted.load(Ordering::SeqCst) {
        Ok(Done::skipped(&SkipReason::Aborted, None))
    } else {
        let _permit = permit;
        // Boxed: the pass's state is large, and most of the objects in flight are still
        // waiting above; inline, every one of them would carry room for it.
        match link {
            None => Box::pin(first_pass(rt, kind, obj, cycle)).await,
            Some(first) => Box::pin(link_pass(rt, kind, obj, first)).await,
        }
    };
    let done = match result {
        Ok(d) => d,
        Err(e) => {
            let msg = e.to_string();
            if !rt.dry_run {
                // Best effort: the ledger itself may be what failed.
                let _ = rt.ledger.record_outcome(
                    kind.name(),
                    &obj.source_id,
                    &obj.key,
                    Status::Failed,
                    None,
                    None,
                    None,
                    None,
                    Some(&msg),
                    None,
                );
            }
            Done::new(Outcome::Failed, None).with_detail(msg)
        }
    };
    if link.is_none() {
        // Its ledger row is written: whoever references it may go on.
        // No object references an ACL (`waits`' test holds every kind to it): the grants
        // kinds, half the objects of a big run, are not remembered.
        if kind.grants_of().is_none() {
            rt.waits.settle(kind.name(), obj);
        }
    }
    if done.outcome == Outcome::Failed && rt.ctx.opts.fail_fast && !rt.dry_run {
        rt.abort(format!(
            "{} `{}` failed: {}",
            kind.name(),
            obj.key,
            done.detail.as_deref().unwrap_or("")
        ));
    }
    // Manual actions hold for objects that exist in the target (or were left out on purpose,
    // like a Key Vault scope to re-create by hand); for a failure, only what the kind says
    // the failure calls for (an object too large to move); none for conflicts, nor for an
    // object skipped for another reason (a missing dependency, the conflict policy): it is
    // not in the target, so "unpause the job created PAUSED" would be false.
    let manual = match done.outcome {
        Outcome::Failed => kind.manual_on_failure(obj, done.detail.as_deref().unwrap_or("")),
        Outcome::Conflict => Vec::new(),
        Outcome::Skipped if !matches!(obj.mode, Mode::Skip(_)) => Vec::new(),
        _ => obj.manual.clone(),
    };
    // A resumed object was not read again: the ledger keeps the manual actions it has.
    if !rt.dry_run && obj.mode != Mode::Resumed {
        let _ = rt.ledger.set_manual_actions(kind.name(), &obj.key, &manual);
    }
    let mut dropped = obj.dropped.clone();
    dropped.extend(done.dropped_refs.iter().cloned());
    let report = ObjectReport {
        kind: kind.name(),
        key: obj.key.clone(),
        source_id: obj.source_id.clone(),
        target_id: done.target_id.clone(),
        outcome: done.outcome,
        detail: done.detail,
        note: done.note,
        diffs: done.diffs,
        dropped,
        manual: manual.into_iter().map(|a| a.text).collect(),
        millis: started.elapsed().as_millis() as u64,
    };
    (report, done.needs_link)
}

async fn first_pass(
    rt: &Runtime,
    kind: &dyn Kind,
    obj: &SourceObject,
    cycle: bool,
) -> Result<Done, EngineError> {
    let (name, sid, key) = (kind.name(), obj.source_id.as_str(), obj.key.as_str());
    let ledger = &rt.ledger;
    let dry = rt.dry_run;
    let record = |status: Status,
                  tid: Option<&str>,
                  tkey: Option<&str>,
                  hash: Option<&str>,
                  owned: Option<bool>,
                  err: Option<&str>| {
        if dry {
            Ok(())
        } else {
            ledger.record_outcome(name, sid, key, status, tid, tkey, hash, owned, err, None)
        }
    };
    // A skip records its reason's words and its class.
    let record_skip =
        |reason: &SkipReason, detail: &str, found: Option<&TargetObject>, owned: Option<bool>| {
            if dry {
                return Ok(());
            }
            let (tid, tkey) = (found.map(|t| t.id.as_str()), found.map(|t| t.key.as_str()));
            let (status, code) = (Status::Skipped, Some(reason.code()));
            let detail = Some(detail);
            ledger.record_outcome(name, sid, key, status, tid, tkey, None, owned, detail, code)
        };
    let skip = |reason: &SkipReason| {
        record_skip(reason, &reason.to_string(), None, None)?;
        Ok::<_, EngineError>(Done::skipped(reason, None))
    };
    if let Mode::Skip(reason) = &obj.mode {
        return skip(reason);
    }
    if let Some(reason) = left_alone(rt, kind, obj)? {
        return skip(&reason);
    }
    if let Mode::MapOnly(reason) = &obj.mode {
        // Never written: found by its key alone (every kind's `find` for such objects reads
        // no desired body), so its spec is neither parsed nor remapped — the built-in `users`
        // group's holds every user of the workspace.
        let found = kind.find(&rt.ctx, obj, &serde_json::Value::Null).await?;
        let detail = match &found {
            Some(_) => reason.to_string(),
            None => format!("{reason}; not found in the target"),
        };
        record_skip(reason, &detail, found.as_ref(), Some(false))?;
        let done = Done::skipped(reason, found.map(|t| t.id));
        return Ok(done.with_detail(detail));
    }
    let has_deferred = cycle || kind.references().iter().any(|r| r.deferred);
    let spec = obj.spec();
    let hash = json::content_hash(&spec);
    let row = ledger.get(name, sid)?;
    if obj.mode == Mode::Resumed {
        // Its spec is only the listing's: never written. The listing found it done.
        let done = row
            .as_ref()
            .filter(|r| r.intent.is_none() && r.status.is_done())
            .and_then(|r| r.target_id.clone());
        let Some(tid) = done else {
            return Ok(Done::skipped(&SkipReason::NoLongerDone, None));
        };
        record(Status::Unchanged, None, None, None, None, None)?;
        let done = Done::new(Outcome::Unchanged, Some(tid));
        return Ok(done.with_note(Note::Resumed, Note::RESUMED));
    }
    if let Some(r) = &row
        && r.intent.is_none()
        && r.status.is_done()
        && r.content_hash.as_deref() == Some(hash.as_str())
        && r.target_id.is_some()
        && !rt.ctx.opts.recheck
    {
        record(Status::Unchanged, None, None, None, None, None)?;
        let done = Done::new(Outcome::Unchanged, r.target_id.clone());
        return Ok(done.with_note(Note::NotReread, Note::NOT_REREAD));
    }
    // On a cycle, references to the own kind wait for the second pass (their top-level fields
    // are left out of the first create, like deferred ones).
    let self_ref = |r: &crate::kinds::Reference| r.kinds.contains(&name);
    let refs: Vec<crate::kinds::Reference> = kind
        .references()
        .iter()
        .filter(|r| !(cycle && self_ref(r)))
        .copied()
        .collect();
    let (mut desired, unresolved) = rt.ctx.ids.remap(&spec, &refs, Pass::First, dry)?;
    if cycle && let serde_json::Value::Object(m) = &mut desired {
        for r in kind.references().iter().filter(|r| self_ref(r)) {
            m.remove(r.path.split(['.', '[', '{']).next().unwrap_or(r.path));
        }
    }
    if let Some(u) = unresolved.iter().find(|u| u.required)
        && !dry
    {
        return skip(&SkipReason::Dependency(u.reason.clone()));
    }
    let done_refs = dropped_refs(&unresolved);
    let known_id = row.as_ref().and_then(|r| r.target_id.clone());
    let create_in_flight = row
        .as_ref()
        .is_some_and(|r| r.intent.as_deref() == Some("create"));
    let mut ours =
        obj.mode == Mode::Merge || create_in_flight || row.as_ref().is_some_and(|r| r.owned);
    let hash_now = if has_deferred {
        None
    } else {
        Some(hash.as_str())
    };
    let existing = locate(&rt.ctx, kind, obj, known_id.as_deref(), &desired).await?;

    let target = match existing {
        Some(t) => t,
        None => match create(rt, kind, obj, &desired).await? {
            CreateResult::Done(id, tkey) => {
                record(
                    Status::Created,
                    Some(&id),
                    tkey.as_deref().or(Some(key)),
                    hash_now,
                    Some(true),
                    None,
                )?;
                let mut d = Done::new(Outcome::Created, Some(id));
                d.needs_link = has_deferred;
                d.dropped_refs = done_refs;
                return Ok(d);
            }
            CreateResult::Existing(t) => t,
            CreateResult::Unknown(msg) => {
                record(Status::Failed, None, None, None, Some(true), Some(&msg))?;
                return Ok(Done::new(Outcome::Failed, None).with_detail(msg));
            }
            CreateResult::Planned => {
                let mut d = Done::new(Outcome::Created, None).with_detail("would be created");
                d.dropped_refs = done_refs;
                return Ok(d);
            }
        },
    };

    // Found by the migration's own mark (a tag with the source id): created by it.
    ours |= kind.owns(obj, &target);
    let diffs = kind.compare(obj, &desired, &target);
    let tid = Some(target.id.as_str());
    let tkey = Some(target.key.as_str());
    if diffs.is_empty() {
        let made = if create_in_flight || ours {
            None
        } else {
            made_by_this_run(rt, kind, obj)?
        };
        let outcome = if create_in_flight || made.is_some() {
            Outcome::Created
        } else if ours {
            Outcome::Unchanged
        } else {
            Outcome::Adopted
        };
        record(status_of(outcome), tid, tkey, hash_now, Some(true), None)?;
        let mut d = Done::new(outcome, Some(target.id.clone()));
        d.needs_link = has_deferred;
        d.dropped_refs = done_refs;
        if outcome == Outcome::Adopted {
            d.detail = Some("existed in the target, equal: adopted".into());
        }
        if let Some(m) = made {
            d.detail = Some(m);
        }
        return Ok(d);
    }
    let policy = rt.ctx.opts.conflict_policy;
    if ours || policy == ConflictPolicy::Overwrite {
        let outcome = if create_in_flight {
            Outcome::Created
        } else {
            Outcome::Updated
        };
        let mut d = Done::new(outcome, Some(target.id.clone()));
        d.diffs = diffs;
        d.needs_link = has_deferred;
        d.dropped_refs = done_refs;
        if dry {
            d.detail = Some("would be updated".into());
            return Ok(d);
        }
        // Finishing a create that was in flight (a scope whose keys were not all put) is
        // still that create: an "update" intent would forget that this migration made the
        // object, and a run killed now would find it "not created by this migration".
        let intent = if create_in_flight { "create" } else { "update" };
        ledger.record_intent(name, sid, key, intent)?;
        update_settled(&rt.ctx, kind, obj, &target, &desired).await?;
        record(status_of(outcome), tid, tkey, hash_now, Some(true), None)?;
        if !ours {
            d.detail =
                Some("existed in the target and differed: overwritten (policy overwrite)".into());
        }
        return Ok(d);
    }
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
    let (tid, tkey) = if policy == ConflictPolicy::Fail {
        (None, None)
    } else {
        (tid, tkey)
    };
    record(status, tid, tkey, None, None, Some(&detail))?;
    if policy != ConflictPolicy::Fail {
        rt.left_alone
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert((name, sid.to_string()));
    }
    let mut d = Done::new(outcome, tid.map(str::to_string)).with_detail(detail);
    d.diffs = diffs;
    Ok(d)
}

/// Why an object found in the target counts as created: the target made it when this run
/// created the object it comes with ([`Kind::made_with`]: a user's home folder).
fn made_by_this_run(
    rt: &Runtime,
    kind: &dyn Kind,
    obj: &SourceObject,
) -> Result<Option<String>, EngineError> {
    let Some((kinds, key)) = kind.made_with(obj) else {
        return Ok(None);
    };
    for k in kinds {
        if let Some(row) = rt.ledger.get_by_key(k, &key)?
            && row.status == Status::Created
        {
            return Ok(Some(format!(
                "made by the target with {k} `{key}`, created by this run"
            )));
        }
    }
    Ok(None)
}

/// For the grants of an object ([`Kind::grants_of`]): why they are left alone, when that
/// object was left alone as a conflict (policy `report` or `skip`) — replacing its ACL would
/// change an object the migration does not own.
fn left_alone(
    rt: &Runtime,
    kind: &dyn Kind,
    obj: &SourceObject,
) -> Result<Option<SkipReason>, EngineError> {
    let Some(guarded) = kind.grants_of() else {
        return Ok(None);
    };
    let reason = |key: &str| SkipReason::LeftAlone {
        kind: guarded.to_string(),
        key: key.to_string(),
    };
    let this_run = rt
        .left_alone
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .contains(&(guarded, obj.source_id.clone()));
    if this_run {
        return Ok(Some(reason(&obj.key)));
    }
    // An earlier run's conflict (the grants migrated on their own, `--only …_permissions`).
    let Some(row) = rt.ledger.get(guarded, &obj.source_id)? else {
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

async fn link_pass(
    rt: &Runtime,
    kind: &dyn Kind,
    obj: &SourceObject,
    first: Outcome,
) -> Result<Done, EngineError> {
    let (name, sid, key) = (kind.name(), obj.source_id.as_str(), obj.key.as_str());
    let spec = obj.spec();
    let hash = json::content_hash(&spec);
    let (desired, unresolved) =
        rt.ctx
            .ids
            .remap(&spec, kind.references(), Pass::Full, rt.dry_run)?;
    let row = rt.ledger.get(name, sid)?;
    let known_id = row.as_ref().and_then(|r| r.target_id.clone());
    if rt.dry_run && known_id.is_none() {
        // A plan: an object already in the target (the `admins` group) gets the references
        // to objects the run creates (its members) in the second pass, so `migrate` updates it.
        if matches!(first, Outcome::Unchanged | Outcome::Adopted) && !unresolved.is_empty() {
            return Ok(Done::new(Outcome::Updated, None)
                .with_detail("would be updated: it gets references to objects the run creates"));
        }
        return Ok(Done::new(first, None));
    }
    if let Some(u) = unresolved.iter().find(|u| u.required) {
        // The object exists but cannot be completed; no hash, so the next run tries again.
        let reason = SkipReason::Dependency(u.reason.clone());
        rt.ledger.record_outcome(
            name,
            sid,
            key,
            Status::Skipped,
            None,
            None,
            None,
            None,
            Some(&reason.to_string()),
            Some(reason.code()),
        )?;
        return Ok(Done::skipped(&reason, known_id));
    }
    let created = match (&row, first) {
        (Some(r), Outcome::Created) if !rt.dry_run => r.target_id.clone().map(|id| (id, r)),
        _ => None,
    };
    let target = if let Some((id, r)) = created {
        // Created by this run's first pass: it holds what that pass sent, which is known
        // without reading it back (a SCIM read per group costs 1/4 s at the published limit).
        TargetObject {
            id,
            key: r.target_key.clone().unwrap_or_else(|| key.to_string()),
            body: first_pass_body(rt, kind, obj)?,
        }
    } else {
        let Some(t) = locate(&rt.ctx, kind, obj, known_id.as_deref(), &desired).await? else {
            return Err(EngineError::Shape {
                kind: name,
                key: key.to_string(),
                message: "created in the first pass but no longer found in the target".into(),
            });
        };
        t
    };
    let diffs = kind.compare(obj, &desired, &target);
    let mut outcome = first;
    if !diffs.is_empty() {
        if matches!(first, Outcome::Unchanged | Outcome::Adopted) {
            outcome = Outcome::Updated;
        }
        if !rt.dry_run {
            rt.ledger.record_intent(name, sid, key, "link")?;
            update_settled(&rt.ctx, kind, obj, &target, &desired).await?;
        }
    }
    if !rt.dry_run {
        rt.ledger.record_outcome(
            name,
            sid,
            key,
            status_of(outcome),
            Some(&target.id),
            Some(&target.key),
            Some(&hash),
            None,
            None,
            None,
        )?;
    }
    let mut d = Done::new(outcome, Some(target.id));
    d.diffs = diffs;
    d.dropped_refs = dropped_refs(&unresolved);
    Ok(d)
}

/// What an object's first pass created: its spec remapped, without the fields a first pass
/// leaves out (deferred references, and references to its own kind on a cycle — the only
/// case where an object of a kind without deferred references has a second pass).
fn first_pass_body(
    rt: &Runtime,
    kind: &dyn Kind,
    obj: &SourceObject,
) -> Result<serde_json::Value, EngineError> {
    let (mut body, _) = rt
        .ctx
        .ids
        .remap(&obj.spec(), kind.references(), Pass::First, false)?;
    if let serde_json::Value::Object(m) = &mut body {
        for r in kind.references() {
            if r.deferred || r.kinds.contains(&kind.name()) {
                m.remove(r.path.split(['.', '[', '{']).next().unwrap_or(r.path));
            }
        }
    }
    Ok(body)
}
