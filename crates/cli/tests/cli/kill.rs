//! `kill -9` of the real `brickport` process during a `typical` migration, then a restart:
//! no duplicate, nothing missing, and a last run that writes nothing.
//!
//! The target is walked over HTTP with the api crate's client, never through the ledger, and
//! compared object by object (by name or path; clusters and jobs also by the
//! `brickport_source_id` tag the engine sets) with a walk of the source.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use brickport_emulator::{EmulatorOptions, Latency, RateLimitSpec, SeedSpec, StatsSnapshot};

use crate::support::*;

pub(crate) mod walk;
use walk::{tagged, walk};

const TAG: &str = "brickport_source_id";
const TARGET_USER: &str = "bob@target.example";
const SOURCE_USER: &str = "alice@source.example";

/// A typical source, an empty slower target holding the source's account groups; profiles
/// `src` and `dst`. Returns the sandbox (source `emulators[0]`, target `emulators[1]`) and the
/// two URLs.
pub(crate) fn typical_pair(latency: &str) -> (Sandbox, String, String) {
    let mut sb = Sandbox::new();
    // Distinct id seeds: `Sandbox::emulator` numbers them 1, 2.
    let src = sb.emulator(
        &[&format!("{SOURCE_TOKEN}:{SOURCE_USER}")],
        EmulatorOptions {
            seed: SeedSpec::Typical,
            rate_limits: RateLimitSpec::Off,
            cluster_start_delay: Duration::from_millis(40),
            ..EmulatorOptions::default()
        },
    );
    // A slower target, so the run is still writing when it is killed.
    let dst = sb.emulator(
        &[&format!("{TARGET_TOKEN}:{TARGET_USER}")],
        EmulatorOptions {
            latency: Latency::parse(latency).unwrap(),
            rate_limits: RateLimitSpec::Off,
            cluster_start_delay: Duration::from_millis(40),
            ..EmulatorOptions::default()
        },
    );
    let assigned = brickport_emulator::account::assign_account_groups(
        sb.emulators[0].emulator(),
        sb.emulators[1].emulator(),
    );
    assert!(
        !assigned.is_empty(),
        "the typical seed has an account group"
    );
    sb.databrickscfg(&format!(
        "[src]\nhost = {src}\ntoken = {SOURCE_TOKEN}\n\n[dst]\nhost = {dst}\ntoken = {TARGET_TOKEN}\n"
    ));
    write_fast_config(&sb);
    (sb, src, dst)
}

/// Spawns `brickport ARGS`, waits until the target's stats satisfy `ready(at start, now)`,
/// then `kill -9`s it. Panics if the run ends first (the kill point was missed). Returns the
/// target's stats once the killed run's last requests have arrived.
pub(crate) fn kill_when(
    sb: &Sandbox,
    args: &[&str],
    what: &str,
    ready: impl Fn(&StatsSnapshot, &StatsSnapshot) -> bool,
) -> StatsSnapshot {
    let start = sb.emulators[1].stats();
    let mut child = sb
        .cmd()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !ready(&start, &sb.emulators[1].stats()) {
        assert!(Instant::now() < deadline, "no progress towards {what}");
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "{} ended ({status:?}) before the kill point {what}",
                args[0]
            );
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None, "{what}: not killed by the signal");
    sb.settled_stats(1)
}

fn hits(s: &StatsSnapshot, path: &str) -> u64 {
    s.by_path.get(path).copied().unwrap_or(0)
}

/// The typical seed's migratable objects, as the walk counts them: 45 users and the source's
/// token user; 12 workspace groups and the account group; 87 folders and the token user's home.
const TYPICAL: [(&str, usize); 21] = [
    ("users", 46),
    ("groups", 13),
    ("service_principals", 3),
    ("cluster_policies", 4),
    ("instance_pools", 2),
    ("sql_warehouses", 2),
    ("secret_scopes", 3),
    ("secrets", 15),
    ("workspace_folders", 88),
    ("notebooks", 123),
    ("files", 5),
    ("repos", 3),
    ("clusters", 8),
    ("jobs", 34),
    ("notification_destinations", 4),
    ("pipelines", 6),
    ("sql_queries", 12),
    ("sql_alerts", 3),
    ("sql_alerts_v2", 1),
    ("dashboards", 6),
    ("genie_spaces", 2),
];

