//! The command line as a person meets it: typos answered with the name meant and the list of
//! choices, flags only where they mean something, `--output json` errors as a document on
//! stdout, `-vv` request lines without a token, an unsupported `auth_type` named, progress
//! (the overall count in a log, `plan` and `verify` too) and the line a stopped run ends with.

use std::io::Read;

use brickport_emulator::EmulatorOptions;

use crate::support::*;

#[test]
fn typos_get_the_name_meant_and_values_their_list_of_choices() {
    let sb = Sandbox::new();
    sb.run(&["migrat"]).fails_with(&[
        "unrecognized subcommand 'migrat'",
        "similar subcommand",
        "'migrate'",
    ]);
    sb.run(&["migrate", "--souce-profile", "x"]).fails_with(&[
        "'--souce-profile'",
        "similar argument",
        "'--source-profile'",
    ]);
    sb.run(&["migrate", "--conflict", "overwite"]).fails_with(&[
        "[possible values: skip, overwrite, fail, report]",
        "similar value exists: 'overwrite'",
    ]);
    sb.run(&["status", "--output", "yaml"])
        .fails_with(&["'yaml'", "[possible values: text, json]"]);
    // A kind name: the kind meant, and every kind.
    sb.run(&["plan", "--only", "users,notebok"]).fails_with(&[
        "'notebok'",
        "similar value exists: 'notebooks'",
        "possible values: users, service_principals, account_group_assignments, groups",
        "job_permissions",
    ]);
}

#[test]
fn a_kind_typo_in_the_config_file_gets_the_kind_meant() {
    let mut sb = Sandbox::new();
    sb.unthrottled_pair();
    let toml = std::fs::read_to_string(sb.path().join("brickport.toml")).unwrap();
    sb.write("brickport.toml", &format!("kinds = [\"grups\"]\n{toml}"));
    sb.run_between(&["plan"]).fails_with(&[
        "unknown kind `grups`",
        "did you mean `groups`?",
        "jobs",
    ]);
}

#[test]
fn with_output_json_an_error_is_a_document_on_stdout() {
    let sb = Sandbox::new();
    // A usage error, and an error of the run (no source workspace given).
    let usage = sb.run(&["--output", "json", "migrat"]);
    assert_eq!(usage.code, 2, "{usage:?}");
    let doc = usage.json();
    assert_eq!(doc["ok"], false, "{doc}");
    assert!(doc["error"].as_str().unwrap().contains("'migrat'"), "{doc}");
    assert!(doc["fix"].as_str().unwrap().contains("'migrate'"), "{doc}");

    let run = sb.run(&["status", "--output=json"]);
    assert_eq!(run.code, 2, "{run:?}");
    let doc = run.json();
    assert_eq!(doc["ok"], false, "{doc}");
    assert!(doc["error"].as_str().unwrap().contains("source"), "{doc}");
    assert!(doc.get("fix").is_some(), "{doc}");
    // Text output keeps stdout empty.
    assert!(sb.run(&["status"]).stdout.is_empty());
}

#[test]
fn emulator_help_shows_only_the_flags_the_emulator_takes() {
    let sb = Sandbox::new();
    let help = sb.run(&["emulator", "--help"]);
    assert_eq!(help.code, 0, "{help:?}");
    for flag in [
        "--source-profile",
        "--target-profile",
        "--config",
        "--run-dir",
    ] {
        assert!(!help.stdout.contains(flag), "{flag} in {}", help.stdout);
    }
    for flag in ["--seed", "--output", "--verbose", "--quiet"] {
        assert!(
            help.stdout.contains(flag),
            "{flag} missing in {}",
            help.stdout
        );
    }
    let migrate = sb.run(&["migrate", "--help"]).stdout;
    for flag in [
        "--source-profile",
        "--target-profile",
        "--config",
        "--run-dir",
    ] {
        assert!(migrate.contains(flag), "{flag} missing in {migrate}");
    }
    // Both places of a global flag still work for the commands that use it.
    let init = sb.run(&["--source-profile", "a", "init", "--target-profile", "b"]);
    assert_eq!(init.code, 0, "{init:?}");
    sb.run(&["emulator", "--source-profile", "x"])
        .fails_with(&["`brickport emulator` does not take --source-profile"]);
}

#[test]
fn a_profile_with_an_unsupported_auth_type_is_told_so() {
    let sb = Sandbox::new();
    sb.databrickscfg(
        "[u2m]\nhost = https://dbc-1.cloud.databricks.com\nauth_type = databricks-cli\n\n\
         [dst]\nhost = https://dbc-2.cloud.databricks.com\ntoken = dapi-target-admin-51be02\n",
    );
    let out = sb.run(&[
        "validate",
        "--source-profile",
        "u2m",
        "--target-profile",
        "dst",
    ]);
    out.fails_with(&[
        "profile u2m uses auth_type = databricks-cli, which brickport does not support",
        "PAT",
        "OAuth M2M",
    ]);
    assert!(!out.stderr.contains("add `token"), "{out:?}");
}

