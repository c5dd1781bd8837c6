//! One scenario: run `brickport migrate` as a child process and measure it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use brickport_emulator::{RunningEmulator, StatsSnapshot};

/// What one scenario measured.
#[derive(Debug)]
pub struct Measure {
    pub name: String,
    pub wall: Duration,
    pub cpu: Duration,
    pub max_rss_kb: i64,
    pub exit_code: i32,
    pub source: StatsSnapshot,
    pub target: StatsSnapshot,
    /// Per kind: objects listed, and objects written (created + updated).
    pub kinds: BTreeMap<String, (u64, u64)>,
    /// (seconds since the start, requests so far per `side/family`), once a second.
    pub timeline: Vec<(f64, BTreeMap<String, u64>)>,
}

/// Writes the brickport.toml the child uses: both sides by host, tokens from env vars.
pub fn write_config(
    dir: &Path,
    source: &str,
    target: &str,
    concurrency: Option<u32>,
    unthrottled: bool,
) -> Result<PathBuf> {
    let path = dir.join("brickport.toml");
    let run_dir = dir.join("run");
    let concurrency = concurrency
        .map(|c| format!("concurrency = {c}\n"))
        .unwrap_or_default();
    let text = format!(
        "{concurrency}run_dir = {run:?}\n\n[source]\nhost = {source:?}\ntoken_env = \"BENCH_SOURCE_TOKEN\"\n\n[target]\nhost = {target:?}\ntoken_env = \"BENCH_TARGET_TOKEN\"\n",
        run = run_dir.display().to_string(),
    );
    let mut text = text;
    if unthrottled {
        for family in brickport_api::Family::ALL.map(brickport_api::Family::as_str) {
            text.push_str(&format!(
                "\n[throttle.{family}]\nrps = 100000\nconcurrency = 64\n"
            ));
            if family == "jobs" {
                // The hourly job-creation quota is lifted too (the emulators' as well): a
                // memory/CPU measurement must not wait an hour per 10,000 jobs.
                text.push_str("jobs_created_per_hour = 1000000000\n");
            }
        }
    }
    std::fs::write(&path, text)?;
    Ok(path)
}

/// What every scenario runs against: the binary, its config and environment, the emulators.
pub struct Harness<'a> {
    pub bin: &'a Path,
    pub cfg: &'a Path,
    pub env: &'a [(&'a str, &'a str)],
    pub source: &'a RunningEmulator,
    pub target: &'a RunningEmulator,
}