/// The target holds every migratable source object exactly once.
pub(crate) fn assert_target_complete(sb: &Sandbox, src: &str, dst: &str, kinds: &[&str]) {
    let (ours, theirs) = sb
        .rt
        .block_on(async { (walk(src, SOURCE_TOKEN).await, walk(dst, TARGET_TOKEN).await) });
    // The source walk finds what the typical seed documents (plus the source caller, a user
    // with a home folder): a walk that missed objects on both sides would prove nothing.
    for (kind, n) in TYPICAL {
        assert_eq!(ours[kind].len(), n, "the source walk's {kind}");
    }
    for kind in kinds {
        let (a, b) = (&ours[kind], &theirs[kind]);
        assert!(!a.is_empty(), "the typical source has no {kind}");
        // Names need not be unique (two clusters or jobs may share one): count each key on
        // both sides. More in the target: a duplicate; fewer: something missing.
        let count = |keys: &[String]| {
            let mut m: BTreeMap<String, usize> = BTreeMap::new();
            for k in keys {
                *m.entry(k.clone()).or_default() += 1;
            }
            m
        };
        let (ca, cb) = (count(a), count(b));
        let dups: Vec<_> = cb
            .iter()
            .filter(|(k, n)| **n > ca.get(*k).copied().unwrap_or(0))
            .collect();
        let missing: Vec<_> = ca
            .iter()
            .filter(|(k, n)| **n > cb.get(*k).copied().unwrap_or(0))
            .collect();
        assert!(
            dups.is_empty() && missing.is_empty(),
            "{kind}: in the target more often than in the source {dups:?}; \
             less often {missing:?}"
        );
        assert_eq!(a.len(), b.len(), "{kind}");
    }
    if kinds.contains(&"jobs") {
        let (s, t) = (
            brickport_testkit::Workspace::new(src, SOURCE_TOKEN),
            brickport_testkit::Workspace::new(dst, TARGET_TOKEN),
        );
        let counts = sb.rt.block_on(tagged(&s, &t));
        assert_eq!(counts.len(), 8 + 34, "{counts:?}");
        let wrong: Vec<_> = counts.iter().filter(|(_, n)| *n != 1).collect();
        assert!(wrong.is_empty(), "tagged copies in the target: {wrong:?}");
    }
}

