//! The page's last table: the runs started in the run directory, from the ledger's `runs`
//! (when each started and ended, what it was asked for, its counts), the latest first.

use std::io::{self, Write};

use serde::Deserialize;

use super::{Esc, FromLedger, SHOWN, duration, num, when};
use crate::ledger::RunRecord;
use crate::report::RunReport;

impl RunReport {
    /// The runs started in the run directory, the latest first.
    pub(super) fn write_history<W: Write>(&self, w: &mut W, ledger: &FromLedger) -> io::Result<()> {
        w.write_all(b"<section id=\"history\"><h2>Runs<span class=\"sub\">")?;
        if ledger.runs.is_empty() {
            return writeln!(
                w,
                "this run only</span></h2><div class=\"panel\"><p class=\"note\">No ledger was \
                 read, so no earlier run is known: this run started {} and finished {}.</p>\
                 </div></section>",
                Esc(&when(&self.started_at)),
                Esc(&when(&self.finished_at))
            );
        }
        write!(
            w,
            "{} started in this run directory, from its ledger</span></h2><div class=\"panel\">",
            num(ledger.runs.len())
        )?;
        let cols = [
            "run",
            "started",
            "finished",
            "time",
            "selection",
            "objects",
            "created",
            "updated",
            "unchanged",
            "skipped",
            "failed",
            "conflicts",
        ];
        let head: String = cols
            .iter()
            .enumerate()
            .map(|(i, c)| match i {
                0..5 => format!("<th>{c}</th>"),
                _ => format!("<th class=\"num\">{c}</th>"),
            })
            .collect();
        let open = |w: &mut W| {
            write!(
                w,
                "<table class=\"history\"><thead><tr>{head}</tr></thead><tbody>"
            )
        };
        open(w)?;
        let newest_first: Vec<_> = ledger.runs.iter().rev().collect();
        for (i, r) in newest_first.iter().enumerate() {
            if i == SHOWN {
                write!(
                    w,
                    "</tbody></table><details class=\"more\"><summary>Show {} older runs</summary>",
                    num(newest_first.len() - i)
                )?;
                open(w)?;
            }
            write_run(w, r, i == 0)?;
        }
        w.write_all(b"</tbody></table>")?;
        if newest_first.len() > SHOWN {
            w.write_all(b"</details>")?;
        }
        w.write_all(
            b"<p class=\"note\">A run with no end recorded was interrupted, or is still \
              running.</p></div></section>\n",
        )
    }
}

/// A run's counts, summed over its kinds (its summary is its report's `kinds`).
#[derive(Default, Deserialize)]
#[serde(default)]
struct Counts {
    total: usize,
    created: usize,
    updated: usize,
    unchanged: usize,
    skipped: usize,
    failed: usize,
    conflicts: usize,
}

fn run_counts(summary: Option<&str>) -> Option<Counts> {
    let kinds: Vec<Counts> = serde_json::from_str(summary?).ok()?;
    Some(kinds.iter().fold(Counts::default(), |t, k| Counts {
        total: t.total + k.total,
        created: t.created + k.created,
        updated: t.updated + k.updated,
        unchanged: t.unchanged + k.unchanged,
        skipped: t.skipped + k.skipped,
        failed: t.failed + k.failed,
        conflicts: t.conflicts + k.conflicts,
    }))
}

/// One run's row.
fn write_run<W: Write>(w: &mut W, r: &RunRecord, latest: bool) -> io::Result<()> {
    let (class, tag) = if latest {
        (" class=\"this\"", " (latest)")
    } else {
        ("", "")
    };
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
    let time = match (at(&r.started_at), r.finished_at.as_deref().and_then(at)) {
        (Some(a), Some(b)) => duration((b - a).num_milliseconds().max(0) as u64),
        _ => String::new(),
    };
    let finished = match &r.finished_at {
        Some(f) => Esc(&when(f)).to_string(),
        None => "<span class=\"pill running\">no end recorded</span>".to_string(),
    };
    write!(
        w,
        "<tr{class} data-run=\"{}\"><td>#{}{tag}</td><td>{}</td><td>{finished}</td><td>{time}</td>\
         <td class=\"sel\"><code>{}</code></td>",
        r.id,
        r.id,
        Esc(&when(&r.started_at)),
        Esc(&r.selection)
    )?;
    match run_counts(r.summary.as_deref()) {
        Some(c) => {
            for n in [
                c.total,
                c.created,
                c.updated,
                c.unchanged,
                c.skipped,
                c.failed,
                c.conflicts,
            ] {
                let zero = if n == 0 { " zero" } else { "" };
                write!(w, "<td class=\"num{zero}\">{}</td>", num(n))?;
            }
        }
        None => w.write_all(b"<td class=\"num zero\" colspan=\"7\">no counts recorded</td>")?,
    }
    w.write_all(b"</tr>")
}
