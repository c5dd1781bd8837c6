//! Writing a report out: its `Serialize` (the `objects` array read back from disk while it is
//! serialized, so `report.json` and the cli's JSON are streamed), and the report's files.

use std::io::{BufWriter, Write};
use std::path::Path;

use serde::ser::{Error as _, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};

use super::html::FromLedger;
use super::{ObjectLog, RunReport};
use crate::EngineError;
use crate::backup::{io_err, open_private_tmp};

impl RunReport {
    /// Writes `report.json`, `report.md` and `report.html` into `dir` (owner-only),
    /// streaming the objects from disk; each file replaced atomically. The page also shows
    /// what the ledger of `dir` knows (the completion dashboard, the runs), when it has one.
    pub fn write(&self, dir: &Path) -> Result<(), EngineError> {
        write_private_streamed(&dir.join("report.json"), |w| {
            serde_json::to_writer_pretty(w, self).map_err(std::io::Error::from)
        })?;
        write_private_streamed(&dir.join("report.md"), |w| self.write_markdown(w))?;
        let ledger = FromLedger::read(dir);
        write_private_streamed(&dir.join("report.html"), |w| self.write_html(w, &ledger))
    }
}

impl Serialize for RunReport {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("RunReport", 11)?;
        m.serialize_field("source", &self.source)?;
        m.serialize_field("target", &self.target)?;
        m.serialize_field("started_at", &self.started_at)?;
        m.serialize_field("finished_at", &self.finished_at)?;
        m.serialize_field("dry_run", &self.dry_run)?;
        m.serialize_field("kinds", &self.kinds)?;
        m.serialize_field("objects", &AllObjects(&self.log))?;
        m.serialize_field("missing_dependencies", &self.missing_dependencies)?;
        m.serialize_field("manual_actions", &self.manual_actions)?;
        m.serialize_field("backups", &self.backups)?;
        m.serialize_field("aborted", &self.aborted)?;
        if self.history.is_empty() {
            m.skip_field("history")?;
        } else {
            m.serialize_field("history", &self.history)?;
        }
        m.end()
    }
}

/// The `objects` array, read back from disk while it is serialized.
struct AllObjects<'a>(&'a ObjectLog);

impl Serialize for AllObjects<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for o in self.0.iter() {
            seq.serialize_element(&o.map_err(S::Error::custom)?)?;
        }
        seq.end()
    }
}

/// Writes `path` (owner-only, 0600) through `write`, buffered, via a temporary file renamed
/// over it. Like [`crate::backup::write_private`] (not fsynced), without the whole file in
/// memory.
fn write_private_streamed(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), EngineError> {
    let (file, tmp) = open_private_tmp(path)?;
    let mut out = BufWriter::with_capacity(64 * 1024, file);
    write(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| io_err(&tmp, e))?;
    drop(out);
    std::fs::rename(&tmp, path).map_err(|e| io_err(path, e))
}
