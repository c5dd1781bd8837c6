//! The rate-limit floor, and the table that compares a run with it.
//!
//! A migration cannot finish faster than the busiest API family allows: for each workspace and
//! family, requests sent divided by that family's rate limit. The floor is the largest of
//! those, plus one round trip per dependency level of the kinds graph (a level cannot start
//! before the one it depends on has answered). Job creations also have an hourly quota
//! (10,000 per workspace per rolling hour): creations past it wait for the window, so each
//! further quota's worth costs an hour whatever the requests/s.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use anyhow::Result;
use brickport_emulator::RateLimitSpec;
use serde::Serialize;

use crate::run::Measure;

/// What the floor needs to know about the setup.
pub struct Setup {
    pub latency: Duration,
    pub levels: usize,
    pub rates: BTreeMap<String, f64>,
    /// The quota of the `jobs.create` family, when the emulators enforce one.
    pub job_quota: Option<JobQuota>,
}

/// At most `max` job creations per `window`.
#[derive(Debug, Clone, Copy)]
pub struct JobQuota {
    pub max: u64,
    pub window: Duration,
}

impl JobQuota {
    /// The emulators' (and the platform's) default: 10,000 per hour.
    pub const PLATFORM: JobQuota = JobQuota {
        max: brickport_emulator::kinds::jobs::DEFAULT_CREATIONS_PER_HOUR as u64,
        window: Duration::from_secs(3600),
    };
}

/// The family whose requests the job quota counts.
const QUOTA_FAMILY: &str = "jobs.create";

/// Seconds to send `n` requests at `rate` per second, under `quota` when there is one: the
/// i-th creation (from 0) cannot go before `floor(i / max)` windows have passed, so each
/// quota's worth beyond the first costs a window, and the last window's share is paced.
fn family_seconds(n: u64, rate: f64, quota: Option<JobQuota>) -> f64 {
    if rate <= 0.0 {
        return 0.0;
    }
    let paced = n as f64 / rate;
    match quota {
        Some(q) if q.max > 0 && n > q.max => {
            let windows = (n - 1) / q.max;
            let last = n - windows * q.max;
            (windows as f64 * q.window.as_secs_f64() + last as f64 / rate).max(paced)
        }
        _ => paced,
    }
}

/// The emulators' default per-family rates (requests per second).
pub fn rate_table() -> Result<BTreeMap<String, f64>> {
    let t = brickport_emulator::ratelimit::load(&RateLimitSpec::Default)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(t.into_iter().map(|(k, r)| (k, r.per_second)).collect())
}

/// The number of dependency levels of the full kinds graph.
pub fn dependency_levels() -> Result<usize> {
    let kinds = brickport_engine::kinds::all();
    let waves = brickport_engine::graph::waves(&kinds).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(waves.len())
}

/// One scenario's numbers.
#[derive(Debug, Serialize)]
pub struct Row {
    pub scenario: String,
    pub exit_code: i32,
    pub wall_s: f64,
    pub floor_s: f64,
    pub bound_by: String,
    pub ratio: f64,
    pub source_requests: u64,
    pub target_requests: u64,
    pub throttled_429: u64,
    pub objects_listed: u64,
    pub objects_written: u64,
    pub requests_per_listed_object: f64,
    pub cpu_ms: f64,
    pub cpu_ms_per_object: f64,
    pub peak_rss_mb: f64,
    /// `side/family` → (requests, seconds at the family's rate).
    pub families: BTreeMap<String, (u64, f64)>,
    /// kind → (listed, written).
    pub kinds: BTreeMap<String, (u64, u64)>,
    /// `side METHOD path` → requests (in the JSON output only: what each family's count is made of).
    pub paths: BTreeMap<String, u64>,
    /// (seconds, requests so far per `side/family`), once a second (JSON output only).
    pub timeline: Vec<(f64, BTreeMap<String, u64>)>,
}

