//! The engine's [`Progress`] callbacks, shown on stderr: on a terminal an overall bar (objects
//! done of listed, rate, elapsed, time left) above one bar per kind in flight, ordered by
//! phase; plain lines otherwise (a CI log, a pipe), with an overall line every few seconds and
//! at the end; nothing with `-q`. `migrate`, `plan` and `verify` all show it.
//!
//! A kind still being listed shows what is done of what is listed *so far*. A finished kind's
//! bar gives way to one printed line, so the bars in flight fit a terminal at any number of
//! kinds. Only the cli knows the terminal, so this lives here and not in the engine.

mod overall;

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use brickport_engine::{KindSummary, ObjectReport, Outcome, Progress};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::logging;
use crate::settings::Verbosity;

/// How often the plain output repeats the overall line while objects go by.
const LINE_EVERY: Duration = Duration::from_secs(10);

/// What the progress is of: the words of its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// `migrate`, `import`.
    Migrate,
    /// `plan`: outcomes are what `migrate` would do.
    Plan,
    /// `verify`: objects compared.
    Verify,
}

/// How progress is shown.
enum Mode {
    /// Nothing.
    Silent,
    /// Lines: kinds listed and finished, objects that did not go well, the overall count.
    Lines,
    /// Bars, the overall one first; `all_listed` is read by its time-left estimate.
    Bars {
        multi: MultiProgress,
        overall: ProgressBar,
        all_listed: Arc<AtomicBool>,
    },
}

/// One kind's counts, and its bar while it is in flight.
#[derive(Default)]
struct KindLine {
    listed: u64,
    listing_ended: bool,
    bar: Option<ProgressBar>,
}

/// The counts of the whole run.
struct State {
    kinds: HashMap<&'static str, KindLine>,
    /// The kinds whose bar is shown, in display order (phase, then table order).
    shown: Vec<&'static str>,
    /// Kinds in the run, and those whose listing has ended.
    expected: usize,
    listings_ended: usize,
    listed: u64,
    done: u64,
    started: Instant,
    last_line: Instant,
}

/// Progress on stderr.
pub struct CliProgress {
    mode: Mode,
    task: Task,
    state: Mutex<State>,
    /// Each kind's place among the bars: its phase, then its place in the engine's table.
    order: HashMap<&'static str, (u8, usize)>,
}

impl CliProgress {
    /// Bars on a terminal, lines elsewhere, nothing when quiet; the progress of a `migrate`.
    pub fn new(verbosity: Verbosity) -> Self {
        Self::of(Task::Migrate, verbosity)
    }

