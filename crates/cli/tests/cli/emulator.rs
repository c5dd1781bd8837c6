//! `brickport emulator` as a child process, its option errors, and `brickport demo`.

use std::process::Command;

use brickport_emulator::EmulatorOptions;

use crate::support::*;

#[test]
fn the_emulator_command_prints_its_url_serves_and_stops_on_sigterm() {
    use std::io::{BufRead, BufReader, Read};
    let mut sb = Sandbox::new();
    let mut child = sb
        .cmd()
        .args([
            "emulator",
            "--port",
            "0",
            "--token",
            &format!("{SOURCE_TOKEN}:erin@child.example"),
            "--state",
            "state.json",
            "--latency",
            "1ms",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut url = String::new();
    stdout.read_line(&mut url).unwrap();
    let url = url.trim().to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url:?}");

    let dst = sb.emulator(
        &[&format!("{TARGET_TOKEN}:bob@target.example")],
        EmulatorOptions::default(),
    );
    sb.databrickscfg(&format!(
        "[child]\nhost = {url}\ntoken = {SOURCE_TOKEN}\n[dst]\nhost = {dst}\ntoken = {TARGET_TOKEN}\n"
    ));
    let out = sb.run(&[
        "validate",
        "--source-profile",
        "child",
        "--target-profile",
        "dst",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("erin@child.example"), "{out:?}");

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "the emulator did not stop cleanly");
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(rest.is_empty(), "more than the URL on stdout: {rest:?}");
    assert!(!stderr.contains(SOURCE_TOKEN), "{stderr}");
    assert!(
        sb.path().join("state.json").is_file(),
        "--state was not saved"
    );
}

#[test]
fn emulator_options_are_checked() {
    let sb = Sandbox::new();
    sb.run(&["emulator", "--faults", "503=2"])
        .fails_with(&["--faults", "probability"]);
    sb.run(&["emulator", "--seed", "scale:x"])
        .fails_with(&["--seed", "scale:N"]);
    sb.run(&["emulator", "--token", &format!("{BAD_TOKEN}:u:root")])
        .fails_with(&["--token", "admin"]);
    sb.run(&["emulator", "--latency", "soon"])
        .fails_with(&["--latency", "duration"]);
    sb.run(&["emulator", "--host", "localhost.example"])
        .fails_with(&["--host", "IP address"]);
}

#[test]
fn the_demo_migrates_a_typical_workspace_end_to_end() {
    let sb = Sandbox::new();
    let out = sb.run(&["demo", "--run-dir", "demo-run", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["ok"], true, "{doc}");
    assert_eq!(doc["run_dir"], "demo-run");
    let created: u64 = doc["migrate"]["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["created"].as_u64().unwrap())
        .sum();
    assert!(
        created > 100,
        "the typical seed should give hundreds of objects: {created}"
    );
    for f in ["report.json", "report.md", "ledger.sqlite"] {
        assert!(sb.path().join("demo-run").join(f).is_file(), "{f} missing");
    }
    // The run directory outlives the demo's emulators: status reads it alone.
    let out = sb.run(&["status", "--run-dir", "demo-run"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("Phase 3: Orchestration        ▓▓▓▓▓▓▓▓▓▓ 100%"),
        "{out:?}"
    );
}
