//! `brickport status`: the migration dashboard, read from the run directory's ledger alone
//! (no workspace is contacted).

use anyhow::Result;
use serde_json::json;

use crate::output::Outcome;
use crate::render;
use crate::settings::Settings;

/// `brickport status`: success when nothing needs attention (nothing failed, in conflict or
/// pending). An interrupted run that was resumed since leaves nothing pending, so it does not
/// count against the run directory.
pub fn run(settings: &Settings) -> Result<Outcome> {
    let run_dir = settings.existing_run_dir()?;
    let report = brickport_engine::status(&run_dir)?;
    let ok = report.problems.is_empty();
    let mut json = serde_json::to_value(&report).unwrap_or_else(|_| json!({}));
    if let Some(map) = json.as_object_mut() {
        map.insert("ok".into(), json!(ok));
    }
    Ok(Outcome {
        success: ok,
        json: json.into(),
        text: render::status(&report),
    })
}
