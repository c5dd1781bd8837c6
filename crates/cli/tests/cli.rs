//! The `brickport` binary, end to end: real processes, real emulators on 127.0.0.1 port 0.
//!
//! Every test runs in its own temp directory with `HOME` and `DATABRICKS_CONFIG_FILE` pointed
//! into it and every `DATABRICKS_*`/`BRICKPORT_*` variable of the caller's environment
//! removed, so a developer's real `~/.databrickscfg` can never be touched. Every run checks
//! that no test token appears on stdout or stderr.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use tempfile::TempDir;

/// Every token any test uses; none may ever be printed.
const TOKENS: [&str; 4] = [
    "dapi-source-admin-7f3a9c",
    "dapi-target-admin-51be02",
    "dapi-plain-user-c0ffee",
    "dapi-rejected-deadbeef",
];
const SOURCE_TOKEN: &str = TOKENS[0];
const TARGET_TOKEN: &str = TOKENS[1];
const NONADMIN_TOKEN: &str = TOKENS[2];
const BAD_TOKEN: &str = TOKENS[3];

/// A temp dir, a `.databrickscfg` in it, and a way to run the binary there.
struct Sandbox {
    dir: TempDir,
}

/// What a finished run printed.
#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Sandbox {
    fn new() -> Self {
        Sandbox {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Writes `~/.databrickscfg` (the sandbox's).
    fn databrickscfg(&self, text: &str) {
        self.write(".databrickscfg", text);
    }

    fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("brickport").unwrap();
        cmd.current_dir(self.dir.path());
        for (k, _) in std::env::vars() {
            if k.starts_with("DATABRICKS_") || k.starts_with("BRICKPORT_") || k == "RUST_LOG" {
                cmd.env_remove(k);
            }
        }
        cmd.env("HOME", self.dir.path());
        cmd.env(
            "DATABRICKS_CONFIG_FILE",
            self.dir.path().join(".databrickscfg"),
        );
        cmd
    }

    /// Runs `brickport ARGS` to completion.
    fn run(&self, args: &[&str]) -> Out {
        self.run_cmd(self.cmd().args(args))
    }

    fn run_cmd(&self, cmd: &mut Command) -> Out {
        let output = cmd.output().unwrap();
        let out = Out {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        };
        for token in TOKENS {
            assert!(
                !out.stdout.contains(token) && !out.stderr.contains(token),
                "a token was printed: {out:?}"
            );
        }
        assert!(!out.stderr.contains("panicked"), "panic: {out:?}");
        out
    }
}

impl Out {
    /// Asserts exit code 2 and a single `error:` line containing every `needle`.
    fn fails_with(&self, needles: &[&str]) -> &Self {
        assert_eq!(self.code, 2, "{self:?}");
        let lines: Vec<&str> = self.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "expected one error line: {self:?}");
        assert!(lines[0].starts_with("error: "), "{self:?}");
        for n in needles {
            assert!(
                lines[0].to_lowercase().contains(&n.to_lowercase()),
                "missing {n:?}: {self:?}"
            );
        }
        self
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:?}"))
    }
}

// ---------------------------------------------------------------------------------------------
// init and the config file

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
