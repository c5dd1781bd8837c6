//! `brickport`: parse the command line, resolve it once into a configuration, run the command,
//! print at most one error line, and exit with 0 (all done, all checks hold), 1 (finished, but
//! some objects failed or some checks do not hold), 2 (nothing done: bad usage,
//! configuration, credentials or connectivity), 75 (a run stopped because a workspace stayed
//! unreachable past `outage_wait`: re-run it) or 130 (interrupted).

// mimalloc: the run allocates and frees many small JSON values per request from several
// threads; glibc's malloc/free were the top of brickport's CPU profile (brickport-bench).
// (`--features system-alloc` keeps the system's, for heap profilers such as heaptrack.)
#[cfg(not(feature = "system-alloc"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cli;
mod commands;
mod config;
mod connect;
mod engine_options;
mod logging;
mod output;
mod progress;
mod render;
mod settings;
mod signals;

use std::process::ExitCode;

use clap::Parser;

/// Parses the command line; bad usage is one line and exit 2 like every other error
/// (`--help` and `--version` print as usual).
fn parse() -> Result<cli::Cli, ExitCode> {
    use clap::error::ErrorKind;
    match cli::Cli::try_parse() {
        Ok(cli) => Ok(cli),
        Err(e) => match e.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                let _ = e.print();
                Err(ExitCode::SUCCESS)
            }
            ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                let _ = e.print();
                Err(ExitCode::from(2))
            }
            _ => {
                let text = e.to_string();
                let first = text
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .unwrap_or("invalid command line");
                let first = first.strip_prefix("error: ").unwrap_or(first);
                eprintln!("error: {first} (see `brickport --help`)");
                Err(ExitCode::from(2))
            }
        },
    }
}

/// Whether `err` is a run stopped by a workspace that stayed unreachable.
fn is_outage(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<brickport_engine::EngineError>()
            .is_some_and(brickport_engine::EngineError::is_unreachable)
    })
}

fn main() -> ExitCode {
    let cli = match parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    // A panic is a bug, but it still gets one line and exit 2, not a backtrace.
    std::panic::set_hook(Box::new(|info| {
        let line = info
            .to_string()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        eprintln!("error: internal error (a bug in brickport, please report it): {line}");
    }));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| commands::run(cli)));
    let Ok(result) = result else {
        return ExitCode::from(2);
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) if err.is::<signals::Interrupted>() => {
            eprintln!("{err}");
            ExitCode::from(130)
        }
        // A workspace stayed unreachable past `outage_wait`: a clean stop to re-run later,
        // told apart from failures (1) and from "nothing done" (2). 75 is sysexits'
        // EX_TEMPFAIL: "a temporary failure; the user is invited to retry".
        Err(err) if is_outage(&err) => {
            eprintln!("error: {err}");
            ExitCode::from(75)
        }
        Err(err) => {
            // One line: the context chain, flattened. Messages never carry a token (the api's
            // errors describe requests by method, host and path only).
            let line = format!("{err:#}")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            eprintln!("error: {line}");
            ExitCode::from(2)
        }
    }
}
