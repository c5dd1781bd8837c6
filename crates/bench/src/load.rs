//! `--emulator-throughput`: how many simple requests per second one emulator answers, and how
//! much memory it holds for a seed.
//!
//! The emulator is started in this process with no latency and no rate limits, loaded with the
//! seed, and then `concurrency` clients send `GET /api/2.0/preview/scim/v2/Me` and
//! `GET /api/2.0/workspace/get-status?path=/` (answers of a fixed, small size whatever the seed)
//! as fast as it answers, for `secs` seconds.
//! The load generator shares the machine (and this process) with the emulator, so the number
//! is a lower bound of the emulator's own throughput. Memory is this process's peak RSS
//! (`VmHWM`) after seeding, which is almost all the emulator's state.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};
use brickport_emulator::{EmulatorOptions, RateLimitSpec, SeedSpec, TokenSpec};

/// What the load mode measured.
pub struct Throughput {
    pub seed_secs: f64,
    pub rss_after_seed_mb: f64,
    pub requests: u64,
    pub errors: u64,
    pub secs: f64,
    pub concurrency: usize,
    pub peak_rss_mb: f64,
}

/// This process's peak resident set size, in MB (from `/proc/self/status`).
pub fn peak_rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// Runs the load against a fresh emulator seeded with `seed`.
pub async fn run(seed: SeedSpec, secs: f64, concurrency: usize) -> Result<Throughput> {
    let token = "load-token";
    let t0 = Instant::now();
    let emu = brickport_emulator::start(EmulatorOptions {
        seed,
        tokens: vec![TokenSpec {
            token: token.into(),
            user_name: "admin@example.com".into(),
            is_admin: true,
        }],
        rate_limits: RateLimitSpec::Off,
        ..EmulatorOptions::default()
    })
    .await
    .map_err(|e| anyhow!("emulator: {e}"))?;
    let seed_secs = t0.elapsed().as_secs_f64();
    let rss_after_seed_mb = peak_rss_mb();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let base = emu.url().trim_end_matches('/').to_string();
    let urls = Arc::new([
        format!("{base}/api/2.0/preview/scim/v2/Me"),
        format!("{base}/api/2.0/workspace/get-status?path=%2F"),
    ]);
    let done = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs_f64(secs);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..concurrency {
        let (http, urls, done, errors) = (http.clone(), urls.clone(), done.clone(), errors.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = i;
            while Instant::now() < deadline {
                let r = http
                    .get(&urls[n % urls.len()])
                    .bearer_auth(token)
                    .send()
                    .await;
                match r {
                    Ok(resp) if resp.status().is_success() => {
                        let _ = resp.bytes().await;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
                n += 1;
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let elapsed = started.elapsed().as_secs_f64();
    Ok(Throughput {
        seed_secs,
        rss_after_seed_mb,
        requests: done.load(Ordering::Relaxed),
        errors: errors.load(Ordering::Relaxed),
        secs: elapsed,
        concurrency,
        peak_rss_mb: peak_rss_mb(),
    })
}

/// The Markdown line for BENCHMARKS.md.
pub fn render(seed: &str, t: &Throughput) -> String {
    format!(
        "### emulator, seed `{seed}`, latency 0, no rate limits, {} clients in the same process\n\n\
         | seeding s | RSS after seeding MB | requests | errors | seconds | requests/s | peak RSS MB |\n\
         |---|---|---|---|---|---|---|\n\
         | {:.2} | {:.0} | {} | {} | {:.1} | {:.0} | {:.0} |\n",
        t.concurrency,
        t.seed_secs,
        t.rss_after_seed_mb,
        t.requests,
        t.errors,
        t.secs,
        t.requests as f64 / t.secs.max(1e-9),
        t.peak_rss_mb
    )
}
