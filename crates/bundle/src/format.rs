//! The bundle directory and its manifest, and the checks every reader runs before anything
//! else: the manifest's format and version, then each file it lists — present, of the size
//! and the SHA-256 it says. A bundle failing any check is refused whole, naming the file and
//! what is wrong, before a single request is served from it.
//!
//! ```text
//! DIR/                  0700
//!   manifest.json       0600  written last: a directory without one is an unfinished export
//!   answers.sqlite      0600  every recorded answer (see `store`)
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::BundleError;
use crate::files::{sha256_of, write_private_atomically};

/// What `format` says in every manifest.
pub const FORMAT: &str = "brickport-bundle";
/// The newest format version this brickport writes and reads.
pub const VERSION: u32 = 1;
/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";
/// The answers' file name.
pub const ANSWERS: &str = "answers.sqlite";
/// This brickport's version.
pub const BRICKPORT: &str = env!("CARGO_PKG_VERSION");
/// The most a manifest may weigh (it lists two files): a bigger one is not read into memory.
const MANIFEST_MAX_BYTES: u64 = 1 << 20;

/// `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// The format version ([`VERSION`] when written by this brickport).
    pub version: u64,
    /// The brickport version that wrote it.
    pub written_by: String,
    /// When the export finished (RFC 3339, UTC).
    pub exported_at: String,
    /// The workspace it was exported from.
    pub source: SourceInfo,
    /// What was exported (a command reading more than that finds no answer).
    pub selection: Selection,
    /// How many answers `answers.sqlite` holds.
    pub answers: u64,
    /// Every file of the bundle but the manifest, with its size and hash.
    pub files: Vec<FileEntry>,
}

/// The source workspace, as named when exported (no credentials).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SourceInfo {
    /// Its URL.
    pub host: String,
    /// The profile it was reached through, if any (names the default run directory).
    pub profile: Option<String>,
    /// Who exported it (userName or application id).
    pub caller: Option<String>,
}

/// The kinds and paths exported.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Selection {
    /// Only these kinds (empty: every kind).
    pub only: Vec<String>,
    /// Only this phase.
    pub phase: Option<u8>,
    /// The workspace paths included (empty: all).
    pub include_paths: Vec<String>,
    /// The workspace paths left out.
    pub exclude_paths: Vec<String>,
}

/// One file of the bundle.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FileEntry {
    /// Its name in the bundle directory.
    pub name: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// Its SHA-256, hex.
    pub sha256: String,
}

impl FileEntry {
    /// The entry of `dir/name` as it is on disk now.
    pub fn of(dir: &Path, name: &str) -> Result<FileEntry, BundleError> {
        let (bytes, sha256) = sha256_of(&dir.join(name))?;
        Ok(FileEntry {
            name: name.to_string(),
            bytes,
            sha256,
        })
    }
}

/// Writes `manifest` into `dir` (last, atomically).
pub fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<(), BundleError> {
    let path = dir.join(MANIFEST);
    let mut text = serde_json::to_vec_pretty(manifest).map_err(|e| BundleError::Io {
        path: path.clone(),
        message: format!("cannot encode the manifest: {e}"),
    })?;
    text.push(b'\n');
    write_private_atomically(&path, &text)
}

/// A bundle directory whose every check passed.
#[derive(Debug, Clone)]
pub struct Bundle {
    /// The directory.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
}

impl Bundle {
    /// Opens `dir` and checks it (see the module doc): an error names the file at fault.
    pub fn open(dir: &Path) -> Result<Bundle, BundleError> {
        let manifest = read_manifest(dir)?;
        for entry in &manifest.files {
            check_file(dir, entry)?;
        }
        if !manifest.files.iter().any(|f| f.name == ANSWERS) {
            return Err(BundleError::Manifest {
                path: dir.join(MANIFEST),
                message: format!("it lists no `{ANSWERS}`"),
            });
        }
        Ok(Bundle {
            dir: dir.to_path_buf(),
            manifest,
        })
    }

    /// The answers file.
    pub fn answers(&self) -> PathBuf {
        self.dir.join(ANSWERS)
    }
}

fn read_manifest(dir: &Path) -> Result<Manifest, BundleError> {
    let path = dir.join(MANIFEST);
    let meta = match std::fs::metadata(&path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let message = if dir.is_dir() {
                "missing: this directory holds no bundle, or an export that did not finish; export again"
            } else {
                "missing: no such bundle directory"
            };
            return Err(BundleError::NotABundle {
                path,
                message: message.into(),
            });
        }
        Err(e) => return Err(BundleError::io(&path, "cannot read the manifest", e)),
    };
    if meta.len() > MANIFEST_MAX_BYTES {
        return Err(manifest_err(
            &path,
            format!("{} bytes, too big", meta.len()),
        ));
    }
    let text =
        std::fs::read(&path).map_err(|e| BundleError::io(&path, "cannot read the manifest", e))?;
    // The format and version first, from a loose reading: a newer manifest may have fields
    // this brickport does not know, and should say "newer" rather than "unreadable".
    let loose: Value =
        serde_json::from_slice(&text).map_err(|e| manifest_err(&path, e.to_string()))?;
    if loose["format"] != FORMAT {
        return Err(manifest_err(&path, format!("`format` is not \"{FORMAT}\"")));
    }
    let Some(version) = loose["version"].as_u64() else {
        return Err(manifest_err(&path, "no `version` number".into()));
    };
    if version > u64::from(VERSION) {
        return Err(BundleError::NewerFormat {
            path,
            found: version,
            supported: VERSION,
            written_by: loose["written_by"]
                .as_str()
                .unwrap_or("(unknown)")
                .to_string(),
            ours: BRICKPORT,
        });
    }
    serde_json::from_slice(&text).map_err(|e| manifest_err(&path, e.to_string()))
}

fn manifest_err(path: &Path, message: String) -> BundleError {
    BundleError::Manifest {
        path: path.to_path_buf(),
        message,
    }
}

/// `dir/entry.name` is there, with the listed size and hash.
fn check_file(dir: &Path, entry: &FileEntry) -> Result<(), BundleError> {
    let name_ok = !entry.name.is_empty()
        && !entry.name.contains(['/', '\\'])
        && entry.name != "."
        && entry.name != "..";
    if !name_ok {
        return Err(manifest_err(
            &dir.join(MANIFEST),
            format!("the file name `{}` is not a plain name", entry.name),
        ));
    }
    let path = dir.join(&entry.name);
    let damaged = |message: String| BundleError::Damaged {
        path: path.clone(),
        message,
    };
    let size = match std::fs::metadata(&path) {
        Ok(m) => m.len(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(damaged(
                "missing (the manifest lists it): copy the whole bundle directory again".into(),
            ));
        }
        Err(e) => return Err(BundleError::io(&path, "cannot read the file", e)),
    };
    if size != entry.bytes {
        let what = if size < entry.bytes {
            "truncated"
        } else {
            "longer than exported"
        };
        return Err(damaged(format!(
            "{what}: {size} bytes, the manifest says {}: copy the whole bundle directory again (or export again)",
            entry.bytes
        )));
    }
    let (_, sha) = sha256_of(&path)?;
    if sha != entry.sha256 {
        return Err(damaged(format!(
            "its SHA-256 is {sha}, the manifest says {}: the file was changed or damaged since the export; copy the whole bundle directory again (or export again)",
            entry.sha256
        )));
    }
    Ok(())
}
