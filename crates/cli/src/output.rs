//! What a command hands back: a verdict, a JSON document and the same result as text.
//!
//! Results go to stdout, in the format asked for; everything else (progress, logs, the error
//! line) goes to stderr, so `brickport ... --output json | jq` always sees one JSON document.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use brickport_engine::RunReport;
use serde::Serialize;
use serde_json::Value;

use crate::cli::OutputFormat;

/// Writes a JSON document to stdout.
type WriteJson = Box<dyn FnOnce(&mut dyn Write) -> std::io::Result<()> + Send>;

/// A command's result as JSON.
pub enum Document {
    /// Built in memory.
    Value(Value),
    /// Written straight to stdout when printed, never built as a [`Value`]: a run's report
    /// lists every object (hundreds of thousands), read back from disk one at a time.
    Streamed(WriteJson),
}

impl From<Value> for Document {
    fn from(v: Value) -> Self {
        Document::Value(v)
    }
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Document::Value(v) => v.fmt(f),
            Document::Streamed(_) => f.write_str("Streamed(..)"),
        }
    }
}

/// The `--output json` document of a run or a plan: the report's fields, then `ok` and
/// `run_dir`.
#[derive(Serialize)]
struct RunJson {
    #[serde(flatten)]
    report: RunReport,
    ok: bool,
    run_dir: String,
}

/// The result of a command that ran to its end.
#[derive(Debug)]
pub struct Outcome {
    /// True when everything was done and every check holds (exit 0); false when the command
    /// finished but some objects failed or some checks do not hold (exit 1).
    pub success: bool,
    /// The result as one JSON document.
    pub json: Document,
    /// The result for a person, ending with a newline.
    pub text: String,
}

impl Outcome {
    /// A command that printed its own result as it went (`emulator`).
    pub fn printed() -> Outcome {
        Outcome {
            success: true,
            json: Value::Null.into(),
            text: String::new(),
        }
    }

    /// A run's or a plan's outcome. Its JSON document is streamed to stdout when printed,
    /// every object read back from disk one at a time (a large workspace's report does not
    /// fit in memory as a `Value`).
    pub fn of_run(report: RunReport, run_dir: &Path, text: String) -> Outcome {
        let ok = report.is_success();
        let doc = RunJson {
            report,
            ok,
            run_dir: run_dir.display().to_string(),
        };
        Outcome::streamed(ok, text, move |out| {
            serde_json::to_writer_pretty(out, &doc).map_err(std::io::Error::from)
        })
    }

    /// A result whose JSON document is written by `json` when printed.
    pub fn streamed(
        success: bool,
        text: String,
        json: impl FnOnce(&mut dyn Write) -> std::io::Result<()> + Send + 'static,
    ) -> Outcome {
        Outcome {
            success,
            json: Document::Streamed(Box::new(json)),
            text,
        }
    }

    /// Writes the result to stdout in `format`.
    pub fn print(self, format: OutputFormat) -> Result<()> {
        if matches!(self.json, Document::Value(Value::Null)) && self.text.is_empty() {
            return Ok(());
        }
        let mut out = std::io::stdout().lock();
        let written = match format {
            OutputFormat::Json => match self.json {
                Document::Streamed(write) => write(&mut out),
                Document::Value(v) => {
                    serde_json::to_writer_pretty(&mut out, &v).map_err(std::io::Error::from)
                }
            }
            .and_then(|()| writeln!(out)),
            OutputFormat::Text => out.write_all(self.text.as_bytes()),
        };
        match written.and_then(|()| out.flush()) {
            // A closed pipe (`brickport status | head`) is the reader's choice, not an error.
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other.context("cannot write the result to stdout"),
        }
    }

    /// The process exit code for this outcome: 0 or 1.
    pub fn exit_code(&self) -> u8 {
        if self.success { 0 } else { 1 }
    }
}

/// Prints an error that ends the command: one line on stderr, and with `--output json` also
/// `{"ok": false, "error": …, "fix": …}` on stdout, so a script reading stdout always gets a
/// document. `fix` is what to do about it, when known (`null` otherwise).
pub fn print_error(format: OutputFormat, message: &str, fix: Option<&str>) {
    match fix {
        Some(fix) => eprintln!("error: {message} ({fix})"),
        None => eprintln!("error: {message}"),
    }
    if format == OutputFormat::Json {
        print_json_error(message, fix);
    }
}

/// `{"ok": false, "error": …, "fix": …}` on stdout (a closed pipe is ignored: the error line
/// is on stderr all the same).
pub fn print_json_error(message: &str, fix: Option<&str>) {
    let doc = serde_json::json!({"ok": false, "error": message, "fix": fix});
    let mut out = std::io::stdout().lock();
    let _ = serde_json::to_writer_pretty(&mut out, &doc)
        .map_err(std::io::Error::from)
        .and_then(|()| writeln!(out))
        .and_then(|()| out.flush());
}
