//! The page's pictures, inline SVG: the run's outcomes (a ring and counts), the completion
//! dashboard (each phase's kinds done, the manual actions done and pending by category) and
//! one stacked bar of outcomes per kind.

use std::io::{self, Write};

use super::{Esc, FromLedger, duration, num};
use crate::dashboard::{ActionGroup, action_groups};
use crate::report::{KindSummary, RunReport};

/// The kinds table's columns: name, class attribute.
const KIND_COLUMNS: [(&str, &str); 11] = [
    ("kind", ""),
    ("phase", " class=\"num\""),
    ("objects", " class=\"num\""),
    ("outcomes", ""),
    ("created", " class=\"num\""),
    ("updated", " class=\"num\""),
    ("unchanged", " class=\"num\""),
    ("skipped", " class=\"num\""),
    ("failed", " class=\"num\""),
    ("conflicts", " class=\"num\""),
    ("time", " class=\"num\""),
];

/// The outcomes as the pictures split them: CSS name, label, count.
fn outcomes(k: &KindSummary) -> [(&'static str, &'static str, usize); 6] {
    [
        ("created", "created", k.created),
        ("updated", "updated", k.updated),
        ("unchanged", "unchanged", k.unchanged),
        ("skipped", "skipped", k.skipped),
        ("failed", "failed", k.failed),
        ("conflict", "in conflict", k.conflicts),
    ]
}

/// A bar of `parts` (CSS name, label, count) side by side in proportion to `total`, on a
/// track (what is left of `total` when the parts do not fill it).
pub(super) fn stacked_bar<W: Write>(
    w: &mut W,
    size: &str,
    parts: &[(&str, &str, usize)],
    total: usize,
) -> io::Result<()> {
    let label: Vec<String> = parts
        .iter()
        .map(|(_, l, n)| format!("{l} {}", num(*n)))
        .collect();
    write!(
        w,
        "<svg class=\"bar {size}\" viewBox=\"0 0 1000 10\" preserveAspectRatio=\"none\" \
         role=\"img\" aria-label=\"{}\">",
        Esc(&label.join(", "))
    )?;
    let mut x = 0.0;
    for (class, l, n) in parts.iter().filter(|p| p.2 > 0) {
        let width = *n as f64 * 1000.0 / total.max(1) as f64;
        write!(
            w,
            "<rect class=\"c-{class}\" x=\"{x:.2}\" width=\"{width:.2}\" height=\"10\">\
             <title>{l}: {}</title></rect>",
            num(*n)
        )?;
        x += width;
    }
    w.write_all(b"</svg>")
}

/// A ring of the outcomes' shares, the total in its middle.
fn ring<W: Write>(w: &mut W, totals: &KindSummary) -> io::Result<()> {
    // A circle of circumference 100: a segment's dash is its percentage.
    const R: &str = "15.915";
    write!(
        w,
        "<svg class=\"donut\" viewBox=\"0 0 42 42\" role=\"img\" aria-label=\"outcomes of {} \
         objects\"><circle cx=\"21\" cy=\"21\" r=\"{R}\" fill=\"none\" stroke=\"#e9edf2\" \
         stroke-width=\"6\"/>",
        num(totals.total)
    )?;
    let sum: usize = outcomes(totals).iter().map(|o| o.2).sum();
    let mut at = 0.0;
    for (class, label, n) in outcomes(totals).into_iter().filter(|o| o.2 > 0) {
        let share = n as f64 * 100.0 / sum as f64;
        write!(
            w,
            "<circle class=\"s-{class}\" cx=\"21\" cy=\"21\" r=\"{R}\" fill=\"none\" \
             stroke-width=\"6\" stroke-dasharray=\"{share:.3} {:.3}\" \
             stroke-dashoffset=\"{:.3}\"><title>{label}: {}</title></circle>",
            100.0 - share,
            25.0 - at,
            num(n)
        )?;
        at += share;
    }
    write!(
        w,
        "<text x=\"21\" y=\"22\" text-anchor=\"middle\">{}</text>\
         <text class=\"small\" x=\"21\" y=\"27\" text-anchor=\"middle\">objects</text></svg>",
        num(totals.total)
    )
}

impl RunReport {
    /// The ring and the counts (manual actions as the dashboard counts them).
    pub(super) fn write_overview<W: Write>(
        &self,
        w: &mut W,
        ledger: &FromLedger,
    ) -> io::Result<()> {
        let t = self.totals();
        let pending: usize = self
            .action_groups(ledger)
            .iter()
            .map(|g| g.total - g.done)
            .sum();
        w.write_all(
            b"<section id=\"overview\" class=\"overview\"><div class=\"panel donut-box\">",
        )?;
        ring(w, &t)?;
        w.write_all(
            b"<div class=\"note\">outcomes of this run's objects</div></div>\
              <div class=\"panel cards\">",
        )?;
        let mut cards: Vec<(&str, &str, usize)> = outcomes(&t).to_vec();
        cards.insert(0, ("objects", "objects listed", t.total));
        cards.push(("pending", "manual actions pending", pending));
        for (class, label, n) in cards {
            let zero = if n == 0 { " zero" } else { "" };
            write!(
                w,
                "<div class=\"card {class}{zero}\" data-count=\"{class}\"><div class=\"n\">{}\
                 </div><div class=\"l\">{label}</div></div>",
                num(n)
            )?;
        }
        w.write_all(b"</div></section>\n")
    }

