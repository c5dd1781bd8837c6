//! The engine's [`Progress`] callbacks, shown on stderr: one bar per kind on a terminal,
//! plain lines otherwise (a CI log, a pipe), nothing with `-q`.
//!
//! Only the cli knows the terminal, so this lives here and not in the engine.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use brickport_engine::{KindSummary, ObjectReport, Outcome, Progress};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::settings::Verbosity;

/// How progress is shown.
enum Mode {
    /// Nothing.
    Silent,
    /// One line per kind started and finished, and one per object that did not go well.
    Lines,
    /// Bars.
    Bars {
        multi: MultiProgress,
        bars: Mutex<HashMap<&'static str, ProgressBar>>,
    },
}

/// Progress on stderr.
pub struct CliProgress {
    mode: Mode,
}

impl CliProgress {
    /// Bars on a terminal, lines elsewhere, nothing when quiet.
    pub fn new(verbosity: Verbosity) -> Self {
        let mode = if verbosity == Verbosity::Quiet {
            Mode::Silent
        } else if std::io::stderr().is_terminal() {
            Mode::Bars {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                bars: Mutex::new(HashMap::new()),
            }
        } else {
            Mode::Lines
        };
        CliProgress { mode }
    }

    /// Prints a line on stderr without tearing the bars.
    pub fn line(&self, text: &str) {
        match &self.mode {
            Mode::Silent => {}
            Mode::Lines => eprintln!("{text}"),
            Mode::Bars { multi, .. } => {
                let _ = multi.println(text);
            }
        }
    }
}

/// The bar layout: the kind name right-aligned to the longest name the engine knows, so
/// every bar starts in the same column.
fn bar_template() -> String {
    let width = brickport_engine::kind_names()
        .iter()
        .map(|k| k.len())
        .max()
        .unwrap_or(0);
    format!("{{prefix:>{width}}} [{{bar:30}}] {{pos}}/{{len}} {{msg}}")
}

fn counts(s: &KindSummary) -> String {
    let mut parts = vec![
        format!("{} created", s.created),
        format!("{} updated", s.updated),
        format!("{} unchanged", s.unchanged),
    ];
    if s.skipped > 0 {
        parts.push(format!("{} skipped", s.skipped));
    }
    if s.conflicts > 0 {
        parts.push(format!("{} in conflict", s.conflicts));
    }
    if s.failed > 0 {
        parts.push(format!("{} FAILED", s.failed));
    }
    parts.join(", ")
}

fn noteworthy(r: &ObjectReport) -> Option<String> {
    let what = match r.outcome {
        Outcome::Failed => "failed",
        Outcome::Conflict => "conflict",
        _ => return None,
    };
    Some(format!(
        "{} {}: {what}{}",
        r.kind,
        r.key,
        r.detail
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default()
    ))
}

impl Progress for CliProgress {
    fn workspace_unreachable(&self, side: &'static str, since: SystemTime, every: Duration) {
        self.line(&format!(
            "{side} unreachable since {} UTC, retrying every {} s (nothing fails meanwhile)",
            brickport_api::clock_utc(since),
            every.as_secs().max(1)
        ));
    }
    fn workspace_answering(&self, side: &'static str, down: Duration) {
        self.line(&format!(
            "{side} answers again after {} s; resuming",
            down.as_secs()
        ));
    }
    fn run_started(&self, kinds: &[&'static str]) {
        if let Mode::Lines = self.mode {
            eprintln!("migrating {}", kinds.join(", "));
        }
    }

    fn kind_started(&self, kind: &'static str, total: usize) {
        match &self.mode {
            Mode::Silent => {}
            // The count is told by `kind_listed` (a streamed kind is still being listed).
            Mode::Lines => {}
            Mode::Bars { multi, bars } => {
                let bar = multi.add(ProgressBar::new(total as u64));
                bar.set_style(
                    ProgressStyle::with_template(&bar_template())
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                bar.set_prefix(kind);
                if let Ok(mut bars) = bars.lock() {
                    bars.insert(kind, bar);
                }
            }
        }
    }

    fn kind_listed(&self, kind: &'static str, total: usize) {
        match &self.mode {
            Mode::Silent => {}
            Mode::Lines => eprintln!("{kind}: {total} in the source"),
            Mode::Bars { bars, .. } => {
                if let Some(bar) = bars.lock().ok().and_then(|b| b.get(kind).cloned()) {
                    bar.set_length(total as u64);
                }
            }
        }
    }

    fn object_finished(&self, report: &ObjectReport) {
        tracing::info!(
            "{} {}: {}",
            report.kind,
            report.key,
            report.outcome.as_str()
        );
        let note = noteworthy(report);
        match &self.mode {
            Mode::Silent => {}
            Mode::Lines => {
                if let Some(note) = note {
                    eprintln!("{note}");
                }
            }
            Mode::Bars { multi, bars } => {
                if let Some(note) = note {
                    let _ = multi.println(note);
                }
                if let Some(bar) = bars.lock().ok().and_then(|b| b.get(report.kind).cloned()) {
                    bar.inc(1);
                }
            }
        }
    }

    fn kind_finished(&self, summary: &KindSummary) {
        let line = counts(summary);
        match &self.mode {
            Mode::Silent => {}
            Mode::Lines => eprintln!("{}: {line}", summary.kind),
            Mode::Bars { bars, .. } => {
                if let Some(bar) = bars.lock().ok().and_then(|b| b.get(summary.kind).cloned()) {
                    bar.finish_with_message(line);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bar_labels_are_as_wide_as_the_longest_kind_name() {
        let template = super::bar_template();
        assert!(indicatif::ProgressStyle::with_template(&template).is_ok());
        let width: usize = template
            .strip_prefix("{prefix:>")
            .and_then(|t| t.split('}').next())
            .and_then(|w| w.parse().ok())
            .unwrap_or_else(|| panic!("no prefix width in {template}"));
        // Every label fits, so every bar starts in the same column.
        for kind in brickport_engine::kind_names() {
            assert!(kind.len() <= width, "{kind} is wider than {width}");
        }
        assert!(width >= "cluster_policy_permissions".len(), "{width}");
    }
}