/// Runs one `brickport migrate [migrate_args]`, with the emulators' counters reset first.
pub async fn scenario(
    h: &Harness<'_>,
    name: &str,
    halve_after_secs: Option<f64>,
    migrate_args: &[&str],
) -> Result<Measure> {
    let Harness {
        bin,
        cfg,
        env,
        source,
        target,
    } = *h;
    eprintln!("== {name}");
    source.emulator().stats.reset();
    target.emulator().stats.reset();
    let mut cmd = Command::new(bin);
    cmd.arg("--config")
        .arg(cfg)
        .arg("-q")
        .arg("--output")
        .arg("json")
        .arg("migrate")
        .args(migrate_args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdout(std::process::Stdio::piped());
    let started = Instant::now();
    let child = cmd
        .spawn()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    let pid = child.id() as libc::pid_t;
    let mut waiter = tokio::task::spawn_blocking(move || wait_with_rusage(pid, child));
    // Every second: the requests so far per side and family (what was busy when), and the
    // halving of the rate limits when asked for.
    let mut timeline = Vec::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut halved = false;
    // The child's peak RSS from the kernel's high-water mark of its own memory (see
    // `high_water_kb` for why not `wait4`'s), read every 100 ms while it runs.
    let mut hwm_tick = tokio::time::interval(Duration::from_millis(100));
    let mut hwm_kb = 0i64;
    let (exit_code, cpu, rusage_rss_kb, stdout) = loop {
        tokio::select! {
            done = &mut waiter => break done??,
            _ = hwm_tick.tick() => {
                if let Some(kb) = high_water_kb(pid) {
                    hwm_kb = hwm_kb.max(kb);
                }
            }
            _ = tick.tick() => {
                let t = started.elapsed().as_secs_f64();
                if let Some(secs) = halve_after_secs && !halved && t >= secs {
                    eprintln!("   halving both emulators' rate limits");
                    source.set_rate_limit_scale(0.5);
                    target.set_rate_limit_scale(0.5);
                    halved = true;
                }
                let mut counts = BTreeMap::new();
                for (side, e) in [("source", source), ("target", target)] {
                    for (fam, n) in e.stats().by_family {
                        counts.insert(format!("{side}/{fam}"), n);
                    }
                }
                timeline.push((t, counts));
            }
        }
    };
    let wall = started.elapsed();
    let max_rss_kb = if hwm_kb > 0 { hwm_kb } else { rusage_rss_kb };
    if halve_after_secs.is_some() {
        source.set_rate_limit_scale(1.0);
        target.set_rate_limit_scale(1.0);
    }
    if exit_code == 2 {
        bail!("brickport migrate did nothing (exit 2); its output:\n{stdout}");
    }
    let kinds = kinds_from_report(&stdout);
    if exit_code != 0 {
        for line in unfinished_objects(&stdout) {
            eprintln!("   not done: {line}");
        }
    }
    Ok(Measure {
        name: name.to_string(),
        wall,
        cpu,
        max_rss_kb,
        exit_code,
        source: source.stats(),
        target: target.stats(),
        kinds,
        timeline,
    })
}

/// The peak resident memory of process `pid` since its `exec`, in kB (`VmHWM`), if readable.
///
/// `wait4`'s `ru_maxrss` is no good here: the child starts as a copy of this process (which
/// holds both seeded emulators: ~500 MB at `scale:100000`), and Linux folds the high-water
/// mark of the memory it had before `exec` into the figure, so every run "peaked" at this
/// process's size. `VmHWM` belongs to the memory the child got at `exec`.
fn high_water_kb(pid: libc::pid_t) -> Option<i64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Waits for the child with `wait4`, so its own CPU time is known (not the sum over every
/// child this process ever had); its peak RSS too where `/proc` is not readable.
fn wait_with_rusage(
    pid: libc::pid_t,
    mut child: std::process::Child,
) -> Result<(i32, Duration, i64, String)> {
    use std::io::Read;
    let mut out = String::new();
    if let Some(mut s) = child.stdout.take() {
        s.read_to_string(&mut out)?;
    }
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to overwrite.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet reaped (std's Child has not waited for it).
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    if r < 0 {
        bail!("wait4 failed: {}", std::io::Error::last_os_error());
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    let cpu = tv(usage.ru_utime) + tv(usage.ru_stime);
    Ok((code, cpu, usage.ru_maxrss, out))
}

/// Per kind: (listed, written) from the JSON report `migrate --output json` prints.
fn kinds_from_report(stdout: &str) -> BTreeMap<String, (u64, u64)> {
    let mut out = BTreeMap::new();
    let Ok(v) = serde_json::from_str::<serde_json::Value>(stdout) else {
        return out;
    };
    let kinds = v.get("kinds").or_else(|| v.pointer("/report/kinds"));
    for k in kinds.and_then(|k| k.as_array()).into_iter().flatten() {
        let name = k
            .get("kind")
            .and_then(|x| x.as_str())
            .unwrap_or("?")
            .to_string();
        let n = |f: &str| k.get(f).and_then(|x| x.as_u64()).unwrap_or(0);
        out.insert(name, (n("total"), n("created") + n("updated")));
    }
    out
}

/// The objects the report says failed or are in conflict, one line each (why a run exits 1).
fn unfinished_objects(stdout: &str) -> Vec<String> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(stdout) else {
        return vec!["(the output is not a JSON report)".into()];
    };
    let objects = v.get("objects").or_else(|| v.pointer("/report/objects"));
    objects
        .and_then(|o| o.as_array())
        .into_iter()
        .flatten()
        .filter(|o| {
            matches!(
                o.get("outcome").and_then(|x| x.as_str()),
                Some("failed" | "conflict")
            )
        })
        .map(|o| {
            let f = |k: &str| o.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
            format!(
                "{} {} {}: {}",
                f("kind"),
                f("key"),
                f("outcome"),
                f("detail")
            )
        })
        .collect()
}