    /// The completion dashboard: phases, and manual actions by category.
    pub(super) fn write_completion<W: Write>(
        &self,
        w: &mut W,
        ledger: &FromLedger,
    ) -> io::Result<()> {
        w.write_all(b"<section id=\"completion\"><h2>Completion<span class=\"sub\">")?;
        w.write_all(match ledger.dashboard {
            Some(_) => {
                b"every run of this directory, from its ledger (as brickport status shows it)"
            }
            None => b"this run only: no ledger was read",
        })?;
        w.write_all(
            b"</span></h2><div class=\"grid2\"><div class=\"panel\" id=\"phases\">\
              <h3>Phases<span class=\"sub\">objects done of listed</span></h3>",
        )?;
        match &ledger.dashboard {
            Some(d) => {
                for p in &d.phases {
                    write!(
                        w,
                        "<div class=\"meter phase\"><div class=\"head\"><span class=\"what\">\
                         Phase {} · {}</span><span class=\"num\">{} of {} objects · {}%</span>\
                         </div>",
                        p.phase,
                        Esc(&p.title),
                        p.done,
                        p.total,
                        p.percent
                    )?;
                    stacked_bar(w, "thick", &[("done", "done", p.done)], p.total)?;
                    if !p.pending.is_empty() {
                        w.write_all(b"<div class=\"rest\">not done: ")?;
                        for k in &p.pending {
                            write!(w, "<span class=\"chip\">{}</span>", Esc(k))?;
                        }
                        w.write_all(b"</div>")?;
                    }
                    w.write_all(b"</div>")?;
                }
            }
            None => w.write_all(
                b"<p class=\"note\">The run directory has no readable ledger: which kinds are \
                  done over every run is not known here.</p>",
            )?,
        }
        w.write_all(
            b"</div><div class=\"panel\" id=\"action-meters\"><h3>Manual actions\
              <span class=\"sub\">done and pending, by category</span></h3>",
        )?;
        write_action_meters(w, &self.action_groups(ledger))?;
        w.write_all(b"</div></div></section>\n")
    }

    /// The manual actions by category: the dashboard's (which adds the ledger's objects to
    /// fix and what cut-over did), or the report's own grouped the same way.
    pub(super) fn action_groups(&self, ledger: &FromLedger) -> Vec<ActionGroup> {
        match &ledger.dashboard {
            Some(d) => d.post_migration.clone(),
            None => action_groups(&self.manual_actions),
        }
    }

    /// One stacked bar of outcomes per kind, with the counts.
    pub(super) fn write_kinds_chart<W: Write>(&self, w: &mut W) -> io::Result<()> {
        w.write_all(
            b"<section id=\"kinds\"><h2>Objects by kind<span class=\"sub\">this run; a kind's \
              time is from its start to its last object, and kinds overlap</span></h2>\
              <div class=\"panel\"><div class=\"legend\">",
        )?;
        for (class, label, _) in outcomes(&KindSummary::default()) {
            write!(w, "<span class=\"{class}\">{label}</span>")?;
        }
        w.write_all(b"</div><table class=\"kinds\"><thead><tr>")?;
        for (name, class) in KIND_COLUMNS {
            write!(w, "<th{class}>{name}</th>")?;
        }
        w.write_all(b"</tr></thead><tbody>")?;
        let totals = self.totals();
        let rows = self.kinds.iter().map(|k| (k, k.phase.to_string(), ""));
        for (k, phase, class) in rows.chain([(&totals, String::new(), " class=\"total\"")]) {
            write!(
                w,
                "<tr{class} data-kind=\"{}\"><td>{}</td><td class=\"num\">{phase}</td>\
                 <td class=\"num\">{}</td><td class=\"barcell\">",
                Esc(k.kind),
                Esc(k.kind),
                num(k.total)
            )?;
            stacked_bar(w, "thin", &outcomes(k), k.total)?;
            w.write_all(b"</td>")?;
            for (_, _, n) in outcomes(k) {
                let zero = if n == 0 { " zero" } else { "" };
                write!(w, "<td class=\"num{zero}\">{}</td>", num(n))?;
            }
            write!(w, "<td class=\"num\">{}</td></tr>", duration(k.millis))?;
        }
        w.write_all(b"</tbody></table></div></section>\n")
    }
}

/// One meter per category: done and pending side by side.
fn write_action_meters<W: Write>(w: &mut W, groups: &[ActionGroup]) -> io::Result<()> {
    if groups.is_empty() {
        return w
            .write_all(b"<p class=\"note\">No manual action: nothing is left to do by hand.</p>");
    }
    w.write_all(
        b"<div class=\"legend\"><span class=\"done\">done</span>\
          <span class=\"pending\">pending</span></div>",
    )?;
    for g in groups {
        let pending = g.total - g.done;
        write!(
            w,
            "<div class=\"meter action\" data-group=\"{}\"><div class=\"head\"><span \
             class=\"what\">{}</span><span class=\"num\">{} pending · {} done</span></div>",
            Esc(&g.group),
            Esc(&g.title),
            num(pending),
            num(g.done)
        )?;
        let parts = [("done", "done", g.done), ("pending", "pending", pending)];
        stacked_bar(w, "thick", &parts, g.total)?;
        w.write_all(b"</div>")?;
    }
    Ok(())
}
