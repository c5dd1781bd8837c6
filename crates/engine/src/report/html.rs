//! `report.html`: the run's report as a page to look at, written beside `report.md` from the
//! same data, plus what the run directory's ledger knows (the completion dashboard `status`
//! shows, and the history of the runs): pictures of progress (`charts`), then the tables of
//! what needs a person — problems, dropped attributes and references, manual actions — and the
//! runs (`tables`).
//!
//! One file that needs nothing else: inline CSS, inline SVG, one small inline script (the
//! tables' filters; without it every row shows). Its Content-Security-Policy allows exactly
//! that style and that script by their hashes and nothing else, so a browser loads nothing
//! from anywhere and runs nothing a name could smuggle in; and every text that comes from a
//! workspace or the ledger (names, errors, hosts) is escaped ([`Esc`]).
//!
//! A large run's page stays small: it lists what needs attention, never every object
//! (`report.md` and `report.json` do), and within a kind or a category shows the first
//! [`SHOWN`] rows, folds the next ones up to [`LISTED`] in a `<details>`, and counts the rest.
//! Those objects are the report's notable ones, already in memory (see `log`).

use std::fmt;
use std::io::{self, Write};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::RunReport;
use crate::dashboard::Dashboard;
use crate::ledger::{Access, Ledger, RunRecord};

mod charts;
mod history;
mod tables;
#[cfg(test)]
mod tests;

const STYLE: &str = include_str!("html/style.css");
const SCRIPT: &str = include_str!("html/filter.js");

/// Rows of a group shown at first.
pub(crate) const SHOWN: usize = 10;
/// Rows of a group in the page (past [`SHOWN`], folded); the rest are counted, not listed.
pub(crate) const LISTED: usize = 500;

/// What the page shows from the run directory's ledger, beside the run's own report.
#[derive(Debug, Default)]
pub(crate) struct FromLedger {
    /// The completion dashboard, as `status` shows it.
    pub(crate) dashboard: Option<Dashboard>,
    /// Every run started in the directory, oldest first.
    pub(crate) runs: Vec<RunRecord>,
    /// Why the ledger could not be read (the page says so, and shows the rest).
    pub(crate) error: Option<String>,
}

impl FromLedger {
    /// Reads the ledger of `run_dir`, if it has one. A ledger that cannot be read costs the
    /// page its dashboard and history, not the report.
    pub(crate) fn read(run_dir: &Path) -> FromLedger {
        if !Ledger::file(run_dir).is_file() {
            return FromLedger::default();
        }
        let read = || {
            let ledger = Ledger::open(run_dir, Access::ReadOnly)?;
            let runs = ledger.runs()?;
            let dashboard = crate::dashboard::of_ledger(&ledger, run_dir)?;
            Ok::<_, crate::EngineError>((dashboard, runs))
        };
        match read() {
            Ok((dashboard, runs)) => FromLedger {
                dashboard: Some(dashboard),
                runs,
                error: None,
            },
            Err(e) => FromLedger {
                error: Some(e.to_string()),
                ..FromLedger::default()
            },
        }
    }
}

/// Text escaped for HTML, as element content or a quoted attribute value.
pub(crate) struct Esc<'a>(pub(crate) &'a str);

impl fmt::Display for Esc<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
            f.write_str(&rest[..at])?;
            f.write_str(match rest.as_bytes()[at] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => "&#39;",
            })?;
            rest = &rest[at + 1..];
        }
        f.write_str(rest)
    }
}

/// `n` with thousands separated: `12,345`.
pub(crate) fn num(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A duration for people: `850 ms`, `1.9 s`, `2 min 05 s`, `1 h 02 min`.
pub(crate) fn duration(ms: u64) -> String {
    let s = ms / 1000;
    match ms {
        0..1_000 => format!("{ms} ms"),
        1_000..60_000 => format!("{:.1} s", ms as f64 / 1000.0),
        60_000..3_600_000 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
    }
}

/// An RFC 3339 time for people, in UTC (as it is, when it is not one).
pub(crate) fn when(at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(at)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y-%m-%d %H:%M:%S UTC")
                .to_string()
        })
        .unwrap_or_else(|_| at.to_string())
}

/// The CSP source of an inline block: its SHA-256, base64.
fn csp_hash(block: &str) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let digest = Sha256::digest(block.as_bytes());
    let mut out = String::from("'sha256-");
    for chunk in digest.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out.push('\'');
    out
}

