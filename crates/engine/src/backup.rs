//! Backups of the source, written before the target is touched, in the seed's format:
//! `backups/backup_<type>_<timestamp>.json` = `{timestamp, source_workspace, object_type,
//! count, objects}`. Files are owner-only (0600) in an owner-only run directory (0700): they
//! hold the source's configuration. Secret values are never in them (kinds never list one).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use crate::EngineError;

fn io_err(path: &Path, e: impl std::fmt::Display) -> EngineError {
    EngineError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Creates `dir` (and its parents) when missing and makes it owner-only (0700).
pub fn ensure_private_dir(dir: &Path) -> Result<(), EngineError> {
    std::fs::create_dir_all(dir).map_err(|e| {
        io_err(
            dir,
            format!("cannot create the directory ({e}); choose another --run-dir"),
        )
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| io_err(dir, format!("cannot make the directory owner-only ({e})")))?;
    }
    Ok(())
}

/// Writes a file readable by its owner only (0600), replacing it atomically.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), EngineError> {
    let tmp = path.with_extension("tmp");
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).map_err(|e| io_err(&tmp, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // `mode` only applies to new files; an old tmp file keeps its mode otherwise.
            f.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|e| io_err(&tmp, e))?;
        }
        f.write_all(bytes).map_err(|e| io_err(&tmp, e))?;
        f.sync_all().map_err(|e| io_err(&tmp, e))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| io_err(path, e))
}

/// Writes one backup file; returns its path.
pub fn write_backup(
    run_dir: &Path,
    object_type: &str,
    source_workspace: &str,
    timestamp: chrono::DateTime<chrono::Utc>,
    objects: Vec<Value>,
) -> Result<PathBuf, EngineError> {
    let dir = run_dir.join("backups");
    ensure_private_dir(&dir)?;
    let stamp = timestamp.format("%Y%m%dT%H%M%S%.3fZ");
    let path = dir.join(format!("backup_{object_type}_{stamp}.json"));
    let doc = json!({
        "timestamp": timestamp.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "source_workspace": source_workspace,
        "object_type": object_type,
        "count": objects.len(),
        "objects": objects,
    });
    let bytes = serde_json::to_vec_pretty(&doc).map_err(|e| io_err(&path, e))?;
    write_private(&path, &bytes)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backup_has_seed_format_and_owner_only_modes() {
        let root = tempfile::tempdir().unwrap();
        let run = root.path().join("run");
        ensure_private_dir(&run).unwrap();
        let t = chrono::Utc::now();
        let p = write_backup(
            &run,
            "cluster_policies",
            "https://src",
            t,
            vec![json!({"name": "p"})],
        )
        .unwrap();
        let doc: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        assert_eq!(doc["object_type"], "cluster_policies");
        assert_eq!(doc["count"], 1);
        assert_eq!(doc["source_workspace"], "https://src");
        assert!(doc["timestamp"].as_str().unwrap().ends_with('Z'));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&p), 0o600);
            assert_eq!(mode(&run), 0o700);
            assert_eq!(mode(&run.join("backups")), 0o700);
        }
    }
}
