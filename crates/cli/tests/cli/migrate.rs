//! `plan`, `migrate`, `status`, `verify` against emulators, and interrupted runs.

use std::process::Command;

use brickport_emulator::EmulatorOptions;

use crate::support::*;

#[test]
fn migrate_then_status_verify_and_a_clean_rerun() {
    let mut sb = Sandbox::new();
    let (src, _dst) = sb.unthrottled_pair();
    seed_source(&sb, &src);
    let secret_value = "operator-supplied-0x5eed";
    sb.write(
        "secrets.json",
        &format!("{{\"app\": {{\"db\": \"{secret_value}\"}}}}"),
    );

    let out = sb.run_between(&["plan", "--output", "json"]);
    // Exit 0 or 1 (the engine's plan may count permissions on not-yet-created objects as
    // failures); either way one JSON document, and nothing written.
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    assert_eq!(out.json()["dry_run"], true);
    assert!(
        out.json()["kinds"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k["created"].as_u64() > Some(0))
    );
    assert!(
        !sb.path().join("run/ledger.sqlite").exists(),
        "plan wrote a ledger"
    );

    let out = sb.run_between(&["migrate", "--secret-values", "secrets.json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("run directory: run"), "{out:?}");
    for needle in ["users", "groups", "secret_scopes", "cluster_policies"] {
        assert!(out.stdout.contains(needle), "{needle}: {out:?}");
    }
    assert!(!out.stdout.contains(secret_value) && !out.stderr.contains(secret_value));
    for (path, bytes) in all_files(&sb.path().join("run")) {
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(secret_value),
            "secret value in {}",
            path.display()
        );
        assert!(
            !text.contains("source-side-value"),
            "secret value in {}",
            path.display()
        );
        for token in TOKENS {
            assert!(!text.contains(token), "token in {}", path.display());
        }
    }

    let out = sb.run_between(&["status", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["runs_started"], doc["runs_finished"]);
    // user, group, folder, scope, policy (at least) were created by the first run.
    let created: u64 = doc["phases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["kinds"].as_array().unwrap())
        .filter_map(|k| k["by_status"]["created"].as_u64())
        .sum();
    assert!(created >= 5, "{doc}");

    let out = sb.run_between(&["verify"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("0 differ"), "{out:?}");

    // A second run finds everything in place: nothing created.
    let out = sb.run_between(&["migrate", "--output", "json", "-q"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.is_empty(), "-q printed: {out:?}");
    let doc = out.json();
    let created: u64 = doc["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["created"].as_u64().unwrap())
        .sum();
    assert_eq!(created, 0, "{doc}");
    // The streamed document lists every object once, then `ok` and `run_dir`.
    let total: u64 = doc["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["total"].as_u64().unwrap())
        .sum();
    let objects = doc["objects"].as_array().unwrap();
    assert_eq!(objects.len() as u64, total, "{doc}");
    assert!(objects.iter().all(|o| o["outcome"].is_string()), "{doc}");
    assert_eq!(doc["ok"], true, "{doc}");
    assert!(doc["run_dir"].is_string(), "{doc}");
}

#[test]
fn a_conflict_finishes_with_exit_1_and_says_which() {
    let mut sb = Sandbox::new();
    let (src, dst) = sb.two_workspaces(EmulatorOptions::default());
    seed_source(&sb, &src);
    // The target already has a policy of that name, with another definition.
    let t = api(&dst, TARGET_TOKEN);
    sb.rt.block_on(async {
        t.post_json(
            "/api/2.0/policies/clusters/create",
            &serde_json::json!({"name": "small", "definition": "{\"autotermination_minutes\": {\"type\": \"fixed\", \"value\": 99}}"}),
        )
        .await
        .unwrap();
    });
    let out = sb.run_between(&["migrate", "--conflict", "report"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("conflict") && out.stdout.contains("small"),
        "{out:?}"
    );
    let out = sb.run_between(&["status"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("small"), "{out:?}");
    let out = sb.run_between(&["verify", "--output", "json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.json()["ok"], false);
}

#[test]
fn migrate_refuses_to_start_when_the_precheck_fails() {
    let mut sb = Sandbox::new();
    let (src, _) = sb.two_workspaces(EmulatorOptions::default());
    seed_source(&sb, &src);
    let out = sb.run(&[
        "migrate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst-user",
        "--run-dir",
        "run",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    let last = out.stderr.lines().last().unwrap();
    assert!(
        last.starts_with("error: the pre-check fails, nothing was migrated"),
        "{out:?}"
    );
    assert!(!sb.path().join("run/ledger.sqlite").exists());
    sb.write("bad-secrets.json", "{\"app\": \"source-side-value\"}");
    sb.run(&[
        "migrate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst",
        "--secret-values",
        "bad-secrets.json",
    ])
    .fails_with(&["bad-secrets.json", "`app`"]);
}

/// Spawns `brickport migrate`, waits until the target has seen `writes` writes, then stops it
/// with `signal` (`KILL` or `TERM`) and returns its exit code once the requests it had sent
/// have all arrived (see `Sandbox::settled_stats`).
fn interrupt_migrate(
    sb: &Sandbox,
    target: usize,
    writes: u64,
    signal: &str,
    args: &[&str],
) -> Option<i32> {
    let mut child = sb
        .cmd()
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while sb.emulators[target].stats().writes < writes {
        assert!(std::time::Instant::now() < deadline, "no progress");
        if let Some(status) = child.try_wait().unwrap() {
            panic!("migrate ended before the interruption: {status:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    let code = child.wait().unwrap().code();
    sb.settled_stats(target);
    code
}

#[test]
fn a_killed_migrate_resumes_with_no_duplicate() {
    let mut sb = Sandbox::new();
    let (src, _) = sb.two_workspaces(EmulatorOptions::default());
    let target_latency = brickport_emulator::Latency::parse("10ms").unwrap();
    // A slower target, so the run is still writing when it is interrupted.
    let dst = sb.emulator(
        &[&format!("{TARGET_TOKEN}:bob@target.example")],
        EmulatorOptions {
            latency: target_latency,
            ..EmulatorOptions::default()
        },
    );
    sb.databrickscfg(&format!(
        "[src]\nhost = {src}\ntoken = {SOURCE_TOKEN}\n[slow]\nhost = {dst}\ntoken = {TARGET_TOKEN}\n"
    ));
    let c = api(&src, SOURCE_TOKEN);
    // Enough that each interruption finds the run still writing: on a loaded machine the
    // first run may get far past its 5 writes before SIGTERM lands, and the second must
    // still have 10 writes ahead of it.
    const POOLS: usize = 120;
    sb.rt.block_on(async {
        for i in 0..POOLS {
            c.post_json(
                "/api/2.0/instance-pools/create",
                &serde_json::json!({"instance_pool_name": format!("pool-{i:02}"), "node_type_id": "m5d.large"}),
            )
            .await
            .unwrap();
        }
    });
    let args = [
        "migrate",
        "--source-profile",
        "src",
        "--target-profile",
        "slow",
        "--run-dir",
        "run",
        "--only",
        "instance_pools",
    ];
    let dst_index = sb.emulators.len() - 1;
    // SIGTERM: the run stops, says how to resume, exit 130.
    assert_eq!(
        interrupt_migrate(&sb, dst_index, 5, "TERM", &args),
        Some(130)
    );
    // SIGKILL: no chance to clean up at all.
    let before = sb.emulators[dst_index].stats().writes;
    assert_eq!(
        interrupt_migrate(&sb, dst_index, before + 10, "KILL", &args),
        None
    );

    let out = sb.run(&args);
    assert_eq!(out.code, 0, "{out:?}");
    let t = api(&dst, TARGET_TOKEN);
    let pools = sb
        .rt
        .block_on(t.get_json("/api/2.0/instance-pools/list", &[]))
        .unwrap();
    let mut names: Vec<String> = pools["instance_pools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["instance_pool_name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    let total = names.len();
    names.dedup();
    assert_eq!(total, names.len(), "duplicates in the target: {pools}");
    assert_eq!(total, POOLS);
    let out = sb.run(&["status", "--run-dir", "run", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["runs_started"], 3);
}

/// UAT 2 and 14: a values file naming a scope the source does not have fails the pre-check
/// (nothing migrated); jobs migrated alone, without the notebooks they run, are all skipped:
/// exit 1, the missing dependencies one per line, and no "unpause" for jobs never created.
#[test]
fn a_secret_values_typo_and_jobs_without_their_dependencies_do_not_pass() {
    let mut sb = Sandbox::new();
    let (src, dst) = sb.unthrottled_pair();
    seed_source(&sb, &src);
    let c = api(&src, SOURCE_TOKEN);
    sb.rt.block_on(async {
        c.post_json(
            "/api/2.0/workspace/import",
            &serde_json::json!({"path": "/Shared/team/nb", "format": "SOURCE", "language": "PYTHON",
                "content": "IyBEYXRhYnJpY2tzIG5vdGVib29rIHNvdXJjZQpwcmludCgxKQo="}),
        )
        .await
        .unwrap();
        c.post_json(
            "/api/2.1/jobs/create",
            &serde_json::json!({"name": "nightly",
                "schedule": {"quartz_cron_expression": "0 0 * * * ?", "timezone_id": "UTC", "pause_status": "UNPAUSED"},
                "tasks": [{"task_key": "t", "notebook_task": {"notebook_path": "/Shared/team/nb"}}]}),
        )
        .await
        .unwrap();
    });
    sb.write("typo.json", "{\"nosuchscope\": {\"db\": \"typo-v4lue\"}}");
    let out = sb.run_between(&["migrate", "--secret-values", "typo.json"]);
    assert_ne!(out.code, 0, "{out:?}");
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("nosuchscope"), "{out:?}");
    assert!(!all.contains("typo-v4lue"), "{out:?}");
    let t = api(&dst, TARGET_TOKEN);
    let scopes = sb
        .rt
        .block_on(t.get_json("/api/2.0/secrets/scopes/list", &[]))
        .unwrap();
    assert!(
        scopes["scopes"].as_array().is_none_or(|a| a.is_empty()),
        "migrated after a failed pre-check: {scopes}"
    );

    let out = sb.run_between(&["migrate", "--only", "jobs"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(!out.stdout.contains("unpause at cut-over"), "{out:?}");
    let block = out
        .stdout
        .split("missing dependencies (not selected and not migrated before):\n")
        .nth(1)
        .unwrap_or_else(|| panic!("no missing dependencies block: {out:?}"));
    let lines: Vec<&str> = block.lines().take_while(|l| l.starts_with("  ")).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.trim_start().starts_with("notebooks ")),
        "{out:?}"
    );
    assert!(
        out.stdout.contains("not migrated: 1 selected objects"),
        "{out:?}"
    );
}
