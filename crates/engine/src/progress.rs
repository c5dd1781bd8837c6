//! [`Progress`]: how the engine tells its caller what it is doing. The cli implements it with
//! progress bars; the engine itself never touches the terminal.
//!
//! `migrate` and `plan` call every method; `verify` calls `run_started`, `kind_started`,
//! `object_listed`, `kind_listed`, then `object_verified` per object and `kind_verified`.

use std::time::{Duration, SystemTime};

use crate::report::{KindSummary, ObjectReport};

/// Callbacks during `migrate`. Called from several tasks at once, hence `Sync`; keep them quick.
pub trait Progress: Send + Sync {
    /// Backups are written and the run begins: the kinds it will process, in table order.
    fn run_started(&self, kinds: &[&'static str]) {
        let _ = kinds;
    }
    /// A kind starts; `total` objects were listed in the source (0 for a kind migrated while
    /// it is listed, [`crate::kinds::Kind::streamed`]: its count comes with `kind_listed`).
    fn kind_started(&self, kind: &'static str, total: usize);
    /// The kind is listed whole: `total` objects in the source. For most kinds, right after
    /// `kind_started`; for a streamed kind, when its listing ends.
    fn kind_listed(&self, kind: &'static str, total: usize) {
        let _ = (kind, total);
    }
    /// One more object of `kind` came out of the source's listing (before `kind_started` for a
    /// kind listed whole, after it for a streamed kind): what is known to be listed so far,
    /// while listings go on.
    fn object_listed(&self, kind: &'static str) {
        let _ = kind;
    }
    /// One object is done (whatever its outcome).
    fn object_finished(&self, report: &ObjectReport);
    /// A kind is done.
    fn kind_finished(&self, summary: &KindSummary);
    /// The `side` workspace (`source` or `target`) stopped answering at `since`: its
    /// requests wait, a probe goes out every `every` at most (nothing fails for it).
    fn workspace_unreachable(&self, side: &'static str, since: SystemTime, every: Duration) {
        let _ = (side, since, every);
    }
    /// The `side` workspace answers again, after `down` without answering.
    fn workspace_answering(&self, side: &'static str, down: Duration) {
        let _ = (side, down);
    }
    /// `verify`: one object of `kind` compared (or skipped); `equal` when nothing differs.
    fn object_verified(&self, kind: &'static str, equal: bool) {
        let _ = (kind, equal);
    }
    /// `verify`: a kind compared whole: `compared` objects, `differing` of them (or gone from
    /// the source) differ.
    fn kind_verified(&self, kind: &'static str, compared: usize, differing: usize) {
        let _ = (kind, compared, differing);
    }
}

/// A [`Progress`] that ignores everything (tests, `--quiet`).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn kind_started(&self, _: &'static str, _: usize) {}
    fn object_finished(&self, _: &ObjectReport) {}
    fn kind_finished(&self, _: &KindSummary) {}
}
