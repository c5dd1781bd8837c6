//! Unnamed, owner-only temporary files: where a large run keeps what would not fit in flat
//! memory (the report's per-object lines, the objects of a listed-whole kind waiting for
//! their turn). The system removes them when they are dropped, or when the process ends
//! however it ends; they are 0600, as they name every object of the source.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::EngineError;

/// An error about the temporary file holding `label`, in `dir` (it has no name of its own).
pub(crate) fn io_err(
    dir: &Path,
    label: &str,
    what: &str,
    e: impl Into<std::io::Error>,
) -> EngineError {
    let e = e.into();
    EngineError::Io {
        path: dir.to_path_buf(),
        message: format!("{label} (a temporary file here): {what}: {e}"),
        source: Some(e),
    }
}

/// An unnamed, owner-only temporary file in `dir`, to hold `label`.
pub(crate) fn private_tmp(dir: &Path, label: &str) -> Result<File, EngineError> {
    let f = tempfile::tempfile_in(dir).map_err(|e| EngineError::Io {
        path: dir.to_path_buf(),
        message: format!(
            "{label} (a temporary file here): cannot create it: {e}; check the directory is \
             writable and has free space"
        ),
        source: Some(e),
    })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = f
            .metadata()
            .map_err(|e| io_err(dir, label, "cannot read its mode", e))?
            .permissions()
            .mode();
        if mode & 0o777 != 0o600 {
            f.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|e| io_err(dir, label, "cannot make it owner-only", e))?;
        }
    }
    Ok(f)
}

/// Reads `file` from `pos` on, without moving the file's own offset (readers of one file
/// share it: each has its own position).
pub(crate) struct At<'a> {
    pub(crate) file: &'a File,
    pub(crate) pos: u64,
}

impl Read for At<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        #[cfg(unix)]
        let n = std::os::unix::fs::FileExt::read_at(self.file, buf, self.pos)?;
        #[cfg(windows)]
        let n = std::os::windows::fs::FileExt::seek_read(self.file, buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}
