//! `status` as text. The default view fits one screen whatever the migration's size
//! ([`SCREEN`] lines, each at most [`WIDTH`] characters): the seed's completion dashboard
//! first, then the problems folded by class with the command that shows them, then as many
//! pending manual actions (with their ids) as the screen has room for. `--details` prints
//! everything; `--kind K` one kind in full.

use std::fmt::Write;

use brickport_engine::StatusReport;
use brickport_engine::dashboard::{Dashboard, KindProgress, ListingState, bar};

/// Lines of the default view, at most.
pub(crate) const SCREEN: usize = 60;
/// Characters of a line of the default view, at most (longer ones are cut with `…`).
pub(crate) const WIDTH: usize = 100;

/// What to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View<'a> {
    /// One screen.
    Screen,
    /// Everything.
    Details,
    /// One kind in full.
    Kind(&'a str),
}

/// The bar of a share in percent: by the percent, not the counts, so a phase at 99% (all its
/// objects done, a listing not finished) does not show a full bar, and one whose kinds were
/// all listed empty (complete, 100%) is full.
fn meter(percent: usize) -> String {
    bar(percent, 100)
}

fn cut(line: &str) -> String {
    if line.chars().count() <= WIDTH {
        return line.to_string();
    }
    let mut s: String = line.chars().take(WIDTH - 1).collect();
    s.push('…');
    s
}