    /// Bars on a terminal, lines elsewhere, nothing when quiet.
    pub fn of(task: Task, verbosity: Verbosity) -> Self {
        let mode = if verbosity == Verbosity::Quiet {
            Mode::Silent
        } else if std::io::stderr().is_terminal() {
            let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
            // Log lines (`-v`) go above the bars instead of through them.
            logging::print_above(multi.clone());
            let all_listed = Arc::new(AtomicBool::new(false));
            let overall = ProgressBar::hidden();
            overall.set_style(overall_style(all_listed.clone()));
            overall.set_prefix("all kinds");
            Mode::Bars {
                multi,
                overall,
                all_listed,
            }
        } else {
            Mode::Lines
        };
        let names = brickport_engine::kind_names();
        let order = names
            .iter()
            .enumerate()
            .map(|(i, k)| (*k, (brickport_engine::kind_phase(k).unwrap_or(0), i)))
            .collect();
        let now = Instant::now();
        CliProgress {
            mode,
            task,
            state: Mutex::new(State {
                kinds: HashMap::new(),
                shown: Vec::new(),
                expected: usize::MAX,
                listings_ended: 0,
                listed: 0,
                done: 0,
                started: now,
                last_line: now,
            }),
            order,
        }
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

    /// Objects done so far (for the line that says where a stopped run got to).
    pub fn done(&self) -> u64 {
        self.lock().done
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The kind's bar, added in its place among the bars shown (on a terminal).
    fn ensure_bar(&self, st: &mut State, kind: &'static str) {
        let Mode::Bars { multi, .. } = &self.mode else {
            return;
        };
        if st.kinds.get(kind).is_some_and(|k| k.bar.is_some()) {
            return;
        }
        let key = |k: &str| self.order.get(k).copied().unwrap_or((u8::MAX, usize::MAX));
        let at = st.shown.partition_point(|k| key(k) < key(kind));
        st.shown.insert(at, kind);
        // The overall bar is the first: the kinds' come after it.
        let bar = multi.insert(at + 1, ProgressBar::new(0));
        bar.set_style(kind_style());
        bar.set_prefix(kind);
        bar.set_message(" listed so far");
        st.kinds.entry(kind).or_default().bar = Some(bar);
    }

    /// On a terminal, the overall bar's counts; elsewhere, the overall line when it is due
    /// (`now`, or every [`LINE_EVERY`]).
    fn overall(&self, st: &mut State, now: bool) {
        let all_listed = st.listings_ended >= st.expected;
        match &self.mode {
            Mode::Silent => {}
            Mode::Bars {
                overall,
                all_listed: flag,
                ..
            } => {
                flag.store(all_listed, Ordering::Relaxed);
                overall.set_length(st.listed);
                overall.set_position(st.done);
                overall.set_message(if all_listed { " objects" } else { " so far" });
            }
            Mode::Lines => {
                if now || st.last_line.elapsed() >= LINE_EVERY {
                    st.last_line = Instant::now();
                    let elapsed = st.started.elapsed();
                    eprintln!("{}", overall::line(st.done, st.listed, all_listed, elapsed));
                }
            }
        }
    }

    /// One object done: its kind's bar and the overall count move.
    fn one_done(&self, kind: &'static str) {
        let mut st = self.lock();
        st.done += 1;
        if let Some(bar) = st.kinds.get(kind).and_then(|k| k.bar.as_ref()) {
            bar.inc(1);
        }
        self.overall(&mut st, false);
    }

    /// A kind ends: its bar gives way to `line` (printed above the bars), or `line` is printed.
    fn kind_ended(&self, kind: &'static str, line: String) {
        let mut st = self.lock();
        let bar = st.kinds.get_mut(kind).and_then(|k| k.bar.take());
        st.shown.retain(|k| *k != kind);
        match &self.mode {
            Mode::Silent => {}
            Mode::Lines => eprintln!("{kind}: {line}"),
            Mode::Bars { multi, .. } => {
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                    multi.remove(&bar);
                }
                let _ = multi.println(format!("{kind}: {line}"));
            }
        }
        // In a log, the overall line at the end, and every [`LINE_EVERY`] before.
        let end = st.listings_ended >= st.expected && st.done >= st.listed;
        self.overall(&mut st, end);
    }

    fn counts(&self, s: &KindSummary) -> String {
        let plan = self.task == Task::Plan;
        let mut parts = vec![
            format!(
                "{} {}",
                s.created,
                if plan { "to create" } else { "created" }
            ),
            format!(
                "{} {}",
                s.updated,
                if plan { "to update" } else { "updated" }
            ),
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
}

/// The kinds' bars: the name right-aligned to the longest name the engine knows, so every bar
/// starts in the same column.
fn bar_template(what: &str) -> String {
    let width = brickport_engine::kind_names()
        .iter()
        .map(|k| k.len())
        .max()
        .unwrap_or(0);
    format!("{{prefix:>{width}}} [{{bar:25}}] {{pos}}/{{len}}{what}")
}

fn kind_style() -> ProgressStyle {
    ProgressStyle::with_template(&bar_template("{msg}"))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ")
}

/// The overall bar: done of listed, then the rate, the time elapsed and the time left.
fn overall_style(all_listed: Arc<AtomicBool>) -> ProgressStyle {
    let stats = move |s: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
        let listed = s.len().unwrap_or(0);
        let done = all_listed.load(Ordering::Relaxed);
        let _ = w.write_str(&overall::stats(s.pos(), listed, done, s.elapsed()));
    };
    ProgressStyle::with_template(&bar_template("{msg} · {stats}"))
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .with_key("stats", stats)
        .progress_chars("=> ")
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
        let mut st = self.lock();
        st.expected = kinds.len();
        st.started = Instant::now();
        let verb = match self.task {
            Task::Migrate => "migrating",
            Task::Plan => "planning",
            Task::Verify => "verifying",
        };
        match &self.mode {
            Mode::Silent => {}
            Mode::Lines => eprintln!("{verb} {}", kinds.join(", ")),
            Mode::Bars { multi, overall, .. } => {
                let bar = multi.insert(0, overall.clone());
                bar.reset_elapsed();
                bar.enable_steady_tick(Duration::from_millis(500));
            }
        }
    }

    fn object_listed(&self, kind: &'static str) {
        let mut st = self.lock();
        self.ensure_bar(&mut st, kind);
        st.listed += 1;
        let line = st.kinds.entry(kind).or_default();
        line.listed += 1;
        if let Some(bar) = &line.bar {
            bar.set_length(line.listed);
        }
        self.overall(&mut st, false);
    }

    fn kind_started(&self, kind: &'static str, _total: usize) {
        // The counts come with `object_listed` and `kind_listed`.
        let mut st = self.lock();
        self.ensure_bar(&mut st, kind);
        st.kinds.entry(kind).or_default();
    }

    fn kind_listed(&self, kind: &'static str, total: usize) {
        let mut st = self.lock();
        let line = st.kinds.entry(kind).or_default();
        if line.listing_ended {
            return;
        }
        line.listing_ended = true;
        // Whatever `object_listed` counted, the listing's own total is the truth.
        let before = std::mem::replace(&mut line.listed, total as u64);
        if let Some(bar) = &line.bar {
            bar.set_length(total as u64);
            bar.set_message("");
        }
        st.listed = st.listed + total as u64 - before.min(st.listed);
        st.listings_ended += 1;
        if self.mode_is_lines() {
            eprintln!("{kind}: {total} in the source");
        }
        self.overall(&mut st, false);
    }

    fn object_finished(&self, report: &ObjectReport) {
        tracing::info!(
            "{} {}: {}",
            report.kind,
            report.key,
            report.outcome.as_str()
        );
        if let Some(note) = noteworthy(report) {
            self.line(&note);
        }
        self.one_done(report.kind);
    }

    fn kind_finished(&self, summary: &KindSummary) {
        self.kind_ended(summary.kind, self.counts(summary));
    }

    fn object_verified(&self, kind: &'static str, _equal: bool) {
        self.one_done(kind);
    }

    fn kind_verified(&self, kind: &'static str, compared: usize, differing: usize) {
        let line = format!("{compared} compared, {differing} differ");
        self.kind_ended(kind, line);
    }
}

impl CliProgress {
    fn mode_is_lines(&self) -> bool {
        matches!(self.mode, Mode::Lines)
    }
}

impl Drop for CliProgress {
    fn drop(&mut self) {
        if let Mode::Bars { multi, overall, .. } = &self.mode {
            // A stopped run's bars too: the line saying where it stopped comes next.
            let st = self.lock();
            for bar in st.kinds.values().filter_map(|k| k.bar.as_ref()) {
                bar.finish_and_clear();
            }
            overall.disable_steady_tick();
            overall.finish_and_clear();
            let _ = multi.clear();
            logging::print_above_none();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bar_labels_are_as_wide_as_the_longest_kind_name() {
        let template = super::bar_template("{msg}");
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
