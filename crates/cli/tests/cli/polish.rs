//! Messages and defaults a user meets first: what `init` asks for next, where a missing
//! credential should go, a malformed `~/.databrickscfg`, and which run directory `status`
//! reads when none is named.

use brickport_emulator::EmulatorOptions;

use crate::support::*;

#[test]
fn init_with_both_profiles_does_not_ask_for_them() {
    let sb = Sandbox::new();
    let out = sb.run(&["init", "--source-profile", "prod", "--target-profile", "dr"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stdout.contains("set the"), "{out:?}");
    assert!(
        out.stdout.contains("`prod`") && out.stdout.contains("`dr`"),
        "{out:?}"
    );
    assert!(out.stdout.contains("brickport validate"), "{out:?}");
    // Only the profile not given is asked for.
    let out = sb.run(&["init", "--force", "--source-profile", "prod"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("set the [target] profile") && !out.stdout.contains("[source]"),
        "{out:?}"
    );
    let out = sb.run(&["init", "--force"]);
    assert!(
        out.stdout
            .contains("set the [source] and [target] profiles"),
        "{out:?}"
    );
}

#[test]
fn a_host_without_credentials_names_the_place_the_host_came_from() {
    let sb = Sandbox::new();
    sb.databrickscfg(
        "[bare]\nhost = https://bare.cloud.databricks.com\n\n[dr]\nhost = https://d.cloud.databricks.com\ntoken = y\n",
    );
    // From BRICKPORT_SOURCE_HOST: BRICKPORT_SOURCE_TOKEN, not DATABRICKS_TOKEN.
    let out = sb.run_cmd(
        sb.cmd()
            .args(["validate", "--target-profile", "dr"])
            .env("BRICKPORT_SOURCE_HOST", "https://s.cloud.databricks.com"),
    );
    out.fails_with(&[
        "source workspace",
        "(from BRICKPORT_SOURCE_HOST) has no credentials",
        "set BRICKPORT_SOURCE_TOKEN",
    ]);
    assert!(!out.stderr.contains("DATABRICKS_"), "{out:?}");
    assert!(!out.stderr.contains("explicit arguments"), "{out:?}");
    // Half of an OAuth pair in the environment: the variables are named too.
    let out = sb.run_cmd(
        sb.cmd()
            .args(["validate", "--target-profile", "dr"])
            .env("BRICKPORT_SOURCE_HOST", "https://s.cloud.databricks.com")
            .env("BRICKPORT_SOURCE_CLIENT_ID", "abc"),
    );
    out.fails_with(&[
        "BRICKPORT_SOURCE_CLIENT_SECRET",
        "without its client secret",
    ]);
    // From a profile: the profile.
    let out = sb.run(&[
        "validate",
        "--source-profile",
        "bare",
        "--target-profile",
        "dr",
    ]);
    out.fails_with(&["source workspace", "no credentials", "the profile bare in"]);
    assert!(!out.stderr.contains("DATABRICKS_"), "{out:?}");
    // From a config block: the block.
    sb.write(
        "brickport.toml",
        "[source]\nhost = \"https://s.cloud.databricks.com\"\n\n[target]\nprofile = \"dr\"\n",
    );
    let out = sb.run(&["validate"]);
    out.fails_with(&[
        "(from brickport.toml [source]) has no credentials",
        "token_env",
        "to [source] in brickport.toml",
    ]);
    assert!(!out.stderr.contains("DATABRICKS_"), "{out:?}");
}

#[test]
fn a_malformed_databrickscfg_is_explained_with_its_line() {
    let sb = Sandbox::new();
    let ws = [
        "validate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst",
    ];
    sb.databrickscfg(
        "[src]\nhost = https://s.cloud.databricks.com\ntoken = x\n[dst\nhost = https://d.cloud.databricks.com\n",
    );
    let out = sb.run(&ws);
    out.fails_with(&[
        "source workspace",
        ".databrickscfg at line 4",
        "no closing `]`",
    ]);
    assert!(!out.stderr.contains("Some("), "{out:?}");
    sb.databrickscfg(
        "garbage line without equals\n[src]\nhost = https://s.cloud.databricks.com\ntoken = x\n",
    );
    let out = sb.run(&ws);
    out.fails_with(&[".databrickscfg at line 1", "before the first [section]"]);
    assert!(!out.stderr.contains("not in"), "{out:?}");
}

#[test]
fn status_without_run_dir_finds_the_run() {
    let sb = Sandbox::new();
    // Nothing named, nothing there.
    sb.run(&["status"])
        .fails_with(&["no run directory given", "--run-dir", "holds none"]);
    // One run directory: used, and said so.
    std::fs::create_dir_all(sb.path().join("brickport-runs/only-one")).unwrap();
    let out = sb.run(&["status"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("using brickport-runs/only-one, the only run directory"),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("no ledger in brickport-runs/only-one"),
        "{out:?}"
    );
    // Two: the error lists them.
    std::fs::create_dir_all(sb.path().join("brickport-runs/another")).unwrap();
    sb.run(&["status"]).fails_with(&[
        "no run directory given",
        "brickport-runs/another, brickport-runs/only-one",
    ]);
    // Workspaces named: the default migrate uses wins over whatever is there.
    sb.databrickscfg("[a]\nhost = https://a.cloud.databricks.com\ntoken = x\n[b]\nhost = https://b.cloud.databricks.com\ntoken = y\n");
    sb.run(&["status", "--source-profile", "a", "--target-profile", "b"])
        .fails_with(&["no ledger in brickport-runs/a-to-b"]);
}

#[test]
fn status_alone_reads_the_run_migrate_just_made() {
    let mut sb = Sandbox::new();
    sb.unthrottled_pair();
    let out = sb.run(&[
        "migrate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst",
        "--only",
        "users",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout
            .contains("run directory: brickport-runs/src-to-dst"),
        "{out:?}"
    );
    let out = sb.run(&["status"]);
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    assert!(
        out.stderr.contains("using brickport-runs/src-to-dst"),
        "{out:?}"
    );
    assert!(!out.stdout.is_empty(), "{out:?}");
}

#[test]
fn verbose_says_when_the_workspace_throttles_and_requests_are_retried() {
    let mut sb = Sandbox::new();
    // A source answering one request in five with 429 or 503: the client retries and
    // slows down, and with `-v` the user can see why the run is slow.
    let faults = brickport_emulator::FaultSpec::parse("429=0.1,503=0.1").unwrap();
    sb.two_workspaces(EmulatorOptions {
        faults,
        fault_seed: 8,
        ..EmulatorOptions::default()
    });
    let args = [
        "validate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst",
    ];
    let out = sb.run(&[&args[..], &["-v"]].concat());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("retrying"), "{out:?}");
    assert!(
        out.stderr.contains("the workspace is throttling"),
        "{out:?}"
    );
    // Without -v the same run is silent about it.
    let out = sb.run(&args);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("retrying"), "{out:?}");
}
