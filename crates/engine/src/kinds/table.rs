//! Which kinds of the table a run takes (`only`, `phase`): kept beside the table, since a kind
//! (the workspace walk's readers) needs it too and the graph builds on it.

use std::sync::Arc;

use super::Kind;
use crate::EngineError;

/// The kinds selected by `only` (names) and `phase`, in table order. Unknown names and
/// phases are refused with the list of valid ones.
pub fn select(
    table: &[Arc<dyn Kind>],
    only: &[String],
    phase: Option<u8>,
) -> Result<Vec<Arc<dyn Kind>>, EngineError> {
    let names: Vec<&str> = table.iter().map(|k| k.name()).collect();
    for o in only {
        if !names.contains(&o.as_str()) {
            return Err(EngineError::InvalidOption(format!(
                "unknown kind `{o}`; known kinds: {}",
                names.join(", ")
            )));
        }
    }
    if let Some(p) = phase
        && !table.iter().any(|k| k.phase() == p)
    {
        let mut phases: Vec<u8> = table.iter().map(|k| k.phase()).collect();
        phases.dedup();
        return Err(EngineError::InvalidOption(format!(
            "no kind in phase {p}; phases: {phases:?}"
        )));
    }
    Ok(table
        .iter()
        .filter(|k| only.is_empty() || only.iter().any(|o| o == k.name()))
        .filter(|k| phase.is_none_or(|p| k.phase() == p))
        .cloned()
        .collect())
}
