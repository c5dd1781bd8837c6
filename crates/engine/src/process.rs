//! One object's migration: the state machine every kind goes through.
//!
//! First pass (`first`), as named steps: *skip* (excluded, or the grants of an object left
//! alone) → *map-only* (found by key, never written) → *resumed* (done in an earlier run) →
//! *unchanged* (same content hash, no write in flight: done without a call; the target is
//! not read, so drift made there by hand is seen by `verify`, or repaired with `recheck`,
//! which skips this shortcut) → *remap* its references → *locate* the target object (by the
//! ledger's target id, else by natural key — this also resolves a write whose outcome is
//! unknown) → *create*, or *adopt* an equal one, or *update* one this migration owns (or
//! any, under policy `overwrite`), or apply the *conflict* policy. An intent is recorded
//! before every write and the outcome after it. Second pass (`second`; kinds with deferred
//! references, and objects on a cycle of references to their own kind): with every object of
//! the kind in place, remap everything and update.
//!
//! Every write — to the ledger and to the target — goes through [`writes::Writes`], which is
//! where a plan differs from a migration: there, each is a no-op that says what it would do.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::EngineError;

mod calls;
mod first;
mod second;
mod target;
mod writes;

pub(crate) use calls::list_stream;

use crate::idmap::Unresolved;
use crate::kinds::{Ctx, Kind, Mode, SourceObject};
use crate::ledger::{Action, Ledger, Note, SkipReason, Status};
use crate::listed::Listed;
use crate::report::{ObjectReport, Outcome};
use writes::Writes;

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
    /// For a pass that failed with an error: the error, which the kind may read for manual
    /// actions ([`Kind::manual_on_failure`]).
    pub failure: Option<EngineError>,
    pub diffs: Vec<String>,
    pub dropped_refs: Vec<DroppedRef>,
    /// Whether the second pass must run for it.
    pub needs_second_pass: bool,
}

