//! `brickport demo`: two emulated workspaces in this process, the source seeded with a typical
//! workspace, then the same path an operator takes — validate, migrate, status — and where
//! the run directory is.
//!
//! The emulators listen on 127.0.0.1 only and live as long as the demo; the source accepts any
//! bearer token, the target the fixed token `demo` (so its operator is a user of its own), so
//! there is no credential to configure and none to leak.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};
use brickport_api::{ClientOptions, ThrottleOptions, WorkspaceClient, WorkspaceConfig};
use brickport_emulator::{EmulatorOptions, RateLimitSpec, SeedSpec, TokenSpec};
use brickport_engine::EngineOptions;
use serde_json::json;

use crate::cli::{DemoArgs, OutputFormat};
use crate::commands::validate;
use crate::connect::{Connected, Pair};
use crate::output::Outcome;
use crate::progress::CliProgress;
use crate::render;
use crate::settings::Verbosity;
use crate::signals::wait_for_stop;

/// The token the demo's clients send. The source emulator is open (any token is its
/// admin@example.com); the target accepts only this one, as its operator. Not a secret: both
/// emulators listen on 127.0.0.1 and live as long as the demo.
const DEMO_TOKEN: &str = "demo";

/// The operator on the target.
const TARGET_ADMIN: &str = "operator@target.example";

async fn client(url: &str) -> Result<(WorkspaceClient, WorkspaceConfig)> {
    let config = WorkspaceConfig::with_token(url, DEMO_TOKEN)?;
    // Both workspaces are local emulators with their rate limits off: pacing the client
    // would only make the demo slower without showing anything.
    let options = ClientOptions {
        throttle: ThrottleOptions::unlimited(),
        ..ClientOptions::default()
    };
    let client = WorkspaceClient::new(config.clone(), options)?;
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
        rate_limits: RateLimitSpec::Off,
        ..EmulatorOptions::default()
    })
    .await
    .context("cannot start the source emulator")?;
    // The target's admin is the operator running the migration, a person of the target
    // workspace (not the source's admin@example.com, which is migrated like any user).
    let target = brickport_emulator::start(EmulatorOptions {
        id_seed: 2,
        rate_limits: RateLimitSpec::Off,
        tokens: vec![TokenSpec {
            token: DEMO_TOKEN.to_string(),
            user_name: TARGET_ADMIN.to_string(),
            is_admin: true,
        }],
        ..EmulatorOptions::default()
    })
    .await
    .context("cannot start the target emulator")?;
    // The account admin's part: account groups are assigned to workspaces in the account
    // console, never created through a workspace's API (the pre-check insists they are in the
    // target), so the demo assigns the source's to the target, empty.
    let assigned =
        brickport_emulator::account::assign_account_groups(source.emulator(), target.emulator());
    let progress = CliProgress::new(verbosity);
    progress.line(&format!(
        "source workspace: {} (seeded: {}), target workspace: {} (empty{})",
        source.url(),
        args.seed,
        target.url(),
        if assigned.is_empty() {
            String::new()
        } else {
            format!(
                "; account groups {} assigned to it, as an account admin would",
                assigned.join(", ")
            )
        }
    ));

    let (source_client, source_config) = client(source.url()).await?;
    let (target_client, target_config) = client(target.url()).await?;
    let connected = Connected {
        pair: Pair {
            source: source_client,
            target: target_client,
            source_config,
            target_config,
        },
        replay: None,
    };
    let pair = &connected.pair;
    let run_dir = run_dir
        .map(Path::to_path_buf)
        .unwrap_or_else(default_run_dir);
    let opts = EngineOptions::new(run_dir.clone());

    let checks = validate::precheck(&connected, &opts).await?;
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
    text.push_str(&format!(
        "\n3. status\n{}",
        render::status(&status, render::View::Screen)
    ));
    text.push_str(&format!(
        "\nThe run directory is {}: report.html (the report to open in a browser), report.md \
         and report.json (per-object outcomes), ledger.sqlite (the id map), backups/ (the \
         source, as read).\n",
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
            json: json.clone().into(),
            text: text.clone(),
        };
        outcome.print(output)?;
        eprintln!(
            "emulators still serving: source {} (any bearer token), target {} (bearer token \
             `demo`) — Ctrl-C to stop",
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
        json: json.into(),
        text,
    })
}
