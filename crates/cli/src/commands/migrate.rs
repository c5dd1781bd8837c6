//! `brickport migrate`: the engine's `migrate` over both workspaces (and `import`'s, over the
//! target and a bundle: [`run_on`]).
//!
//! It runs the pre-check first and does nothing when it fails (the seed's Pass/Fail gate).
//! Ctrl-C or SIGTERM drops the run's future, which stops it at once ([`crate::signals`]); the
//! ledger's intents make the next `migrate` resume with no duplicate.

use anyhow::{Result, bail};

use crate::cli::MigrateArgs;
use crate::commands::validate;
use crate::connect::{self, Connected};
use crate::engine_options;
use crate::output::Outcome;
use crate::progress::CliProgress;
use crate::render;
use crate::settings::Settings;
use crate::signals;

/// `brickport migrate`.
pub async fn run(settings: &Settings, args: &MigrateArgs) -> Result<Outcome> {
    let connected = connect::connect(settings, None).await?;
    run_on(settings, args, &connected).await
}

/// The pre-check, then the run, between `connected`'s workspaces (a bundle stops the run at
/// the first read it has no answer to).
pub async fn run_on(
    settings: &Settings,
    args: &MigrateArgs,
    connected: &Connected,
) -> Result<Outcome> {
    let pair = &connected.pair;
    let run_dir = settings.run_dir(&pair.source_config, &pair.target_config);
    let opts = engine_options::build(settings, run_dir.clone(), &args.select, Some(args))?;
    let progress = CliProgress::new(settings.verbosity);

    let checks = validate::precheck(connected, &opts).await?;
    if !checks.ok() {
        progress.line(validate::text(&checks).trim_end());
        let failed: Vec<String> = checks
            .failures()
            .iter()
            .map(|c| format!("{} {}: {}", c.workspace, c.name, c.detail))
            .collect();
        bail!(
            "the pre-check fails, nothing was migrated: {} (run `brickport validate` for details)",
            failed.join("; ")
        );
    }
    if let Some(label) = connected.bundle_label() {
        progress.line(&label);
    }
    progress.line(&format!(
        "pre-check passed; run directory {}",
        run_dir.display()
    ));

    if let Some(wait) = args.outage_wait {
        pair.source.set_outage_wait(wait.0);
        pair.target.set_outage_wait(wait.0);
    }
    let run = brickport_engine::migrate(&pair.source, &pair.target, &opts, &progress);
    let report = connected
        .guard(signals::unless_stopped("migrate", run))
        .await??;
    let mut text = render::run_report(&report);
    text.push_str(&format!(
        "\nrun directory: {} (report.html, report.md, report.json, ledger.sqlite, backups/)\n",
        run_dir.display()
    ));
    Ok(Outcome::of_run(report, &run_dir, text))
}
