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
