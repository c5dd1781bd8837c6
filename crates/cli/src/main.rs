//! `brickport`: parse the command line, resolve it once into a configuration, run the command,
//! print at most one error line, and exit with 0 (all done, all checks hold), 1 (finished, but
//! some objects failed or some checks do not hold) or 2 (nothing done: bad usage,
//! configuration, credentials or connectivity).

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

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
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
        Err(err) if err.is::<commands::migrate::Interrupted>() => {
            eprintln!("{err}");
            ExitCode::from(130)
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
