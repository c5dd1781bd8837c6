//! `brickport plan` through the binary: per-object lines (folded at scale, `--all`), the
//! pre-check first, every option `migrate` takes, and a saved plan carried out by
//! `migrate --plan` — exactly, or refused before any write when the source changed.

use serde_json::Value;

use crate::support::*;

/// A typical source (hundreds of objects) and an empty target holding its account groups.
fn typical() -> Sandbox {
    crate::kill::typical_pair("0").0
}

/// A small source ([`seed_source`]) and an empty target.
fn small() -> (Sandbox, String) {
    let mut sb = Sandbox::new();
    let (src, _) = sb.unthrottled_pair();
    seed_source(&sb, &src);
    (sb, src)
}

/// Exit 2 and an error line holding every needle (progress lines may come before it).
fn refused(out: &Out, needles: &[&str]) {
    assert_eq!(out.code, 2, "{out:?}");
    let last = out.stderr.lines().last().unwrap_or("");
    assert!(last.starts_with("error: "), "{out:?}");
    for n in needles {
        assert!(last.contains(n), "missing {n:?}: {out:?}");
    }
}

/// Writes by the target emulator so far.
fn target_writes(sb: &Sandbox) -> u64 {
    sb.emulators[1].stats().writes
}

#[test]
fn plan_names_each_object_by_kind_in_phase_order_folded_unless_all() {
    let sb = typical();
    let out = sb.run_between(&["plan"]);
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    let text = &out.stdout;
    // Terraform-like lines, grouped by kind, phase 1 before phase 3.
    assert!(text.contains("\nusers (phase 1): "), "{text}");
    assert!(text.contains("  + users "), "{text}");
    let users = text.find("\nusers (phase 1)").unwrap();
    let jobs = text.find("\njobs (phase 3)").expect("a jobs block");
    assert!(users < jobs, "{text}");
    // Folded: at most 10 lines a kind, the rest counted with the way to see them.
    assert!(text.contains("more to create (plan --all)"), "{text}");
    let job_lines = text.lines().filter(|l| l.starts_with("  + jobs ")).count();
    assert!((1..=10).contains(&job_lines), "{text}");
    let summary = text
        .lines()
        .rfind(|l| l.starts_with("Plan: "))
        .expect("summary");
    assert!(
        summary.contains(" to create, ") && summary.contains(" to update, "),
        "{summary}"
    );

    // --all: every job of the source by name, and the same summary.
    let out = sb.run_between(&["plan", "--all", "--output", "json"]);
    let doc = out.json();
    let objects = doc["objects"].as_array().unwrap();
    let jobs: Vec<&str> = objects
        .iter()
        .filter(|o| o["kind"] == "jobs" && o["outcome"] == "created")
        .map(|o| o["key"].as_str().unwrap())
        .collect();
    assert!(jobs.len() > 10, "{}", jobs.len());
    let out = sb.run_between(&["plan", "--all"]);
    for key in &jobs {
        assert!(out.stdout.contains(&format!("  + jobs {key}\n")), "{key}");
    }
    assert!(!out.stdout.contains("(plan --all)"), "{}", out.stdout);
    assert_eq!(
        doc["plan"]["totals"]["create"],
        summary_number(summary, "to create")
    );

    // Grants of objects the run creates: updated (the object's ACL exists with it), as
    // `migrate` says — with the field's name, never the principals it holds.
    let grants: Vec<&Value> = objects
        .iter()
        .filter(|o| o["kind"] == "job_permissions")
        .collect();
    assert!(!grants.is_empty());
    assert!(
        grants.iter().all(|o| o["outcome"] == "updated"),
        "{grants:?}"
    );
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("  ~ job_permissions "))
        .expect("a grants line");
    assert!(line.ends_with(" (acl)"), "{line}");
    assert!(!out.stdout.contains("+ job_permissions"), "{}", out.stdout);
    assert!(
        !sb.path().join("run/ledger.sqlite").exists(),
        "plan wrote a ledger"
    );
}

