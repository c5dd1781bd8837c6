//! `brickport plan`: what a `migrate` with the same options would do, object by object, like
//! Terraform's plan — `+` create, `~` update (the names of the fields that differ, never
//! their values), `!` conflict, `-` skip, `x` fail — grouped by kind in phase order, a few
//! lines per kind unless `--all`, then one summary line. It runs `migrate`'s pre-check first
//! (exit 2 when it fails) and takes every option `migrate` takes (`cli::RunArgs`). Nothing
//! is written, except with `--out FILE`: the plan, for `migrate --plan FILE`. With
//! `--from DIR`, the source is read from a bundle (what an `import` would do).

use std::fmt::Write as _;

use anyhow::Result;
use brickport_engine::{Change, PlanView, RunReport, SavedPlan};
use serde::Serialize;

use crate::cli::PlanArgs;
use crate::commands::migrate;
use crate::connect;
use crate::engine_options;
use crate::output::Outcome;
use crate::progress::{CliProgress, Task};
use crate::settings::Settings;

/// Lines shown per kind without `--all` (the most pressing changes first).
pub const FOLD: usize = 10;

/// `brickport plan`.
pub async fn run(settings: &Settings, args: &PlanArgs) -> Result<Outcome> {
    let connected = connect::connect(settings, args.from.as_deref()).await?;
    let pair = &connected.pair;
    let run_dir = settings.run_dir(&pair.source_config, &pair.target_config);
    let opts = engine_options::build(settings, run_dir.clone(), &args.run.select, Some(&args.run))?;
    let progress = CliProgress::of(Task::Plan, settings.verbosity);
    migrate::precheck_gate(&connected, &opts, &progress, "planned").await?;
    if let Some(wait) = args.run.outage_wait {
        pair.source.set_outage_wait(wait.0);
        pair.target.set_outage_wait(wait.0);
    }
    let planned =
        brickport_engine::plan_with_progress(&pair.source, &pair.target, &opts, &progress);
    let report = connected.guard(planned).await??;
    let view = PlanView::of(&report, (!args.all).then_some(FOLD))?;
    let mut text = text(&report, &view);
    let saved_to = match &args.out {
        Some(path) => {
            SavedPlan::of(&report, &opts)?.write(path)?;
            let _ = writeln!(
                text,
                "\nplan saved to {0}: `brickport migrate --plan {0}` (with the same options) \
                 carries out exactly this plan, and refuses if the source changed since",
                path.display()
            );
            Some(path.display().to_string())
        }
        None => None,
    };
    let ok = report.is_success();
    let doc = PlanJson {
        plan: view,
        plan_file: saved_to,
        ok,
        run_dir: run_dir.display().to_string(),
        report,
    };
    Ok(Outcome::streamed(ok, text, move |out| {
        serde_json::to_writer_pretty(out, &doc).map_err(std::io::Error::from)
    }))
}

/// The `--output json` document: the run report's fields (every object), then the plan's
/// view, where it was saved, `ok` and `run_dir`.
#[derive(Serialize)]
struct PlanJson {
    #[serde(flatten)]
    report: RunReport,
    plan: PlanView,
    plan_file: Option<String>,
    ok: bool,
    run_dir: String,
}

/// The plan for a person: a block per kind, then the summary.
pub fn text(report: &RunReport, view: &PlanView) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "plan (nothing written): {} -> {}",
        report.source, report.target
    );
    for k in &view.kinds {
        let counts: Vec<String> = k
            .counts
            .iter()
            .map(|(c, n)| format!("{n} {}", c.words()))
            .collect();
        let _ = writeln!(
            out,
            "\n{} (phase {}): {}",
            k.kind,
            k.phase,
            counts.join(", ")
        );
        for l in &k.lines {
            let fields = if l.fields.is_empty() {
                String::new()
            } else {
                format!(" ({})", l.fields.join(", "))
            };
            let reason = l
                .reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {} {} {}{fields}{reason}",
                l.change.sign(),
                k.kind,
                l.key
            );
        }
        let folded: Vec<String> = Change::SHOWN
            .iter()
            .filter_map(|c| {
                let n = k.folded(*c);
                (n > 0).then(|| format!("{n} more {}", c.words()))
            })
            .collect();
        if !folded.is_empty() {
            let _ = writeln!(out, "  … and {} (plan --all)", folded.join(", "));
        }
    }
    crate::render::translations(&mut out, report);
    if !report.missing_dependencies.is_empty() {
        let _ = writeln!(
            out,
            "\nmissing dependencies (not selected and not migrated before):"
        );
        for m in &report.missing_dependencies {
            let _ = writeln!(out, "  {m}");
        }
    }
    let _ = writeln!(out, "\n{}", summary(view));
    out
}

/// "Plan: 620 to create, 3 to update, 0 in conflict, 12 to skip; 40 unchanged."
pub fn summary(view: &PlanView) -> String {
    let n = |c| view.count(c);
    let mut s = format!(
        "Plan: {} to create, {} to update, {} in conflict, {} to skip",
        n(Change::Create),
        n(Change::Update),
        n(Change::Conflict),
        n(Change::Skip)
    );
    if n(Change::Fail) > 0 {
        let _ = write!(s, ", {} failing", n(Change::Fail));
    }
    let _ = write!(s, "; {} unchanged.", n(Change::Keep));
    if view.is_folded() {
        s.push_str(" Every object: `brickport plan --all` (or `--output json`).");
    }
    s
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every flag of `migrate` is one of `plan`'s (they share `RunArgs`; this holds it).
    #[test]
    fn plan_takes_every_flag_migrate_takes() {
        let cli = crate::cli::Cli::command();
        let names = |sub: &str| -> Vec<String> {
            let c = cli.find_subcommand(sub).expect("the subcommand");
            c.get_arguments().map(|a| a.get_id().to_string()).collect()
        };
        let plan = names("plan");
        let migrate = names("migrate");
        assert!(migrate.len() > 6, "{migrate:?}");
        for flag in migrate.iter().filter(|f| *f != "plan") {
            assert!(plan.contains(flag), "plan lacks migrate's --{flag}");
        }
    }
}
