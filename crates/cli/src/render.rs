//! Text renderings of the engine's reports (the JSON renderings are their `Serialize`).

use std::fmt::Write;

use brickport_engine::{KindSummary, Outcome as ObjOutcome, RunReport, StatusReport};

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
        let objs: Vec<_> = report
            .objects
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
    if !report.missing_dependencies.is_empty() {
        let _ = writeln!(
            out,
            "\nmissing dependencies (not selected and not migrated before): {}",
            report.missing_dependencies.join(", ")
        );
    }
    if let Some(why) = &report.aborted {
        let _ = writeln!(out, "\naborted: {why}");
    }
    manual(&mut out, &report.manual_actions);
    out
}

fn manual(out: &mut String, actions: &[brickport_engine::ledger::ManualAction]) {
    if actions.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nmanual actions left ({}):", actions.len());
    for a in actions {
        let _ = writeln!(out, "  {} {}: {}", a.kind, a.key, a.action);
    }
}

/// The dashboard: phases, per-kind counts per status, problems, manual actions.
pub fn status(report: &StatusReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "run directory: {}", report.run_dir.display());
    let _ = writeln!(
        out,
        "runs: {} started, {} finished{}",
        report.runs_started,
        report.runs_finished,
        if report.runs_started > report.runs_finished {
            " (interrupted runs: `brickport migrate` resumes where they stopped)"
        } else {
            ""
        }
    );
    let w = width(
        report
            .phases
            .iter()
            .flat_map(|p| p.kinds.iter().map(|k| k.kind.as_str())),
    );
    for phase in &report.phases {
        let _ = writeln!(
            out,
            "\nphase {}: {}",
            phase.phase,
            if phase.complete {
                "complete"
            } else {
                "not complete"
            }
        );
        for k in &phase.kinds {
            let counts: Vec<String> = k
                .by_status
                .iter()
                .map(|(s, n)| format!("{n} {}", s.as_str()))
                .collect();
            let _ = writeln!(
                out,
                "  {:<w$} {:>5}  {}",
                k.kind,
                k.total,
                if counts.is_empty() {
                    "-".to_string()
                } else {
                    counts.join(", ")
                }
            );
        }
    }
    if !report.problems.is_empty() {
        let _ = writeln!(out, "\nneeds attention ({}):", report.problems.len());
        for p in &report.problems {
            let _ = writeln!(
                out,
                "  {} {} [{}]{}",
                p.kind,
                p.key,
                p.status.as_str(),
                p.detail
                    .as_deref()
                    .map(|d| format!(": {d}"))
                    .unwrap_or_default()
            );
        }
    }
    manual(&mut out, &report.manual_actions);
    out
}
