//! The offline migration: `export --to DIR` from a source, the source stopped, `import --from
//! DIR` into an empty target — the target then holds the source as the independent walk saw
//! it before the export, `verify --from` agrees, and a re-run writes nothing. A bundle that is
//! truncated, tampered with, of a newer format, or missing what a command reads is refused
//! with an error naming the file (or the request) before the target hears anything.

use std::path::Path;

use brickport_emulator::{EmulatorOptions, RateLimitSpec, SeedSpec};

use crate::kill::walk::walk;
use crate::support::*;

const TARGET_USER: &str = "bob@target.example";
/// A secret value put into the source: it must never reach the bundle.
const SECRET_VALUE: &str = "bundle-must-not-hold-0x5ec7e7";

/// An empty target (`emulators[0]`, profile `dst`) and a `seed` source (`emulators[1]`,
/// profile `src`, holding [`SECRET_VALUE`]), the target holding the source's account groups;
/// the fast config. Returns the sandbox and the source's URL.
fn target_and_source(seed: SeedSpec) -> (Sandbox, String) {
    let mut sb = Sandbox::new();
    let dst = sb.emulator(
        &[&format!("{TARGET_TOKEN}:{TARGET_USER}")],
        EmulatorOptions {
            rate_limits: RateLimitSpec::Off,
            ..EmulatorOptions::default()
        },
    );
    let src = sb.emulator(
        &[&format!("{SOURCE_TOKEN}:alice@source.example")],
        EmulatorOptions {
            seed,
            rate_limits: RateLimitSpec::Off,
            ..EmulatorOptions::default()
        },
    );
    brickport_emulator::account::assign_account_groups(
        sb.emulators[1].emulator(),
        sb.emulators[0].emulator(),
    );
    sb.databrickscfg(&format!(
        "[src]\nhost = {src}\ntoken = {SOURCE_TOKEN}\n\n[dst]\nhost = {dst}\ntoken = {TARGET_TOKEN}\n"
    ));
    write_fast_config(&sb);
    let c = api(&src, SOURCE_TOKEN);
    sb.rt.block_on(async {
        c.post_json(
            "/api/2.0/secrets/scopes/create",
            &serde_json::json!({"scope": "offline"}),
        )
        .await
        .unwrap();
        c.post_json(
            "/api/2.0/secrets/put",
            &serde_json::json!({"scope": "offline", "key": "k", "string_value": SECRET_VALUE}),
        )
        .await
        .unwrap();
    });
    (sb, src)
}

/// `brickport ARGS` with the target's profile and the run directory `run` (no source).
fn on_target(sb: &Sandbox, args: &[&str]) -> Out {
    sb.run_cmd(
        sb.cmd()
            .args(args)
            .args(["--target-profile", "dst", "--run-dir", "run"]),
    )
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// The bundle is owner-only and holds no token and no secret value.
fn assert_private(dir: &Path) {
    #[cfg(unix)]
    assert_eq!(mode(dir), 0o700, "the bundle directory");
    let files = all_files(dir);
    assert_eq!(files.len(), 2, "manifest and answers: {files:?}");
    for (path, bytes) in files {
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600, "{}", path.display());
        let text = String::from_utf8_lossy(&bytes);
        for needle in TOKENS.iter().chain([&SECRET_VALUE]) {
            assert!(!text.contains(needle), "{needle} in {}", path.display());
        }
    }
}

