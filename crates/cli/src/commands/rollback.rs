//! `brickport rollback`: the engine's `rollback` — delete from the target what the migration
//! of the run directory created, never what existed there before, and keep what was changed
//! there since unless `--force`.
//!
//! It deletes, so it asks first: on a terminal it shows what it would delete and waits for a
//! `yes`; without a terminal it refuses unless `--yes` says so (a script must not delete by
//! accident). `--dry-run` only shows. Ctrl-C stops it where it stands; running it again
//! finishes the job (the ledger records each delete).

use std::fmt::Write as _;
use std::io::IsTerminal;

use anyhow::{Result, bail};
use brickport_engine::{RollbackOptions, RollbackOutcome, RollbackReport};
use serde_json::json;

use crate::cli::{RollbackArgs, SelectArgs};
use crate::connect;
use crate::engine_options;
use crate::output::Outcome;
use crate::settings::Settings;
use crate::signals;

/// The heading of the objects of one outcome (`None`: counted in the summary only).
fn heading(o: RollbackOutcome, dry_run: bool) -> Option<&'static str> {
    use RollbackOutcome::*;
    Some(match o {
        Deleted if dry_run => "would delete",
        Deleted => "deleted",
        Gone => "already gone from the target",
        Changed => {
            "kept: changed in the target since the migration wrote them (--force deletes them)"
        }
        Holds => "kept: holding objects the migration did not create, or kept",
        Unrecorded => {
            "kept: what the migration wrote to them was not recorded (--force deletes them)"
        }
        Unsupported => "kept: their kind cannot be rolled back (delete them by hand)",
        Unsettled => {
            "kept: their create was interrupted (run `brickport migrate`, then roll back again)"
        }
        Manual => "to do by hand: changed by the migration, but they existed before it",
        Failed => "FAILED (still in the target: run `brickport rollback` again)",
        WithObject | Existed => return None,
    })
}

/// The report for a person: the objects grouped by what happened, then the counts.
pub fn text(r: &RollbackReport) -> String {
    use RollbackOutcome::*;
    let mut out = String::new();
    let dry = if r.dry_run {
        " (dry run: nothing written)"
    } else {
        ""
    };
    let _ = writeln!(out, "rollback in {}{dry}", r.target);
    let groups = [
        Deleted,
        Gone,
        Changed,
        Holds,
        Unrecorded,
        Unsupported,
        Unsettled,
        Failed,
        Manual,
    ];
    for o in groups {
        let Some(title) = heading(o, r.dry_run) else {
            continue;
        };
        let lines: Vec<_> = r.objects.iter().filter(|l| l.outcome == o).collect();
        if lines.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title} ({}):", lines.len());
        for l in lines {
            let detail = match (&l.detail, o) {
                (
                    Some(d),
                    Changed | Holds | Unrecorded | Unsupported | Unsettled | Failed | Manual,
                ) => {
                    format!(": {d}")
                }
                _ => String::new(),
            };
            let _ = writeln!(out, "  {} `{}`{detail}", l.kind, l.key);
        }
    }
    let kept: usize = groups
        .iter()
        .filter(|o| o.left_behind() && **o != Failed)
        .map(|o| r.count(*o))
        .sum();
    let _ = writeln!(
        out,
        "\n{} {}, {} already gone, {} grants gone with their objects, {kept} kept, {} failed; \
         {} left as they were before the migration; {} rolled back earlier",
        r.count(Deleted),
        if r.dry_run { "to delete" } else { "deleted" },
        r.count(Gone),
        r.count(WithObject),
        r.count(Failed),
        r.count(Existed),
        r.already_rolled_back
    );
    out
}

/// Asks on the terminal whether to delete what `plan` lists.
fn confirmed(plan: &RollbackReport) -> Result<bool> {
    let n = plan.count(RollbackOutcome::Deleted);
    let question = format!("Delete these {n} objects from {}?", plan.target);
    super::confirm::ask(&text(plan), &question)
}

/// `brickport rollback`: exit 0 when nothing the migration created is left in the target (or,
/// with `--dry-run`, would be), 1 when something is (kept, failed), 2 when nothing was done
/// (no ledger, not confirmed, unreachable workspaces).
pub async fn run(settings: &Settings, args: &RollbackArgs) -> Result<Outcome> {
    let ask = !args.dry_run && !args.yes;
    if ask && !std::io::stdin().is_terminal() {
        bail!(
            "rollback deletes objects from the target and stdin is not a terminal to confirm it: \
             pass --yes to delete without asking (or --dry-run to see what it would delete); \
             nothing was deleted"
        );
    }
    let pair = connect::pair(settings)?;
    let run_dir = settings.run_dir(&pair.source_config, &pair.target_config);
    let opts = engine_options::build(settings, run_dir.clone(), &SelectArgs::default(), None)?;
    let rollback = |how| brickport_engine::rollback(&pair.source, &pair.target, &opts, how);
    if ask {
        let look = RollbackOptions {
            dry_run: true,
            force: args.force,
        };
        let plan = signals::unless_stopped("rollback", rollback(look)).await?;
        if plan.count(RollbackOutcome::Deleted) > 0 && !confirmed(&plan)? {
            bail!("not confirmed: nothing was deleted");
        }
    }
    let how = RollbackOptions {
        dry_run: args.dry_run,
        force: args.force,
    };
    let report = signals::unless_stopped("rollback", rollback(how)).await?;
    let mut doc = serde_json::to_value(&report).unwrap_or_else(|_| json!({}));
    if let Some(m) = doc.as_object_mut() {
        m.insert("ok".into(), json!(report.is_success()));
        m.insert("run_dir".into(), json!(run_dir.display().to_string()));
    }
    let mut text = text(&report);
    text.push_str(&format!("run directory: {}\n", run_dir.display()));
    Ok(Outcome {
        success: report.is_success(),
        json: doc.into(),
        text,
    })
}
