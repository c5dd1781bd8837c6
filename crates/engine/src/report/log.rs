//! The run's per-object reports on disk, so a large workspace's report is never all in
//! memory: each object's report is appended to a spill file as it finishes ([`Spill`]); at the
//! end of the run the file is rewritten in the report's order ([`Spill::finish`]: kinds in
//! table order, objects by key inside a kind) and read back one object at a time
//! ([`ObjectLog::iter`]) to write `report.json`, `report.md` and the cli's JSON.
//!
//! What the rest of the run needs stays in memory: the *notable* objects (failed, in conflict,
//! skipped, with dropped attributes or translated values: what the summaries list, normally few) and the count of
//! unchanged objects not re-read. The files are unnamed temporary files (owner-only, 0600):
//! in the run directory for `migrate`, in the system's temporary directory for `plan` (which
//! writes nothing in the run directory); the system removes them when the report is dropped,
//! or when the process ends however it ends.
//!
//! Sorting needs one compact index entry per object (its kind, its key, where its line is):
//! ~24 bytes plus the key's bytes, for the few moments of the rewrite; never the reports.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;

use super::{ObjectReport, Outcome};
use crate::EngineError;

/// What the file holds, for error messages.
const LABEL: &str = "the run's object reports";

/// Where an unnamed file lives, for error messages (it has no name of its own).
pub(super) fn io_err(dir: &Path, what: &str, e: impl Into<std::io::Error>) -> EngineError {
    crate::tmpfile::io_err(dir, LABEL, what, e)
}

/// An unnamed, owner-only temporary file in `dir` (the system's temporary directory if none).
pub(super) fn private_tmp(dir: &Path) -> Result<File, EngineError> {
    crate::tmpfile::private_tmp(dir, LABEL)
}

pub(super) use crate::tmpfile::At;

/// Every object's report of a finished run, in the report's order, on disk; the notable ones
/// also in memory.
#[derive(Debug, Clone, Default)]
pub(crate) struct ObjectLog {
    /// The sorted file (none: no object).
    pub(super) file: Option<Arc<File>>,
    /// Where it is, for error messages.
    pub(super) dir: PathBuf,
    pub(super) len: usize,
    /// The kinds' names, to give read-back reports their `&'static str`.
    pub(super) kinds: Vec<&'static str>,
    /// Failed, in conflict, skipped or with dropped attributes, in the report's order.
    pub(crate) notable: Vec<ObjectReport>,
    /// Unchanged and not re-read from the target.
    pub(crate) not_reread: usize,
}

/// A spilled line, read back.
#[derive(Deserialize)]
struct Stored<'a> {
    #[serde(borrow)]
    kind: Cow<'a, str>,
    key: String,
    source_id: String,
    target_id: Option<String>,
    outcome: Outcome,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    note: Option<crate::ledger::Note>,
    #[serde(default)]
    source_hash: Option<String>,
    #[serde(default)]
    diffs: Vec<String>,
    #[serde(default)]
    dropped: Vec<String>,
    #[serde(default)]
    lost: Vec<String>,
    #[serde(default)]
    translated: Vec<crate::translation::Translation>,
    #[serde(default)]
    manual: Vec<String>,
    millis: u64,
}

impl ObjectLog {
    /// How many objects.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Every object, read back one at a time, in the report's order.
    pub(crate) fn iter(&self) -> Objects<'_> {
        Objects {
            log: self,
            reader: self
                .file
                .as_deref()
                .map(|file| BufReader::with_capacity(64 * 1024, At { file, pos: 0 })),
            line: Vec::new(),
        }
    }
}

/// The objects of a run's report, read back from disk one at a time, in the report's order
/// ([`crate::RunReport::objects_iter`]). Stops after the first error.
pub struct Objects<'a> {
    log: &'a ObjectLog,
    reader: Option<BufReader<At<'a>>>,
    line: Vec<u8>,
}

impl Objects<'_> {
    fn read(&mut self) -> Result<Option<ObjectReport>, EngineError> {
        let dir = &self.log.dir;
        let Some(reader) = &mut self.reader else {
            return Ok(None);
        };
        self.line.clear();
        let n = reader
            .read_until(b'\n', &mut self.line)
            .map_err(|e| io_err(dir, "cannot read it back", e))?;
        if n == 0 {
            return Ok(None);
        }
        let s: Stored =
            serde_json::from_slice(&self.line).map_err(|e| io_err(dir, "unreadable line", e))?;
        let kind = self
            .log
            .kinds
            .iter()
            .copied()
            .find(|k| *k == s.kind)
            .ok_or_else(|| {
                io_err(
                    dir,
                    "unknown kind",
                    std::io::Error::other(s.kind.to_string()),
                )
            })?;
        Ok(Some(ObjectReport {
            kind,
            key: s.key,
            source_id: s.source_id,
            target_id: s.target_id,
            outcome: s.outcome,
            detail: s.detail,
            note: s.note,
            source_hash: s.source_hash,
            diffs: s.diffs,
            dropped: s.dropped,
            lost: s.lost,
            translated: s.translated,
            manual: s.manual,
            millis: s.millis,
        }))
    }
}

impl Iterator for Objects<'_> {
    type Item = Result<ObjectReport, EngineError>;

    fn next(&mut self) -> Option<Self::Item> {
        let next = self.read();
        if !matches!(next, Ok(Some(_))) {
            self.reader = None;
        }
        next.transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_log_has_no_object() {
        assert_eq!(ObjectLog::default().iter().count(), 0);
    }

    #[cfg(unix)]
    #[test]
    fn the_files_are_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let f = private_tmp(dir.path()).unwrap();
        assert_eq!(f.metadata().unwrap().permissions().mode() & 0o777, 0o600);
    }
}