/// A last run writes nothing, and `status` says everything is done (`runs` started in all).
pub(crate) fn assert_nothing_left(sb: &Sandbox, args: &[&str], runs: i64) {
    let before = sb.emulators[1].stats();
    let out = sb.run(args);
    assert_eq!(out.code, 0, "{out:?}");
    let after = sb.emulators[1].stats();
    assert_eq!(
        after.writes,
        before.writes,
        "the last run wrote to the target: {:?}",
        after
            .by_path
            .iter()
            .filter(|(k, n)| before.by_path.get(*k) != Some(*n))
            .collect::<Vec<_>>()
    );
    let out = sb.run_between(&["status", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(doc["problems"], serde_json::json!([]), "{doc}");
    assert_eq!(doc["runs_started"], runs, "{doc}");
}

/// Phases 2 and 3's kinds (as the walk names them).
pub(crate) const PHASES23: [&str; 11] = [
    "notebooks",
    "files",
    "repos",
    "clusters",
    "pipelines",
    "sql_queries",
    "sql_alerts",
    "sql_alerts_v2",
    "dashboards",
    "genie_spaces",
    "jobs",
];

/// Phase 1's kinds (as the walk names them).
pub(crate) const PHASE1: [&str; 10] = [
    "users",
    "groups",
    "service_principals",
    "cluster_policies",
    "instance_pools",
    "sql_warehouses",
    "secret_scopes",
    "secrets",
    "workspace_folders",
    "notification_destinations",
];

#[test]
fn phase1_killed_after_10_50_150_writes_resumes_with_no_duplicate() {
    let (sb, src, dst) = typical_pair("5ms");
    let args = [&["migrate", "--phase", "1"][..], &WS].concat();
    // Cumulative: each restart goes on from where the last one was killed.
    for writes in [10, 50, 150] {
        kill_when(&sb, &args, &format!("{writes} writes"), |_, now| {
            now.writes >= writes
        });
    }
    let out = sb.run(&args);
    assert_eq!(out.code, 0, "{out:?}");
    assert_target_complete(&sb, &src, &dst, &PHASE1);
    let s = sb.emulators[1].stats();
    assert_eq!(
        phase2_creates(&s) + hits(&s, "/api/jobs/create"),
        0,
        "--phase 1 went on"
    );
    // Three killed runs, the one that finished, the last one.
    assert_nothing_left(&sb, &args, 5);
}

/// Phase 2's creates in a whole run of the `typical` seed: 8 clusters, 128 notebooks and files.
const PHASE2_CREATES: u64 = 8 + 128;

/// Phase 2's creates of clusters, notebooks and files (`by_path` counts every method, so
/// `/api/repos`, read as well, is left out).
fn phase2_creates(s: &StatsSnapshot) -> u64 {
    hits(s, "/api/clusters/create") + hits(s, "/api/workspace/import")
}

#[test]
fn killed_in_phase_2_and_in_phase_3_resumes_with_no_duplicate() {
    let (sb, src, dst) = typical_pair("5ms");
    let args = [&["migrate"][..], &WS].concat();
    // Phase 2: at its first create (in flight: the run never sees the answer), then again
    // in the middle of it (some creates answered, others in flight).
    // (Objects of different phases overlap: a job starts once what it references is done,
    // so jobs may already be created here; what matters is that Phase 2 is unfinished.)
    let at = kill_when(&sb, &args, "Phase 2's first create", |_, now| {
        phase2_creates(now) >= 1
    });
    assert!(phase2_creates(&at) < PHASE2_CREATES, "killed after Phase 2");
    let at = kill_when(&sb, &args, "Phase 2's middle", |start, now| {
        phase2_creates(now) >= phase2_creates(start) + 20
    });
    assert!(phase2_creates(&at) < PHASE2_CREATES, "killed after Phase 2");
    // Phase 3: the same, with jobs.
    // Relative to the run's start: earlier runs may already have created jobs.
    kill_when(&sb, &args, "Phase 3's next create", |start, now| {
        hits(now, "/api/jobs/create") > hits(start, "/api/jobs/create")
    });
    kill_when(&sb, &args, "Phase 3's middle", |start, now| {
        hits(now, "/api/jobs/create") >= hits(start, "/api/jobs/create") + 5
    });
    let out = sb.run(&args);
    assert_eq!(out.code, 0, "{out:?}");
    let mut kinds = PHASE1.to_vec();
    kinds.extend(PHASES23);
    assert_target_complete(&sb, &src, &dst, &kinds);
    assert_nothing_left(&sb, &args, 6);
}

/// Writes that fill a secret scope after its create (its keys, its ACLs).
fn scope_fills(s: &StatsSnapshot) -> u64 {
    hits(s, "/api/secrets/put") + hits(s, "/api/secrets/acls/put")
}

/// A secret scope is created and filled in several writes. Killed while filling it, then
/// killed again while the restart fills it: the third run must still know the scope is its
/// own (finish it), not find "a scope not created by this migration" and leave it half empty.
#[test]
fn a_scope_killed_twice_while_filled_is_finished() {
    let (sb, src, dst) = typical_pair("5ms");
    let args = [&["migrate", "--phase", "1"][..], &WS].concat();
    kill_when(&sb, &args, "the first scope fill", |_, now| {
        scope_fills(now) >= 1
    });
    kill_when(
        &sb,
        &args,
        "the restart's first scope fill",
        |start, now| scope_fills(now) > scope_fills(start),
    );
    let out = sb.run(&args);
    assert_eq!(out.code, 0, "{out:?}");
    assert_target_complete(&sb, &src, &dst, &PHASE1);
    assert_nothing_left(&sb, &args, 4);
}

/// The stress version: `kill -9` every `BRICKPORT_KILL_STEP` (default 25) target writes, from
/// the first to the last, until a run finishes; the target's latency is
/// `BRICKPORT_KILL_LATENCY` (default `5ms`). A step must leave each run time for some answers:
/// with a slow target (20 ms) and a step of 9, every run is killed while its first writes are
/// all still in flight, so no run gets further than the last (observed: 190 runs, 2 000
/// writes, no end; a request whose client died is, it seems, never applied). Slow (one
/// restart per step): run it by hand with
/// `cargo test -p brickport --test cli killed_every -- --ignored`.
#[test]
#[ignore = "slow: dozens of restarts"]
fn killed_every_few_writes_resumes_with_no_duplicate() {
    let step: u64 = std::env::var("BRICKPORT_KILL_STEP")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(25);
    let latency = std::env::var("BRICKPORT_KILL_LATENCY").unwrap_or_else(|_| "5ms".into());
    let (sb, src, dst) = typical_pair(&latency);
    let args = [&["migrate"][..], &WS].concat();
    let mut runs = 0;
    loop {
        runs += 1;
        let start = sb.emulators[1].stats().writes;
        let mut child = sb
            .cmd()
            .args(&args)
            .stdout(std::fs::File::create(sb.path().join("last.out")).unwrap())
            .stderr(std::fs::File::create(sb.path().join("last.err")).unwrap())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        let finished = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            assert!(
                Instant::now() < deadline,
                "run {runs}: no {step} writes in 120 s (stuck?)"
            );
            if sb.emulators[1].stats().writes >= start + step {
                break None;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        match finished {
            Some(status) => {
                let read = |f: &str| std::fs::read_to_string(sb.path().join(f)).unwrap();
                assert_eq!(
                    status.code(),
                    Some(0),
                    "run {runs}:\n{}\n{}",
                    read("last.out"),
                    read("last.err")
                );
                break;
            }
            None => {
                Command::new("kill")
                    .args(["-KILL", &child.id().to_string()])
                    .status()
                    .unwrap();
                assert_eq!(child.wait().unwrap().code(), None);
                eprintln!(
                    "run {runs} killed after {} writes",
                    sb.settled_stats(1).writes
                );
            }
        }
        assert!(runs < 1000, "no end in sight");
    }
    eprintln!("{runs} runs, the last one finished");
    let mut kinds = PHASE1.to_vec();
    kinds.extend(PHASES23);
    assert_target_complete(&sb, &src, &dst, &kinds);
    assert_nothing_left(&sb, &args, runs + 1);
}
