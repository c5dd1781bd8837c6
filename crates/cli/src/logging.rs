//! Log lines on stderr, at the level `-v`/`-q` ask for: `-v` each object's outcome and the
//! retries, `-vv` one line per HTTP request (method, URL without its query, status, time:
//! the api's `debug` events), `-vvv` the waits of pacing and throttling too (`trace`).
//!
//! Only brickport's own crates are raised by `-v`; the HTTP stack stays at `warn` whatever the
//! verbosity, because its debug output would print request headers, and a header is where
//! the token travels. `RUST_LOG` is honoured for developers, with the same clamp. While
//! progress bars are drawn, each log line is printed above them ([`print_above`]).

use std::io::{IsTerminal, Write};
use std::sync::Mutex;

use indicatif::MultiProgress;
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
        .with_writer(|| AboveBars)
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

/// The bars log lines are printed above, while there are some.
static BARS: Mutex<Option<MultiProgress>> = Mutex::new(None);

/// From now on, log lines are printed above `bars` (they would tear them otherwise).
pub fn print_above(bars: MultiProgress) {
    *BARS.lock().unwrap_or_else(|p| p.into_inner()) = Some(bars);
}

/// The bars are gone: log lines go straight to stderr again.
pub fn print_above_none() {
    *BARS.lock().unwrap_or_else(|p| p.into_inner()) = None;
}

/// stderr, with the bars (if any) lifted while a line is written. The formatter writes each
/// event with one `write`, so a line is never split around a redraw.
struct AboveBars;

impl Write for AboveBars {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let bars = BARS.lock().unwrap_or_else(|p| p.into_inner()).clone();
        match bars {
            Some(bars) => bars.suspend(|| std::io::stderr().write_all(buf))?,
            None => std::io::stderr().write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
