//! The cut-over half of the kind contract ([`super::Kind::cutover`]): for kinds whose objects
//! are migrated *held back* — created in the target with the parts that would make them run
//! on their own switched off (a job's schedule, trigger and continuous mode PAUSED; next a
//! dashboard's schedules, an alert, a continuous pipeline) — so the two workspaces do not both
//! run them before the go-live.
//!
//! The kind says what its parts are and how to switch them; `crate::cutover` does the rest for
//! every such kind alike: which objects of the ledger to touch, switching on in the target
//! exactly the parts that are on in the source now, `--pause-source`, the cut-over record that
//! makes it idempotent, and the report. A later `migrate`, `verify` and the listing then keep
//! what was switched on ([`CutOver::mark_resumed`]).

use brickport_api::WorkspaceClient;
use serde_json::Value;

use super::KindFuture;

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
