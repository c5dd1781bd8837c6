//! [`Progress`]: how the engine tells its caller what it is doing. The cli implements it with
//! progress bars; the engine itself never touches the terminal.

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
}

/// A [`Progress`] that ignores everything (tests, `--quiet`).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn kind_started(&self, _: &'static str, _: usize) {}
    fn object_finished(&self, _: &ObjectReport) {}
    fn kind_finished(&self, _: &KindSummary) {}
}
