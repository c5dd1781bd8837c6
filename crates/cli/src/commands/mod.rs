//! One module per subcommand; [`run`] dispatches and prints the result.

mod confirm;
mod cutover;
mod demo;
mod done;
mod emulator;
mod export;
mod import;
mod init;
mod migrate;
mod plan;
mod rollback;
mod status;
mod validate;
mod verify;

use anyhow::{Context, Result, bail};

use crate::cli::{Cli, Command};
use crate::logging;
use crate::output::Outcome;
use crate::settings::{Settings, Verbosity};

/// Runs the command line; returns the exit code of a command that ran to its end (0 or 1).
/// An `Err` means nothing was done (exit 2), or the run was interrupted.
pub fn run(cli: Cli) -> Result<u8> {
    let verbosity = if cli.global.quiet {
        Verbosity::Quiet
    } else if cli.global.verbose > 0 {
        Verbosity::Verbose(cli.global.verbose)
    } else {
        Verbosity::Normal
    };
    logging::init(verbosity);
    let output = cli.global.output;
    let outcome = match &cli.command {
        // These three need no config file (init writes one; the emulator and the demo bring
        // their own workspaces), so a broken brickport.toml does not stop them.
        Command::Init(args) => init::run(
            args,
            cli.global.source_profile.as_deref(),
            cli.global.target_profile.as_deref(),
        )?,
        Command::Emulator(args) => server_runtime()?.block_on(emulator::run(args, output))?,
        Command::Demo(args) => runtime()?.block_on(demo::run(
            args,
            cli.global.run_dir.as_deref(),
            verbosity,
            output,
        ))?,
        command => {
            let settings = Settings::resolve(&cli.global)?;
            runtime()?.block_on(with_settings(command, &settings))?
        }
    };
    let code = outcome.exit_code();
    outcome.print(output)?;
    Ok(code)
}

/// The async runtime the commands run on: one thread. A migration waits on the network and
/// the rate limits, not on the CPU (well under a core at the published limits); on several
/// threads most of brickport's CPU went into waking and parking them for every answer
/// (brickport-bench, scale:1000 at 50 ms).
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// `brickport emulator` serves whoever connects (the conformance suite, a user's scripts): on
/// every core.
fn server_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

async fn with_settings(command: &Command, settings: &Settings) -> Result<Outcome> {
    match command {
        Command::Validate(select) => validate::run(settings, select).await,
        Command::Plan(args) => plan::run(settings, args).await,
        Command::Migrate(args) => migrate::run(settings, args).await,
        Command::Export(args) => export::run(settings, args).await,
        Command::Import(args) => import::run(settings, args).await,
        Command::Verify(select) => verify::run(settings, select).await,
        Command::Status(args) => status::run(settings, args),
        Command::Done(args) => done::run(settings, args),
        Command::Cutover(args) => cutover::run(settings, args).await,
        Command::Rollback(args) => rollback::run(settings, args).await,
        Command::Init(_) | Command::Emulator(_) | Command::Demo(_) => {
            bail!("internal: this command runs without the configuration")
        }
    }
}
