//! `status` as an operator reads it: one screen whatever the size, counts over every run,
//! manual actions with ids marked done (by hand, or by a value supplied later), a skip for a
//! failed dependency told apart from one on purpose, and a listing stopped by `kill -9`
//! shown as not finished.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use brickport_emulator::{
    EmulatorOptions, FaultRule, Latency, RateLimitSpec, RuleAction, SeedSpec,
};
use serde_json::Value;

use crate::kill::typical_pair;
use crate::support::*;

/// The status screen's limits, as the README promises them.
const SCREEN: usize = 60;
const WIDTH: usize = 100;

/// The typical pair, with the source's instance profiles registered in the target first (as
/// an admin does before a migration: clusters naming one are refused otherwise).
fn typical() -> Sandbox {
    // The source's instance profiles are the `instance_profiles` kind's: registered by the run.
    typical_pair("1ms").0
}

fn status_json(sb: &Sandbox) -> Value {
    let out = sb.run_between(&["status", "--output", "json"]);
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    out.json()
}

fn assert_one_screen(text: &str) {
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() <= SCREEN, "{} lines:\n{text}", lines.len());
    assert_eq!(lines[1], "MIGRATION COMPLETION STATUS", "{text}");
    for l in &lines {
        assert!(l.chars().count() <= WIDTH, "too wide: {l}");
    }
}

fn action<'a>(doc: &'a Value, id: &str) -> &'a Value {
    doc["manual_actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("no action {id} in {}", doc["manual_actions"]))
}

fn first_action(doc: &Value, prefix: &str, kind: &str) -> Value {
    doc["manual_actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| {
            a["id"].as_str().unwrap().starts_with(prefix) && a["kind"] == kind && a["done"] == false
        })
        .cloned()
        .unwrap_or_else(|| panic!("no pending {prefix} action of {kind}"))
}

