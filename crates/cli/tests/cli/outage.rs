//! A target that stops answering in the middle of `migrate` (the emulator paused: connections
//! cut and refused, its state kept): waited out when it comes back, a clean stop for a re-run
//! when it stays down past `--outage-wait`. Nothing fails for the outage either way.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::kill::{PHASE1, PHASES23, assert_nothing_left, assert_target_complete, typical_pair};
use crate::support::*;

/// Spawns `brickport ARGS` and returns it once the target has taken `writes` writes (panics
/// if it ends first).
fn spawn_until_writes(sb: &Sandbox, args: &[&str], writes: u64) -> Child {
    let mut child = sb
        .cmd()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while sb.emulators[1].stats().writes < writes {
        assert!(Instant::now() < deadline, "no {writes} writes in 60 s");
        if let Some(status) = child.try_wait().unwrap() {
            panic!("migrate ended ({status:?}) before {writes} target writes");
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    child
}

fn finish(sb: &Sandbox, child: Child) -> Out {
    let output = child.wait_with_output().unwrap();
    let out = Out {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    for token in TOKENS {
        assert!(!out.stderr.contains(token) && !out.stdout.contains(token));
    }
    let _ = sb;
    out
}

/// The typical source's clusters name an AWS instance profile, which the target must have
/// registered (as an admin does before a migration). Already registered is fine.
fn register_instance_profiles(sb: &Sandbox, dst: &str) {
    let c = api(dst, TARGET_TOKEN);
    sb.rt.block_on(async {
        for arn in [
            "arn:aws:iam::123456789012:instance-profile/databricks-etl",
            "arn:aws:iam::123456789012:instance-profile/databricks-ml",
        ] {
            let body = serde_json::json!({ "instance_profile_arn": arn });
            let _ = c.post_json("/api/2.0/instance-profiles/add", &body).await;
        }
    });
}

fn every_kind() -> Vec<&'static str> {
    let mut kinds = PHASE1.to_vec();
    kinds.extend(PHASES23);
    kinds
}

/// The objects the run directory's report counts as failed.
fn failed_in_report(sb: &Sandbox) -> u64 {
    let text = std::fs::read_to_string(sb.path().join("run/report.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let kinds = doc["kinds"].as_array().unwrap();
    assert!(!kinds.is_empty(), "{doc}");
    kinds.iter().map(|k| k["failed"].as_u64().unwrap()).sum()
}

#[test]
fn a_target_down_for_20s_mid_run_is_waited_out_and_nothing_fails() {
    let (mut sb, src, dst) = typical_pair("20ms");
    register_instance_profiles(&sb, &dst);
    let args = [&["migrate"][..], &WS].concat();
    let child = spawn_until_writes(&sb, &args, 150);
    sb.rt.block_on(sb.emulators[1].pause());
    std::thread::sleep(Duration::from_secs(20));
    sb.rt.block_on(sb.emulators[1].resume()).unwrap();
    let out = finish(&sb, child);
    assert_eq!(out.code, 0, "{out:?}");
    let down: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("target unreachable since"))
        .collect();
    assert_eq!(down.len(), 1, "one line for the outage: {out:?}");
    assert!(down[0].contains("retrying every 5 s"), "{out:?}");
    assert!(out.stderr.contains("target answers again"), "{out:?}");
    assert_eq!(failed_in_report(&sb), 0, "{out:?}");
    assert_target_complete(&sb, &src, &dst, &every_kind());
    let verify = sb.run_between(&["verify"]);
    assert_eq!(verify.code, 0, "{verify:?}");
    assert_nothing_left(&sb, &args, 2);
}

#[test]
fn a_target_down_past_outage_wait_stops_the_run_for_a_re_run() {
    let (mut sb, src, dst) = typical_pair("20ms");
    register_instance_profiles(&sb, &dst);
    let args = [&["migrate", "--outage-wait", "3s"][..], &WS].concat();
    let child = spawn_until_writes(&sb, &args, 150);
    let paused = Instant::now();
    sb.rt.block_on(sb.emulators[1].pause());
    let out = finish(&sb, child);
    assert!(paused.elapsed() < Duration::from_secs(30), "{out:?}");
    assert_eq!(out.code, 75, "{out:?}");
    let last = out.stderr.lines().last().unwrap_or_default();
    for needle in [
        "error: the target workspace",
        "unreachable since",
        "nothing was marked failed",
        "brickport migrate --resume",
    ] {
        assert!(last.contains(needle), "{needle:?} in {out:?}");
    }
    // Nothing failed, nothing skipped for it: what the run did not do is still to do.
    let doc = sb.run_between(&["status", "--output", "json"]).json();
    let kinds = doc["phases"].as_array().unwrap().iter();
    let kinds: Vec<_> = kinds.flat_map(|p| p["kinds"].as_array().unwrap()).collect();
    assert!(
        kinds.iter().all(|k| k["by_status"].get("failed").is_none()),
        "{doc}"
    );
    let problems = doc["problems"].as_array().unwrap();
    assert!(
        !problems.is_empty(),
        "the outage came before the end: {doc}"
    );
    assert!(problems.iter().all(|p| p["status"] == "pending"), "{doc}");
    sb.rt.block_on(sb.emulators[1].resume()).unwrap();
    let out = sb.run(&[&["migrate", "--resume"][..], &WS].concat());
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(failed_in_report(&sb), 0, "{out:?}");
    assert_target_complete(&sb, &src, &dst, &every_kind());
}
