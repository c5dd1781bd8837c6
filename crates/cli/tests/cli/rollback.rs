//! `brickport rollback`: it refuses to delete without a terminal or `--yes`, `--dry-run` writes
//! nothing, a rollback killed with `kill -9` finishes when run again, the target then holds
//! what it held before the migration (testkit's walk), a second rollback writes nothing, and
//! `status` and a later `migrate` know what was rolled back.

use std::collections::BTreeMap;

use brickport_testkit::{Walk, Workspace};
use serde_json::Value;

use crate::kill::{kill_when, typical_pair};
use crate::support::*;

/// The target as the walk reads it: every object's key per kind, and the workspace tree.
fn target_state(sb: &Sandbox, url: &str) -> (BTreeMap<&'static str, Vec<String>>, Value) {
    let w = sb
        .rt
        .block_on(async { Walk::of(&Workspace::new(url, TARGET_TOKEN)).await })
        .unwrap();
    (w.keys(), serde_json::to_value(&w.tree).unwrap())
}

/// Target writes made by `brickport ARGS`, and what it printed.
fn writes_of(sb: &Sandbox, args: &[&str]) -> (u64, Out) {
    let before = sb.emulators[1].stats().writes;
    let out = sb.run_between(args);
    (sb.emulators[1].stats().writes - before, out)
}

/// The objects a run's JSON report counts created.
fn created(report: &Value) -> u64 {
    let kinds = report["kinds"].as_array().unwrap().iter();
    kinds.filter_map(|k| k["created"].as_u64()).sum()
}

#[test]
fn rollback_asks_and_without_a_terminal_refuses_unless_yes() {
    let mut sb = Sandbox::new();
    let (src, dst) = sb.unthrottled_pair();
    let before = target_state(&sb, &dst);
    seed_source(&sb, &src);
    let out = sb.run_between(&["migrate", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let first = created(&out.json());

    // No terminal on stdin, no --yes: nothing is done, and the line says what to pass.
    let (writes, out) = writes_of(&sb, &["rollback"]);
    out.fails_with(&["--yes", "nothing was deleted"]);
    assert_eq!(writes, 0);

    // A dry run lists what would go, in text and JSON, and writes nothing.
    let (writes, out) = writes_of(&sb, &["rollback", "--dry-run"]);
    assert_eq!((out.code, writes), (0, 0), "{out:?}");
    for needle in [
        "would delete",
        "cluster_policies `small`",
        "groups `data-eng`",
    ] {
        assert!(out.stdout.contains(needle), "{needle}: {out:?}");
    }
    let (_, out) = writes_of(&sb, &["rollback", "--dry-run", "--output", "json"]);
    let doc = out.json();
    assert_eq!(
        (doc["dry_run"].clone(), doc["ok"].clone()),
        (true.into(), true.into())
    );

    let (writes, out) = writes_of(&sb, &["rollback", "--yes"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(writes > 0 && out.stdout.contains("deleted"), "{out:?}");
    assert_eq!(target_state(&sb, &dst), before);
    let (writes, out) = writes_of(&sb, &["rollback", "--yes"]);
    assert_eq!((out.code, writes), (0, 0), "a second rollback: {out:?}");

    // `status` counts the objects rolled back; a migration creates them again.
    let status = sb.run_between(&["status", "--output", "json"]).json();
    let rolled_back: u64 = status["phases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["kinds"].as_array().unwrap().iter())
        .filter_map(|k| k["by_status"]["rolled_back"].as_u64())
        .sum();
    assert!(rolled_back >= 5, "{status}");
    let out = sb.run_between(&["migrate", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        created(&out.json()),
        first,
        "a migration after the rollback: {out:?}"
    );
}

#[test]
fn rollback_killed_midway_finishes_when_run_again() {
    let (sb, _src, dst) = typical_pair("5ms");
    let before = target_state(&sb, &dst);
    let out = sb.run_between(&["migrate"]);
    assert_eq!(out.code, 0, "{out:?}");
    let args = [&["rollback", "--yes"][..], &WS].concat();
    // Killed twice: after its first deletes, then again in the middle of the rest.
    kill_when(&sb, &args, "the first deletes", |start, now| {
        now.writes >= start.writes + 5
    });
    kill_when(&sb, &args, "the middle", |start, now| {
        now.writes >= start.writes + 100
    });
    let out = sb.run(&args);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        target_state(&sb, &dst),
        before,
        "the target after the rollback"
    );
    let (writes, out) = writes_of(&sb, &["rollback", "--yes"]);
    assert_eq!((out.code, writes), (0, 0), "a last rollback: {out:?}");
    assert!(out.stdout.contains("0 deleted"), "{out:?}");
}

/// `brickport rollback` on a terminal (a pseudo-terminal made by util-linux's `script`),
/// answering `answer` to its question: its exit code and everything it wrote there.
fn on_a_terminal(sb: &Sandbox, answer: &str) -> Option<(i32, String)> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let bin = assert_cmd::cargo::cargo_bin("brickport");
    let line = format!("{} rollback {}", bin.display(), WS.join(" "));
    // Same sandbox as every other run: its environment, its directory.
    let base = sb.cmd();
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &line, "/dev/null"])
        .current_dir(sb.path());
    for (k, v) in base.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(answer.as_bytes()).ok()?;
    let out = child.wait_with_output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    Some((out.status.code().unwrap_or(-1), text))
}

#[test]
fn rollback_on_a_terminal_shows_what_it_deletes_and_waits_for_a_yes() {
    let mut sb = Sandbox::new();
    let (src, dst) = sb.unthrottled_pair();
    let before = target_state(&sb, &dst);
    seed_source(&sb, &src);
    assert_eq!(sb.run_between(&["migrate"]).code, 0);
    let writes = sb.emulators[1].stats().writes;
    let Some((code, text)) = on_a_terminal(&sb, "no\n") else {
        eprintln!("no `script` to make a terminal with: the question is not tested here");
        return;
    };
    assert_eq!(code, 2, "{text}");
    for needle in [
        "would delete",
        "cluster_policies `small`",
        "Delete these 8 objects",
        "not confirmed",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    assert_eq!(
        sb.emulators[1].stats().writes,
        writes,
        "deleted without a yes"
    );
    let (code, text) = on_a_terminal(&sb, "yes\n").unwrap();
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("deleted (8)"), "{text}");
    assert_eq!(target_state(&sb, &dst), before);
    for token in TOKENS {
        assert!(!text.contains(token), "a token was printed: {text}");
    }
}