/// Over all kinds: created by this migration (the dashboard), and created by the last run
/// (each object's latest status).
fn created(doc: &Value) -> (u64, u64) {
    let dashboard = doc["dashboard"]["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["created"].as_u64())
        .sum();
    let last = doc["phases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["kinds"].as_array().unwrap())
        .filter_map(|k| k["by_status"]["created"].as_u64())
        .sum();
    (dashboard, last)
}

fn group(doc: &Value, name: &str) -> (u64, u64) {
    let g = doc["dashboard"]["post_migration"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["group"] == name)
        .unwrap_or_else(|| panic!("no group {name}"));
    (g["done"].as_u64().unwrap(), g["total"].as_u64().unwrap())
}

#[test]
fn status_fits_a_screen_actions_are_ticked_and_created_counts_outlive_a_rerun() {
    let sb = typical();
    let out = sb.run_between(&["migrate"]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = sb.run_between(&["status"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_one_screen(&out.stdout);
    assert!(out.stdout.contains("PROBLEMS: none"), "{}", out.stdout);
    let doc = status_json(&sb);
    let (created_first, _) = created(&doc);
    assert!(created_first > 300, "{created_first}");
    let total = doc["manual_actions"].as_array().unwrap().len();

    // By hand: `done` with a unique start of the id, and `status --done`.
    let git: Vec<String> = doc["manual_actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["id"].as_str().filter(|id| id.starts_with("git-")))
        .map(str::to_string)
        .collect();
    assert!(git.len() >= 2, "{git:?}");
    let out = sb.run_between(&["done", &git[0][..9]]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains(&format!("marked done: {}", git[0])),
        "{out:?}"
    );
    let out = sb.run_between(&["status", "--done", &git[1]]);
    assert!(
        out.stdout.contains(&format!("marked done: {}", git[1])),
        "{out:?}"
    );
    assert_one_screen(out.stdout.split_once('\n').unwrap().1);
    let doc = status_json(&sb);
    assert_eq!(action(&doc, &git[0])["done_by"], "hand");
    assert_eq!(group(&doc, "git").0, 2);
    sb.run_between(&["done", "git-00000000"])
        .fails_with(&["git-00000000", "status --details"]);

    // A secret's value supplied by a later run: its action is ticked, not gone.
    let secret = first_action(&doc, "sec-", "secret_scopes");
    let words = secret["action"].as_str().unwrap();
    let (scope, key) = words.split('`').nth(1).unwrap().split_once('/').unwrap();
    let values = serde_json::json!({ scope: { key: "value-supplied-later-7f3e" } });
    sb.write("values.json", &values.to_string());
    let (secrets_done, secrets) = group(&doc, "secrets");
    let out = sb.run_between(&["migrate", "--secret-values", "values.json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = status_json(&sb);
    let id = secret["id"].as_str().unwrap();
    assert_eq!(action(&doc, id)["done"], true, "{}", action(&doc, id));
    assert_eq!(action(&doc, id)["done_by"], "supplied");
    assert_eq!(group(&doc, "secrets"), (secrets_done + 1, secrets));
    assert_eq!(doc["manual_actions"].as_array().unwrap().len(), total);

    // The re-run found everything unchanged; the dashboard still counts what it created, and
    // the marks made by hand hold (same ids).
    let (created_now, created_last_run) = created(&doc);
    assert_eq!(created_now, created_first);
    assert!(created_last_run < created_first / 2, "{created_last_run}");
    assert_eq!(action(&doc, &git[0])["done"], true);
    let out = sb.run_between(&["status"]);
    assert_one_screen(&out.stdout);
    let out = sb.run_between(&["status", "--kind", "jobs"]);
    assert!(out.stdout.contains("  jobs "), "{out:?}");
    sb.run_between(&["status", "--kind", "jobz"])
        .fails_with(&["unknown kind `jobz`"]);
    let out = sb.run_between(&["done", "--undo", &git[0]]);
    assert!(out.stdout.contains("pending again"), "{out:?}");
    assert_eq!(action(&status_json(&sb), &git[0])["done"], false);
}

#[test]
fn a_skip_because_a_dependency_failed_is_a_problem_not_on_purpose() {
    let sb = typical();
    let refused = RuleAction::Error {
        status: 400,
        error_code: "INVALID_PARAMETER_VALUE".into(),
        message: Some("refused by the test".into()),
    };
    sb.emulators[1].set_fault_rules(vec![FaultRule::nth(
        "POST",
        "/api/2.0/workspace/import",
        1,
        refused,
    )]);
    let out = sb.run_between(&["migrate"]);
    assert_eq!(out.code, 1, "{out:?}");
    let doc = status_json(&sb);
    assert_eq!(doc["ok"], false);
    let classes: Vec<&str> = doc["problem_counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["class"].as_str().unwrap())
        .collect();
    assert!(
        classes.contains(&"failed") && classes.contains(&"dependency"),
        "{classes:?}"
    );
    let perms = doc["dashboard"]["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "notebook_permissions")
        .unwrap();
    assert_eq!(perms["skipped_dependency"], 1, "{perms}");
    assert_eq!(perms["skipped_on_purpose"], 0, "{perms}");
    let out = sb.run_between(&["status"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_one_screen(&out.stdout);
    assert!(
        out.stdout
            .contains("skipped: a dependency failed or was left out"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_listing_stopped_by_kill_shows_as_not_finished() {
    let mut sb = Sandbox::new();
    // A slow source: the workspace walk takes long enough to be killed in.
    sb.emulator(
        &[&format!("{SOURCE_TOKEN}:alice@source.example")],
        EmulatorOptions {
            seed: SeedSpec::Typical,
            rate_limits: RateLimitSpec::Off,
            latency: Latency::parse("40ms").unwrap(),
            ..EmulatorOptions::default()
        },
    );
    let dst = sb.emulator(
        &[&format!("{TARGET_TOKEN}:bob@target.example")],
        EmulatorOptions {
            rate_limits: RateLimitSpec::Off,
            ..EmulatorOptions::default()
        },
    );
    brickport_emulator::account::assign_account_groups(
        sb.emulators[0].emulator(),
        sb.emulators[1].emulator(),
    );
    let src = sb.emulators[0].url().to_string();
    sb.databrickscfg(&format!(
        "[src]\nhost = {src}\ntoken = {SOURCE_TOKEN}\n\n[dst]\nhost = {dst}\ntoken = {TARGET_TOKEN}\n"
    ));
    write_fast_config(&sb);
    let mut child = sb
        .cmd()
        .args(["migrate"])
        .args(WS)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let listed = |s: &brickport_emulator::StatsSnapshot| {
        s.by_path.get("/api/workspace/list").copied().unwrap_or(0)
    };
    while listed(&sb.emulators[0].stats()) < 4 {
        assert!(Instant::now() < deadline, "the walk never started");
        assert!(child.try_wait().unwrap().is_none(), "migrate ended first");
        std::thread::sleep(Duration::from_millis(2));
    }
    Command::new("kill")
        .args(["-KILL", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), None);
    let doc = status_json(&sb);
    let incomplete: Vec<&str> = doc["incomplete_listings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(incomplete.contains(&"notebooks"), "{incomplete:?}");
    assert_eq!(doc["ok"], false);
    let notebooks = doc["dashboard"]["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"] == "notebooks")
        .unwrap();
    assert_eq!(notebooks["listing"], "incomplete", "{notebooks}");
    let out = sb.run_between(&["status"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("listing not finished"),
        "{}",
        out.stdout
    );
    assert_one_screen(&out.stdout);
    // A run to the end lists it whole.
    let out = sb.run_between(&["migrate"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = status_json(&sb);
    assert_eq!(doc["incomplete_listings"], serde_json::json!([]), "{doc}");
    assert_eq!(doc["ok"], true);
}
