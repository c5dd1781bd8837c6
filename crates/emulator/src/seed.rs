//! What a workspace holds when it starts: nothing, a typical workspace, a scaled one, or a
//! state JSON file (the `/_emulator/snapshot` format).
//!
//! The `typical` and `scale:N` contents are written separately (`apply` is their entry point);
//! until they exist those seeds answer a clear "not available yet" error.

use std::path::{Path, PathBuf};

use crate::error::EmulatorError;
use crate::state::State;

mod acls;
mod build;
mod compute;
pub mod counts;
mod identities;
mod init_scripts;
mod install;
mod jobs;
pub mod plan;
pub mod scale;
mod secrets;
mod tree;
pub mod typical;

/// A seed, as `--seed none|typical|scale:N|FILE.json` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum SeedSpec {
    /// An empty workspace (built-ins only).
    #[default]
    None,
    /// A typical workspace: a few of every kind.
    Typical,
    /// A workspace scaled to about N objects per kind.
    Scale(u32),
    /// A state JSON file (the snapshot format).
    File(PathBuf),
}

impl SeedSpec {
    /// Parses `none`, `typical`, `scale:N` or a path to a JSON file.
    pub fn parse(s: &str) -> Result<Self, EmulatorError> {
        let t = s.trim();
        let bad = |reason: &str| EmulatorError::Option {
            option: "--seed",
            value: s.to_string(),
            reason: reason.into(),
        };
        match t {
            "" => Err(bad("empty; use none, typical, scale:N or a JSON file")),
            "none" => Ok(SeedSpec::None),
            "typical" => Ok(SeedSpec::Typical),
            _ => {
                if let Some(n) = t.strip_prefix("scale:") {
                    let n: u32 = n
                        .trim()
                        .parse()
                        .map_err(|_| bad("scale:N needs a positive integer N"))?;
                    if n == 0 {
                        return Err(bad("scale:N needs a positive integer N"));
                    }
                    Ok(SeedSpec::Scale(n))
                } else {
                    Ok(SeedSpec::File(PathBuf::from(t)))
                }
            }
        }
    }
}

/// Reads a state JSON file (the snapshot / `--state` format).
pub fn load_state_file(path: &Path) -> Result<State, EmulatorError> {
    let text = std::fs::read_to_string(path).map_err(|source| EmulatorError::File {
        what: "cannot read",
        path: path.to_path_buf(),
        source,
    })?;
    let mut st: State = serde_json::from_str(&text).map_err(|e| EmulatorError::Format {
        path: path.to_path_buf(),
        what: "emulator state JSON file",
        reason: e.to_string(),
    })?;
    st.ensure_builtins();
    Ok(st)
}

/// Fills `st` according to `spec`.
pub fn apply(st: &mut State, spec: &SeedSpec) -> Result<(), EmulatorError> {
    match spec {
        SeedSpec::None => Ok(()),
        SeedSpec::File(path) => {
            *st = load_state_file(path)?;
            Ok(())
        }
        SeedSpec::Typical => typical::typical(st),
        SeedSpec::Scale(n) => scale::scale(st, *n),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses() {
        assert_eq!(SeedSpec::parse("none").unwrap(), SeedSpec::None);
        assert_eq!(SeedSpec::parse("scale:50").unwrap(), SeedSpec::Scale(50));
        assert!(SeedSpec::parse("scale:x").is_err());
        assert_eq!(
            SeedSpec::parse("w.json").unwrap(),
            SeedSpec::File("w.json".into())
        );
        assert!(apply(&mut State::fresh(0), &SeedSpec::Typical).is_ok());
    }
}
