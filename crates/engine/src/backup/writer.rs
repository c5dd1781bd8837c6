//! A backup file written object by object as its kind is listed: the seed's format (`count`
//! comes last, which JSON readers do not mind), fsynced, then renamed into place, so the file
//! is either complete or absent.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::latest::{Latest, settle};
use super::{backup_path, io_err, open_private_tmp, sync_dir};
use crate::EngineError;

/// An open backup file of one kind.
pub struct BackupWriter {
    path: PathBuf,
    tmp: PathBuf,
    out: BufWriter<std::fs::File>,
    count: usize,
    object_type: String,
    timestamp: String,
    /// The source workspace's hash, then each object's canonical hash (keys sorted), sorted
    /// at the end into the listing's: whether it is a copy of the kind's newest backup (see
    /// [`super::latest`]). Neither the listing's order nor an object's key order is the
    /// source's content (a walk of the workspace tree lists folders in the order their
    /// parents answered). 64 bytes an object.
    hashes: Vec<String>,
}

impl BackupWriter {
    /// Starts `backups/backup_<object_type>_<timestamp>.json` in `run_dir`.
    pub fn create(
        run_dir: &std::path::Path,
        object_type: &str,
        source_workspace: &str,
        timestamp: chrono::DateTime<chrono::Utc>,
    ) -> Result<Self, EngineError> {
        let path = backup_path(run_dir, object_type, timestamp)?;
        let (file, tmp) = open_private_tmp(&path)?;
        let stamp = timestamp.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let source = hex::encode(Sha256::digest(source_workspace.as_bytes()));
        let mut w = BackupWriter {
            path,
            tmp,
            out: BufWriter::new(file),
            count: 0,
            object_type: object_type.to_string(),
            timestamp: stamp.clone(),
            hashes: vec![source],
        };
        let head = |v: &str| serde_json::to_string(v).unwrap_or_default();
        let text = format!(
            "{{\n  \"timestamp\": {},\n  \"source_workspace\": {},\n  \"object_type\": {},\n  \"objects\": [",
            head(&stamp),
            head(source_workspace),
            head(object_type),
        );
        w.write(text.as_bytes())?;
        Ok(w)
    }

    fn write(&mut self, bytes: &[u8]) -> Result<(), EngineError> {
        self.out.write_all(bytes).map_err(|e| io_err(&self.tmp, e))
    }

    /// Appends one object.
    pub fn push(&mut self, object: &Value) -> Result<(), EngineError> {
        let sep: &[u8] = if self.count == 0 {
            b"\n    "
        } else {
            b",\n    "
        };
        self.write(sep)?;
        let json = serde_json::to_vec(object).map_err(|e| io_err(&self.tmp, e))?;
        self.write(&json)?;
        self.hashes.push(crate::json::content_hash(object));
        self.count += 1;
        Ok(())
    }

