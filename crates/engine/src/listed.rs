//! A listed-whole kind's objects between its listing and their processing.
//!
//! Every kind is listed at once at the start of a run, and a kind's objects then wait for
//! what they reference: at `scale:100000` the users, groups, jobs, clusters and their
//! permissions (~130,000 objects, a job's spec a few KB) held half the run's peak memory
//! while waiting. Past `listed_in_memory` objects (1,000 by default) a kind's objects go to an unnamed owner-only
//! temporary file instead, one JSON line each, and are read back one at a time when their
//! turn comes; memory keeps one offset per object. Small kinds (all of a `typical`
//! workspace) stay in memory: no file, no read-back.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::EngineError;
use crate::kinds::SourceObject;
use crate::tmpfile::{At, io_err, private_tmp};

/// What the file holds, for error messages.
const LABEL: &str = "a kind's listed objects";

/// A kind's listed objects, in listing order (see the module's doc).
pub(crate) struct Listed {
    /// Where a file goes when one is needed (the run directory, or the system's temporary
    /// directory for a plan).
    dir: PathBuf,
    /// The objects while at most `in_memory`.
    memory: Vec<SourceObject>,
    in_memory: usize,
    /// Once spilled: the file, and where each object's line starts (plus its end).
    disk: Option<Disk>,
}

struct Disk {
    out: BufWriter<File>,
    /// `starts[i]..starts[i + 1]` is object `i`'s line.
    starts: Vec<u64>,
}

impl Listed {
    /// No object yet; past `in_memory` objects they go to a file in `dir`.
    pub(crate) fn new(dir: &Path, in_memory: usize) -> Listed {
        Listed {
            dir: dir.to_path_buf(),
            memory: Vec::new(),
            in_memory,
            disk: None,
        }
    }

    /// Objects held in memory only, whatever their number (tests, small callers).
    #[cfg(test)]
    pub(crate) fn in_memory(objs: Vec<SourceObject>) -> Listed {
        Listed {
            dir: std::env::temp_dir(),
            in_memory: objs.len(),
            memory: objs,
            disk: None,
        }
    }

    /// How many objects.
    pub(crate) fn len(&self) -> usize {
        match &self.disk {
            Some(d) => d.starts.len() - 1,
            None => self.memory.len(),
        }
    }

    /// Appends one object (its `raw` is not kept: it has gone to the backup).
    pub(crate) fn push(&mut self, o: SourceObject) -> Result<(), EngineError> {
        if self.disk.is_none() {
            if self.memory.len() < self.in_memory {
                self.memory.push(o);
                return Ok(());
            }
            let file = private_tmp(&self.dir, LABEL)?;
            self.disk = Some(Disk {
                out: BufWriter::with_capacity(64 * 1024, file),
                starts: vec![0],
            });
            for held in std::mem::take(&mut self.memory) {
                self.write(&held)?;
            }
        }
        self.write(&o)
    }

    fn write(&mut self, o: &SourceObject) -> Result<(), EngineError> {
        let Some(d) = &mut self.disk else {
            return Ok(());
        };
        let line =
            serde_json::to_vec(o).map_err(|e| io_err(&self.dir, LABEL, "cannot write it", e))?;
        d.out
            .write_all(&line)
            .map_err(|e| io_err(&self.dir, LABEL, "cannot write to it", e))?;
        let end = d.starts.last().copied().unwrap_or(0) + line.len() as u64;
        d.starts.push(end);
        Ok(())
    }

    /// Done listing: what is buffered goes to the file, so [`Listed::get`] can read it.
    pub(crate) fn seal(&mut self) -> Result<(), EngineError> {
        if let Some(d) = &mut self.disk {
            d.out
                .flush()
                .map_err(|e| io_err(&self.dir, LABEL, "cannot write to it", e))?;
        }
        Ok(())
    }

