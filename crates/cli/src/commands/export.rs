//! `brickport export --to DIR`: every read `migrate` makes of the source, into a bundle
//! directory (owner-only) that `import --from DIR` migrates from where the source cannot be
//! reached. Only the source is needed; secret values and tokens never enter the bundle.

use std::time::Instant;

use anyhow::Result;
use brickport_bundle::{ExportRequest, ExportSummary};
use serde_json::json;

use crate::cli::ExportArgs;
use crate::connect;
use crate::engine_options;
use crate::output::Outcome;
use crate::progress::CliProgress;
use crate::settings::{Settings, Side};
use crate::signals;

/// `brickport export`: exit 1 when some objects' further reads failed (their answers are in
/// the bundle: the import fails those objects as a migration would).
pub async fn run(settings: &Settings, args: &ExportArgs) -> Result<Outcome> {
    let source = settings.workspace(Side::Source)?;
    let opts = engine_options::build(settings, args.to.clone(), &args.select, None)?;
    // The directory first: a bundle that cannot be written is said before anything else.
    brickport_bundle::files::new_private_dir(&args.to)?;
    let progress = CliProgress::new(settings.verbosity);
    progress.line(&format!(
        "exporting {} into {}",
        source.host,
        args.to.display()
    ));
    let started = Instant::now();
    let request = ExportRequest {
        source,
        client_options: connect::client_options(settings),
        opts,
        dir: args.to.clone(),
    };
    let summary = signals::unless_stopped("export", brickport_bundle::export(request)).await?;
    let failed: u64 = summary.kinds.iter().map(|k| k.failed_reads).sum();
    let text = text(&summary, started.elapsed().as_secs_f64());
    let mut doc = serde_json::to_value(&summary).unwrap_or_else(|_| json!({}));
    if let Some(map) = doc.as_object_mut() {
        map.insert("ok".into(), json!(failed == 0));
    }
    Ok(Outcome {
        success: failed == 0,
        json: doc.into(),
        text,
    })
}

fn text(s: &ExportSummary, seconds: f64) -> String {
    let m = &s.manifest;
    let mut out = format!(
        "exported {}{} into {}: {} answers, {:.1} MB, in {seconds:.1} s\n",
        m.source.host,
        m.source
            .caller
            .as_deref()
            .map(|c| format!(" (as {c})"))
            .unwrap_or_default(),
        s.dir.display(),
        m.answers,
        s.bytes as f64 / 1e6,
    );
    let w = s.kinds.iter().map(|k| k.kind.len()).max().unwrap_or(0);
    for k in &s.kinds {
        out.push_str(&format!("  {:<w$} {:>7} objects", k.kind, k.objects));
        if let Some(first) = &k.first_failure {
            out.push_str(&format!(
                "; {} could not be read whole, e.g. {first}",
                k.failed_reads
            ));
        }
        out.push('\n');
    }
    out.push_str(&format!(
        "bundle format {}; import it where the target can be reached: brickport import --from {}\n",
        m.version,
        s.dir.display()
    ));
    out
}
