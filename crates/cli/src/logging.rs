//! Log lines on stderr, at the level `-v`/`-q` ask for.
//!
//! Only brickport's own crates are raised by `-v`; the HTTP stack stays at `warn` whatever the
//! verbosity, because its debug output would print request headers, and a header is where
//! the token travels. `RUST_LOG` is honoured for developers, with the same clamp.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::settings::Verbosity;

const OWN_CRATES: [&str; 4] = [
    "brickport",
    "brickport_api",
    "brickport_engine",
    "brickport_emulator",
];

/// Installs the stderr subscriber. Call once, before anything logs.
pub fn init(verbosity: Verbosity) {
    let level = match verbosity {
        Verbosity::Quiet => "off",
        Verbosity::Normal => "warn",
        Verbosity::Verbose(1) => "info",
        Verbosity::Verbose(2) => "debug",
        Verbosity::Verbose(_) => "trace",
    };
    let mut directives = format!("warn,{}", own(level));
    if verbosity == Verbosity::Quiet {
        directives = "off".to_string();
    } else if let Ok(extra) = std::env::var("RUST_LOG") {
        directives.push(',');
        directives.push_str(&extra);
        // Re-clamp the HTTP stack after whatever RUST_LOG said.
        directives.push_str(",hyper=warn,hyper_util=warn,reqwest=warn,h2=warn,rustls=warn");
    }
    let filter = EnvFilter::try_new(&directives).unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .without_time()
        .try_init();
}

fn own(level: &str) -> String {
    OWN_CRATES
        .iter()
        .map(|c| format!("{c}={level}"))
        .collect::<Vec<_>>()
        .join(",")
}
