//! `brickport plan`: the engine's `plan` over both workspaces — what a `migrate` would do,
//! writing nothing. With `--from DIR`, the source is read from a bundle (what an `import`
//! would do).

use anyhow::Result;

use crate::cli::ReadArgs;
use crate::connect;
use crate::engine_options;
use crate::output::Outcome;
use crate::progress::{CliProgress, Task};
use crate::render;
use crate::settings::Settings;

/// `brickport plan`.
pub async fn run(settings: &Settings, args: &ReadArgs) -> Result<Outcome> {
    let connected = connect::connect(settings, args.from.as_deref()).await?;
    let pair = &connected.pair;
    let run_dir = settings.run_dir(&pair.source_config, &pair.target_config);
    let opts = engine_options::build(settings, run_dir.clone(), &args.select, None)?;
    let progress = CliProgress::of(Task::Plan, settings.verbosity);
    let planned =
        brickport_engine::plan_with_progress(&pair.source, &pair.target, &opts, &progress);
    let report = connected.guard(planned).await??;
    let text = render::run_report(&report);
    Ok(Outcome::of_run(report, &run_dir, text))
}