    /// Object `i` (after [`Listed::seal`]): borrowed while in memory, read back from the file
    /// once spilled.
    pub(crate) fn get(&self, i: usize) -> Result<Cow<'_, SourceObject>, EngineError> {
        let Some(d) = &self.disk else {
            return self
                .memory
                .get(i)
                .map(Cow::Borrowed)
                .ok_or_else(|| io_err(&self.dir, LABEL, "no such object", no_such(i)));
        };
        let (Some(&start), Some(&end)) = (d.starts.get(i), d.starts.get(i + 1)) else {
            return Err(io_err(&self.dir, LABEL, "no such object", no_such(i)));
        };
        let len = usize::try_from(end - start).map_err(|e| {
            io_err(
                &self.dir,
                LABEL,
                "cannot read it back",
                std::io::Error::other(e),
            )
        })?;
        let mut line = vec![0; len];
        At {
            file: d.out.get_ref(),
            pos: start,
        }
        .read_exact(&mut line)
        .map_err(|e| io_err(&self.dir, LABEL, "cannot read it back", e))?;
        serde_json::from_slice(&line)
            .map(Cow::Owned)
            .map_err(|e| io_err(&self.dir, LABEL, "unreadable line", e))
    }

    /// Every object in order, read back one at a time.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Result<Cow<'_, SourceObject>, EngineError>> {
        (0..self.len()).map(|i| self.get(i))
    }
}

/// The error of an index past the objects listed.
fn no_such(i: usize) -> std::io::Error {
    std::io::Error::other(i.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::Mode;
    use serde_json::json;

    fn obj(i: usize) -> SourceObject {
        let mut o = SourceObject::new(
            i.to_string(),
            format!("job \"{i}\"\n"),
            json!({"raw": "gone to the backup"}),
            json!({"name": format!("n{i}"), "tasks": [{"task_key": "a"}]}),
        );
        if i.is_multiple_of(3) {
            o.mode = Mode::Skip(crate::ledger::SkipReason::PermissionsUnreadable(format!(
                "reason {i}"
            )));
        }
        o.dropped = vec![format!("d{i}")];
        o.manual = vec![crate::ledger::Action::new(
            crate::ledger::Category::Other,
            "do this",
        )];
        o
    }

    fn same(a: &SourceObject, b: &SourceObject) {
        assert_eq!(a.source_id, b.source_id);
        assert_eq!(a.key, b.key);
        assert_eq!(a.spec(), b.spec());
        assert_eq!(a.mode, b.mode);
        assert_eq!(a.dropped, b.dropped);
        assert_eq!(a.manual, b.manual);
    }

    #[test]
    fn a_few_objects_stay_in_memory_and_read_back_borrowed() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = Listed::new(dir.path(), 10);
        for i in 0..10 {
            l.push(obj(i)).unwrap();
        }
        l.seal().unwrap();
        assert_eq!(l.len(), 10);
        assert!(l.disk.is_none());
        for (i, o) in l.iter().enumerate() {
            let o = o.unwrap();
            assert!(matches!(o, Cow::Borrowed(_)));
            same(&o, &obj(i));
        }
        assert!(l.get(10).is_err());
    }

    #[test]
    fn many_objects_go_to_a_private_file_and_read_back_equal_in_any_order() {
        let dir = tempfile::tempdir().unwrap();
        const IN_MEMORY: usize = 100;
        let mut l = Listed::new(dir.path(), IN_MEMORY);
        let n = IN_MEMORY + 50;
        for i in 0..n {
            l.push(obj(i)).unwrap();
        }
        l.seal().unwrap();
        assert_eq!(l.len(), n);
        assert!(l.memory.is_empty(), "spilled objects left in memory");
        // Unnamed: nothing visible in the directory.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        for i in [n - 1, 0, IN_MEMORY, 7, IN_MEMORY - 1] {
            let o = l.get(i).unwrap();
            assert!(matches!(o, Cow::Owned(_)));
            same(&o, &obj(i));
            // The backup has the raw object; the file does not.
            assert_eq!(o.raw, serde_json::Value::Null);
        }
        assert_eq!(l.iter().filter(|o| o.is_ok()).count(), n);
        assert!(l.get(n).is_err());
    }
}
