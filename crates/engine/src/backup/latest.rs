//! `backups/latest.json`: for each kind, its newest backup file and the SHA-256 of its
//! listing. A run whose listing of a kind hashes the same as the newest backup of that kind
//! writes no new copy (five runs over an unchanged workspace keep one file per kind, not
//! five): the index names the file that still holds that listing. A changed listing gets a
//! new file, and the index points at it; older files stay, in the seed's format, as the
//! record of the source as it was.
//!
//! The hash is of the source workspace and the set of objects (each one's JSON hashed, the
//! hashes sorted): a listing in another order is the same listing. The index is
//! `{"<kind>": {"file", "sha256", "count", "timestamp"}}`, replaced atomically
//! and fsynced like the backups it points at. Kinds finish their listings at the same time,
//! so every read-modify-write of it holds one lock.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::{io_err, write_atomically};
use crate::EngineError;

/// The index's file name, in `backups/`.
pub const INDEX: &str = "latest.json";

/// Held across every read-modify-write of an index (kinds finish listing concurrently).
static LOCK: Mutex<()> = Mutex::new(());

/// One kind's newest backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Latest {
    /// The file's name, in `backups/`.
    pub file: String,
    /// The hex SHA-256 of the listing (the source workspace and every object, in order; not
    /// the timestamp).
    pub sha256: String,
    /// How many objects it holds.
    pub count: usize,
    /// When it was written (RFC 3339, as in the file).
    pub timestamp: String,
}

/// The index of `dir` (a `backups/` directory): empty when absent or unreadable (an index
/// that cannot be read only costs a new copy).
pub fn read_index(dir: &Path) -> BTreeMap<String, Latest> {
    std::fs::read(dir.join(INDEX))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// What to do with a finished listing of `object_type` whose temporary file is `tmp`: when
/// the newest backup of the kind holds the same listing (and is still there), `tmp` is
/// removed and that file's path returned; else `keep` puts `tmp` in place at its path,
/// the index is updated and that path returned.
pub(super) fn settle(
    path: &Path,
    tmp: &Path,
    object_type: &str,
    latest: Latest,
    keep: impl FnOnce() -> Result<(), EngineError>,
) -> Result<PathBuf, EngineError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let _held = LOCK.lock().unwrap_or_else(|p| p.into_inner());
    let mut index = read_index(dir);
    if let Some(old) = index.get(object_type)
        && old.sha256 == latest.sha256
        && dir.join(&old.file).is_file()
    {
        std::fs::remove_file(tmp).map_err(|e| io_err(tmp, e))?;
        return Ok(dir.join(&old.file));
    }
    keep()?;
    index.insert(object_type.to_string(), latest);
    let bytes = serde_json::to_vec_pretty(&index).map_err(|e| io_err(&dir.join(INDEX), e))?;
    write_atomically(&dir.join(INDEX), &bytes, true)?;
    Ok(path.to_path_buf())
}
