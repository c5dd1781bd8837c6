//! `brickport verify`: the engine's `verify`. It reads every migrated object back from the
//! target (a plan would trust the ledger's hashes and miss a change made in the target).
//! With `--from DIR`, the source is read from a bundle: the target against what was exported.

use anyhow::Result;
use serde_json::json;

use crate::cli::ReadArgs;
use crate::connect;
use crate::engine_options;
use crate::output::Outcome;
use crate::progress::{CliProgress, Task};
use crate::render;
use crate::settings::Settings;

/// `brickport verify`: the engine's `verify` (every migrated object read back from the target
/// and compared through the id map, notebooks and files by content); exit 1 when anything
/// differs, each difference named.
pub async fn run(settings: &Settings, args: &ReadArgs) -> Result<Outcome> {
    let connected = connect::connect(settings, args.from.as_deref()).await?;
    let pair = &connected.pair;
    let run_dir = settings.run_dir(&pair.source_config, &pair.target_config);
    let opts = engine_options::build(settings, run_dir.clone(), &args.select, None)?;
    let progress = CliProgress::of(Task::Verify, settings.verbosity);
    let verified =
        brickport_engine::verify_with_progress(&pair.source, &pair.target, &opts, &progress);
    let report = connected.guard(verified).await??;
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
