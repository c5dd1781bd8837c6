//! `init`, the config file, naming the workspaces (profiles, environment, blocks), usage errors.

use brickport_emulator::EmulatorOptions;

use crate::support::*;

#[test]
fn init_writes_a_config_that_parses_back_and_refuses_to_overwrite() {
    let sb = Sandbox::new();
    let out = sb.run(&["init", "--source-profile", "prod", "--target-profile", "dr"]);
    assert_eq!(out.code, 0, "{out:?}");
    let text = std::fs::read_to_string(sb.path().join("brickport.toml")).unwrap();
    assert!(text.contains("profile = \"prod\"") && text.contains("profile = \"dr\""));

    // The file is read back by the next command: the profiles it names are looked up.
    sb.databrickscfg("[other]\nhost = https://x.cloud.databricks.com\ntoken = t\n");
    let out = sb.run(&["validate"]);
    out.fails_with(&["source workspace", "profile `prod`", "other"]);

    let out = sb.run(&["init"]);
    out.fails_with(&["already exists", "--force"]);
    let out = sb.run(&["init", "--force"]);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn config_errors_name_the_file_the_line_and_the_key() {
    let sb = Sandbox::new();
    let cases: [(&str, &[&str]); 5] = [
        (
            "[source]\nprofile = \"a\"\n\n[target]\nprofile = \"b\"\nexlude = []\n",
            &["brickport.toml line 6", "exlude"],
        ),
        (
            "concurrency = \"many\"\n",
            &["brickport.toml line 1", "concurrency", "invalid type"],
        ),
        (
            "[throttle.scim]\nrps = -2\n",
            &["line 2", "throttle.scim.rps", "greater than 0"],
        ),
        (
            "[throttle.scum]\nrps = 2\n",
            &["line 1", "throttle.scum", "unknown API family"],
        ),
        (
            "[source]\nhost = \"https://a.cloud.databricks.com\"\ntoken = \"dapi-rejected-deadbeef\"\n",
            &["line 3", "source.token", "token_env"],
        ),
    ];
    for (text, needles) in cases {
        sb.write("brickport.toml", text);
        sb.run(&["validate"]).fails_with(needles);
    }
    // JSON config (the seed's config.json), same meaning, same strictness.
    sb.write(
        "config.json",
        "{\n  \"source\": {\"profile\": \"a\"},\n  \"conflict\": \"merge\"\n}\n",
    );
    sb.run(&["validate", "--config", "config.json"])
        .fails_with(&["config.json line 3", "conflict", "merge"]);
    sb.run(&["validate", "--config", "missing.toml"])
        .fails_with(&["missing.toml", "not found", "brickport init"]);
}

// ---------------------------------------------------------------------------------------------
// naming the workspaces

#[test]
fn missing_workspaces_and_profiles_are_explained() {
    let sb = Sandbox::new();
    sb.run(&["validate"])
        .fails_with(&["no source workspace", "--source-profile"]);
    sb.databrickscfg("[prod]\nhost = https://p.cloud.databricks.com\ntoken = x\n");
    sb.run(&[
        "validate",
        "--source-profile",
        "prod",
        "--target-profile",
        "dr",
    ])
    .fails_with(&["target workspace", "`dr`", "prod"]);
    // A profile without a host.
    sb.databrickscfg("[prod]\ntoken = x\n[dr]\nhost = https://d.cloud.databricks.com\ntoken = y\n");
    sb.run(&[
        "validate",
        "--source-profile",
        "prod",
        "--target-profile",
        "dr",
    ])
    .fails_with(&["source workspace", "prod", "host"]);
    // A host without credentials.
    sb.databrickscfg("[prod]\nhost = https://p.cloud.databricks.com\n[dr]\nhost = https://d.cloud.databricks.com\ntoken = y\n");
    sb.run(&[
        "validate",
        "--source-profile",
        "prod",
        "--target-profile",
        "dr",
    ])
    .fails_with(&["source workspace", "no credentials"]);
    // A malformed ~/.databrickscfg.
    sb.databrickscfg("[prod\nhost = https://p.cloud.databricks.com\n");
    sb.run(&[
        "validate",
        "--source-profile",
        "prod",
        "--target-profile",
        "dr",
    ])
    .fails_with(&["source workspace", ".databrickscfg", "line"]);
}

#[test]
fn bad_usage_is_one_line_and_exit_2() {
    let sb = Sandbox::new();
    sb.run(&["migrate", "--phase", "4"])
        .fails_with(&["--phase", "brickport --help"]);
    sb.run(&["validate", "--bogus"]).fails_with(&["--bogus"]);
    sb.run(&["migrate", "--conflict", "merge"])
        .fails_with(&["merge", "--conflict"]);
    sb.databrickscfg("[a]\nhost = https://a.cloud.databricks.com\ntoken = x\n[b]\nhost = https://b.cloud.databricks.com\ntoken = y\n");
    sb.run(&[
        "plan",
        "--source-profile",
        "a",
        "--target-profile",
        "b",
        "--only",
        "users,nope",
    ])
    .fails_with(&["'nope'", "--only", "possible values: users"]);
    let out = sb.run(&["--help"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("migrate"), "{out:?}");
}

#[test]
fn flags_override_the_config_file() {
    let sb = Sandbox::new();
    sb.databrickscfg("[a]\nhost = https://a.cloud.databricks.com\ntoken = x\n[b]\nhost = https://b.cloud.databricks.com\ntoken = y\n");
    sb.write(
        "brickport.toml",
        "run_dir = \"from-file\"\n\n[source]\nprofile = \"a\"\n\n[target]\nprofile = \"b\"\n",
    );
    // status reads the ledger of the run directory only: which one it looked in says who won.
    sb.run(&["status"]).fails_with(&["no ledger in from-file"]);
    sb.run(&["status", "--run-dir", "from-flag"])
        .fails_with(&["no ledger in from-flag"]);
    // Without any run_dir, the default names both workspaces (here by profile).
    sb.write(
        "brickport.toml",
        "[source]\nprofile = \"a\"\n\n[target]\nprofile = \"b\"\n",
    );
    sb.run(&["status"])
        .fails_with(&["no ledger in brickport-runs/a-to-b"]);
    // --target-profile beats [target]: a -> a is the same workspace.
    sb.run(&["validate", "--target-profile", "a"])
        .fails_with(&["same workspace"]);
}

#[test]
fn config_blocks_take_tokens_from_the_environment_only() {
    let sb = Sandbox::new();
    sb.write(
        "brickport.toml",
        "[source]\nhost = \"https://s.cloud.databricks.com\"\ntoken_env = \"SRC_TOKEN\"\n\n[target]\nprofile = \"dr\"\n",
    );
    sb.run(&["validate"])
        .fails_with(&["[source]", "SRC_TOKEN", "not set"]);
    sb.write(
        "brickport.toml",
        "[source]\ntoken_env = \"SRC_TOKEN\"\n\n[target]\nprofile = \"dr\"\n",
    );
    sb.run(&["validate"]).fails_with(&["[source]", "no `host`"]);
    // Plain http to anything but loopback would send the token in clear: refused.
    sb.write(
        "brickport.toml",
        "[source]\nhost = \"http://s.example.com\"\ntoken_env = \"SRC_TOKEN\"\n\n[target]\nprofile = \"dr\"\n",
    );
    let out = sb.run_cmd(sb.cmd().args(["validate"]).env("SRC_TOKEN", SOURCE_TOKEN));
    out.fails_with(&["source workspace", "plain http", "https://"]);
}

#[test]
fn environment_variables_and_oauth_credentials_name_the_workspaces() {
    let mut sb = Sandbox::new();
    let src = sb.emulator(
        &[&format!("{SOURCE_TOKEN}:alice@source.example")],
        EmulatorOptions::default(),
    );
    let sp = "6f1c2b8e-0000-4000-8000-00000000b0b0";
    let dst = sb.emulator(
        &[&format!("{TARGET_TOKEN}:bob@target.example")],
        EmulatorOptions {
            oauth_clients: vec![
                brickport_emulator::OAuthClient::parse(&format!("{sp}:{OAUTH_SECRET}:admin"))
                    .unwrap(),
            ],
            ..EmulatorOptions::default()
        },
    );
    sb.write(
        "brickport.toml",
        &format!(
            "[target]\nhost = \"{dst}\"\nclient_id = \"{sp}\"\nclient_secret_env = \"DST_SECRET\"\n"
        ),
    );
    let out = sb.run_cmd(
        sb.cmd()
            .args(["validate"])
            .env("BRICKPORT_SOURCE_HOST", &src)
            .env("BRICKPORT_SOURCE_TOKEN", SOURCE_TOKEN)
            .env("DST_SECRET", OAUTH_SECRET),
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("alice@source.example"), "{out:?}");
    assert!(out.stdout.contains(sp), "{out:?}");

    // DATABRICKS_HOST/DATABRICKS_TOKEN name one workspace; they never stand in for the source.
    let out = sb.run_cmd(
        sb.cmd()
            .args(["validate"])
            .env("DATABRICKS_HOST", &src)
            .env("DATABRICKS_TOKEN", SOURCE_TOKEN)
            .env("DST_SECRET", OAUTH_SECRET),
    );
    out.fails_with(&["no source workspace", "BRICKPORT_SOURCE_HOST"]);
    // A flag beats the environment.
    sb.databrickscfg(&format!("[other]\nhost = {dst}\ntoken = {TARGET_TOKEN}\n"));
    let out = sb.run_cmd(
        sb.cmd()
            .args(["validate", "--source-profile", "other"])
            .env("BRICKPORT_SOURCE_HOST", &src)
            .env("BRICKPORT_SOURCE_TOKEN", SOURCE_TOKEN)
            .env("DST_SECRET", OAUTH_SECRET),
    );
    out.fails_with(&["same workspace"]);
}
