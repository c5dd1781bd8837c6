//! The `brickport` binary, end to end: real processes, real emulators on 127.0.0.1 port 0.
//!
//! Every test runs in its own temp directory with `HOME` and `DATABRICKS_CONFIG_FILE` pointed
//! into it and every `DATABRICKS_*`/`BRICKPORT_*` variable of the caller's environment
//! removed, so a developer's real `~/.databrickscfg` can never be touched. Every run checks
//! that no test token appears on stdout or stderr.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use brickport_emulator::{EmulatorOptions, RunningEmulator, TokenSpec};
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

/// A temp dir, a `.databrickscfg` in it, emulators, and a way to run the binary there.
struct Sandbox {
    dir: TempDir,
    // Declared before the runtime: emulators are dropped while it still runs.
    emulators: Vec<RunningEmulator>,
    rt: tokio::runtime::Runtime,
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
            emulators: Vec::new(),
            rt: tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap(),
        }
    }

    /// Starts an emulator on 127.0.0.1:0 accepting `tokens` (`TOKEN[:USER[:admin|user]]`);
    /// returns its URL.
    fn emulator(&mut self, tokens: &[&str], opts: EmulatorOptions) -> String {
        let opts = EmulatorOptions {
            tokens: tokens
                .iter()
                .map(|t| TokenSpec::parse(t).unwrap())
                .collect(),
            id_seed: self.emulators.len() as u64 + 1,
            ..opts
        };
        let emu = self.rt.block_on(brickport_emulator::start(opts)).unwrap();
        let url = emu.url().to_string();
        self.emulators.push(emu);
        url
    }

    /// A source (admin token) and a target (admin + non-admin tokens), with profiles
    /// `src`, `dst` and `dst-user` in `~/.databrickscfg`.
    fn two_workspaces(&mut self, source: EmulatorOptions) -> (String, String) {
        let src = self.emulator(&[&format!("{SOURCE_TOKEN}:alice@source.example")], source);
        let dst = self.emulator(
            &[
                &format!("{TARGET_TOKEN}:bob@target.example"),
                &format!("{NONADMIN_TOKEN}:carol@target.example:user"),
            ],
            EmulatorOptions::default(),
        );
        self.databrickscfg(&format!(
            "[src]\nhost = {src}\ntoken = {SOURCE_TOKEN}\n\n[dst]\nhost = {dst}\ntoken = {TARGET_TOKEN}\n\n\
             [dst-user]\nhost = {dst}\ntoken = {NONADMIN_TOKEN}\n\n[dst-bad]\nhost = {dst}\ntoken = {BAD_TOKEN}\n"
        ));
        (src, dst)
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

// ---------------------------------------------------------------------------------------------
// validate against emulators

#[test]
fn validate_passes_with_admins_and_fails_with_a_plain_user() {
    let mut sb = Sandbox::new();
    sb.two_workspaces(EmulatorOptions::default());
    let out = sb.run(&[
        "validate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("alice@source.example"), "{out:?}");
    assert!(out.stdout.contains("bob@target.example"), "{out:?}");

    let out = sb.run(&[
        "validate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst",
        "--output",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["source_principal"], "alice@source.example");
    assert!(
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ok"] == true)
    );

    // A plain user on the target: the admin check fails, exit 1, and it says so.
    let out = sb.run(&[
        "validate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst-user",
        "--output",
        "json",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let doc = out.json();
    assert_eq!(doc["ok"], false);
    let failed: Vec<_> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .collect();
    assert_eq!(failed.len(), 1, "{doc}");
    assert_eq!(failed[0]["workspace"], "target");
    assert!(
        failed[0]["detail"]
            .as_str()
            .unwrap()
            .contains("carol@target.example")
    );
    let out = sb.run(&[
        "validate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst-user",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("FAIL") && out.stdout.contains("admin"),
        "{out:?}"
    );
}

#[test]
fn rejected_tokens_and_the_same_workspace_twice_are_errors() {
    let mut sb = Sandbox::new();
    sb.two_workspaces(EmulatorOptions::default());
    sb.run(&[
        "validate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst-bad",
    ])
    .fails_with(&["target workspace", "rejected the credentials"]);
    sb.run(&[
        "validate",
        "--source-profile",
        "dst",
        "--target-profile",
        "dst-user",
    ])
    .fails_with(&["same workspace"]);
    // -q changes nothing about the error line, and --output json does not turn it into JSON.
    let out = sb.run(&[
        "-q",
        "validate",
        "--source-profile",
        "src",
        "--target-profile",
        "dst-bad",
        "--output",
        "json",
    ]);
    out.fails_with(&["rejected the credentials"]);
    assert!(out.stdout.is_empty(), "{out:?}");
}

#[test]
fn unreachable_workspaces_are_one_clear_line() {
    let mut sb = Sandbox::new();
    let (src, dst) = sb.two_workspaces(EmulatorOptions::default());
    // A port nobody listens on: bind one, note it, close it.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let tls_to_plain = dst.replace("http://", "https://");
    sb.databrickscfg(&format!(
        "[src]\nhost = {src}\ntoken = {SOURCE_TOKEN}\n\n\
         [refused]\nhost = http://127.0.0.1:{closed}\ntoken = {TARGET_TOKEN}\n\n\
         [nodns]\nhost = https://brickport-test.invalid\ntoken = {TARGET_TOKEN}\n\n\
         [tls]\nhost = {tls_to_plain}\ntoken = {TARGET_TOKEN}\n\n\
         [cleartext]\nhost = http://example.com\ntoken = {TARGET_TOKEN}\n"
    ));
    let v = |target: &str| {
        sb.run(&[
            "validate",
            "--source-profile",
            "src",
            "--target-profile",
            target,
        ])
    };
    v("refused").fails_with(&["target workspace", "cannot connect", "connection refused"]);
    v("nodns").fails_with(&[
        "target workspace",
        "cannot resolve",
        "brickport-test.invalid",
    ]);
    v("tls").fails_with(&["target workspace", "TLS"]);
    v("cleartext").fails_with(&["target workspace", "plain http"]);
}
