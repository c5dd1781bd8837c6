//! The cut-over half of the kind contract ([`super::Kind::cutover`]): for kinds whose objects
//! are migrated *held back* — created in the target with the parts that would make them run
//! on their own switched off (a job's schedule, trigger and continuous mode PAUSED; next a
//! dashboard's schedules, an alert, a continuous pipeline) — so the two workspaces do not both
//! run them before the go-live.
//!
//! The kind says what its parts are and how to switch them; `crate::cutover` does the rest for
//! every such kind alike: which objects of the ledger to touch, switching on in the target
//! exactly the parts that are on in the source now, `--pause-source`, the cut-over record
//! (keyed by kind and source id) that makes it idempotent, and the report. A later `migrate`
//! and `verify` then keep what was switched on: every object the engine lists of such a kind
//! passes through `keep_resumed`, which marks its spec ([`CutOver::mark_resumed`]).

use brickport_api::WorkspaceClient;
use serde_json::Value;

use super::{Ctx, Kind, KindFuture, Mode, SourceObject};
use crate::EngineError;

/// One part of an object that the migration holds back, as read in one workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// Its name, as the cut-over record and the report show it (`schedule`, `trigger`, …).
    pub name: String,
    /// Whether it is on (would run) now.
    pub on: bool,
    /// The part as read, for the kind's [`CutOver::switch`] (opaque to the engine).
    pub body: Value,
}

/// One object in one workspace: the source's or the target's, by its id there.
#[derive(Clone, Copy)]
pub struct ObjectIn<'a> {
    /// The workspace's client.
    pub workspace: &'a WorkspaceClient,
    /// The object's id in it.
    pub id: &'a str,
}

/// How a kind's held-back parts are read and switched at cut-over. The engine calls the
/// methods on the source and on the target, and names the side in the errors it reports (a
/// kind returns the client's errors as they are).
pub trait CutOver: Send + Sync {
    /// The held-back parts `obj` has now, in a stable order (a part the object lacks is not
    /// listed); `None` when the object no longer exists there.
    fn parts<'a>(&'a self, obj: ObjectIn<'a>) -> KindFuture<'a, Option<Vec<Part>>>;

    /// Switches `parts` of `obj` (as [`CutOver::parts`] read them there) on or off.
    /// `Ok(false)` when no write was needed (they already were).
    fn switch<'a>(&'a self, obj: ObjectIn<'a>, parts: &'a [Part], on: bool)
    -> KindFuture<'a, bool>;

    /// Marks in `spec` — a listed spec or a desired body — the parts the cut-over switched on
    /// for this object (`resumed`, by name, as the cut-over recorded them), so a later
    /// `migrate` keeps them on instead of holding them back again, and `verify` expects them on.
    fn mark_resumed(&self, spec: &mut Value, resumed: &[String]);
}

/// For every object the engine lists of a kind with a [`Kind::cutover`]: an object `cutover`
/// already resumed keeps what was resumed on in its spec ([`CutOver::mark_resumed`]), so a
/// later `migrate` leaves it running in the target instead of holding it back again, and
/// `verify` expects it on. Reads only, once per run (`ctx`'s cache: opening the ledger again
/// for every object cost more than the object's request). Nothing for another kind, or an
/// object listed without its spec ([`Mode::Resumed`]).
pub(crate) fn keep_resumed(
    kind: &dyn Kind,
    ctx: &Ctx,
    obj: &mut SourceObject,
) -> Result<(), EngineError> {
    let Some(hook) = kind.cutover() else {
        return Ok(());
    };
    if obj.mode == Mode::Resumed {
        return Ok(());
    }
    let resumed = ctx.cache.cutover_resumed(&ctx.run_dir)?;
    let Some(parts) = resumed
        .get(kind.name())
        .and_then(|of_kind| of_kind.get(&obj.source_id))
    else {
        return Ok(());
    };
    let mut spec = obj.spec();
    hook.mark_resumed(&mut spec, parts);
    obj.set_spec(&spec);
    Ok(())
}
