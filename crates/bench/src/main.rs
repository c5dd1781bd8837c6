//! `brickport-bench`: how close a full `brickport migrate` gets to the workspace's rate limits.
//!
//! It starts two emulators in this process (a seeded source, an empty target) with a fixed
//! latency and the default per-family rate limits, runs the real `brickport` binary as a child
//! process against them, and prints one table per scenario: wall time, requests per API family
//! on each side, requests per migrated object, the rate-limit floor (per workspace and family,
//! requests divided by the family's rate; the floor is the largest, plus one round trip per
//! dependency level of the kinds graph; job creations past the hourly quota cost a window
//! each), wall / floor, and the child's CPU time and peak RSS.
//! Scenarios: the first run, a re-run with nothing changed, a re-run after changing 1% of the
//! notebooks and jobs in the source. Running brickport as a child keeps the emulators' CPU and
//! memory out of brickport's numbers.

mod floor;
mod load;
mod mutate;
mod run;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use brickport_emulator::{EmulatorOptions, Latency, RateLimitSpec, SeedSpec, TokenSpec};
use clap::Parser;

/// Command-line arguments.
#[derive(Debug, Parser)]
#[command(
    name = "brickport-bench",
    about = "Benchmark brickport migrate against rate-limited emulators"
)]
struct Args {
    /// The source seed: typical, scale:N.
    #[arg(long, default_value = "typical")]
    seed: String,
    /// Latency added to every request by both emulators, in milliseconds.
    #[arg(long, default_value_t = 50)]
    latency_ms: u64,
    /// The brickport binary (default: the one built beside this benchmark).
    #[arg(long)]
    brickport: Option<PathBuf>,
    /// Halve both emulators' rate limits this many seconds into the first run (adaptive
    /// throttling scenario).
    #[arg(long)]
    halve_after_secs: Option<f64>,
    /// brickport's `concurrency` (objects in flight over all kinds); its default when absent.
    #[arg(long)]
    concurrency: Option<u32>,
    /// No rate limits in the emulators and none in brickport's client (every family at
    /// 100,000 requests/s, and no hourly job-creation quota on either side): for measuring
    /// memory and CPU at sizes whose rate-limited run would take hours. The floor column is
    /// then meaningless.
    #[arg(long)]
    unthrottled: bool,
    /// Skip the re-run scenarios.
    #[arg(long)]
    first_only: bool,
    /// Instead of a migration: measure one emulator's throughput (latency 0, no rate limits)
    /// and its memory with the seed.
    #[arg(long)]
    emulator_throughput: bool,
    /// Seconds of load for --emulator-throughput.
    #[arg(long, default_value_t = 5.0)]
    load_secs: f64,
    /// Concurrent clients for --emulator-throughput.
    #[arg(long, default_value_t = 32)]
    load_clients: usize,
    /// Also write the measurements as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

const SOURCE_TOKEN: &str = "bench-source-token";
const TARGET_TOKEN: &str = "bench-target-token";

#[tokio::main]
async fn main() {
    let args = Args::parse();
    if let Err(e) = real_main(args).await {
        eprintln!("brickport-bench: {e:#}");
        std::process::exit(2);
    }
}

async fn real_main(args: Args) -> Result<()> {
    if args.emulator_throughput {
        let seed = SeedSpec::parse(&args.seed).map_err(|e| anyhow::anyhow!("{e}"))?;
        eprintln!("seeding an emulator ({}) and loading it …", args.seed);
        let t = load::run(seed, args.load_secs, args.load_clients.max(1)).await?;
        println!("{}", load::render(&args.seed, &t));
        return Ok(());
    }
    let bin = match &args.brickport {
        Some(p) => p.clone(),
        None => std::env::current_exe()?
            .parent()
            .map(|d| d.join("brickport"))
            .context("cannot locate the brickport binary; pass --brickport PATH")?,
    };
    if !bin.exists() {
        bail!(
            "brickport binary not found at {} — build it first (cargo build --release -p brickport) or pass --brickport PATH",
            bin.display()
        );
    }
    let seed = SeedSpec::parse(&args.seed).map_err(|e| anyhow::anyhow!("{e}"))?;
    let latency = Duration::from_millis(args.latency_ms);
    let emulator = |seed: SeedSpec, token: &str, id_seed: u64| EmulatorOptions {
        seed,
        id_seed,
        tokens: vec![TokenSpec {
            token: token.to_string(),
            user_name: "admin@example.com".into(),
            is_admin: true,
        }],
        latency: Latency {
            fixed: latency,
            jitter: Duration::ZERO,
        },
        rate_limits: RateLimitSpec::Default,
        ..EmulatorOptions::default()
    };
    eprintln!("starting emulators (seed {}) …", args.seed);
    let source = brickport_emulator::start(emulator(seed, SOURCE_TOKEN, 1))
        .await
        .map_err(|e| anyhow::anyhow!("source emulator: {e}"))?;
    let target = brickport_emulator::start(emulator(SeedSpec::None, TARGET_TOKEN, 2))
        .await
        .map_err(|e| anyhow::anyhow!("target emulator: {e}"))?;

    brickport_emulator::account::assign_account_groups(source.emulator(), target.emulator());
    if args.unthrottled {
        source.set_rate_limits_enabled(false);
        target.set_rate_limits_enabled(false);
        // The hourly job-creation quota is not a rate limit: lifted separately.
        for e in [&source, &target] {
            e.emulator().lock().jobs.creation_limit_per_hour = Some(usize::MAX);
        }
    }
    let dir = tempfile::tempdir()?;
    let cfg = run::write_config(
        dir.path(),
        source.url(),
        target.url(),
        args.concurrency,
        args.unthrottled,
    )?;
    let env = [
        ("BENCH_SOURCE_TOKEN", SOURCE_TOKEN),
        ("BENCH_TARGET_TOKEN", TARGET_TOKEN),
    ];
    let rates = floor::rate_table()?;
    let levels = floor::dependency_levels()?;
    let setup = floor::Setup {
        latency,
        levels,
        rates,
        job_quota: (!args.unthrottled).then_some(floor::JobQuota::PLATFORM),
    };

    let harness = run::Harness {
        bin: &bin,
        cfg: &cfg,
        env: &env,
        source: &source,
        target: &target,
    };
    let mut results = Vec::new();
    let first = run::scenario(&harness, "first run", args.halve_after_secs, &[]).await?;
    results.push(floor::Row::new(&first, &setup));
    if !args.first_only {
        let again = run::scenario(&harness, "re-run, nothing changed", None, &[]).await?;
        results.push(floor::Row::new(&again, &setup));
        let resumed = run::scenario(
            &harness,
            "re-run, nothing changed, --resume",
            None,
            &["--resume"],
        )
        .await?;
        results.push(floor::Row::new(&resumed, &setup));
        let changed = mutate::change_one_percent(&source).await?;
        eprintln!(
            "changed {} notebooks and {} jobs in the source",
            changed.notebooks, changed.jobs
        );
        let third = run::scenario(&harness, "re-run, 1% changed", None, &[]).await?;
        results.push(floor::Row::new(&third, &setup));
    }
    println!(
        "{}",
        floor::render(&args.seed, args.latency_ms, &setup, &results)
    );
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_vec_pretty(&results)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}