#[test]
fn export_then_import_without_the_source_equals_the_source() {
    let (mut sb, src) = target_and_source(SeedSpec::Typical);
    let ours = sb.rt.block_on(walk(&src, SOURCE_TOKEN));

    let before = sb.emulators[1].stats();
    let out = sb.run(&["export", "--to", "bundle", "--source-profile", "src"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("notebooks"), "{out:?}");
    assert_eq!(
        sb.emulators[1].stats().writes,
        before.writes,
        "export wrote to the source"
    );
    assert_eq!(
        sb.emulators[0].stats().writes,
        0,
        "export wrote to the target"
    );
    assert_private(&sb.path().join("bundle"));
    // Export again into the same directory: refused, the bundle left alone.
    sb.run(&["export", "--to", "bundle", "--source-profile", "src"])
        .fails_with(&["bundle", "not empty"]);

    // The source is gone: only the bundle is left of it.
    let source = sb.emulators.remove(1);
    sb.rt.block_on(source.shutdown()).unwrap();

    let out = on_target(&sb, &["import", "--from", "bundle"]);
    assert_eq!(out.code, 0, "{out:?}");
    let theirs = sb.rt.block_on(walk(sb.emulators[0].url(), TARGET_TOKEN));
    // A walk that missed objects on both sides would prove nothing.
    assert!(ours.values().map(Vec::len).sum::<usize>() > 300, "{ours:?}");
    for (kind, keys) in &ours {
        assert_eq!(
            keys, &theirs[kind],
            "{kind}: the target differs from the source"
        );
    }

    let out = on_target(&sb, &["verify", "--from", "bundle"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(" 0 differ"), "{out:?}");

    let writes = sb.emulators[0].stats().writes;
    let out = on_target(&sb, &["import", "--from", "bundle"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(sb.emulators[0].stats().writes, writes, "the re-run wrote");
    let out = on_target(&sb, &["plan", "--from", "bundle", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let planned: u64 = out.json()["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["created"].as_u64().unwrap_or(0) + k["updated"].as_u64().unwrap_or(0))
        .sum();
    assert_eq!(planned, 0, "{}", out.stdout);
    assert_eq!(sb.emulators[0].stats().writes, writes, "plan wrote");
}

/// Copies the bundle `from` to `to`, then `damage`s the copy.
fn damaged(sb: &Sandbox, to: &str, damage: impl FnOnce(&Path)) {
    let (from, to) = (sb.path().join("bundle"), sb.path().join(to));
    std::fs::create_dir(&to).unwrap();
    for name in ["manifest.json", "answers.sqlite"] {
        std::fs::copy(from.join(name), to.join(name)).unwrap();
    }
    damage(&to);
}

#[test]
fn a_damaged_or_newer_or_short_bundle_is_refused_before_the_target_hears_of_it() {
    let (sb, src) = target_and_source(SeedSpec::None);
    seed_source(&sb, &src);
    let out = sb.run(&["export", "--to", "bundle", "--source-profile", "src"]);
    assert_eq!(out.code, 0, "{out:?}");
    let answers = |d: &Path| d.join("answers.sqlite");
    damaged(&sb, "truncated", |d| {
        let f = std::fs::OpenOptions::new()
            .write(true)
            .open(answers(d))
            .unwrap();
        let len = f.metadata().unwrap().len();
        f.set_len(len - 100).unwrap();
    });
    damaged(&sb, "tampered", |d| {
        let mut bytes = std::fs::read(answers(d)).unwrap();
        let i = bytes.len() / 2;
        bytes[i] ^= 0x01;
        std::fs::write(answers(d), bytes).unwrap();
    });
    damaged(&sb, "newer", |d| {
        let p = d.join("manifest.json");
        let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
        m["version"] = 2.into();
        m["written_by"] = "9.9.9".into();
        std::fs::write(&p, serde_json::to_vec(&m).unwrap()).unwrap();
    });
    damaged(&sb, "unfinished", |d| {
        std::fs::remove_file(d.join("manifest.json")).unwrap()
    });
    let cases: [(&str, &[&str]); 4] = [
        (
            "truncated",
            &[
                "truncated/answers.sqlite",
                "truncated",
                "bytes, the manifest says",
            ],
        ),
        (
            "tampered",
            &["tampered/answers.sqlite", "SHA-256", "changed or damaged"],
        ),
        (
            "newer",
            &[
                "newer/manifest.json",
                "version 2",
                "9.9.9",
                "reads versions up to 1",
            ],
        ),
        (
            "unfinished",
            &["unfinished/manifest.json", "missing", "export again"],
        ),
    ];
    for (dir, needles) in cases {
        for command in ["import", "plan", "verify"] {
            on_target(&sb, &[command, "--from", dir]).fails_with(needles);
        }
    }
    assert_eq!(
        sb.emulators[0].stats().requests,
        0,
        "the target was contacted"
    );

    // A whole bundle, but read for more than was exported: the first read it lacks stops
    // the import, named, and nothing is written to the target.
    let out = sb.run(&[
        "export",
        "--to",
        "users-only",
        "--only",
        "users",
        "--source-profile",
        "src",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    on_target(&sb, &["import", "--from", "users-only"]).fails_with(&[
        "users-only has no answer to `GET /api/",
        "--only users",
        "export again",
    ]);
    assert_eq!(
        sb.emulators[0].stats().writes,
        0,
        "the target was written to"
    );
    let out = on_target(&sb, &["import", "--from", "users-only", "--only", "users"]);
    assert_eq!(out.code, 0, "{out:?}");
}
