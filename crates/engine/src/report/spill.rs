//! Spilling: each object's report appended to an unnamed file as it finishes, then the
//! file rewritten in the report's order at the end of the run (see [`super::log`]).

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Deserialize;

use super::log::{At, ObjectLog, io_err, private_tmp};
use super::{ObjectReport, Outcome};
use crate::EngineError;

/// Whether an object is one the summaries list (kept in memory): one that needs attention,
/// or one with values translated (the report's "Translations").
pub(crate) fn is_notable(o: &ObjectReport) -> bool {
    needs_attention(o) || !o.translated.is_empty()
}

/// Failed, in conflict, skipped, or with dropped attributes.
pub(crate) fn needs_attention(o: &ObjectReport) -> bool {
    !matches!(
        o.outcome,
        Outcome::Unchanged | Outcome::Created | Outcome::Updated | Outcome::Adopted
    ) || !o.dropped.is_empty()
}

/// Whether an object is unchanged and was not read from the target.
fn is_not_reread(o: &ObjectReport) -> bool {
    o.outcome == Outcome::Unchanged && o.note == Some(crate::ledger::Note::NotReread)
}

/// A spilled line: the object's report, with its note (which the report's files leave out).
#[derive(serde::Serialize)]
struct Line<'a> {
    #[serde(flatten)]
    report: &'a ObjectReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<crate::ledger::Note>,
    #[serde(skip_serializing_if = "Option::is_none")]
    source_hash: Option<&'a str>,
}

/// Receives every object's report as it finishes (objects of several kinds finish at once:
/// hence the lock; it is never held across an await).
pub(crate) struct Spill {
    dir: PathBuf,
    state: Mutex<State>,
}

struct State {
    out: BufWriter<File>,
    count: usize,
    /// The keys' bytes, all objects together: the sort's key arena is sized once (grown by
    /// doubling, it held up to twice the keys, copied, at the end of a big run).
    key_bytes: usize,
    notable: Vec<ObjectReport>,
    not_reread: usize,
    /// The first write error: reported by [`Spill::finish`] (a report missing objects is
    /// not a report).
    error: Option<EngineError>,
}

/// The start of a spilled line: what the order needs.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    key: Cow<'a, str>,
}

/// One line of the sorted index: the object's kind (its place in the order), where its key is
/// in the key arena, where its line is in the spill file.
struct Entry {
    offset: u64,
    key_start: u32,
    key_len: u32,
    len: u32,
    kind: u16,
}

impl Spill {
    /// A spill file in `dir` (the run directory), or in the system's temporary directory.
    pub(crate) fn create(dir: Option<&Path>) -> Result<Spill, EngineError> {
        let dir = dir.map_or_else(std::env::temp_dir, Path::to_path_buf);
        let file = private_tmp(&dir)?;
        Ok(Spill {
            dir,
            state: Mutex::new(State {
                out: BufWriter::with_capacity(64 * 1024, file),
                count: 0,
                key_bytes: 0,
                notable: Vec::new(),
                not_reread: 0,
                error: None,
            }),
        })
    }

