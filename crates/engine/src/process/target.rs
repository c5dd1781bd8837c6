//! The target-side steps of an object: locate it, create it (resolving a lost answer or an
//! "already exists" by looking it up, patiently, before anything is created again), and
//! update it (reading back after a lost answer). The caller records the intent before a
//! write and the outcome after it (`writes`).

use std::time::Duration;

use super::calls;
use crate::EngineError;
use crate::kinds::{Ctx, Kind, SourceObject, TargetObject};

/// The target object: by its known target id (when the kind reads by id), else by natural
/// key.
pub(super) async fn locate(
    ctx: &Ctx,
    kind: &dyn Kind,
    obj: &SourceObject,
    target_id: Option<&str>,
    desired: &serde_json::Value,
) -> Result<Option<TargetObject>, EngineError> {
    if let Some(id) = target_id
        && let Some(read) = calls::get(ctx, kind, id).await
        && let Some(t) = read?
    {
        return Ok(Some(t));
    }
    calls::find(ctx, kind, obj, desired).await
}

/// Updates; when the answer is lost, reads the object back and compares before trying again
/// (an update may be several calls, and any of them may have been applied or not).
pub(super) async fn update_settled(
    ctx: &Ctx,
    kind: &dyn Kind,
    obj: &SourceObject,
    target: &TargetObject,
    desired: &serde_json::Value,
) -> Result<(), EngineError> {
    let mut current = target.clone();
    let mut attempts = 0;
    loop {
        attempts += 1;
        match calls::update(ctx, kind, obj, &current, desired).await {
            Ok(()) => return Ok(()),
            Err(e) if e.is_outcome_unknown() && attempts < 4 => {
                match locate(ctx, kind, obj, Some(&current.id), desired).await? {
                    Some(t) if kind.compare(obj, desired, &t).is_empty() => return Ok(()),
                    Some(t) => current = t,
                    None => return Err(e),
                }
            }
            Err(e) => return Err(e),
        }
    }
}

pub(super) enum CreateResult {
    /// Created (or found after a lost answer, and made equal): its id and target key.
    Done(String, Option<String>),
    /// The target said it already exists: carry on as with a found object.
    Existing(Box<TargetObject>),
    /// The answer was lost and the object is not found (yet): the next run looks again.
    Unknown(String),
    /// A plan: nothing created.
    Planned,
    /// A plan, for a merged object (never created; updated once what it belongs to exists).
    PlannedMerge,
}

/// [`Kind::find`], looking a few times.
async fn find_patiently(
    ctx: &Ctx,
    kind: &dyn Kind,
    obj: &SourceObject,
    desired: &serde_json::Value,
) -> Result<Option<TargetObject>, EngineError> {
    // Lists can lag behind writes (SCIM is eventually consistent), so look a few times.
    for wait_ms in [0u64, 300, 1000, 3000] {
        tokio::time::sleep(Duration::from_millis(wait_ms)).await;
        if let Some(t) = calls::find(ctx, kind, obj, desired).await? {
            return Ok(Some(t));
        }
    }
    Ok(None)
}

/// Creates, and resolves a lost answer or an "already exists".
pub(super) async fn create(
    ctx: &Ctx,
    kind: &dyn Kind,
    obj: &SourceObject,
    desired: &serde_json::Value,
) -> Result<CreateResult, EngineError> {
    // A lost answer whose object is then not found (after patient lookups) was not applied:
    // creating again is safe. Give up after a few rounds; the next run looks again.
    let mut rounds = 0;
    loop {
        rounds += 1;
        match calls::create(ctx, kind, obj, desired).await {
            Ok(c) => return Ok(CreateResult::Done(c.id, c.key)),
            Err(e) if e.is_outcome_unknown() => {
                match find_patiently(ctx, kind, obj, desired).await? {
                    Some(t) => {
                        // Applied, perhaps only in part (a scope without all its keys).
                        if !kind.compare(obj, desired, &t).is_empty() {
                            update_settled(ctx, kind, obj, &t, desired).await?;
                        }
                        return Ok(CreateResult::Done(t.id, Some(t.key)));
                    }
                    None if rounds < 3 => continue,
                    None => {
                        return Ok(CreateResult::Unknown(format!(
                            "{e}; not found in the target afterwards: the next run looks it up again"
                        )));
                    }
                }
            }
            Err(e) if e.is_already_exists() => {
                return match find_patiently(ctx, kind, obj, desired).await? {
                    Some(t) => Ok(CreateResult::Existing(Box::new(t))),
                    None => Err(e),
                };
            }
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests;