impl RunReport {
    /// Writes the report as one self-contained HTML page to `w` (see the module's doc).
    pub(crate) fn write_html<W: Write>(&self, w: &mut W, ledger: &FromLedger) -> io::Result<()> {
        let title = if self.dry_run {
            "Plan"
        } else {
            "Migration report"
        };
        write!(
            w,
            "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src {}; script-src {}; img-src data:; base-uri 'none'; form-action 'none'\">\n\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
             <title>{title}: {} → {}</title>\n<style>",
            csp_hash(STYLE),
            csp_hash(SCRIPT),
            Esc(&self.source),
            Esc(&self.target),
        )?;
        write!(w, "{STYLE}</style>\n</head>\n<body>\n")?;
        self.write_header(w, title, ledger)?;
        w.write_all(b"<main class=\"wrap\">\n")?;
        self.write_alerts(w, ledger)?;
        self.write_overview(w, ledger)?;
        self.write_completion(w, ledger)?;
        self.write_kinds_chart(w)?;
        self.write_problems(w)?;
        self.write_dropped(w)?;
        self.write_translated(w)?;
        self.write_actions(w, ledger)?;
        self.write_history(w, ledger)?;
        self.write_footer(w)?;
        write!(w, "</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n")
    }

    /// The band at the top: what, where, when, and the verdict.
    fn write_header<W: Write>(
        &self,
        w: &mut W,
        title: &str,
        ledger: &FromLedger,
    ) -> io::Result<()> {
        let (class, verdict) = self.verdict();
        let run = ledger
            .runs
            .last()
            .map(|r| format!("Run #{} · ", r.id))
            .unwrap_or_default();
        writeln!(
            w,
            "<header class=\"top\"><div class=\"wrap\"><div>\
             <div class=\"brand\">brickport</div><h1>{title}</h1>\
             <p class=\"hosts\">source <code>{}</code> → target <code>{}</code></p>\
             <p class=\"meta\">{run}started {} · finished {} · wall time {}</p></div>\
             <span class=\"badge {class}\" id=\"verdict\">{verdict}</span></div></header>",
            Esc(&self.source),
            Esc(&self.target),
            Esc(&when(&self.started_at)),
            Esc(&when(&self.finished_at)),
            duration(self.wall_millis()),
        )
    }

    /// The badge's class and words.
    fn verdict(&self) -> (&'static str, String) {
        let pending = self.pending_actions().len();
        if self.aborted.is_some() {
            ("bad", "Aborted".into())
        } else if !self.is_success() {
            ("bad", "Finished with problems".into())
        } else if pending > 0 {
            (
                "warn",
                format!("Done · {} manual actions left", num(pending)),
            )
        } else {
            ("ok", "Done".into())
        }
    }

    /// Why the run stopped, the kinds it needed and lacked, what was not re-read, and a ledger
    /// that could not be read.
    fn write_alerts<W: Write>(&self, w: &mut W, ledger: &FromLedger) -> io::Result<()> {
        if let Some(a) = &self.aborted {
            writeln!(
                w,
                "<div class=\"alert bad\"><b>Aborted:</b> {}</div>",
                Esc(a)
            )?;
        }
        if !self.missing_dependencies.is_empty() {
            w.write_all(b"<div class=\"alert bad\"><b>Missing dependencies</b>")?;
            let waiting = self.waiting_for_dependencies().len();
            if waiting > 0 {
                write!(
                    w,
                    " — {} selected objects were skipped because they need these kinds; \
                     migrate them first, then run again.",
                    num(waiting)
                )?;
            }
            w.write_all(b"<ul>")?;
            for m in &self.missing_dependencies {
                write!(w, "<li>{}</li>", Esc(m))?;
            }
            w.write_all(b"</ul></div>\n")?;
        }
        if self.log.not_reread > 0 {
            writeln!(
                w,
                "<div class=\"alert warn\"><b>Not re-read:</b> {} objects are unchanged in the \
                 source since the last run and were not read from the target, so a change made \
                 there by hand is not seen: <code>brickport verify</code> checks the target, \
                 <code>brickport migrate --recheck</code> repairs it.</div>",
                num(self.log.not_reread)
            )?;
        }
        if let Some(e) = &ledger.error {
            writeln!(
                w,
                "<div class=\"alert warn\"><b>The ledger could not be read</b> ({}): the \
                 completion dashboard and the run history are missing from this page.</div>",
                Esc(e)
            )?;
        }
        Ok(())
    }

    /// Where the rest is: the other files of the run directory.
    fn write_footer<W: Write>(&self, w: &mut W) -> io::Result<()> {
        writeln!(
            w,
            "<footer>Written by brickport {} with <code>report.md</code> and \
             <code>report.json</code>, which list every object of the run ({}) with its id \
             in the target. Also in the run directory: <code>ledger.sqlite</code> (the id map; \
             <code>brickport status</code> reads it) and {} backup files of the source.\
             </footer>",
            env!("CARGO_PKG_VERSION"),
            num(self.object_count()),
            num(self.backups.len()),
        )
    }
}