/// `1234567` as `1,234,567`: counts at scale read at a glance.
fn n(v: usize) -> String {
    let digits = v.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The status as text, in `view`.
pub fn status(report: &StatusReport, view: View<'_>) -> String {
    let mut lines = head(report);
    match view {
        View::Screen => screen(report, &mut lines),
        View::Details => details(report, &mut lines),
        View::Kind(kind) => one_kind(report, kind, &mut lines),
    }
    let mut out = String::new();
    for l in lines {
        let l = match view {
            View::Screen => cut(&l),
            _ => l,
        };
        let _ = writeln!(out, "{}", l.trim_end());
    }
    out
}

fn head(r: &StatusReport) -> Vec<String> {
    let interrupted = r.runs_started - r.runs_finished;
    vec![format!(
        "run directory: {} · runs: {} started, {} finished{}",
        r.run_dir.display(),
        r.runs_started,
        r.runs_finished,
        match interrupted {
            0 => String::new(),
            _ => format!(" ({interrupted} interrupted)"),
        }
    )]
}

/// The completion dashboard: phases, actions per category, objects per kind.
fn dashboard(d: &Dashboard, lines: &mut Vec<String>) {
    lines.push("MIGRATION COMPLETION STATUS".into());
    for p in &d.phases {
        let in_phase = d.kinds.iter().filter(|k| k.phase == p.phase).count();
        let state = match p.not_listed.len() == in_phase {
            true => "not started".to_string(),
            false => format!("{}/{} objects", n(p.done), n(p.total)),
        };
        let mut notes = Vec::new();
        if !p.incomplete.is_empty() {
            notes.push(format!("listing not finished: {}", p.incomplete.join(", ")));
        }
        if !p.not_listed.is_empty() && p.not_listed.len() < in_phase {
            notes.push(format!("{} kinds not migrated yet", p.not_listed.len()));
        }
        lines.push(format!(
            "  Phase {}: {:<20} {} {:>3}% ({state}){}",
            p.phase,
            p.title,
            meter(usize::from(p.percent)),
            p.percent,
            notes.iter().map(|s| format!("  {s}")).collect::<String>()
        ));
    }
    let pct = (d.post_migration_done * 100)
        .checked_div(d.post_migration_total)
        .unwrap_or(100);
    lines.push(format!(
        "  Post-Migration Actions        {} {pct:>3}% ({}/{} tasks)",
        meter(pct),
        n(d.post_migration_done),
        n(d.post_migration_total)
    ));
    for g in &d.post_migration {
        let mark = if g.done == g.total { "✓" } else { "☐" };
        lines.push(format!(
            "    {mark} {:>6} done {:>6} pending  {}",
            n(g.done),
            n(g.total - g.done),
            g.title
        ));
    }
    kinds_grid(d, lines);
}

fn cell(k: &KindProgress) -> String {
    let flag = match k.listing {
        Some(ListingState::Incomplete) => "*",
        _ => "",
    };
    format!(
        "{:<27}{:>7}/{:<7}",
        k.kind,
        n(k.migrated),
        format!("{}{flag}", n(k.listed))
    )
}

/// Objects migrated of listed, two kinds a line (kinds never listed are named on one line).
fn kinds_grid(d: &Dashboard, lines: &mut Vec<String>) {
    let shown: Vec<&KindProgress> = d
        .kinds
        .iter()
        .filter(|k| k.listing != Some(ListingState::NotListed) || k.listed > 0)
        .collect();
    let created: usize = d.kinds.iter().map(|k| k.created).sum();
    let migrated: usize = d.kinds.iter().map(|k| k.migrated).sum();
    let on_purpose: usize = d.kinds.iter().map(|k| k.skipped_on_purpose).sum();
    lines.push(format!(
        "  Objects migrated/listed (all runs): {} created, {} updated/adopted, {} skipped on \
         purpose",
        n(created),
        n(migrated - created),
        n(on_purpose)
    ));
    for pair in shown.chunks(2) {
        let cells: Vec<String> = pair.iter().map(|k| cell(k)).collect();
        lines.push(format!("    {}", cells.join("    ")));
    }
    if shown
        .iter()
        .any(|k| k.listing == Some(ListingState::Incomplete))
    {
        lines.push(
            "    * listing did not finish (the run stopped): a lower bound; `brickport migrate` \
             lists it again"
                .into(),
        );
    }
    let never: Vec<&str> = d
        .kinds
        .iter()
        .filter(|k| k.listing == Some(ListingState::NotListed) && k.listed == 0)
        .map(|k| k.kind.as_str())
        .collect();
    if !never.is_empty() {
        lines.push(format!("    not migrated yet: {}", never.join(", ")));
    }
}

/// The problems folded by class, each with its count and the kinds most concerned.
fn problems(r: &StatusReport, lines: &mut Vec<String>) {
    if r.is_clean() {
        lines.push("PROBLEMS: none".into());
        return;
    }
    lines.push(
        "PROBLEMS (all: `brickport status --details`; one kind: `brickport status --kind KIND`)"
            .into(),
    );
    for f in &r.problem_counts {
        let kinds: Vec<String> = f
            .kinds
            .iter()
            .take(4)
            .map(|(k, c)| format!("{k} {}", n(*c)))
            .collect();
        let more = f.kinds.len().saturating_sub(4);
        lines.push(format!(
            "  {:<45} {:>7}  {}{}",
            f.title,
            n(f.count),
            kinds.join(", "),
            if more > 0 {
                format!(", {more} more kinds")
            } else {
                String::new()
            }
        ));
    }
    if !r.incomplete_listings.is_empty() {
        lines.push(format!(
            "  {:<45} {:>7}  {} (run `brickport migrate` again)",
            "listing not finished (kinds)",
            r.incomplete_listings.len(),
            r.incomplete_listings.join(", ")
        ));
    }
}

/// One problem's line.
fn problem_line(p: &brickport_engine::Problem) -> String {
    format!(
        "  [{}] {} {}{}",
        p.class.title(),
        p.kind,
        p.key,
        p.detail
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default()
    )
}

fn screen(r: &StatusReport, lines: &mut Vec<String>) {
    dashboard(&r.dashboard, lines);
    problems(r, lines);
    let mut pending: Vec<_> = r.manual_actions.iter().filter(|a| !a.done).collect();
    // Secrets first, as the dashboard lists the categories.
    pending.sort_by_key(|a| a.category);
    // The problems themselves when they fit, in half the room left when actions wait too.
    let room = SCREEN.saturating_sub(lines.len() + 1);
    let for_problems = match pending.is_empty() {
        true => room,
        false => room / 2,
    };
    if !r.problems.is_empty() && r.problems.len() <= for_problems {
        lines.extend(r.problems.iter().map(problem_line));
    }
    if pending.is_empty() {
        return;
    }
    // The room left on the screen, for the title, the actions and the last line.
    let room = SCREEN.saturating_sub(lines.len() + 2);
    if room == 0 {
        lines.push("NEXT: `brickport status --details` lists the actions and their ids".into());
        return;
    }
    lines.push("NEXT ACTIONS (mark done: `brickport done ID…`)".into());
    let shown = if pending.len() <= room {
        room
    } else {
        room - 1
    };
    for a in pending.iter().take(shown) {
        lines.push(format!("  {}  {} {}: {}", a.id, a.kind, a.key, a.action));
    }
    if pending.len() > shown {
        lines.push(format!(
            "  … {} more: `brickport status --details`",
            n(pending.len() - shown)
        ));
    }
}

fn kind_line(k: &KindProgress) -> String {
    format!(
        "  {:<28} {:>7} of {:<7}{} migrated ({} created) · skipped {} on purpose, {} for a \
         dependency · failed {} · conflict {} · pending {} · not attempted {} · rolled back {}",
        k.kind,
        k.migrated,
        k.listed,
        match k.listing {
            Some(ListingState::Incomplete) => " (listing not finished)",
            Some(ListingState::NotListed) => " (never listed)",
            _ => "",
        },
        k.created,
        k.skipped_on_purpose,
        k.skipped_dependency,
        k.failed,
        k.conflict,
        k.pending,
        k.not_attempted,
        k.rolled_back
    )
}

/// Everything: per kind in full, every problem, every action with its id.
fn details(r: &StatusReport, lines: &mut Vec<String>) {
    dashboard(&r.dashboard, lines);
    lines.push("KINDS".into());
    lines.extend(r.dashboard.kinds.iter().map(kind_line));
    listed_problems(r, None, lines);
    listed_actions(r, None, lines);
}

fn one_kind(r: &StatusReport, kind: &str, lines: &mut Vec<String>) {
    lines.extend(
        r.dashboard
            .kinds
            .iter()
            .filter(|k| k.kind == kind)
            .map(kind_line),
    );
    listed_problems(r, Some(kind), lines);
    listed_actions(r, Some(kind), lines);
}

fn listed_problems(r: &StatusReport, kind: Option<&str>, lines: &mut Vec<String>) {
    let of = |k: &str| kind.is_none_or(|w| w == k);
    let ps: Vec<_> = r.problems.iter().filter(|p| of(&p.kind)).collect();
    lines.push(format!("PROBLEMS ({})", n(ps.len())));
    lines.extend(ps.into_iter().map(problem_line));
    for k in r.incomplete_listings.iter().filter(|k| of(k)) {
        lines.push(format!(
            "  [listing not finished] {k}: run `brickport migrate` again"
        ));
    }
}

fn listed_actions(r: &StatusReport, kind: Option<&str>, lines: &mut Vec<String>) {
    let of = |k: &str| kind.is_none_or(|w| w == k);
    let acts: Vec<_> = r.manual_actions.iter().filter(|a| of(&a.kind)).collect();
    let done = acts.iter().filter(|a| a.done).count();
    lines.push(format!(
        "MANUAL ACTIONS ({} done, {} pending; mark done: `brickport done ID…`)",
        n(done),
        n(acts.len() - done)
    ));
    for a in acts {
        let by = match a.done_by {
            Some(by) => format!(" (done: {})", serde_json::json!(by).as_str().unwrap_or("")),
            None => String::new(),
        };
        lines.push(format!(
            "  {} {}  {} {}: {}{by}",
            if a.done { "✓" } else { "☐" },
            a.id,
            a.kind,
            a.key,
            a.action
        ));
    }
}
