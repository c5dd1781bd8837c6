//! `brickport status`: the migration dashboard, read from the run directory's ledger alone
//! (no workspace is contacted), on one screen by default; `--done ID…` marks manual actions
//! done first.

use anyhow::{Result, bail};
use serde_json::json;

use crate::cli::StatusArgs;
use crate::output::Outcome;
use crate::render::{self, View};
use crate::settings::Settings;

/// `brickport status`: success when nothing needs attention (nothing failed, in conflict,
/// pending or skipped for a dependency, and every listing finished). An interrupted run that
/// was resumed since leaves nothing pending, so it does not count against the run directory.
pub fn run(settings: &Settings, args: &StatusArgs) -> Result<Outcome> {
    let run_dir = settings.existing_run_dir()?;
    if let Some(kind) = &args.kind
        && !brickport_engine::kind_names().contains(&kind.as_str())
    {
        bail!(
            "unknown kind `{kind}` (kinds: {})",
            brickport_engine::kind_names().join(", ")
        );
    }
    let marked = match args.done.is_empty() {
        true => Vec::new(),
        false => brickport_engine::mark_done(&run_dir, &args.done, true)?,
    };
    let report = brickport_engine::status(&run_dir)?;
    let ok = report.is_clean();
    let mut doc = serde_json::to_value(&report).unwrap_or_else(|_| json!({}));
    if let Some(map) = doc.as_object_mut() {
        map.insert("ok".into(), json!(ok));
        if !marked.is_empty() {
            map.insert("marked_done".into(), json!(marked));
        }
    }
    let view = match (&args.kind, args.details) {
        (Some(kind), _) => View::Kind(kind),
        (None, true) => View::Details,
        (None, false) => View::Screen,
    };
    let mut text = crate::commands::done::marked_text(&marked, true);
    text.push_str(&render::status(&report, view));
    Ok(Outcome {
        success: ok,
        json: doc.into(),
        text,
    })
}
