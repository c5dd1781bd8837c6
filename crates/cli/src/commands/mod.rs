//! One module per subcommand; [`run`] dispatches and prints the result.

mod init;
mod validate;

use anyhow::{Context, Result, bail};

use crate::cli::{Cli, Command};
use crate::logging;
use crate::output::Outcome;
use crate::settings::{Settings, Verbosity};

/// Runs the command line; returns the exit code of a command that ran to its end (0 or 1).
/// An `Err` means nothing was done (exit 2).
pub fn run(cli: Cli) -> Result<u8> {
    let verbosity = if cli.global.quiet {
        Verbosity::Quiet
    } else if cli.global.verbose > 0 {
        Verbosity::Verbose(cli.global.verbose)
    } else {
        Verbosity::Normal
    };
    logging::init(verbosity);
    let outcome = match &cli.command {
        // init writes the config file, so it must not need one that parses.
        Command::Init(args) => init::run(
            args,
            cli.global.source_profile.as_deref(),
            cli.global.target_profile.as_deref(),
        )?,
        command => {
            let settings = Settings::resolve(&cli.global)?;
            runtime()?.block_on(run_with(command, &settings))?
        }
    };
    outcome.print(cli.global.output)?;
    Ok(outcome.exit_code())
}

/// The async runtime the commands run on.
fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

async fn run_with(command: &Command, settings: &Settings) -> Result<Outcome> {
    match command {
        Command::Validate => validate::run(settings).await,
        Command::Init(_) => unreachable_init(),
        Command::Plan(_)
        | Command::Migrate(_)
        | Command::Status
        | Command::Verify(_)
        | Command::Cutover(_)
        | Command::Emulator(_)
        | Command::Demo(_) => bail!("this command is not available yet in this build"),
    }
}

fn unreachable_init() -> Result<Outcome> {
    bail!("init runs before the configuration is resolved")
}
