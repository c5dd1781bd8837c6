//! The `--state FILE` persistence: the whole [`State`] as JSON, written atomically (a temporary
//! file renamed over the old one) so a crash never leaves half a file.

use std::path::Path;
use std::sync::atomic::Ordering;

use crate::error::EmulatorError;
use crate::state::{Emulator, State};

/// The state as pretty JSON (the `/_emulator/snapshot` body).
pub fn to_json(st: &State) -> serde_json::Value {
    // A State is plain data: serialising it cannot fail; an empty object is the safe fallback.
    serde_json::to_value(st).unwrap_or_else(|_| serde_json::json!({}))
}

/// Writes the state to `path` now (clearing the dirty flag first, so a write that lands
/// while saving marks it again).
pub fn save(emu: &Emulator, path: &Path) -> Result<(), EmulatorError> {
    emu.dirty.store(false, Ordering::Relaxed);
    let text = {
        let st = emu.lock();
        serde_json::to_string_pretty(&*st).unwrap_or_else(|_| "{}".into())
    };
    let tmp = path.with_extension("json.tmp");
    let io = |source| EmulatorError::File {
        what: "cannot write state file",
        path: path.to_path_buf(),
        source,
    };
    std::fs::write(&tmp, text).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

/// Saves when the state changed since the last save.
pub fn save_if_dirty(emu: &Emulator, path: &Path) -> Result<(), EmulatorError> {
    if emu.dirty.load(Ordering::Relaxed) {
        save(emu, path)
    } else {
        Ok(())
    }
}