impl Row {
    pub fn new(m: &Measure, setup: &Setup) -> Row {
        let mut families = BTreeMap::new();
        for (side, stats) in [("source", &m.source), ("target", &m.target)] {
            for (fam, n) in &stats.by_family {
                let quota = setup.job_quota.filter(|_| fam == QUOTA_FAMILY);
                let secs = match setup.rates.get(fam) {
                    Some(r) => family_seconds(*n, *r, quota),
                    None => 0.0,
                };
                families.insert(format!("{side}/{fam}"), (*n, secs));
            }
        }
        let (bound_by, busiest) = families.iter().map(|(k, (_, s))| (k.clone(), *s)).fold(
            (String::from("-"), 0.0_f64),
            |a, b| if b.1 > a.1 { b } else { a },
        );
        let floor_s = busiest + setup.levels as f64 * setup.latency.as_secs_f64();
        let wall_s = m.wall.as_secs_f64();
        let listed: u64 = m.kinds.values().map(|(l, _)| l).sum();
        let written: u64 = m.kinds.values().map(|(_, w)| w).sum();
        let requests = m.source.requests + m.target.requests;
        let cpu_ms = m.cpu.as_secs_f64() * 1000.0;
        Row {
            scenario: m.name.clone(),
            exit_code: m.exit_code,
            wall_s,
            floor_s,
            bound_by,
            ratio: if floor_s > 0.0 { wall_s / floor_s } else { 0.0 },
            source_requests: m.source.requests,
            target_requests: m.target.requests,
            throttled_429: m.source.throttled + m.target.throttled,
            objects_listed: listed,
            objects_written: written,
            requests_per_listed_object: per(requests as f64, listed),
            cpu_ms,
            cpu_ms_per_object: per(cpu_ms, listed),
            peak_rss_mb: m.max_rss_kb as f64 / 1024.0,
            families,
            kinds: m.kinds.clone(),
            paths: [("source", &m.source), ("target", &m.target)]
                .into_iter()
                .flat_map(|(side, st)| {
                    st.by_path
                        .iter()
                        .map(move |(p, n)| (format!("{side} {p}"), *n))
                })
                .collect(),
            timeline: m.timeline.clone(),
        }
    }
}

fn per(x: f64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { x / n as f64 }
}

/// The Markdown tables for BENCHMARKS.md.
pub fn render(seed: &str, latency_ms: u64, setup: &Setup, rows: &[Row]) -> String {
    let mut s = String::new();
    let quota = match setup.job_quota {
        Some(q) => format!("{} job creations per {} s", q.max, q.window.as_secs()),
        None => "no job-creation quota".to_string(),
    };
    let _ = writeln!(
        s,
        "### seed `{seed}`, latency {latency_ms} ms, default rate limits, {quota}, {} dependency levels\n",
        setup.levels
    );
    let _ = writeln!(
        s,
        "| scenario | exit | wall s | floor s | wall/floor | bound by | requests src/tgt | 429s | objects | req/object | CPU ms | CPU ms/object | peak RSS MB |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {:.1} | {:.1} | {:.2} | {} | {}/{} | {} | {} | {:.2} | {:.0} | {:.3} | {:.0} |",
            r.scenario,
            r.exit_code,
            r.wall_s,
            r.floor_s,
            r.ratio,
            r.bound_by,
            r.source_requests,
            r.target_requests,
            r.throttled_429,
            r.objects_listed,
            r.requests_per_listed_object,
            r.cpu_ms,
            r.cpu_ms_per_object,
            r.peak_rss_mb
        );
    }
    for r in rows {
        let _ = writeln!(
            s,
            "\n{} — requests per family (and seconds at its rate limit):\n",
            r.scenario
        );
        let _ = writeln!(s, "| family | requests | s at limit |");
        let _ = writeln!(s, "|---|---|---|");
        for (f, (n, secs)) in &r.families {
            let _ = writeln!(s, "| {f} | {n} | {secs:.1} |");
        }
        let _ = writeln!(s, "\n| kind | listed | written |");
        let _ = writeln!(s, "|---|---|---|");
        for (k, (l, w)) in &r.kinds {
            let _ = writeln!(s, "| {k} | {l} | {w} |");
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creations_past_the_quota_cost_a_window_each() {
        let q = Some(JobQuota::PLATFORM);
        // Within the quota: the rate alone.
        assert_eq!(family_seconds(10_000, 20.0, q), 500.0);
        // 22,764 creations: two full windows, then 2,764 at 20/s.
        assert_eq!(family_seconds(22_764, 20.0, q), 7200.0 + 2764.0 / 20.0);
        assert_eq!(family_seconds(22_764, 20.0, None), 22_764.0 / 20.0);
        // A rate too slow to reach the quota within a window: the rate binds.
        let tight = Some(JobQuota {
            max: 10,
            window: Duration::from_secs(1),
        });
        assert_eq!(family_seconds(100, 1.0, tight), 100.0);
    }
}
