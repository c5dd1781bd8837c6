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
const TOKENS: [&str; 5] = [
    "dapi-source-admin-7f3a9c",
    "dapi-target-admin-51be02",
    "dapi-plain-user-c0ffee",
    "dapi-rejected-deadbeef",
    "oauth-client-secret-9d2e71",
];
const SOURCE_TOKEN: &str = TOKENS[0];
const TARGET_TOKEN: &str = TOKENS[1];
const NONADMIN_TOKEN: &str = TOKENS[2];
const BAD_TOKEN: &str = TOKENS[3];
const OAUTH_SECRET: &str = TOKENS[4];

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
    /// The target gets the source's rate-limit setting.
    fn two_workspaces(&mut self, source: EmulatorOptions) -> (String, String) {
        let rate_limits = source.rate_limits.clone();
        let src = self.emulator(&[&format!("{SOURCE_TOKEN}:alice@source.example")], source);
        let dst = self.emulator(
            &[
                &format!("{TARGET_TOKEN}:bob@target.example"),
                &format!("{NONADMIN_TOKEN}:carol@target.example:user"),
            ],
            EmulatorOptions {
                rate_limits,
                ..EmulatorOptions::default()
            },
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
    .fails_with(&["unknown kind `nope`", "--only", "users"]);
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

// ---------------------------------------------------------------------------------------------
// migrate, status, plan, verify against emulators

/// A client for seeding an emulator through its API.
fn api(url: &str, token: &str) -> brickport_api::WorkspaceClient {
    let cfg = brickport_api::WorkspaceConfig::with_token(url, token).unwrap();
    brickport_api::WorkspaceClient::new(
        cfg,
        brickport_api::ClientOptions::fast(std::time::Duration::from_secs(10)),
    )
    .unwrap()
}

/// Puts a few Phase 1 objects in the source: a user in a group, a folder, a secret scope with
/// a key, a cluster policy.
fn seed_source(sb: &Sandbox, url: &str) {
    let c = api(url, SOURCE_TOKEN);
    sb.rt.block_on(async {
        let user = c
            .post_json(
                "/api/2.0/preview/scim/v2/Users",
                &serde_json::json!({"userName": "dana@source.example"}),
            )
            .await
            .unwrap();
        c.post_json(
            "/api/2.0/preview/scim/v2/Groups",
            &serde_json::json!({"displayName": "data-eng", "members": [{"value": user["id"]}]}),
        )
        .await
        .unwrap();
        c.post_json("/api/2.0/workspace/mkdirs", &serde_json::json!({"path": "/Shared/team"}))
            .await
            .unwrap();
        c.post_json("/api/2.0/secrets/scopes/create", &serde_json::json!({"scope": "app"}))
            .await
            .unwrap();
        c.post_json(
            "/api/2.0/secrets/put",
            &serde_json::json!({"scope": "app", "key": "db", "string_value": "source-side-value"}),
        )
        .await
        .unwrap();
        c.post_json(
            "/api/2.0/policies/clusters/create",
            &serde_json::json!({"name": "small", "definition": "{\"autotermination_minutes\": {\"type\": \"fixed\", \"value\": 30}}"}),
        )
        .await
        .unwrap();
    });
}

/// A brickport.toml lifting every family's client budget: the emulators are local, and the
/// tests should not wait on pacing meant for real workspaces.
fn write_fast_config(sb: &Sandbox) {
    let mut text = String::new();
    for family in [
        "scim",
        "clusters",
        "pools",
        "policies",
        "jobs",
        "workspace",
        "permissions",
        "secrets",
        "sql",
        "repos",
        "other",
    ] {
        text.push_str(&format!(
            "[throttle.{family}]\nrps = 1000\nconcurrency = 16\n\n"
        ));
    }
    sb.write("brickport.toml", &text);
}

/// Every file under `dir`, recursively, as bytes.
fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out
}

#[test]
fn migrate_then_status_verify_and_a_clean_rerun() {
    let mut sb = Sandbox::new();
    let (src, _dst) = sb.two_workspaces(EmulatorOptions {
        rate_limits: brickport_emulator::RateLimitSpec::Off,
        ..EmulatorOptions::default()
    });
    write_fast_config(&sb);
    seed_source(&sb, &src);
    let secret_value = "operator-supplied-0x5eed";
    sb.write(
        "secrets.json",
        &format!("{{\"app\": {{\"db\": \"{secret_value}\"}}}}"),
    );
    let ws = [
        "--source-profile",
        "src",
        "--target-profile",
        "dst",
        "--run-dir",
        "run",
    ];

    let out = sb.run(&[&["plan", "--output", "json"][..], &ws].concat());
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

    let out = sb.run(&[&["migrate", "--secret-values", "secrets.json"][..], &ws].concat());
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

    let out = sb.run(&[&["status", "--output", "json"][..], &ws].concat());
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

    let out = sb.run(&[&["verify"][..], &ws].concat());
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("0 differ"), "{out:?}");

    // A second run finds everything in place: nothing created.
    let out = sb.run(&[&["migrate", "--output", "json", "-q"][..], &ws].concat());
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
    let ws = [
        "--source-profile",
        "src",
        "--target-profile",
        "dst",
        "--run-dir",
        "run",
    ];
    let out = sb.run(&[&["migrate", "--conflict", "report"][..], &ws].concat());
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("conflict") && out.stdout.contains("small"),
        "{out:?}"
    );
    let out = sb.run(&[&["status"][..], &ws].concat());
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stdout.contains("small"), "{out:?}");
    let out = sb.run(&[&["verify", "--output", "json"][..], &ws].concat());
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

// ---------------------------------------------------------------------------------------------
// brickport emulator, as a child process

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

// ---------------------------------------------------------------------------------------------
// interrupted runs resume without duplicates

/// Spawns `brickport migrate`, waits until the target has seen `writes` writes, then stops it
/// with `signal` (`KILL` or `TERM`) and returns its exit code.
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
    child.wait().unwrap().code()
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
    const POOLS: usize = 40;
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

// ---------------------------------------------------------------------------------------------
// demo

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
    assert!(out.stdout.contains("phase 3: complete"), "{out:?}");
}
