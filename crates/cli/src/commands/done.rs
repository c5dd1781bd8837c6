//! `brickport done ID…`: marks manual actions done by hand (or, with `--undo`, pending
//! again), by the ids `status` shows. Writes the ledger only; no workspace is contacted.

use std::fmt::Write;

use anyhow::Result;
use brickport_engine::ledger::ManualAction;
use serde_json::json;

use crate::cli::DoneArgs;
use crate::output::Outcome;
use crate::settings::Settings;

/// The lines saying which actions were marked (none: nothing).
pub fn marked_text(marked: &[ManualAction], done: bool) -> String {
    let mut out = String::new();
    for a in marked {
        let _ = writeln!(
            out,
            "{} {}  {} {}: {}",
            match (done, a.done) {
                (true, _) => "marked done:",
                (false, false) => "pending again:",
                // Taken back by hand, still done another way (a supplied value, a cut-over).
                (false, true) => "still done (seen done by brickport):",
            },
            a.id,
            a.kind,
            a.key,
            a.action
        );
    }
    out
}

/// `brickport done`: every id must name one action, else nothing is marked (exit 2).
pub fn run(settings: &Settings, args: &DoneArgs) -> Result<Outcome> {
    let run_dir = settings.existing_run_dir()?;
    let marked = brickport_engine::mark_done(&run_dir, &args.ids, !args.undo)?;
    let actions = brickport_engine::ledger::Ledger::open(
        &run_dir,
        brickport_engine::ledger::Access::ReadOnly,
    )?
    .manual_actions()?;
    let done = actions.iter().filter(|a| a.done).count();
    let mut text = marked_text(&marked, !args.undo);
    let _ = writeln!(
        text,
        "manual actions: {done} done, {} pending (`brickport status`)",
        actions.len() - done
    );
    Ok(Outcome {
        success: true,
        json: json!({"ok": true, "marked": marked, "done": done, "pending": actions.len() - done})
            .into(),
        text,
    })
}
