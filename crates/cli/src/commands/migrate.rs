//! `brickport migrate`: the engine's `migrate` over both workspaces (and `import`'s, over the
//! target and a bundle: [`run_on`]).
//!
//! It runs the pre-check first and does nothing when it finds an error (or, with `--strict`,
//! a warning); warnings and checks that could not run are said, and the run goes on (`plan`
//! runs the same gate, [`precheck_gate`]). With `--plan FILE` it carries out a plan
//! saved by `plan --out`, refused before anything is written when it no longer holds.
//! Ctrl-C or SIGTERM drops the run's future, which stops it at once ([`crate::signals`]); the
//! ledger's intents make the next `migrate` resume with no duplicate.

use anyhow::{Result, bail};
use brickport_engine::EngineOptions;

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
    let opts = engine_options::build(settings, run_dir.clone(), &args.run.select, Some(&args.run))?;
    let progress = CliProgress::new(settings.verbosity);
    // Read (and its version checked) before the pre-check's requests.
    let saved = match &args.plan {
        Some(path) => Some(brickport_engine::SavedPlan::read(path)?),
        None => None,
    };
    precheck_gate(connected, &opts, &progress, "migrated").await?;

    if let Some(wait) = args.run.outage_wait {
        pair.source.set_outage_wait(wait.0);
        pair.target.set_outage_wait(wait.0);
    }
    let report = match &saved {
        Some(plan) => {
            progress.line("checking that the saved plan still holds (the source planned again)");
            let run = brickport_engine::migrate_planned(
                &pair.source,
                &pair.target,
                &opts,
                plan,
                &progress,
            );
            connected
                .guard(signals::unless_stopped("migrate", run))
                .await?
                .map_err(|e| signals::resumable(e, resume_command(connected), progress.done()))?
        }
        None => {
            let run = brickport_engine::migrate(&pair.source, &pair.target, &opts, &progress);
            connected
                .guard(signals::unless_stopped("migrate", run))
                .await?
                .map_err(|e| signals::resumable(e, resume_command(connected), progress.done()))?
        }
    };
    let mut text = render::run_report(&report);
    text.push_str(&format!(
        "\nrun directory: {} (report.html, report.md, report.json, ledger.sqlite, backups/)\n",
        run_dir.display()
    ));
    Ok(Outcome::of_run(report, &run_dir, text))
}

/// The pre-check `migrate` and `plan` run first: when it fails, the command stops with
/// nothing `done` (exit 2), its checks on stderr.
pub async fn precheck_gate(
    connected: &Connected,
    opts: &EngineOptions,
    progress: &CliProgress,
    done: &str,
) -> Result<()> {
    let checks = validate::precheck(connected, opts).await?;
    if !checks.ok() {
        progress.line(validate::text(&checks).trim_end());
        let failed: Vec<String> = checks
            .failures()
            .iter()
            .map(|c| format!("{} {}: {}", c.workspace, c.name, c.detail))
            .collect();
        bail!(
            "the pre-check fails, nothing was {done}: {} (run `brickport validate` for details)",
            failed.join("; ")
        );
    }
    if let Some(label) = connected.bundle_label() {
        progress.line(&label);
    }
    // Warnings and checks that could not run do not stop it: said once, before it starts.
    let noted: Vec<String> = checks
        .checks
        .iter()
        .filter(|c| c.severity != brickport_engine::Severity::Pass)
        .map(|c| {
            let (what, side) = (c.severity.label(), &c.workspace);
            format!("pre-check {what}: {side} {}: {}", c.name, c.detail)
        })
        .collect();
    for line in &noted {
        progress.line(line);
    }
    let findings = if noted.is_empty() {
        ""
    } else {
        " with the findings above"
    };
    progress.line(&format!(
        "pre-check passed{findings}; run directory {}",
        opts.run_dir.display()
    ));
    Ok(())
}

/// What continues a stopped run: the same command with `--resume` (`import` with its bundle).
fn resume_command(connected: &Connected) -> String {
    match &connected.replay {
        Some(replay) => format!("import --from {} --resume", replay.dir().display()),
        None => "migrate --resume".to_string(),
    }
}