    /// Appends one finished object.
    pub(crate) fn push(&self, r: ObjectReport) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let st = &mut *st;
        if st.error.is_some() {
            return;
        }
        let line = Line {
            report: &r,
            note: r.note,
            source_hash: r.source_hash.as_deref(),
        };
        let written = serde_json::to_writer(&mut st.out, &line)
            .map_err(std::io::Error::from)
            .and_then(|()| st.out.write_all(b"\n"));
        if let Err(e) = written {
            st.error = Some(io_err(&self.dir, "cannot write to it", e));
            return;
        }
        st.count += 1;
        st.key_bytes += r.key.len();
        if is_not_reread(&r) {
            st.not_reread += 1;
        }
        if is_notable(&r) {
            st.notable.push(r);
        }
    }

    /// Puts the objects in the report's order: `kinds` in order (a kind not in it after
    /// them), objects by key inside a kind (equal keys as they finished).
    pub(crate) fn finish(self, kinds: &[&'static str]) -> Result<ObjectLog, EngineError> {
        let dir = self.dir;
        let st = self.state.into_inner().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = st.error {
            return Err(e);
        }
        let spilled = st
            .out
            .into_inner()
            .map_err(|e| io_err(&dir, "cannot write to it", e.into_error()))?;
        let place = |kind: &str| {
            let at = kinds.iter().position(|k| *k == kind).unwrap_or(kinds.len());
            u16::try_from(at).unwrap_or(u16::MAX)
        };

        // The index: one sequential read, keys in one arena.
        let mut keys: Vec<u8> = Vec::with_capacity(st.key_bytes);
        let mut index: Vec<Entry> = Vec::with_capacity(st.count);
        let mut reader = BufReader::with_capacity(
            64 * 1024,
            At {
                file: &spilled,
                pos: 0,
            },
        );
        let mut line = Vec::new();
        let mut offset = 0u64;
        let too_large = || {
            let e = std::io::Error::other("more than 4 GiB of keys or lines");
            io_err(&dir, "cannot sort it", e)
        };
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(|e| io_err(&dir, "cannot read it back", e))?;
            if n == 0 {
                break;
            }
            let head: Head =
                serde_json::from_slice(&line).map_err(|e| io_err(&dir, "unreadable line", e))?;
            index.push(Entry {
                offset,
                key_start: u32::try_from(keys.len()).map_err(|_| too_large())?,
                key_len: u32::try_from(head.key.len()).map_err(|_| too_large())?,
                len: u32::try_from(n).map_err(|_| too_large())?,
                kind: place(&head.kind),
            });
            keys.extend_from_slice(head.key.as_bytes());
            offset += n as u64;
        }
        let key = |e: &Entry| &keys[e.key_start as usize..(e.key_start + e.key_len) as usize];
        // Stable: equal keys keep their order. Bytes compare as `String`s do.
        index.sort_by(|a, b| a.kind.cmp(&b.kind).then_with(|| key(a).cmp(key(b))));
        drop(reader);

        // The sorted copy, read back sequentially from now on.
        let sorted = private_tmp(&dir)?;
        let mut out = BufWriter::with_capacity(64 * 1024, &sorted);
        for e in &index {
            line.resize(e.len as usize, 0);
            At {
                file: &spilled,
                pos: e.offset,
            }
            .read_exact(&mut line)
            .map_err(|e| io_err(&dir, "cannot read it back", e))?;
            out.write_all(&line)
                .map_err(|e| io_err(&dir, "cannot write its sorted copy", e))?;
        }
        out.flush()
            .map_err(|e| io_err(&dir, "cannot write its sorted copy", e))?;
        drop(out);

        let mut notable = st.notable;
        notable.sort_by(|a, b| {
            place(a.kind)
                .cmp(&place(b.kind))
                .then_with(|| a.key.cmp(&b.key))
        });
        Ok(ObjectLog {
            file: Some(Arc::new(sorted)),
            dir,
            len: index.len(),
            kinds: kinds.to_vec(),
            notable,
            not_reread: st.not_reread,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(kind: &'static str, key: &str, outcome: Outcome) -> ObjectReport {
        ObjectReport {
            kind,
            key: key.into(),
            source_id: format!("s-{key}"),
            target_id: Some(format!("t-{key}")),
            outcome,
            detail: None,
            note: None,
            source_hash: None,
            diffs: Vec::new(),
            dropped: Vec::new(),
            lost: Vec::new(),
            translated: Vec::new(),
            manual: Vec::new(),
            millis: 3,
        }
    }

    #[test]
    fn reads_back_every_object_in_kind_then_key_order_and_keeps_the_notable_ones() {
        let dir = tempfile::tempdir().unwrap();
        let spill = Spill::create(Some(dir.path())).unwrap();
        let mut dropped = obj("jobs", "b \"quoted\"\nline", Outcome::Created);
        dropped.dropped = vec!["x".into()];
        let mut failed = obj("users", "z@x", Outcome::Failed);
        failed.detail = Some("boom | pipe".into());
        let mut not_reread = obj("jobs", "c", Outcome::Unchanged);
        not_reread.detail = Some(crate::ledger::Note::NOT_REREAD.into());
        not_reread.note = Some(crate::ledger::Note::NotReread);
        // Finishing order, not the report's.
        for o in [
            obj("jobs", "d", Outcome::Updated),
            failed.clone(),
            dropped.clone(),
            obj("users", "a@x", Outcome::Created),
            obj("jobs", "a", Outcome::Conflict),
            not_reread.clone(),
            obj("users", "m@x", Outcome::Skipped),
        ] {
            spill.push(o);
        }
        // The directory holds no named file: the spill is unnamed.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        let log = spill.finish(&["users", "groups", "jobs"]).unwrap();
        assert_eq!(log.len(), 7);
        let back: Vec<ObjectReport> = log.iter().collect::<Result<_, _>>().unwrap();
        let order: Vec<(&str, &str)> = back.iter().map(|o| (o.kind, o.key.as_str())).collect();
        assert_eq!(
            order,
            vec![
                ("users", "a@x"),
                ("users", "m@x"),
                ("users", "z@x"),
                ("jobs", "a"),
                ("jobs", "b \"quoted\"\nline"),
                ("jobs", "c"),
                ("jobs", "d"),
            ]
        );
        // Nothing lost on the way: every field comes back.
        let f = back.iter().find(|o| o.key == "z@x").unwrap();
        assert_eq!(f.detail.as_deref(), Some("boom | pipe"));
        assert_eq!(f.source_id, "s-z@x");
        assert_eq!(f.target_id.as_deref(), Some("t-z@x"));
        assert_eq!(f.millis, 3);
        let d = back.iter().find(|o| o.key.starts_with('b')).unwrap();
        assert_eq!(d.dropped, vec!["x".to_string()]);
        // Read twice, the same.
        assert_eq!(log.iter().count(), 7);
        let notable: Vec<(&str, Outcome)> = log
            .notable
            .iter()
            .map(|o| (o.key.as_str(), o.outcome))
            .collect();
        assert_eq!(
            notable,
            vec![
                ("m@x", Outcome::Skipped),
                ("z@x", Outcome::Failed),
                ("a", Outcome::Conflict),
                ("b \"quoted\"\nline", Outcome::Created),
            ]
        );
        assert_eq!(log.not_reread, 1);
    }

    #[test]
    fn an_empty_run_has_no_object() {
        let spill = Spill::create(None).unwrap();
        let log = spill.finish(&["users"]).unwrap();
        assert_eq!((log.len(), log.iter().count()), (0, 0));
    }
}
