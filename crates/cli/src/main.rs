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
mod parse;
mod progress;
mod render;
mod settings;
mod signals;

use std::process::ExitCode;

/// Whether `err` is a run stopped by a workspace that stayed unreachable.
fn is_outage(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<brickport_engine::EngineError>()
            .is_some_and(brickport_engine::EngineError::is_unreachable)
    })
}

fn main() -> ExitCode {
    let cli = match parse::parse() {
        Ok(cli) => cli,
        Err(code) => return ExitCode::from(code),
    };
    let format = cli.global.output;
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
        if format == cli::OutputFormat::Json {
            output::print_json_error(
                "internal error (a bug in brickport, please report it)",
                None,
            );
        }
        return ExitCode::from(2);
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) if err.is::<signals::Interrupted>() => {
            let fix = err.downcast_ref::<signals::Interrupted>().map(|i| i.fix());
            eprintln!("{err}");
            if format == cli::OutputFormat::Json {
                output::print_json_error(&err.to_string(), fix.as_deref());
            }
            ExitCode::from(130)
        }
        // A workspace stayed unreachable past `outage_wait`: a clean stop to re-run later,
        // told apart from failures (1) and from "nothing done" (2). 75 is sysexits'
        // EX_TEMPFAIL: "a temporary failure; the user is invited to retry".
        Err(err) if is_outage(&err) => {
            output::print_error(format, &err.to_string(), None);
            ExitCode::from(75)
        }
        Err(err) => {
            // One line: the context chain, flattened. Messages never carry a token (the api's
            // errors describe requests by method, host and path only).
            let line = format!("{err:#}")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            output::print_error(format, &line, None);
            ExitCode::from(2)
        }
    }
}
