//! A backup file written object by object as its kind is listed: the seed's format (`count`
//! comes last, which JSON readers do not mind), fsynced, then renamed into place, so the file
//! is either complete or absent.

use std::io::{BufWriter, Write};
use std::path::PathBuf;

use serde_json::Value;

use super::{backup_path, io_err, open_private_tmp, sync_dir};
use crate::EngineError;

/// An open backup file of one kind.
pub struct BackupWriter {
    path: PathBuf,
    tmp: PathBuf,
    out: BufWriter<std::fs::File>,
    count: usize,
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
        let mut w = BackupWriter {
            path,
            tmp,
            out: BufWriter::new(file),
            count: 0,
        };
        let head = |v: &str| serde_json::to_string(v).unwrap_or_default();
        let text = format!(
            "{{\n  \"timestamp\": {},\n  \"source_workspace\": {},\n  \"object_type\": {},\n  \"objects\": [",
            head(&timestamp.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
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
        self.count += 1;
        Ok(())
    }

    /// Completes the file, makes it durable and puts it in place; returns its path.
    pub fn finish(mut self) -> Result<PathBuf, EngineError> {
        let tail = format!("\n  ],\n  \"count\": {}\n}}\n", self.count);
        self.write(tail.as_bytes())?;
        let file = self
            .out
            .into_inner()
            .map_err(|e| io_err(&self.tmp, e.into_error()))?;
        file.sync_all().map_err(|e| io_err(&self.tmp, e))?;
        drop(file);
        std::fs::rename(&self.tmp, &self.path).map_err(|e| io_err(&self.path, e))?;
        if let Some(dir) = self.path.parent() {
            sync_dir(dir)?;
        }
        Ok(self.path)
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
}
