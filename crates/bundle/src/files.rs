//! The bundle's files on disk: an owner-only directory (0700) of owner-only files (0600), each
//! hashed by streaming it (a bundle is never read whole into memory).

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::BundleError;

/// Makes `dir` the bundle's directory: created owner-only, or an existing empty one narrowed
/// to owner-only. A directory that holds anything is refused (a bundle is never mixed with
/// another's files).
pub fn new_private_dir(dir: &Path) -> Result<(), BundleError> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                return Err(BundleError::NotEmpty(dir.to_path_buf()));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir)
                .map_err(|e| BundleError::io(dir, "cannot create the directory", e))?;
        }
        Err(e) => return Err(BundleError::io(dir, "cannot read the directory", e)),
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| BundleError::io(dir, "cannot make the directory owner-only", e))?;
    }
    Ok(())
}

/// Creates `path` as a new owner-only file (never an existing one: a bundle's files are
/// written once).
pub fn create_private(path: &Path) -> Result<File, BundleError> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let file = opts
        .open(path)
        .map_err(|e| BundleError::io(path, "cannot create the file", e))?;
    // `mode` is narrowed by the umask, never widened: 0600 at most, owner-only either way.
    Ok(file)
}

/// Writes `bytes` to `path` as a whole: into an owner-only `.tmp` beside it, flushed, then
/// renamed over (a reader never sees half a manifest).
pub fn write_private_atomically(path: &Path, bytes: &[u8]) -> Result<(), BundleError> {
    let tmp = tmp_name(path);
    let _ = std::fs::remove_file(&tmp);
    let mut f = create_private(&tmp)?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| BundleError::io(&tmp, "cannot write the file", e))?;
    std::fs::rename(&tmp, path)
        .map_err(|e| BundleError::io(path, "cannot put the file in place", e))
}

fn tmp_name(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".tmp");
    path.with_file_name(name)
}

/// A file's size and SHA-256 (hex), read in 1 MiB blocks.
pub fn sha256_of(path: &Path) -> Result<(u64, String), BundleError> {
    let mut f = File::open(path).map_err(|e| BundleError::io(path, "cannot open the file", e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| BundleError::io(path, "cannot read the file", e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((total, hex::encode(hasher.finalize())))
}

/// The SHA-256 (hex) of bytes in memory (one recorded answer).
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}
