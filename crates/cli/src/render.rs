//! Text renderings of the engine's reports (the JSON renderings are their `Serialize`).

use std::fmt::Write;

use brickport_engine::{KindSummary, Mismatch, Outcome as ObjOutcome, RunReport, VerifyReport};

mod status;
pub use status::{View, status};

fn row(out: &mut String, w: usize, k: &KindSummary, label: &str) {
    let _ = writeln!(
        out,
        "{:<w$} {:>5} {:>7} {:>7} {:>9} {:>7} {:>8} {:>6}",
        label, k.total, k.created, k.updated, k.unchanged, k.skipped, k.conflicts, k.failed
    );
}

/// Width of the kind column: the longest name shown.
fn width<'a>(names: impl Iterator<Item = &'a str>) -> usize {
    names.map(str::len).max().unwrap_or(0).max("total".len())
}

/// The per-kind table of a run or a plan, then failures, conflicts and manual actions.
pub fn run_report(report: &RunReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} -> {}",
        if report.dry_run {
            "plan (nothing written)"
        } else {
            "migration"
        },
        report.source,
        report.target
    );
    let w = width(report.kinds.iter().map(|k| k.kind));
    let _ = writeln!(
        out,
        "{:<w$} {:>5} {:>7} {:>7} {:>9} {:>7} {:>8} {:>6}",
        "kind", "total", "created", "updated", "unchanged", "skipped", "conflict", "failed"
    );
    for k in &report.kinds {
        row(&mut out, w, k, k.kind);
    }
    row(&mut out, w, &report.totals(), "total");
    let listed = |out: &mut String, title: &str, which: ObjOutcome| {
        // Failed and conflicting objects are among the notable ones (kept in memory).
        let objs: Vec<_> = report
            .notable()
            .iter()
            .filter(|o| o.outcome == which)
            .collect();
        if objs.is_empty() {
            return;
        }
        let _ = writeln!(out, "\n{title} ({}):", objs.len());
        for o in objs {
            let _ = writeln!(
                out,
                "  {} {}{}",
                o.kind,
                o.key,
                o.detail
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            );
        }
    };
    listed(&mut out, "failed", ObjOutcome::Failed);
    listed(&mut out, "in conflict (left alone)", ObjOutcome::Conflict);
    translations(&mut out, report);
    if !report.missing_dependencies.is_empty() {
        let _ = writeln!(
            out,
            "\nmissing dependencies (not selected and not migrated before):"
        );
        for m in &report.missing_dependencies {
            let _ = writeln!(out, "  {m}");
        }
    }
    let waiting = report.waiting_for_dependencies();
    if !waiting.is_empty() {
        let _ = writeln!(
            out,
            "\nnot migrated: {} selected objects were skipped because they need a kind above; \
             migrate it first (or select it too), then run again",
            waiting.len()
        );
    }
    lost(&mut out, report);
    if let Some(why) = &report.aborted {
        let _ = writeln!(out, "\naborted: {why}");
    }
    manual(&mut out, &report.manual_actions);
    out
}

/// How many references and grants were lost (what they name was left out or failed), and
/// the first few; the report lists them all.
fn lost(out: &mut String, report: &RunReport) {
    const FIRST: usize = 10;
    let n = report.lost_count();
    if n == 0 {
        return;
    }
    let _ = writeln!(
        out,
        "\nlost: {n} references or grants dropped because what they name was left out of the \
         migration or failed (the first {}; report.md lists them all). Migrate what they name \
         (or fix it), then run again:",
        n.min(FIRST)
    );
    let lines = report
        .lost()
        .into_iter()
        .flat_map(|o| o.lost.iter().map(move |l| (o, l)));
    for (o, l) in lines.take(FIRST) {
        let _ = writeln!(out, "  {} {}: {l}", o.kind, o.key);
    }
}

/// Every value written (or to be written) in place of the source's, per object.
pub fn translations(out: &mut String, report: &RunReport) {
    let objs: Vec<_> = report
        .notable()
        .iter()
        .filter(|o| !o.translated.is_empty())
        .collect();
    if objs.is_empty() {
        return;
    }
    let n: usize = objs.iter().map(|o| o.translated.len()).sum();
    let _ = writeln!(out, "\ntranslated ({n}):");
    for o in objs {
        let _ = writeln!(out, "  {} {}:", o.kind, o.key);
        for t in &o.translated {
            let _ = writeln!(out, "    {}", t.line());
        }
    }
}

/// The manual actions still pending (the rule that marks one done is the dashboard's, so this
/// agrees with `status`), and how many are done.
fn manual(out: &mut String, actions: &[brickport_engine::ledger::ManualAction]) {
    let pending: Vec<_> = actions.iter().filter(|a| !a.done).collect();
    let done = actions.len() - pending.len();
    if pending.is_empty() {
        if done > 0 {
            let _ = writeln!(out, "\nmanual actions: all {done} done");
        }
        return;
    }
    let _ = writeln!(
        out,
        "\nmanual actions left ({}{}):",
        pending.len(),
        if done > 0 {
            format!("; {done} done, see `brickport status`")
        } else {
            String::new()
        }
    );
    for a in pending {
        let _ = writeln!(out, "  {} {}: {}", a.kind, a.key, a.action);
    }
}

/// `verify`: the counts, then every difference with what differs.
pub fn verify(r: &VerifyReport) -> String {
    let mut out = String::new();
    let differing = r.differences.len();
    let _ = writeln!(
        out,
        "verify: {} -> {}: {} objects compared, {} match, {} differ",
        r.source,
        r.target,
        r.compared(),
        r.kinds.iter().map(|k| k.equal).sum::<usize>(),
        differing
    );
    for k in &r.kinds {
        let _ = writeln!(
            out,
            "  {:<28} {:>5} compared {:>5} equal {:>5} differ {:>5} skipped",
            k.kind, k.compared, k.equal, k.differing, k.skipped
        );
    }
    if differing > 0 {
        let _ = writeln!(
            out,
            "
differences ({differing}):"
        );
    }
    for d in &r.differences {
        let what = match d.mismatch {
            Mismatch::Missing => "missing in the target",
            Mismatch::Differs => "differs in the target",
            Mismatch::NotMigrated => "not migrated",
            Mismatch::NotInLedger => "not in the ledger",
            Mismatch::GoneFromSource => "gone from the source",
            Mismatch::Unremapped => "reference not remapped",
            Mismatch::Unreadable => "cannot be read",
            Mismatch::Lost => "in the source, missing in the target",
        };
        let _ = writeln!(
            out,
            "  {} {}: {what}: {}",
            d.kind,
            d.key,
            d.details.join("; ")
        );
    }
    if !r.notes.is_empty() {
        let _ = writeln!(
            out,
            "
notes ({}):",
            r.notes.len()
        );
        for n in &r.notes {
            let _ = writeln!(out, "  {n}");
        }
    }
    out
}