    /// Completes the file, makes it durable and puts it in place; returns its path — or,
    /// when the kind's newest backup holds the same listing, drops it and returns that
    /// file's path (see [`super::latest`]).
    pub fn finish(mut self) -> Result<PathBuf, EngineError> {
        let tail = format!("\n  ],\n  \"count\": {}\n}}\n", self.count);
        self.write(tail.as_bytes())?;
        let file = self
            .out
            .into_inner()
            .map_err(|e| io_err(&self.tmp, e.into_error()))?;
        let latest = Latest {
            file: self
                .path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned(),
            sha256: {
                // The source's first, then the objects' in order of their hashes.
                self.hashes[1..].sort_unstable();
                let mut h = Sha256::new();
                for x in &self.hashes {
                    h.update(x.as_bytes());
                }
                hex::encode(h.finalize())
            },
            count: self.count,
            timestamp: self.timestamp,
        };
        let (path, tmp) = (self.path, self.tmp);
        settle(&path, &tmp, &self.object_type, latest, || {
            file.sync_all().map_err(|e| io_err(&tmp, e))?;
            drop(file);
            std::fs::rename(&tmp, &path).map_err(|e| io_err(&path, e))?;
            match path.parent() {
                Some(dir) => sync_dir(dir),
                None => Ok(()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_the_seed_format_and_only_when_finished() {
        let root = tempfile::tempdir().unwrap();
        let run = root.path().join("run");
        super::super::ensure_private_dir(&run).unwrap();
        let t = chrono::Utc::now();
        let mut w = BackupWriter::create(&run, "notebooks", "https://src", t).unwrap();
        w.push(&json!({"path": "/a", "n": 1})).unwrap();
        w.push(&json!({"path": "/b \"q\""})).unwrap();
        let dir = run.join("backups");
        let visible: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| !n.starts_with('.'))
            .collect();
        assert!(
            visible.is_empty(),
            "no backup before it is complete: {visible:?}"
        );
        let path = w.finish().unwrap();

        let streamed: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(
            streamed,
            json!({
                "timestamp": t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "source_workspace": "https://src",
                "object_type": "notebooks",
                "count": 2,
                "objects": [{"path": "/a", "n": 1}, {"path": "/b \"q\""}],
            })
        );
        assert_eq!(streamed["count"], 2);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }

        // No object at all: still a valid, empty backup.
        let empty = BackupWriter::create(&run, "files", "https://src", t)
            .unwrap()
            .finish()
            .unwrap();
        let empty: Value = serde_json::from_slice(&std::fs::read(&empty).unwrap()).unwrap();
        assert_eq!(empty["objects"], json!([]));
        assert_eq!(empty["count"], 0);
    }

    #[test]
    fn an_unchanged_listing_is_not_copied_again_and_the_index_names_the_newest() {
        let root = tempfile::tempdir().unwrap();
        let run = root.path().join("run");
        super::super::ensure_private_dir(&run).unwrap();
        let write = |objs: &[Value], t: chrono::DateTime<chrono::Utc>| {
            let mut w = BackupWriter::create(&run, "jobs", "https://src", t).unwrap();
            for o in objs {
                w.push(o).unwrap();
            }
            w.finish().unwrap()
        };
        let t0 = chrono::Utc::now();
        let first = write(&[json!({"job_id": 1})], t0);
        let again = write(&[json!({"job_id": 1})], t0 + chrono::Duration::seconds(5));
        assert_eq!(
            first, again,
            "an unchanged listing points at the file it equals"
        );
        let files = |dir: &std::path::Path| -> Vec<String> {
            let mut v: Vec<String> = std::fs::read_dir(dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
                .collect();
            v.sort();
            v
        };
        let dir = run.join("backups");
        assert_eq!(files(&dir).len(), 2, "{:?}", files(&dir));
        let changed = write(
            &[json!({"job_id": 1}), json!({"job_id": 2})],
            t0 + chrono::Duration::seconds(10),
        );
        assert_ne!(changed, first);
        assert_eq!(files(&dir).len(), 3, "{:?}", files(&dir));
        let index = super::super::latest::read_index(&dir);
        let name = changed.file_name().unwrap().to_string_lossy();
        assert_eq!(index["jobs"].file, name);
        assert_eq!(index["jobs"].count, 2);
        // The newest file is still in the seed's format.
        let v: Value = serde_json::from_slice(&std::fs::read(&changed).unwrap()).unwrap();
        assert_eq!(v["count"], 2);
        assert_eq!(v["object_type"], "jobs");
    }

    #[test]
    fn neither_the_objects_order_nor_their_keys_order_makes_a_listing_new() {
        let root = tempfile::tempdir().unwrap();
        let run = root.path().join("run");
        super::super::ensure_private_dir(&run).unwrap();
        let t = chrono::Utc::now();
        let write = |objs: &[Value], t: chrono::DateTime<chrono::Utc>| {
            let mut w = BackupWriter::create(&run, "notebooks", "https://src", t).unwrap();
            for o in objs {
                w.push(o).unwrap();
            }
            w.finish().unwrap()
        };
        let a = write(
            &[json!({"path": "/a", "n": 1}), json!({"n": 2, "path": "/b"})],
            t,
        );
        let later = t + chrono::Duration::seconds(1);
        let b = write(
            &[json!({"path": "/b", "n": 2}), json!({"n": 1, "path": "/a"})],
            later,
        );
        assert_eq!(a, b);
    }
}
