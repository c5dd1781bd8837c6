//! `brickport plan`: the engine's `plan` over both workspaces — what a `migrate` would do,
//! writing nothing.

use anyhow::Result;

use crate::cli::SelectArgs;
use crate::connect;
use crate::engine_options;
use crate::output::Outcome;
use crate::render;
use crate::settings::Settings;

/// `brickport plan`.
pub async fn run(settings: &Settings, select: &SelectArgs) -> Result<Outcome> {
    let pair = connect::pair(settings)?;
    let run_dir = settings.run_dir(&pair.source_config, &pair.target_config);
    let opts = engine_options::build(settings, run_dir.clone(), select, None)?;
    let report = brickport_engine::plan(&pair.source, &pair.target, &opts).await?;
    let text = render::run_report(&report);
    Ok(Outcome::of_run(report, &run_dir, text))
}
