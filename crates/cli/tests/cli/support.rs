//! The sandbox every test runs in, the tokens no output may contain, and helpers that seed
//! emulators through their API.

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::cargo::CommandCargoExt;
use brickport_emulator::{EmulatorOptions, RateLimitSpec, RunningEmulator, TokenSpec};
use tempfile::TempDir;

/// Every token any test uses; none may ever be printed.
pub const TOKENS: [&str; 5] = [
    "dapi-source-admin-7f3a9c",
    "dapi-target-admin-51be02",
    "dapi-plain-user-c0ffee",
    "dapi-rejected-deadbeef",
    "oauth-client-secret-9d2e71",
];
pub const SOURCE_TOKEN: &str = TOKENS[0];
pub const TARGET_TOKEN: &str = TOKENS[1];
pub const NONADMIN_TOKEN: &str = TOKENS[2];
pub const BAD_TOKEN: &str = TOKENS[3];
pub const OAUTH_SECRET: &str = TOKENS[4];

/// The flags of a run from the profile `src` to `dst` with the run directory `run`.
pub const WS: [&str; 6] = [
    "--source-profile",
    "src",
    "--target-profile",
    "dst",
    "--run-dir",
    "run",
];

/// A temp dir, a `.databrickscfg` in it, emulators, and a way to run the binary there.
pub struct Sandbox {
    dir: TempDir,
    // Declared before the runtime: emulators are dropped while it still runs.
    pub emulators: Vec<RunningEmulator>,
    pub rt: tokio::runtime::Runtime,
}

