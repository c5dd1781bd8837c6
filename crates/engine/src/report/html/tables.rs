//! The page's tables of what needs a person: the problems (failed, in conflict, skipped, with
//! their reasons), the dropped attributes and references, the manual actions — each in groups
//! (a kind, a category) folded past [`SHOWN`] rows and cut past [`LISTED`], with filters.

use std::io::{self, Write};

use super::{Esc, FromLedger, LISTED, SHOWN, num};
use crate::dashboard::ActionItem;
use crate::report::{ObjectReport, Outcome, RunReport};

/// A column: its header and its width class.
type Col = (&'static str, &'static str);

/// One group of a table's rows: what they share (a kind, a category), its counts, the rows.
struct Group<'a, T> {
    label: String,
    sub: String,
    items: Vec<&'a T>,
}

/// A filter's select: the row attribute it matches, the "any" label, the (value, label)s.
type Select = (&'static str, &'static str, Vec<(String, String)>);

/// The filters of a section: its selects, a text box and the count of rows shown. Hidden
/// until the script runs (without it, they would do nothing).
fn write_filters<W: Write>(w: &mut W, selects: &[Select]) -> io::Result<()> {
    w.write_all(b"<div class=\"filters\" hidden>")?;
    for (key, any, options) in selects {
        write!(
            w,
            "<select data-filter=\"{key}\" aria-label=\"{key}\"><option value=\"\">{any}</option>"
        )?;
        for (value, label) in options {
            write!(
                w,
                "<option value=\"{}\">{}</option>",
                Esc(value),
                Esc(label)
            )?;
        }
        w.write_all(b"</select>")?;
    }
    w.write_all(
        b"<input type=\"search\" data-filter=\"text\" placeholder=\"Filter by text\" \
          aria-label=\"filter by text\"><span class=\"count\"></span></div>",
    )
}

fn table_open<W: Write>(w: &mut W, cols: &[Col], head: bool) -> io::Result<()> {
    w.write_all(b"<table class=\"rows\"><colgroup>")?;
    for (_, width) in cols {
        write!(w, "<col class=\"{width}\">")?;
    }
    w.write_all(b"</colgroup>")?;
    if head {
        w.write_all(b"<thead><tr>")?;
        for (name, _) in cols {
            write!(w, "<th>{name}</th>")?;
        }
        w.write_all(b"</tr></thead>")?;
    }
    w.write_all(b"<tbody>")
}

/// The groups: [`SHOWN`] rows each, the next ones folded, the rest counted (`all`: where
/// they all are).
fn write_groups<W: Write, T>(
    w: &mut W,
    cols: &[Col],
    groups: &[Group<'_, T>],
    all: &str,
    mut row: impl FnMut(&mut W, &T) -> io::Result<()>,
) -> io::Result<()> {
    // One header for every group (they share the columns' widths), which no filter hides.
    table_open(w, cols, true)?;
    w.write_all(b"</tbody></table>")?;
    for g in groups {
        write!(
            w,
            "<div class=\"group\"><div class=\"gh\">{}<span class=\"sub\">{}</span></div>",
            Esc(&g.label),
            Esc(&g.sub)
        )?;
        table_open(w, cols, false)?;
        for item in g.items.iter().take(SHOWN) {
            row(w, item)?;
        }
        w.write_all(b"</tbody></table>")?;
        let folded = g.items.len().min(LISTED).saturating_sub(SHOWN);
        if folded > 0 {
            write!(
                w,
                "<details class=\"more\"><summary>Show {} more</summary>",
                num(folded)
            )?;
            table_open(w, cols, false)?;
            for item in g.items.iter().take(LISTED).skip(SHOWN) {
                row(w, item)?;
            }
            w.write_all(b"</tbody></table></details>")?;
        }
        let cut = g.items.len().saturating_sub(LISTED);
        if cut > 0 {
            write!(
                w,
                "<p class=\"cut\">{} more not listed here: {all} lists them all.</p>",
                num(cut)
            )?;
        }
        w.write_all(b"</div>\n")?;
    }
    Ok(())
}

/// `items` grouped by `key`, in the order their first one comes.
fn grouped<'a, T>(
    items: impl Iterator<Item = &'a T>,
    key: impl Fn(&T) -> &str,
) -> Vec<(String, Vec<&'a T>)> {
    let mut out: Vec<(String, Vec<&T>)> = Vec::new();
    for item in items {
        match out.iter_mut().find(|(k, _)| k == key(item)) {
            Some((_, v)) => v.push(item),
            None => out.push((key(item).to_string(), vec![item])),
        }
    }
    out
}

