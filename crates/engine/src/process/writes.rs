//! [`Writes`]: every write of one object's pass — to the ledger and to the target — and the
//! one place a plan differs from a migration. In a plan each write is a no-op that says what
//! it would have done, and references to objects the plan would create are taken as they are.

use serde_json::Value;

use super::target::{self, CreateResult};
use super::{Done, Runtime};
use crate::EngineError;
use crate::idmap::{Pass, Unresolved};
use crate::kinds::{Kind, Mode, Reference, SourceObject, TargetObject};
use crate::ledger::{Action, Intent, Record, SkipReason, Status};
use crate::report::Outcome;

/// One object's pass and what it may write.
pub(super) struct Writes<'a> {
    pub rt: &'a Runtime,
    pub kind: &'a dyn Kind,
    pub obj: &'a SourceObject,
}

impl<'a> Writes<'a> {
    pub fn new(rt: &'a Runtime, kind: &'a dyn Kind, obj: &'a SourceObject) -> Self {
        Writes { rt, kind, obj }
    }

    /// Whether this is a plan.
    pub fn planning(&self) -> bool {
        self.rt.dry_run
    }

    /// A record of this object's outcome, to fill in and pass to [`Writes::record`].
    pub fn outcome(&self, status: Status) -> Record<'a> {
        Record::new(self.kind.name(), &self.obj.source_id, &self.obj.key, status)
    }

    /// Records the outcome in the ledger (a plan records nothing).
    pub fn record(&self, r: Record<'_>) -> Result<(), EngineError> {
        if self.planning() {
            return Ok(());
        }
        self.rt.ledger.record_outcome(&r)
    }

    /// Skipped for `reason`, recorded with its words and class (`found`: the target object a
    /// map-only object maps to, `detail`: the words, when they say more than the reason).
    pub fn skip(
        &self,
        reason: &SkipReason,
        found: Option<&TargetObject>,
        detail: Option<String>,
    ) -> Result<Done, EngineError> {
        let words = detail.unwrap_or_else(|| reason.to_string());
        let mut r = self.outcome(Status::Skipped).skipped(&words, reason.code());
        if let Some(t) = found {
            r = r.target(Some(&t.id), Some(&t.key)).owned(false);
        }
        self.record(r)?;
        let done = Done::skipped(reason, found.map(|t| t.id.clone()));
        Ok(done.with_detail(words))
    }

    /// `spec` remapped for `pass`; in a plan, a reference to an object not created yet stays
    /// as it is (see [`crate::IdMap::remap`]). The needs of the object's side-car not in the
    /// target are unresolved too.
    pub fn remap(
        &self,
        spec: &Value,
        refs: &[Reference],
        pass: Pass,
    ) -> Result<(Value, Vec<Unresolved>), EngineError> {
        let ids = &self.rt.ctx.ids;
        let (v, mut unresolved) = ids.remap(spec, refs, pass, self.planning())?;
        unresolved.extend(ids.unmet(self.kind.needs(), &self.obj.facts.needs)?);
        Ok((v, unresolved))
    }

    /// The required reference that cannot be mapped, which keeps the object out. None in a
    /// plan: there it is most often an object the plan would create first.
    pub fn missing<'u>(&self, unresolved: &'u [Unresolved]) -> Option<&'u Unresolved> {
        if self.planning() {
            return None;
        }
        unresolved.iter().find(|u| u.required)
    }

    /// Records the create intent, creates, and resolves a lost answer or an "already
    /// exists" (see `target::create`). A plan creates nothing.
    pub async fn create(&self, desired: &Value) -> Result<CreateResult, EngineError> {
        // A plan comes first: a merged object (a built-in, or the grants of an object) may be
        // missing from the target only because the plan has not created what it belongs to.
        if self.planning() {
            // A merged object is never created: `migrate` finds it (the object's ACL exists
            // as soon as the object does) and updates it. The plan says so.
            if self.obj.mode == Mode::Merge {
                return Ok(CreateResult::PlannedMerge);
            }
            return Ok(CreateResult::Planned);
        }
        self.planned_write()?;
        if self.obj.mode == Mode::Merge {
            return Err(EngineError::Shape {
                kind: self.kind.name(),
                key: self.obj.key.clone(),
                message: "built-in object not found in the target workspace".into(),
            });
        }
        self.intent(Intent::Create)?;
        target::create(&self.rt.ctx, self.kind, self.obj, desired).await
    }

    /// Records `intent` and makes `target` equal to `desired`; false in a plan (nothing
    /// written).
    pub async fn update(
        &self,
        intent: Intent,
        target: &TargetObject,
        desired: &Value,
    ) -> Result<bool, EngineError> {
        if self.planning() {
            return Ok(false);
        }
        self.planned_write()?;
        self.intent(intent)?;
        target::update_settled(&self.rt.ctx, self.kind, self.obj, target, desired).await?;
        Ok(true)
    }

    /// Carrying out a saved plan: a write the plan did not announce (it said unchanged, skip
    /// or conflict, and the target changed since it was checked) is refused; the object fails.
    fn planned_write(&self) -> Result<(), EngineError> {
        let Some(planned) = &self.rt.ctx.opts.planned else {
            return Ok(());
        };
        let at = (self.kind.name().to_string(), self.obj.source_id.clone());
        if planned.get(&at).is_some_and(|p| p.writes) {
            return Ok(());
        }
        Err(EngineError::PlanNoLongerHolds(format!(
            "{} `{}` would be written, which the plan did not say: not touched; run `brickport \
             plan` again",
            self.kind.name(),
            self.obj.key
        )))
    }

    fn intent(&self, intent: Intent) -> Result<(), EngineError> {
        let (kind, obj) = (self.kind.name(), self.obj);
        self.rt
            .ledger
            .record_intent(kind, &obj.source_id, &obj.key, intent)
    }

    /// A pass that ended in `e`: failed, and recorded so (a plan records nothing).
    pub fn failed(&self, e: EngineError) -> Done {
        let msg = e.to_string();
        let mut done = Done::new(Outcome::Failed, None);
        // Not the run's error: the ledger itself may be what failed, and the row then keeps
        // its intent (or its last outcome), which the next run resolves like any write in
        // flight. The report line says so.
        let recorded = self.record(self.outcome(Status::Failed).error(&msg));
        done.detail = Some(msg.clone());
        if let Err(le) = recorded {
            done.warn(format!("the failure was not recorded in the ledger: {le}"));
        }
        done.failure = Some(e);
        done
    }

    /// Under `fail_fast`, a failure aborts the run; a plan goes on (it shows every failure).
    pub fn stop_on_failure(&self, done: &Done) {
        if done.outcome != Outcome::Failed || !self.rt.ctx.opts.fail_fast || self.planning() {
            return;
        }
        self.rt.abort(format!(
            "{} `{}` failed: {}",
            self.kind.name(),
            self.obj.key,
            done.detail.as_deref().unwrap_or("")
        ));
    }

    /// Replaces the object's manual actions in the ledger (a plan records nothing; a
    /// resumed object was not read again, so the ledger keeps what it has). A failure is not
    /// the run's error: the object itself is done, and the next run, which replaces every
    /// object's actions, writes them. The report line says so.
    pub fn manual_actions(&self, actions: &[Action], done: &mut Done) {
        if self.planning() || self.obj.mode == Mode::Resumed {
            return;
        }
        let set = self
            .rt
            .ledger
            .set_manual_actions(self.kind.name(), &self.obj.key, actions);
        if let Err(e) = set {
            done.warn(format!(
                "its manual actions were not recorded in the ledger: {e}"
            ));
        }
    }
}

