//! Backups of the source, written before the target is touched, in the seed's format:
//! `backups/backup_<type>_<timestamp>.json` = `{timestamp, source_workspace, object_type,
//! count, objects}`; a listing equal to the kind's newest backup is not copied again, and
//! `backups/latest.json` names each kind's newest file (see [`latest`]). Files are owner-only (0600) in an owner-only run directory (0700): they
//! hold the source's configuration. Secret values are never in them (kinds never list one).
//!
//! Durability, and why it differs by file:
//! - A listing backup (one file per kind) is fsynced, file and directory: it is the record
//!   of the source as it was before the migration, and must survive even a machine crash
//!   during the migration that follows. A dozen fsyncs per run. Every kind is written object
//!   by object as it is listed ([`BackupWriter`], so a large workspace's listing is never all
//!   in memory), and the file appears, complete, when the listing ends: before any object of
//!   the kind is written to the target, or, for the kinds migrated while listed (folders,
//!   notebooks, their permissions), as their listing ends.
//! - Every other file ([`write_private`]: notebook and file content copies, one per object,
//!   and reports) is replaced atomically (temporary file, then rename) but not fsynced one
//!   by one: once `write` returns the kernel holds the data, so a killed brickport loses
//!   nothing, and the source still holds what a copy copies. [`sync_written`] makes them
//!   durable in one batch; [`crate::Ledger::finish_run`] calls it, so a run recorded as
//!   finished has its files on disk. A machine crash during a run can lose the newest
//!   copies (the ledger may lose its last records too, see [`crate::ledger`]).
//! - Directories are created and made owner-only once: [`ensure_private_dir`] only reads
//!   the mode of a directory that is already private (a `chmod` per notebook dirtied the
//!   inode every time).

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::Value;

use crate::EngineError;

pub mod latest;
mod writer;
pub use writer::BackupWriter;

/// Files written by [`write_private`] and not yet fsynced, for [`sync_written`].
static UNSYNCED: Mutex<BTreeSet<PathBuf>> = Mutex::new(BTreeSet::new());

/// An error of the file or directory `path`: the system's error, as it is.
pub(crate) fn io_err(path: &Path, e: impl Into<std::io::Error>) -> EngineError {
    let e = e.into();
    io_err_doing(path, e.to_string(), e)
}

/// An error of `path` while doing something: `message` says what (and the cause, in words).
fn io_err_doing(path: &Path, message: String, e: std::io::Error) -> EngineError {
    EngineError::Io {
        path: path.to_path_buf(),
        message,
        source: Some(e),
    }
}

/// Whether `dir` is already a directory only its owner can use (0700).
fn is_private_dir(dir: &Path) -> bool {
    let Ok(m) = std::fs::symlink_metadata(dir) else {
        return false;
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        m.is_dir() && m.permissions().mode() & 0o777 == 0o700
    }
    #[cfg(not(unix))]
    m.is_dir()
}

/// Creates `dir` (and its parents) when missing and makes it owner-only (0700).
pub fn ensure_private_dir(dir: &Path) -> Result<(), EngineError> {
    if is_private_dir(dir) {
        return Ok(());
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        io_err_doing(
            dir,
            format!("cannot create the directory ({e}); choose another --run-dir"),
            e,
        )
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|e| {
            io_err_doing(
                dir,
                format!("cannot make the directory owner-only ({e})"),
                e,
            )
        })?;
    }
    Ok(())
}

/// Writes a file readable by its owner only (0600), replacing it atomically. Not fsynced
/// here: see the module doc and [`sync_written`].
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), EngineError> {
    write_atomically(path, bytes, false)?;
    UNSYNCED
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(path.to_path_buf());
    Ok(())
}

/// Writes `path` through a temporary file renamed over it; with `sync`, fsyncs the file
/// before the rename and its directory after.
fn write_atomically(path: &Path, bytes: &[u8], sync: bool) -> Result<(), EngineError> {
    // Beside the file, named after its whole name: `a.py` and `a.sql` written at once must
    // not share one temporary file.
    let (mut f, tmp) = open_private_tmp(path)?;
    f.write_all(bytes).map_err(|e| io_err(&tmp, e))?;
    if sync {
        f.sync_all().map_err(|e| io_err(&tmp, e))?;
    }
    drop(f);
    std::fs::rename(&tmp, path).map_err(|e| io_err(path, e))?;
    if sync && let Some(dir) = path.parent() {
        sync_dir(dir)?;
    }
    Ok(())
}

/// The temporary file that becomes `path` once renamed, opened for writing, owner-only.
pub(crate) fn open_private_tmp(path: &Path) -> Result<(std::fs::File, PathBuf), EngineError> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = path.with_file_name(format!(".{name}.brickport-tmp"));
    {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let f = opts.open(&tmp).map_err(|e| io_err(&tmp, e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // `mode` only applies to new files (and is narrowed by the umask): an old tmp
            // file keeps its mode. Checked first, as a chmod dirties the inode.
            let mode = f
                .metadata()
                .map_err(|e| io_err(&tmp, e))?
                .permissions()
                .mode();
            if mode & 0o777 != 0o600 {
                f.set_permissions(std::fs::Permissions::from_mode(0o600))
                    .map_err(|e| io_err(&tmp, e))?;
            }
        }
        Ok((f, tmp))
    }
}

