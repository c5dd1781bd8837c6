//! `brickport validate`: the pre-check (the engine's `validate`). Who am I on each workspace,
//! am I an admin there, are they two different workspaces, and each kind's own checks.
//! Nothing is written. With `--from DIR`, the source is read from a bundle.
//!
//! A workspace that cannot be reached or rejects the credentials is an error (exit 2: nothing
//! could be checked); an error finding (not an admin) is a result (exit 1). Warnings (some
//! objects will fail or be changed) and unknowns (a check that could not run) are listed and
//! leave the exit code at 0, unless `--strict` makes warnings errors.

use anyhow::{Result, bail};
use brickport_engine::{EngineOptions, Severity, ValidationReport};
use serde_json::json;

use crate::cli::ReadArgs;
use crate::connect::{self, Connected};
use crate::engine_options;
use crate::output::Outcome;
use crate::settings::Settings;

/// Runs the engine's pre-check; an unreachable workspace or rejected credentials become the
/// error (there is nothing else worth reporting then).
pub async fn precheck(connected: &Connected, opts: &EngineOptions) -> Result<ValidationReport> {
    let pair = &connected.pair;
    let checked = brickport_engine::validate(&pair.source, &pair.target, opts);
    let report = connected.guard(checked).await??;
    // The engine reports connectivity as its `connect` check; that one is not a finding
    // but a reason nothing could be checked.
    if let Some(c) = report.checks.iter().find(|c| c.name == "connect" && !c.ok) {
        bail!("{} workspace: {}", c.workspace, c.detail);
    }
    Ok(report)
}

/// `brickport validate`.
pub async fn run(settings: &Settings, args: &ReadArgs) -> Result<Outcome> {
    let connected = connect::connect(settings, args.from.as_deref()).await?;
    let pair = &connected.pair;
    let run_dir = settings.run_dir(&pair.source_config, &pair.target_config);
    let mut opts = engine_options::build(settings, run_dir, &args.select, None)?;
    opts.strict = args.strict;
    let report = precheck(&connected, &opts).await?;
    Ok(outcome(&report))
}

/// The checks as text lines (shared with `migrate`'s gate and `demo`): each finding's
/// severity, where, what, and how to fix what is not a pass.
pub fn text(report: &ValidationReport) -> String {
    let mut text = String::new();
    let w = report
        .checks
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0);
    for c in &report.checks {
        text.push_str(&format!(
            "{:<7} {:<7} {:<w$} {}\n",
            c.severity.label(),
            c.workspace,
            c.name,
            c.detail
        ));
        if let (false, Some(fix)) = (c.severity == Severity::Pass, &c.fix) {
            text.push_str(&format!("{:<indent$}fix: {fix}\n", "", indent = w + 17));
        }
    }
    text
}

/// The closing line: what the findings mean for the run.
pub fn verdict(report: &ValidationReport) -> String {
    let n = |s: Severity| report.of(s).len();
    let (errors, warnings, unknown) = (
        n(Severity::Error),
        n(Severity::Warning),
        n(Severity::Unknown),
    );
    if errors > 0 {
        return format!(
            "{errors} error(s): the run cannot start — fix them and run `brickport validate` again\n"
        );
    }
    if warnings + unknown == 0 {
        return "all checks pass\n".into();
    }
    format!(
        "no error: the run can start ({warnings} warning(s): those objects get the outcome \
         shown; {unknown} check(s) could not run)\n"
    )
}

/// The report as an [`Outcome`]: success when no finding is an error.
pub fn outcome(report: &ValidationReport) -> Outcome {
    let ok = report.ok();
    let mut text = text(report);
    text.push_str(&verdict(report));
    let mut json = serde_json::to_value(report).unwrap_or_else(|_| json!({}));
    if let Some(map) = json.as_object_mut() {
        map.insert("ok".into(), json!(ok));
    }
    Outcome {
        success: ok,
        json: json.into(),
        text,
    }
}