/// The number before `words` in the summary line.
fn summary_number(summary: &str, words: &str) -> u64 {
    let before = &summary[..summary.find(words).unwrap()];
    let n = before.trim_end().rsplit([' ', ',']).next().unwrap();
    n.parse().unwrap()
}

#[test]
fn plan_runs_the_precheck_first_and_exits_2_when_it_fails() {
    let (sb, _) = small();
    let args = [
        "plan",
        "--source-profile",
        "src",
        "--target-profile",
        "dst-user",
        "--run-dir",
        "run",
    ];
    let out = sb.run(&args);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(
        out.stderr
            .contains("the pre-check fails, nothing was planned"),
        "{out:?}"
    );
    assert!(!out.stdout.contains("Plan: "), "{out:?}");
}

#[test]
fn plan_takes_every_option_migrate_takes() {
    let (sb, _) = small();
    sb.write("secrets.json", r#"{"app": {"db": "operator-value-0x77"}}"#);
    let out = sb.run_between(&[
        "plan",
        "--conflict",
        "overwrite",
        "--recheck",
        "--secret-values",
        "secrets.json",
        "--fail-fast",
        "--only",
        "users,groups,secret_scopes",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("+ secret_scopes app"), "{}", out.stdout);
    assert!(!out.stdout.contains("operator-value-0x77"));
    assert!(
        !out.stdout.contains("cluster_policies"),
        "--only: {}",
        out.stdout
    );
    let out = sb.run_between(&["plan", "--resume", "--phase", "1"]);
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn a_saved_plan_is_carried_out_exactly() {
    let (sb, _) = small();
    let out = sb.run_between(&["plan", "--out", "plan.json"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("plan saved to plan.json"),
        "{}",
        out.stdout
    );
    let saved: Value =
        serde_json::from_slice(&std::fs::read(sb.path().join("plan.json")).unwrap()).unwrap();
    assert_eq!(saved["format"], "brickport-plan");
    assert_eq!(saved["version"], 1);
    assert!(saved["listing_sha256"].as_str().unwrap().len() == 64);
    assert!(
        !std::fs::read_to_string(sb.path().join("plan.json"))
            .unwrap()
            .contains("source-side-value")
    );
    assert_eq!(target_writes(&sb), 0, "plan wrote to the target");

    let out = sb.run_between(&["migrate", "--plan", "plan.json", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let done = out.json();
    // Object by object, what the plan said.
    let action = |outcome: &str| match outcome {
        "created" => "create",
        "updated" => "update",
        "unchanged" | "adopted" => "keep",
        "skipped" => "skip",
        "conflict" => "conflict",
        _ => "fail",
    };
    let ran: Vec<(String, String, String)> = done["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            let a = action(o["outcome"].as_str().unwrap());
            (
                o["kind"].as_str().unwrap().into(),
                o["source_id"].as_str().unwrap().into(),
                a.into(),
            )
        })
        .collect();
    let planned: Vec<(String, String, String)> = saved["objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["kind"].as_str().unwrap().into(),
                o["source_id"].as_str().unwrap().into(),
                o["action"].as_str().unwrap().into(),
            )
        })
        .collect();
    // The same objects in the same order, each with the planned action — or, for an update,
    // none when it turned out equal: the plan cannot know the ACL the target gives an object
    // the run creates, nor the principals it will hold.
    assert_eq!(ran.len(), planned.len());
    for (r, p) in ran.iter().zip(&planned) {
        assert_eq!((&r.0, &r.1), (&p.0, &p.1));
        assert!(
            r.2 == p.2 || (p.2 == "update" && r.2 == "keep"),
            "{r:?} planned {p:?}"
        );
    }
    assert!(planned.iter().any(|p| p.2 == "create"));
    // Carried out, the plan no longer holds (everything now exists): refused.
    let before = target_writes(&sb);
    let out = sb.run_between(&["migrate", "--plan", "plan.json"]);
    refused(
        &out,
        &[
            "the saved plan no longer holds",
            "would now be",
            "nothing was written",
        ],
    );
    assert_eq!(target_writes(&sb), before);
}

#[test]
fn a_saved_plan_is_refused_before_any_write_when_the_source_or_options_changed() {
    let (sb, src) = small();
    assert_eq!(sb.run_between(&["plan", "--out", "plan.json"]).code, 0);
    // Other options: refused, naming them.
    let out = sb.run_between(&["migrate", "--plan", "plan.json", "--conflict", "overwrite"]);
    refused(&out, &["no longer holds", "conflict"]);
    // A user appears and a secret scope changes (a new key) in the source.
    let c = api(&src, SOURCE_TOKEN);
    sb.rt.block_on(async {
        c.post_json(
            "/api/2.0/preview/scim/v2/Users",
            &serde_json::json!({"userName": "late@source.example"}),
        )
        .await
        .unwrap();
        c.post_json(
            "/api/2.0/secrets/put",
            &serde_json::json!({"scope": "app", "key": "late", "string_value": "v"}),
        )
        .await
        .unwrap();
    });
    let out = sb.run_between(&["migrate", "--plan", "plan.json"]);
    refused(
        &out,
        &[
            "no longer holds",
            "users `late@source.example`: new in the source",
            "secret_scopes `app`: changed in the source",
            "nothing was written",
        ],
    );
    assert_eq!(target_writes(&sb), 0, "the target was written");
    assert!(
        !sb.path().join("run/ledger.sqlite").exists(),
        "a ledger was written"
    );
    // Planned again, it goes through.
    assert_eq!(sb.run_between(&["plan", "--out", "plan.json"]).code, 0);
    let out = sb.run_between(&["migrate", "--plan", "plan.json"]);
    assert_eq!(out.code, 0, "{out:?}");
    // An unreadable or foreign file: one clear line.
    sb.write(
        "other.json",
        r#"{"format": "brickport-plan", "version": 99}"#,
    );
    let out = sb.run_between(&["migrate", "--plan", "other.json"]);
    refused(&out, &["not a plan of this version", "plan --out"]);
}

/// `scale:1000` (thousands of objects): the plan names them, folded to a screenful per kind;
/// `--all` names every one. Slow in a debug build: run by hand with `--ignored`.
#[test]
#[ignore]
fn at_scale_1000_plan_names_the_objects() {
    use brickport_emulator::{EmulatorOptions, RateLimitSpec, SeedSpec};
    let mut sb = Sandbox::new();
    let src = sb.emulator(
        &[&format!("{SOURCE_TOKEN}:alice@source.example")],
        EmulatorOptions {
            seed: SeedSpec::Scale(1000),
            rate_limits: RateLimitSpec::Off,
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
    sb.databrickscfg(&format!(
        "[src]\nhost = {src}\ntoken = {SOURCE_TOKEN}\n\n[dst]\nhost = {dst}\ntoken = {TARGET_TOKEN}\n"
    ));
    write_fast_config(&sb);
    let started = std::time::Instant::now();
    let out = sb.run_between(&["plan"]);
    assert!(out.code == 0 || out.code == 1, "{out:?}");
    let summary = out
        .stdout
        .lines()
        .rfind(|l| l.starts_with("Plan: "))
        .unwrap();
    eprintln!(
        "plan at scale:1000: {} lines in {:?}\n{summary}",
        out.stdout.lines().count(),
        started.elapsed()
    );
    eprintln!(
        "{}",
        out.stdout.lines().take(40).collect::<Vec<_>>().join("\n")
    );
    assert!(out.stdout.contains("(plan --all)"));
    let all = sb.run_between(&["plan", "--all"]);
    let lines = all
        .stdout
        .lines()
        .filter(|l| l.starts_with("  + ") || l.starts_with("  ~ "))
        .count();
    let created = summary_number(summary, "to create") + summary_number(summary, "to update");
    assert_eq!(
        lines as u64, created,
        "every create and update named with --all"
    );
    eprintln!("--all: {} lines", all.stdout.lines().count());
}
