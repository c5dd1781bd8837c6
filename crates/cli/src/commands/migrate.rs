//! `brickport plan`, `migrate` and `verify`: the engine's `plan` and `migrate` over both
//! workspaces.
//!
//! `migrate` runs the pre-check first and does nothing when it fails (the seed's Pass/Fail
//! gate). Ctrl-C or SIGTERM drops the run's future, which stops it at once ([`crate::signals`]). `verify` is the engine's `verify`: it reads every
//! migrated object back from the target (a plan would trust the ledger's hashes and miss a
//! change made in the target).

use std::path::Path;

use anyhow::{Result, bail};
use brickport_engine::RunReport;
use serde::Serialize;
use serde_json::json;

use crate::cli::{MigrateArgs, SelectArgs};
use crate::commands::validate;
use crate::connect;
use crate::engine_options;
use crate::output::Outcome;
use crate::progress::CliProgress;
use crate::render;
use crate::settings::Settings;
use crate::signals;

/// The `--output json` document of a run or a plan: the report's fields, then `ok` and
/// `run_dir`.
#[derive(Serialize)]
struct RunJson {
    #[serde(flatten)]
    report: RunReport,
    ok: bool,
    run_dir: String,
}

/// A run's or a plan's outcome. Its JSON document is streamed to stdout when printed, every
/// object read back from disk one at a time (a large workspace's report does not fit in
/// memory as a `Value`).
fn run_outcome(report: RunReport, run_dir: &Path, text: String) -> Outcome {
    let ok = report.is_success();
    let doc = RunJson {
        report,
        ok,
        run_dir: run_dir.display().to_string(),
    };
    Outcome::streamed(ok, text, move |out| {
        serde_json::to_writer_pretty(out, &doc).map_err(std::io::Error::from)
    })
}

/// `brickport plan`.
pub async fn plan(settings: &Settings, select: &SelectArgs) -> Result<Outcome> {
    let pair = connect::pair(settings)?;
    let run_dir = settings.run_dir(&pair.source_config, &pair.target_config);
    let opts = engine_options::build(settings, run_dir.clone(), select, None)?;
    let report = brickport_engine::plan(&pair.source, &pair.target, &opts).await?;
    let text = render::run_report(&report);
    Ok(run_outcome(report, &run_dir, text))
}

/// `brickport migrate`.
pub async fn migrate(settings: &Settings, args: &MigrateArgs) -> Result<Outcome> {
    let pair = connect::pair(settings)?;
    let run_dir = settings.run_dir(&pair.source_config, &pair.target_config);
    let opts = engine_options::build(settings, run_dir.clone(), &args.select, Some(args))?;
    let progress = CliProgress::new(settings.verbosity);

    let checks = validate::precheck(&pair, &opts).await?;
    if !checks.ok() {
        progress.line(validate::text(&checks).trim_end());
        let failed: Vec<String> = checks
            .failures()
            .iter()
            .map(|c| format!("{} {}: {}", c.workspace, c.name, c.detail))
            .collect();
        bail!(
            "the pre-check fails, nothing was migrated: {} (run `brickport validate` for details)",
            failed.join("; ")
        );
    }
    progress.line(&format!(
        "pre-check passed; run directory {}",
        run_dir.display()
    ));

    let run = brickport_engine::migrate(&pair.source, &pair.target, &opts, &progress);
    let report = signals::unless_stopped(run).await?;
    let mut text = render::run_report(&report);
    text.push_str(&format!(
        "\nrun directory: {} (report.md, report.json, ledger.sqlite, backups/)\n",
        run_dir.display()
    ));
    Ok(run_outcome(report, &run_dir, text))
}

/// `brickport verify`: the engine's `verify` (every migrated object read back from the target
/// and compared through the id map, notebooks and files by content); exit 1 when anything
/// differs, each difference named.
pub async fn verify(settings: &Settings, select: &SelectArgs) -> Result<Outcome> {
    let pair = connect::pair(settings)?;
    let run_dir = settings.run_dir(&pair.source_config, &pair.target_config);
    let opts = engine_options::build(settings, run_dir.clone(), select, None)?;
    let report = brickport_engine::verify(&pair.source, &pair.target, &opts).await?;
    let mut json = serde_json::to_value(&report).unwrap_or_else(|_| json!({}));
    if let Some(map) = json.as_object_mut() {
        map.insert("ok".into(), json!(report.is_success()));
        map.insert("compared".into(), json!(report.compared()));
        map.insert("run_dir".into(), json!(run_dir.display().to_string()));
    }
    Ok(Outcome {
        success: report.is_success(),
        json: json.into(),
        text: render::verify(&report),
    })
}