/// What a finished run printed.
#[derive(Debug)]
pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Sandbox {
    pub fn new() -> Self {
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
    pub fn emulator(&mut self, tokens: &[&str], opts: EmulatorOptions) -> String {
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
    pub fn two_workspaces(&mut self, source: EmulatorOptions) -> (String, String) {
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

    /// [`Sandbox::two_workspaces`] with no rate limits, and the fast config
    /// ([`write_fast_config`]): for tests of what a run does, not of its pacing.
    pub fn unthrottled_pair(&mut self) -> (String, String) {
        let pair = self.two_workspaces(EmulatorOptions {
            rate_limits: RateLimitSpec::Off,
            ..EmulatorOptions::default()
        });
        write_fast_config(self);
        pair
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    /// Writes `~/.databrickscfg` (the sandbox's).
    pub fn databrickscfg(&self, text: &str) {
        self.write(".databrickscfg", text);
    }

    pub fn cmd(&self) -> Command {
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

    /// Emulator `i`'s stats once requests a stopped brickport had already sent stop arriving.
    ///
    /// They can reach the emulator after the process is gone (they sit in the socket, or wait
    /// out the latency); counted in the next run's starting stats they could meet its
    /// interruption point before that run has done anything — not even recorded its run.
    pub fn settled_stats(&self, i: usize) -> brickport_emulator::StatsSnapshot {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut last = self.emulators[i].stats();
        loop {
            std::thread::sleep(std::time::Duration::from_millis(200));
            let now = self.emulators[i].stats();
            if now.requests == last.requests {
                return now;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "emulator {i} still receives requests 10 s after brickport stopped"
            );
            last = now;
        }
    }

    /// Runs `brickport ARGS` to completion.
    pub fn run(&self, args: &[&str]) -> Out {
        self.run_cmd(self.cmd().args(args))
    }

    /// Runs `brickport ARGS` between [`Sandbox::two_workspaces`]' profiles ([`WS`]).
    pub fn run_between(&self, args: &[&str]) -> Out {
        self.run_cmd(self.cmd().args(args).args(WS))
    }

    pub fn run_cmd(&self, cmd: &mut Command) -> Out {
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
        if std::env::var_os("SHOW_OUTPUT").is_some() {
            eprintln!("$ {cmd:?}\n{}{}", out.stdout, out.stderr);
        }
        out
    }
}

impl Out {
    /// Asserts exit code 2 and a single `error:` line containing every `needle`.
    pub fn fails_with(&self, needles: &[&str]) -> &Self {
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

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not one JSON document ({e}): {self:?}"))
    }
}

/// A client for seeding an emulator through its API.
pub fn api(url: &str, token: &str) -> brickport_api::WorkspaceClient {
    let cfg = brickport_api::WorkspaceConfig::with_token(url, token).unwrap();
    brickport_api::WorkspaceClient::new(
        cfg,
        brickport_api::ClientOptions::fast(std::time::Duration::from_secs(10)),
    )
    .unwrap()
}

/// Puts a few Phase 1 objects in the source: a user in a group, a folder, a secret scope with
/// a key, a cluster policy.
pub fn seed_source(sb: &Sandbox, url: &str) {
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
pub fn write_fast_config(sb: &Sandbox) {
    let mut text = String::new();
    for family in brickport_api::Family::ALL.map(brickport_api::Family::as_str) {
        text.push_str(&format!(
            "[throttle.{family}]\nrps = 1000\nconcurrency = 16\n\n"
        ));
    }
    sb.write("brickport.toml", &text);
}

/// Every file under `dir`, recursively, as bytes.
pub fn all_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
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

/// `text` (a command's output, a report) with what differs between two identical runs
/// replaced, so that a snapshot compares only what an operator reads:
/// - the sandbox's temp path → `[TMP]`; emulator `i`'s URL (its port) → `[EMULATOR i]`;
/// - times (`2026-12-02T06:32:21.947Z`; `20261202T063222.086Z` in backup names) → `[TIME]`;
/// - ids (12 digits or more, or 16 upper-case hex digits: objects created at the same time
///   take them in any order) → `[ID]`;
/// - durations: a JSON `"millis"` value, and the last cell of a markdown table whose header
///   names milliseconds there (`wall ms`, `ms (its own passes)`) → `[ms]`.
pub fn normalise(sb: &Sandbox, text: &str) -> String {
    let mut text = text.replace(&sb.path().display().to_string(), "[TMP]");
    for (i, emulator) in sb.emulators.iter().enumerate() {
        text = text.replace(emulator.url(), &format!("[EMULATOR {i}]"));
    }
    let mut out = String::new();
    let mut previous_in_table = false;
    let mut ms_column = false;
    for line in text.lines() {
        let mut line = times_and_ids(line);
        let in_table = line.starts_with('|');
        if in_table && !previous_in_table {
            ms_column = last_cell(&line).is_some_and(|(_, c)| c.split(' ').any(|w| w == "ms"));
        } else if in_table
            && ms_column
            && !line.starts_with("|---")
            && let Some((row, _)) = last_cell(&line)
        {
            line = format!("{row}| [ms] |");
        }
        previous_in_table = in_table;
        if let Some(value) = line.trim_start().strip_prefix("\"millis\": ") {
            let at = line.len() - value.len();
            let comma = if value.ends_with(',') { "," } else { "" };
            line = format!("{}[ms]{comma}", &line[..at]);
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A markdown table row split before its last cell: (the row up to it, the cell's text).
fn last_cell(row: &str) -> Option<(&str, &str)> {
    let (head, cell) = row.trim_end().strip_suffix('|')?.rsplit_once('|')?;
    Some((head, cell.trim()))
}

/// `line` with its times and ids replaced (see [`normalise`]).
fn times_and_ids(line: &str) -> String {
    // `d` stands for any digit.
    const TIMES: [&str; 2] = ["dddd-dd-ddTdd:dd:dd.dddZ", "ddddddddTdddddd.dddZ"];
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let word_start =
            chars[i].is_ascii_alphanumeric() && (i == 0 || !chars[i - 1].is_ascii_alphanumeric());
        if !word_start {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let rest = &chars[i..];
        if let Some(time) = TIMES.iter().find(|shape| {
            shape.len() <= rest.len()
                && shape.chars().zip(rest).all(|(s, c)| match s {
                    'd' => c.is_ascii_digit(),
                    _ => s == *c,
                })
        }) {
            out.push_str("[TIME]");
            i += time.len();
            continue;
        }
        let len = rest
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric())
            .count();
        let word: String = rest[..len].iter().collect();
        let digits = word.chars().all(|c| c.is_ascii_digit());
        let hex = word
            .chars()
            .all(|c| c.is_ascii_digit() || ('A'..='F').contains(&c));
        if (digits && len >= 12) || (hex && len == 16) {
            out.push_str("[ID]");
        } else {
            out.push_str(&word);
        }
        i += len;
    }
    out
}