#[test]
fn vv_prints_one_line_per_request_and_never_the_token() {
    let mut sb = Sandbox::new();
    let (src, _) = sb.unthrottled_pair();
    let v = sb.run_between(&["validate", "-v"]);
    assert_eq!(v.code, 0, "{v:?}");
    let request_line = |l: &&str| l.contains(&format!("GET {src}/api/2.0/")) && l.ends_with(" ms");
    assert!(!v.stderr.lines().any(|l| request_line(&l)), "{v:?}");
    let vv = sb.run_between(&["validate", "-vv"]);
    assert_eq!(vv.code, 0, "{vv:?}");
    let lines: Vec<&str> = vv.stderr.lines().filter(request_line).collect();
    assert!(!lines.is_empty(), "no request line: {vv:?}");
    // Method, URL, status, time.
    assert!(
        lines.iter().any(|l| l.contains("/preview/scim/v2/Me 200 ")),
        "{lines:?}"
    );
    for token in TOKENS {
        assert!(!vv.stderr.contains(token), "{token} printed");
    }
}

#[test]
fn progress_in_a_log_counts_every_object_and_plan_and_verify_show_theirs() {
    let mut sb = Sandbox::new();
    let (src, _) = sb.unthrottled_pair();
    seed_source(&sb, &src);
    let plan = sb.run_between(&["plan"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    // The pre-check's line first (plan runs it as migrate does), then the plan's progress.
    assert!(
        plan.stderr
            .lines()
            .any(|l| l.starts_with("planning users,")),
        "{plan:?}"
    );
    assert!(plan.stderr.contains("groups: 1 to create"), "{plan:?}");

    let run = sb.run_between(&["migrate"]);
    assert_eq!(run.code, 0, "{run:?}");
    // Every kind's "K: N in the source" line, summed.
    let total: u64 = run
        .stderr
        .lines()
        .filter_map(|l| l.strip_suffix(" in the source"))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .sum();
    assert!(total > 5, "{run:?}");
    let last = run
        .stderr
        .lines()
        .rfind(|l| l.starts_with("overall: "))
        .unwrap_or_else(|| panic!("no overall line: {run:?}"));
    assert!(
        last.starts_with(&format!("overall: {total} of {total} objects done · ")),
        "{last} (expected {total})"
    );
    assert!(last.contains(" elapsed · ETA 0:00"), "{last}");

    let verify = sb.run_between(&["verify"]);
    assert_eq!(verify.code, 0, "{verify:?}");
    assert!(verify.stderr.starts_with("verifying users,"), "{verify:?}");
    assert!(
        verify
            .stderr
            .contains("secret_scopes: 1 compared, 0 differ"),
        "{verify:?}"
    );
    assert!(verify.stderr.contains("overall: "), "{verify:?}");
}

#[test]
fn a_stopped_migrate_says_how_far_it_got_and_to_resume() {
    let mut sb = Sandbox::new();
    let (src, _) = sb.two_workspaces(EmulatorOptions::default());
    let latency = brickport_emulator::Latency::parse("20ms").unwrap();
    let slow = sb.emulator(
        &[&format!("{TARGET_TOKEN}:bob@target.example")],
        EmulatorOptions {
            latency,
            ..EmulatorOptions::default()
        },
    );
    sb.databrickscfg(&format!(
        "[src]\nhost = {src}\ntoken = {SOURCE_TOKEN}\n[slow]\nhost = {slow}\ntoken = {TARGET_TOKEN}\n"
    ));
    let c = api(&src, SOURCE_TOKEN);
    sb.rt.block_on(async {
        for i in 0..60 {
            c.post_json(
                "/api/2.0/instance-pools/create",
                &serde_json::json!({"instance_pool_name": format!("pool-{i:02}"), "node_type_id": "m5d.large"}),
            )
            .await
            .unwrap();
        }
    });
    let target = sb.emulators.len() - 1;
    let mut child = sb
        .cmd()
        .args([
            "migrate",
            "--source-profile",
            "src",
            "--target-profile",
            "slow",
        ])
        .args([
            "--run-dir",
            "run",
            "--only",
            "instance_pools",
            "--output",
            "json",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while sb.emulators[target].stats().writes < 5 {
        assert!(std::time::Instant::now() < deadline, "no progress");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    let (mut stdout, mut stderr) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("stopped: "), "{stderr}");
    assert!(last.contains(" objects done; "), "{last}");
    assert!(
        last.contains("re-run `brickport migrate --resume` to continue"),
        "{last}"
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["ok"], false, "{doc}");
    assert_eq!(doc["fix"], "brickport migrate --resume", "{doc}");
    sb.settled_stats(target);
}

#[test]
fn vvv_adds_the_waits_of_pacing() {
    let mut sb = Sandbox::new();
    sb.unthrottled_pair();
    // One SCIM request a second: the pre-check's SCIM reads wait for their turn.
    sb.write("brickport.toml", "[throttle.scim]\nrps = 1\n");
    let pacing = |out: &Out| {
        out.stderr
            .lines()
            .any(|l| l.contains("pacing: waiting for the rate budget family=scim"))
    };
    let vv = sb.run_between(&["validate", "-vv"]);
    assert_eq!(vv.code, 0, "{vv:?}");
    assert!(!pacing(&vv), "{vv:?}");
    let vvv = sb.run_between(&["validate", "-vvv"]);
    assert_eq!(vvv.code, 0, "{vvv:?}");
    assert!(pacing(&vvv), "{vvv:?}");
}