impl Done {
    fn new(outcome: Outcome, target_id: Option<String>) -> Self {
        Done {
            outcome,
            target_id,
            detail: None,
            note: None,
            failure: None,
            diffs: Vec::new(),
            dropped_refs: Vec::new(),
            needs_second_pass: false,
        }
    }
    fn with_detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }
    /// With a typed note (what the report counts) and its words.
    fn with_note(mut self, note: Note, d: impl Into<String>) -> Self {
        self.note = Some(note);
        self.with_detail(d)
    }
    /// Skipped for `reason`: its words, and its class as the note.
    fn skipped(reason: &SkipReason, target_id: Option<String>) -> Self {
        Done::new(Outcome::Skipped, target_id)
            .with_note(Note::Skipped(reason.code()), reason.to_string())
    }
    /// Adds a warning to the detail (a ledger write that failed after the object was done).
    fn warn(&mut self, warning: String) {
        self.detail = Some(match self.detail.take() {
            Some(d) => format!("{d}; warning: {warning}"),
            None => format!("warning: {warning}"),
        });
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

/// The top-level field a reference's path starts in (what a pass leaves out to omit it).
fn top_field(path: &str) -> &str {
    path.split(['.', '[', '{']).next().unwrap_or(path)
}

/// An optional reference a pass dropped: its words, and whether it is lost — what it names
/// was left out of the migration or failed (the dependency's typed state says so), which
/// makes the run unsuccessful — rather than skipped on purpose.
#[derive(Debug, Clone)]
pub(crate) struct DroppedRef {
    pub text: String,
    pub lost: bool,
}

/// The optional references of `unresolved`, dropped. None is lost in a plan (`planning`):
/// there most name an object the plan would create first, and the plan lists them all.
fn dropped_refs(unresolved: &[Unresolved], planning: bool) -> Vec<DroppedRef> {
    unresolved
        .iter()
        .filter(|u| !u.required)
        .map(|u| DroppedRef {
            text: format!("reference {} `{}` dropped: {}", u.path, u.value, u.reason),
            lost: !planning && u.reason.state.is_lost(),
        })
        .collect()
}

/// Runs one pass of one object (`first`: `None` for the first pass, else the first pass's
/// outcome) and turns the result into its report line, and whether it needs a second pass;
/// records failures. An `Err`: a workspace stayed unreachable (see [`pass_with`]).
pub(crate) async fn run_pass(
    rt: &Runtime,
    kind: &dyn Kind,
    obj: &SourceObject,
    first: Option<Outcome>,
) -> Result<(ObjectReport, bool), EngineError> {
    // Wait for what it references before taking a permit (see `waits`).
    wait_for(rt, crate::waits::prerequisites(kind, obj, first.is_some())).await;
    let permit = permit(rt, kind).await;
    pass_with(rt, kind, obj, first, false, permit).await
}

/// [`run_pass`] for object `i` of a listed-whole kind: read once to learn what it waits
/// for, and again only once it has a permit, so the objects waiting (most of a big kind) are
/// not in memory. `cycle` marks an object on a cycle of references to its own kind (jobs
/// running each other): its first pass leaves those references out, the second completes
/// it. An `Err`: the object could not be read back, or a workspace stayed unreachable.
pub(crate) async fn run_listed_pass(
    rt: &Runtime,
    kind: &dyn Kind,
    objs: &Listed,
    i: usize,
    first: Option<Outcome>,
    cycle: bool,
) -> Result<(ObjectReport, bool), EngineError> {
    let waits = crate::waits::prerequisites(kind, &*objs.get(i)?, first.is_some());
    wait_for(rt, waits).await;
    let permit = permit(rt, kind).await;
    let obj = objs.get(i)?;
    pass_with(rt, kind, &obj, first, cycle, permit).await
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

/// The pass itself, holding `permit`, once what the object references is settled. A
/// workspace that stayed unreachable past the client's wait is not this object's failure:
/// nothing is recorded for it (its row keeps what it had, an intent included, which the next
/// run resolves like any write in flight) and the error stops the run.
async fn pass_with(
    rt: &Runtime,
    kind: &dyn Kind,
    obj: &SourceObject,
    first: Option<Outcome>,
    cycle: bool,
    permit: Option<tokio::sync::SemaphorePermit<'_>>,
) -> Result<(ObjectReport, bool), EngineError> {
    let started = Instant::now();
    let w = Writes::new(rt, kind, obj);
    let result = if rt.aborted.load(Ordering::SeqCst) {
        Ok(Done::skipped(&SkipReason::Aborted, None))
    } else {
        let _permit = permit;
        // Boxed: the pass's state is large, and most of the objects in flight are still
        // waiting above; inline, every one of them would carry room for it.
        match first {
            None => Box::pin(first::first_pass(&w, cycle)).await,
            Some(first) => Box::pin(second::second_pass(&w, first)).await,
        }
    };
    let mut done = match result {
        Err(e) if e.is_unreachable() => return Err(e),
        other => other.unwrap_or_else(|e| w.failed(e)),
    };
    if first.is_none() {
        // Its ledger row is written: whoever references it may go on.
        // No object references an ACL (`waits`' test holds every kind to it): the grants
        // kinds, half the objects of a big run, are not remembered.
        if kind.grants_of().is_none() {
            rt.waits.settle(kind.name(), obj);
        }
    }
    w.stop_on_failure(&done);
    let manual = manual_actions(kind, obj, &done);
    w.manual_actions(&manual, &mut done);
    let mut dropped = obj.dropped.clone();
    dropped.extend(done.dropped_refs.iter().map(|d| d.text.clone()));
    let lost = (done.dropped_refs.iter())
        .filter(|d| d.lost)
        .map(|d| d.text.clone())
        .collect();
    // What a saved plan checks again before it is carried out (a plan's first pass only).
    let source_hash = (rt.dry_run && first.is_none())
        .then(|| crate::kinds::facts::content_hash(&obj.spec(), &obj.facts));
    let report = ObjectReport {
        kind: kind.name(),
        key: obj.key.clone(),
        source_id: obj.source_id.clone(),
        target_id: done.target_id.clone(),
        outcome: done.outcome,
        detail: done.detail,
        note: done.note,
        source_hash,
        diffs: done.diffs,
        dropped,
        lost,
        translated: obj.translated.clone(),
        manual: manual.into_iter().map(|a| a.text).collect(),
        millis: started.elapsed().as_millis() as u64,
    };
    Ok((report, done.needs_second_pass))
}

/// The manual actions an object's pass leaves. They hold for objects that exist in the
/// target (or were left out on purpose, like a Key Vault scope to re-create by hand); for a
/// failure, only what the kind says the failure calls for (an object too large to move); none
/// for conflicts, nor for an object skipped for another reason (a missing dependency, the
/// conflict policy): it is not in the target, so "unpause the job created PAUSED" would be
/// false.
fn manual_actions(kind: &dyn Kind, obj: &SourceObject, done: &Done) -> Vec<Action> {
    match done.outcome {
        Outcome::Failed => match &done.failure {
            Some(e) => kind.manual_on_failure(obj, e),
            None => Vec::new(),
        },
        Outcome::Conflict => Vec::new(),
        Outcome::Skipped if !matches!(obj.mode, Mode::Skip(_)) => Vec::new(),
        _ => obj.manual.clone(),
    }
}
