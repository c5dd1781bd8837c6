//! What a command hands back: a verdict, a JSON document and the same result as text.
//!
//! Results go to stdout, in the format asked for; everything else (progress, logs, the error
//! line) goes to stderr, so `brickport ... --output json | jq` always sees one JSON document.

use std::io::Write;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::cli::OutputFormat;

/// The result of a command that ran to its end.
#[derive(Debug)]
pub struct Outcome {
    /// True when everything was done and every check holds (exit 0); false when the command
    /// finished but some objects failed or some checks do not hold (exit 1).
    pub success: bool,
    /// The result as one JSON document.
    pub json: Value,
    /// The result for a person, ending with a newline.
    pub text: String,
}

impl Outcome {
    /// A command that printed its own result as it went (`emulator`).
    pub fn printed() -> Outcome {
        Outcome {
            success: true,
            json: Value::Null,
            text: String::new(),
        }
    }

    /// Writes the result to stdout in `format`.
    pub fn print(&self, format: OutputFormat) -> Result<()> {
        if self.json.is_null() && self.text.is_empty() {
            return Ok(());
        }
        let mut out = std::io::stdout().lock();
        let written = match format {
            OutputFormat::Json => serde_json::to_writer_pretty(&mut out, &self.json)
                .map_err(std::io::Error::from)
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