/// Fsyncs a directory, so the names (renames) in it are on disk.
fn sync_dir(dir: &Path) -> Result<(), EngineError> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_err_doing(dir, format!("cannot flush the directory to disk ({e})"), e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Makes every file [`write_private`] wrote under `root` (and not synced since) durable:
/// fsyncs each file, then each directory holding one, once. Files since replaced or removed
/// are skipped. On an error the files not yet synced stay listed for the next call.
pub fn sync_written(root: &Path) -> Result<(), EngineError> {
    let files: Vec<PathBuf> = {
        let mut all = UNSYNCED.lock().unwrap_or_else(|p| p.into_inner());
        let mine: Vec<PathBuf> = all
            .iter()
            .filter(|p| p.starts_with(root))
            .cloned()
            .collect();
        for p in &mine {
            all.remove(p);
        }
        mine
    };
    let mut dirs = BTreeSet::new();
    for (i, f) in files.iter().enumerate() {
        let synced = match std::fs::File::open(f) {
            Ok(file) => file.sync_all(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(e) = synced {
            let mut all = UNSYNCED.lock().unwrap_or_else(|p| p.into_inner());
            all.extend(files[i..].iter().cloned());
            return Err(io_err_doing(
                f,
                format!("cannot flush the file to disk ({e})"),
                e,
            ));
        }
        if let Some(d) = f.parent() {
            dirs.insert(d.to_path_buf());
        }
    }
    for d in &dirs {
        if d.is_dir() {
            sync_dir(d)?;
        }
    }
    Ok(())
}

/// The path of a kind's backup file.
fn backup_path(
    run_dir: &Path,
    object_type: &str,
    timestamp: chrono::DateTime<chrono::Utc>,
) -> Result<PathBuf, EngineError> {
    let dir = run_dir.join("backups");
    ensure_private_dir(&dir)?;
    let stamp = timestamp.format("%Y%m%dT%H%M%S%.3fZ");
    Ok(dir.join(format!("backup_{object_type}_{stamp}.json")))
}

/// Writes one backup file of `objects` at once; returns its path.
pub fn write_backup(
    run_dir: &Path,
    object_type: &str,
    source_workspace: &str,
    timestamp: chrono::DateTime<chrono::Utc>,
    objects: Vec<Value>,
) -> Result<PathBuf, EngineError> {
    let mut w = BackupWriter::create(run_dir, object_type, source_workspace, timestamp)?;
    for o in &objects {
        w.push(o)?;
    }
    w.finish()
}

/// How many files under `root` wait for [`sync_written`] (for tests).
#[cfg(test)]
pub(crate) fn unsynced_under(root: &Path) -> usize {
    let all = UNSYNCED.lock().unwrap_or_else(|p| p.into_inner());
    all.iter().filter(|p| p.starts_with(root)).count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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

    #[cfg(unix)]
    #[test]
    fn private_files_are_owner_only_complete_and_synced_in_one_batch() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().unwrap();
        let run = root.path().join("run");
        let deep = run.join("backups/content/notebooks/a");
        ensure_private_dir(&deep).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&deep), 0o700);
        // A directory left wider than 0700 is narrowed again, not skipped.
        std::fs::set_permissions(&deep, std::fs::Permissions::from_mode(0o755)).unwrap();
        ensure_private_dir(&deep).unwrap();
        assert_eq!(mode(&deep), 0o700);

        // A stale temporary file with a wide mode does not leak its mode to the copy.
        let a = deep.join("a.py");
        let stale = deep.join(".a.py.brickport-tmp");
        std::fs::write(&stale, b"old").unwrap();
        std::fs::set_permissions(&stale, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_private(&a, b"print(1)").unwrap();
        write_private(&deep.join("a.sql"), b"select 1").unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), b"print(1)");
        assert_eq!(std::fs::read(deep.join("a.sql")).unwrap(), b"select 1");
        assert_eq!(mode(&a), 0o600);
        assert_eq!(mode(&deep.join("a.sql")), 0o600);
        assert!(
            !stale.exists(),
            "the temporary file is renamed over the copy"
        );

        // Both wait for the batch sync; a sync of another root leaves them listed.
        assert_eq!(unsynced_under(&run), 2);
        sync_written(&root.path().join("elsewhere")).unwrap();
        assert_eq!(unsynced_under(&run), 2);
        std::fs::remove_file(deep.join("a.sql")).unwrap();
        sync_written(&run).unwrap();
        assert_eq!(unsynced_under(&run), 0);
    }
}
