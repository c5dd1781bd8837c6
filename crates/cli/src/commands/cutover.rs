//! `brickport cutover`: the seed's GO LIVE on the engine's `cutover` — switch on in the target
//! what the migration held back (jobs' schedules, triggers and continuous mode, continuous
//! pipelines) where it is on in the source now, optionally switch it off in the source, and
//! mark the cut-over done in the run directory. Running it again changes nothing.
//!
//! It switches on what runs (schedules fire in the target), so it asks first, as `rollback`
//! does: on a terminal it shows what it would resume (and pause) and waits for a `yes`;
//! without a terminal it refuses unless `--yes` says so (a script must not go live by
//! accident). `--dry-run` only shows, reading both workspaces and writing nothing.

use std::fmt::Write;
use std::io::IsTerminal;

use anyhow::{Result, bail};
use brickport_engine::{CutoverOutcome, CutoverReport};
use serde_json::json;

use crate::cli::{CutoverArgs, SelectArgs};
use crate::connect;
use crate::engine_options;
use crate::output::Outcome;
use crate::settings::Settings;

fn label(o: CutoverOutcome, dry_run: bool) -> &'static str {
    match o {
        CutoverOutcome::Resumed if dry_run => "would resume",
        CutoverOutcome::Resumed => "resumed",
        CutoverOutcome::AlreadyDone => "already cut over",
        CutoverOutcome::PausedInSource => "left off (off in the source)",
        CutoverOutcome::NoSchedule => "nothing to resume (none held back)",
        CutoverOutcome::NotMigrated => "not migrated",
        CutoverOutcome::Failed => "FAILED",
    }
}

/// "12 jobs, 3 pipelines": how many objects of each kind the report has.
fn per_kind(r: &CutoverReport) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for j in &r.jobs {
        *counts.entry(j.kind.as_str()).or_default() += 1;
    }
    let parts: Vec<String> = counts.iter().map(|(k, n)| format!("{n} {k}")).collect();
    if parts.is_empty() {
        "nothing".into()
    } else {
        parts.join(", ")
    }
}

/// The report for a person: one line per object, then the totals and what is left to do.
pub fn text(r: &CutoverReport) -> String {
    let mut out = String::new();
    let dry = if r.dry_run {
        " (dry run: nothing written)"
    } else {
        ""
    };
    let _ = writeln!(out, "cutover: {} -> {}{dry}", r.source, r.target);
    for j in &r.jobs {
        let blocks = if j.resumed.is_empty() {
            String::new()
        } else {
            format!(
                " [{}{}]",
                j.resumed.join(", "),
                if j.source_paused {
                    "; paused in the source"
                } else {
                    ""
                }
            )
        };
        let _ = writeln!(
            out,
            "  {:<36} {} {}{}{}",
            label(j.outcome, r.dry_run),
            j.kind,
            j.key,
            blocks,
            j.detail
                .as_deref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        );
    }
    let n = |o| r.count(o);
    let _ = writeln!(
        out,
        "\n{}: {} {}, {} already cut over, {} left off, {} with nothing held back, {} not migrated, {} failed; {} writes",
        per_kind(r),
        n(CutoverOutcome::Resumed),
        if r.dry_run { "to resume" } else { "resumed" },
        n(CutoverOutcome::AlreadyDone),
        n(CutoverOutcome::PausedInSource),
        n(CutoverOutcome::NoSchedule),
        n(CutoverOutcome::NotMigrated),
        n(CutoverOutcome::Failed),
        r.writes
    );
    let running_in_source = r
        .jobs
        .iter()
        .filter(|j| !j.resumed.is_empty() && !j.source_paused)
        .count();
    if running_in_source > 0 && r.dry_run {
        let _ = writeln!(
            out,
            "{running_in_source} objects would then run in both workspaces until paused in the source (--pause-source does it)"
        );
    } else if running_in_source > 0 {
        let _ = writeln!(
            out,
            "{running_in_source} objects now run in both workspaces: switch them off in the source, or run `brickport cutover --pause-source`"
        );
    }
    if n(CutoverOutcome::Failed) > 0 {
        let _ = writeln!(
            out,
            "some objects failed: fix what is said above and run `brickport cutover` again (what is already cut over is left as it is)"
        );
    }
    out
}

/// Asks on the terminal whether to do what the dry run `plan` lists.
fn confirmed(plan: &CutoverReport) -> Result<bool> {
    let pause = match plan.pause_source {
        true => format!(", pause in {}", plan.source),
        false => String::new(),
    };
    let question = format!(
        "Make these {} writes (resume in {}{pause})?",
        plan.writes, plan.target
    );
    super::confirm::ask(&text(plan), &question)
}

/// `brickport cutover`: exit 0 when no job failed (or, with `--dry-run`, would fail), 1 when
/// some did; an error (no ledger, no job in it, not confirmed, unreachable workspaces) is
/// exit 2.
pub async fn run(settings: &Settings, args: &CutoverArgs) -> Result<Outcome> {
    let ask = !args.dry_run && !args.yes;
    if ask && !std::io::stdin().is_terminal() {
        bail!(
            "cutover switches on schedules in the target (and pauses them in the source with \
             --pause-source) and stdin is not a terminal to confirm it: pass --yes to cut over \
             without asking (or --dry-run to see what it would do); nothing was written"
        );
    }
    let pair = connect::pair(settings)?;
    let run_dir = settings.run_dir(&pair.source_config, &pair.target_config);
    let opts = engine_options::build(settings, run_dir.clone(), &SelectArgs::default(), None)?;
    let cut = |dry_run| {
        brickport_engine::cutover_with(
            &pair.source,
            &pair.target,
            &opts,
            args.pause_source,
            dry_run,
        )
    };
    if ask {
        let plan = cut(true).await?;
        if plan.writes > 0 && !confirmed(&plan)? {
            bail!("not confirmed: nothing was written");
        }
    }
    let report = cut(args.dry_run).await?;
    let mut doc = serde_json::to_value(&report).unwrap_or_else(|_| json!({}));
    if let Some(m) = doc.as_object_mut() {
        m.insert("ok".into(), json!(report.is_success()));
        m.insert("run_dir".into(), json!(run_dir.display().to_string()));
    }
    Ok(Outcome {
        success: report.is_success(),
        json: doc.into(),
        text: text(&report),
    })
}
