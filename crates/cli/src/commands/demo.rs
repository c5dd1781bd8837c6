//! `brickport demo`: two emulated workspaces in this process, the source seeded with a typical
//! workspace, then the same path an operator takes — validate, migrate, status — and where
//! the run directory is.
//!
//! The emulators are open (they accept any bearer token as their admin) and listen on
//! 127.0.0.1 only, so there is no credential to configure and none to leak.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use brickport_api::{ClientOptions, WorkspaceClient, WorkspaceConfig};
use brickport_emulator::{EmulatorOptions, SeedSpec};
use brickport_engine::EngineOptions;
use serde_json::json;

use crate::cli::{DemoArgs, OutputFormat};
use crate::commands::emulator::wait_for_stop;
use crate::commands::validate;
use crate::connect::Pair;
use crate::output::Outcome;
use crate::progress::CliProgress;
use crate::render;
use crate::settings::Verbosity;

/// The token the demo's clients send; the open emulators accept any.
const DEMO_TOKEN: &str = "demo-any-token";

async fn client(url: &str) -> Result<(WorkspaceClient, WorkspaceConfig)> {
    let config = WorkspaceConfig::with_token(url, DEMO_TOKEN)?;
    let client = WorkspaceClient::new(config.clone(), ClientOptions::default())?;
    Ok((client, config))
}

fn default_run_dir() -> PathBuf {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    PathBuf::from("brickport-runs").join(format!("demo-{secs}"))
}

/// `brickport demo`.
pub async fn run(
    args: &DemoArgs,
    run_dir: Option<&Path>,
    verbosity: Verbosity,
    output: OutputFormat,
) -> Result<Outcome> {
    let seed = SeedSpec::parse(&args.seed)?;
    let source = brickport_emulator::start(EmulatorOptions {
        seed,
        id_seed: 1,
        ..EmulatorOptions::default()
    })
    .await
    .context("cannot start the source emulator")?;
    let target = brickport_emulator::start(EmulatorOptions {
        id_seed: 2,
        ..EmulatorOptions::default()
    })
    .await
    .context("cannot start the target emulator")?;
    let progress = CliProgress::new(verbosity);
    progress.line(&format!(
        "source workspace: {} (seeded: {}), target workspace: {} (empty)",
        source.url(),
        args.seed,
        target.url()
    ));

    let (source_client, source_config) = client(source.url()).await?;
    let (target_client, target_config) = client(target.url()).await?;
    let pair = Pair {
        source: source_client,
        target: target_client,
        source_config,
        target_config,
    };
    let run_dir = run_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(default_run_dir);
    let opts = EngineOptions::new(run_dir.clone());

    let checks = validate::precheck(&pair, &opts).await?;
    let mut text = format!("1. validate\n{}", validate::text(&checks));
    if !checks.ok() {
        bail!(
            "the demo's pre-check fails: {}",
            validate::text(&checks).trim_end()
        );
    }
    let report = brickport_engine::migrate(&pair.source, &pair.target, &opts, &progress).await?;
    text.push_str(&format!("\n2. migrate\n{}", render::run_report(&report)));
    let status = brickport_engine::status(&run_dir)?;
    text.push_str(&format!("\n3. status\n{}", render::status(&status)));
    text.push_str(&format!(
        "\nThe run directory is {}: report.md and report.json (per-object outcomes), \
         ledger.sqlite (the id map), backups/ (the source, as read).\n",
        run_dir.display()
    ));
    let ok = report.is_success() && status.problems.is_empty();
    let json = json!({
        "ok": ok,
        "source_url": source.url(),
        "target_url": target.url(),
        "run_dir": run_dir.display().to_string(),
        "validate": checks,
        "migrate": report,
        "status": status,
    });
    if args.keep_running {
        let outcome = Outcome {
            success: ok,
            json: json.clone(),
            text: text.clone(),
        };
        outcome.print(output)?;
        eprintln!(
            "emulators still serving: source {} target {} (any bearer token) — Ctrl-C to stop",
            source.url(),
            target.url()
        );
        wait_for_stop().await?;
        source.shutdown().await?;
        target.shutdown().await?;
        return Ok(Outcome {
            success: ok,
            ..Outcome::printed()
        });
    }
    source.shutdown().await?;
    target.shutdown().await?;
    Ok(Outcome {
        success: ok,
        json,
        text,
    })
}