/// `3 failed · 1 skipped`: the counts of each label, in the order given.
fn counts<'a>(labels: impl Iterator<Item = &'a str>, order: &[&str]) -> String {
    let labels: Vec<&str> = labels.collect();
    let parts: Vec<String> = order
        .iter()
        .map(|l| (l, labels.iter().filter(|x| *x == l).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(l, n)| format!("{} {l}", num(n)))
        .collect();
    parts.join(" · ")
}

/// What needs looking at first inside a kind: failures, then conflicts, then skips.
fn severity(o: Outcome) -> u8 {
    match o {
        Outcome::Failed => 0,
        Outcome::Conflict => 1,
        _ => 2,
    }
}

fn kind_options<T>(groups: &[(String, Vec<&T>)]) -> Vec<(String, String)> {
    groups.iter().map(|(k, _)| (k.clone(), k.clone())).collect()
}

/// The body of a section listing objects by kind with one list per object (what was dropped,
/// what was translated): the kind filter, then a table per kind — object, outcome, `lines`
/// (headed `what`) — and the section's end.
fn write_listed<W: Write>(
    w: &mut W,
    by_kind: Vec<(String, Vec<&ObjectReport>)>,
    what: &'static str,
    lines: impl Fn(&ObjectReport) -> Vec<String>,
) -> io::Result<()> {
    write_filters(w, &[("kind", "All kinds", kind_options(&by_kind))])?;
    let groups: Vec<Group<ObjectReport>> = by_kind
        .into_iter()
        .map(|(kind, items)| Group {
            sub: format!("{} objects", num(items.len())),
            label: kind,
            items,
        })
        .collect();
    let cols = [("object", "w30"), ("outcome", "w10"), (what, "w60")];
    write_groups(w, &cols, &groups, "report.md", |w, o| {
        write!(
            w,
            "<tr data-row data-kind=\"{}\"><td><code>{}</code></td><td><span class=\"pill \
             {}\">{}</span></td><td><ul class=\"plain\">",
            Esc(o.kind),
            Esc(&o.key),
            o.outcome.as_str(),
            o.outcome.as_str()
        )?;
        for line in lines(o) {
            write!(w, "<li>{}</li>", Esc(&line))?;
        }
        w.write_all(b"</ul></td></tr>")
    })?;
    w.write_all(b"</div></section>\n")
}

impl RunReport {
    /// The objects failed, in conflict or skipped, with why, by kind.
    pub(super) fn write_problems<W: Write>(&self, w: &mut W) -> io::Result<()> {
        let problems = self.notable().iter().filter(|o| {
            matches!(
                o.outcome,
                Outcome::Failed | Outcome::Conflict | Outcome::Skipped
            )
        });
        let mut by_kind = grouped(problems, |o| o.kind);
        for (_, items) in &mut by_kind {
            items.sort_by_key(|o| severity(o.outcome));
        }
        let total: usize = by_kind.iter().map(|(_, v)| v.len()).sum();
        write!(
            w,
            "<section id=\"problems\" data-filterable><h2>Problems<span class=\"sub\">{} \
             objects failed, in conflict or skipped, with why</span></h2><div class=\"panel\">",
            num(total)
        )?;
        if total == 0 {
            return w.write_all(
                b"<p class=\"note\">Nothing failed, nothing is in conflict, nothing was \
                  skipped.</p></div></section>\n",
            );
        }
        let outcomes = ["failed", "conflict", "skipped"]
            .map(|o| (o.to_string(), o.to_string()))
            .into_iter()
            .collect();
        write_filters(
            w,
            &[
                ("kind", "All kinds", kind_options(&by_kind)),
                ("outcome", "All outcomes", outcomes),
            ],
        )?;
        let groups: Vec<Group<ObjectReport>> = by_kind
            .into_iter()
            .map(|(kind, items)| Group {
                sub: counts(
                    items.iter().map(|o| o.outcome.as_str()),
                    &["failed", "conflict", "skipped"],
                ),
                label: kind,
                items,
            })
            .collect();
        let cols = [("object", "w30"), ("outcome", "w10"), ("why", "w60")];
        write_groups(w, &cols, &groups, "report.md", |w, o| {
            write!(
                w,
                "<tr data-row data-kind=\"{}\" data-outcome=\"{}\"><td><code>{}</code></td>\
                 <td><span class=\"pill {}\">{}</span></td><td>{}</td></tr>",
                Esc(o.kind),
                o.outcome.as_str(),
                Esc(&o.key),
                o.outcome.as_str(),
                o.outcome.as_str(),
                Esc(o.detail.as_deref().unwrap_or(""))
            )
        })?;
        w.write_all(b"</div></section>\n")
    }

    /// The attributes and references not carried over, by kind.
    pub(super) fn write_dropped<W: Write>(&self, w: &mut W) -> io::Result<()> {
        let by_kind = grouped(
            self.notable().iter().filter(|o| !o.dropped.is_empty()),
            |o| o.kind,
        );
        let total: usize = by_kind
            .iter()
            .flat_map(|(_, v)| v.iter())
            .map(|o| o.dropped.len())
            .sum();
        write!(
            w,
            "<section id=\"dropped\" data-filterable><h2>Dropped attributes and references\
             <span class=\"sub\">{} left out of the objects written</span></h2>\
             <div class=\"panel\">",
            num(total)
        )?;
        if total == 0 {
            return w.write_all(
                b"<p class=\"note\">Every attribute and reference was carried over.</p>\
                  </div></section>\n",
            );
        }
        write_listed(w, by_kind, "dropped", |o| o.dropped.clone())
    }

    /// The values written in place of the source's (node types, Spark versions, cloud
    /// attributes, principals), by kind: one row per object, one line per substitution.
    pub(super) fn write_translated<W: Write>(&self, w: &mut W) -> io::Result<()> {
        let by_kind = grouped(
            self.notable().iter().filter(|o| !o.translated.is_empty()),
            |o| o.kind,
        );
        let total: usize = by_kind
            .iter()
            .flat_map(|(_, v)| v.iter())
            .map(|o| o.translated.len())
            .sum();
        if total == 0 {
            // Most migrations stay on one cloud and keep every name: no empty section.
            return Ok(());
        }
        write!(
            w,
            "<section id=\"translations\" data-filterable><h2>Translations<span class=\"sub\">\
             {} values written in place of the source's</span></h2><div class=\"panel\">",
            num(total)
        )?;
        write_listed(w, by_kind, "field: from → to (why)", |o| {
            o.translated.iter().map(|t| t.line()).collect()
        })
    }

    /// The manual actions by category, the pending ones first.
    pub(super) fn write_actions<W: Write>(&self, w: &mut W, ledger: &FromLedger) -> io::Result<()> {
        let mut groups = self.action_groups(ledger);
        let (done, total) = groups
            .iter()
            .fold((0, 0), |(d, t), g| (d + g.done, t + g.total));
        write!(
            w,
            "<section id=\"actions\" data-filterable><h2>Manual actions<span class=\"sub\">{} \
             pending, {} done</span></h2><div class=\"panel\">",
            num(total - done),
            num(done)
        )?;
        if total == 0 {
            return w.write_all(b"<p class=\"note\">No manual action.</p></div></section>\n");
        }
        for g in &mut groups {
            g.items.sort_by_key(|i| i.done);
        }
        let categories = groups
            .iter()
            .map(|g| (g.group.clone(), g.title.clone()))
            .collect();
        let every = groups.iter().flat_map(|g| g.items.iter());
        let kinds = kind_options(&grouped(every, |i| i.kind.as_str()));
        let statuses = ["pending", "done"]
            .map(|s| (s.to_string(), s.to_string()))
            .to_vec();
        write_filters(
            w,
            &[
                ("category", "All categories", categories),
                ("kind", "All kinds", kinds),
                ("status", "Pending and done", statuses),
            ],
        )?;
        let tagged: Vec<(String, Vec<(&str, &ActionItem)>)> = groups
            .iter()
            .map(|g| {
                (
                    g.title.clone(),
                    g.items.iter().map(|i| (g.group.as_str(), i)).collect(),
                )
            })
            .collect();
        let view: Vec<Group<(&str, &ActionItem)>> = tagged
            .iter()
            .zip(&groups)
            .map(|((title, items), g)| Group {
                label: title.clone(),
                sub: format!("{} pending · {} done", num(g.total - g.done), num(g.done)),
                items: items.iter().collect(),
            })
            .collect();
        let cols = [
            ("kind", "w15"),
            ("object", "w25"),
            ("what to do", "w48"),
            ("status", "w12"),
        ];
        write_groups(w, &cols, &view, "brickport status", |w, (group, i)| {
            let status = if i.done { "done" } else { "pending" };
            write!(
                w,
                "<tr data-row data-category=\"{}\" data-kind=\"{}\" data-status=\"{status}\">\
                 <td>{}</td><td><code>{}</code></td><td>{}</td><td><span class=\"pill \
                 {status}\">{status}</span></td></tr>",
                Esc(group),
                Esc(&i.kind),
                Esc(&i.kind),
                Esc(&i.key),
                Esc(&i.action)
            )
        })?;
        w.write_all(b"</div></section>\n")
    }
}