/// What a plan says of an object it would create.
pub(super) fn planned_create(dropped_refs: Vec<super::DroppedRef>) -> Done {
    let mut d = Done::new(Outcome::Created, None).with_detail("would be created");
    d.dropped_refs = dropped_refs;
    d
}

/// What a plan says of an object it would update.
pub(super) const PLANNED_UPDATE: &str = "would be updated";

/// What a plan says of a merged object not in the target yet (the grants of an object the
/// run creates first): updated, in the fields that differ from an empty object's.
pub(super) fn planned_merge(
    w: &Writes<'_>,
    desired: &Value,
    dropped_refs: Vec<super::DroppedRef>,
) -> Done {
    let empty = TargetObject {
        id: String::new(),
        key: w.obj.key.clone(),
        body: Value::Object(Default::default()),
        facts: Default::default(),
    };
    let mut d = Done::new(Outcome::Updated, None).with_detail(
        "would be updated: it exists in the target with what it belongs to, which the run \
         creates first",
    );
    d.diffs = w.kind.compare(w.obj, desired, &empty);
    d.dropped_refs = dropped_refs;
    d
}

/// What a plan says of the second pass of an object not in the target yet (`in_target`:
/// the ledger knows its target id): an object already there (the `admins` group) gets the
/// references to objects the run creates (its members) in the second pass, so `migrate`
/// updates it; any other keeps its first pass's outcome. None outside a plan, or for an
/// object in the target (its second pass is planned like a migration's).
pub(super) fn planned_second_pass(
    w: &Writes<'_>,
    first: Outcome,
    in_target: bool,
    unresolved: &[Unresolved],
) -> Option<Done> {
    if !w.planning() || in_target {
        return None;
    }
    if matches!(first, Outcome::Unchanged | Outcome::Adopted) && !unresolved.is_empty() {
        let mut d = Done::new(Outcome::Updated, None)
            .with_detail("would be updated: it gets references to objects the run creates");
        // The fields that get them (`members[].value` → `members`), for the plan's line.
        for u in unresolved {
            let field = super::top_field(u.path).to_string();
            if !d.diffs.contains(&field) {
                d.diffs.push(field);
            }
        }
        return Some(d);
    }
    Some(Done::new(first, None))
}
