//! Nothing dropped silently: a reference or grant dropped because the kind it names is left
//! out of the run (`--only` without `groups`) makes `migrate` unsuccessful and is listed, and
//! `verify` over the same selection compares the target with the source and names it; a
//! secret-scope ACL row for a group calls it a group.

use std::time::Duration;

use crate::support::{Pair, options};
use brickport_emulator::{EmulatorOptions, SeedSpec};
use brickport_engine::{Mismatch, NoProgress, migrate, verify};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_groups_out_makes_migrate_and_verify_fail_naming_the_lost_grants() {
    let at = |seed, id_seed| EmulatorOptions {
        seed,
        cluster_start_delay: Duration::from_millis(40),
        ..options(id_seed)
    };
    let p = Pair::of(at(SeedSpec::Typical, 1), at(SeedSpec::None, 2)).await;
    let mut opts = p.options(6);
    opts.only = brickport_engine::kind_names()
        .into_iter()
        .filter(|k| *k != "groups")
        .map(str::to_string)
        .collect();
    let run = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let lost = run.lost_count();
    assert!(
        lost > 10,
        "the typical workspace grants groups a lot: {lost}"
    );
    assert!(!run.is_success(), "grants were dropped: not a success");
    let lines: Vec<(String, String, String)> = run
        .lost()
        .into_iter()
        .flat_map(|o| {
            o.lost
                .iter()
                .map(|l| (o.kind.to_string(), o.key.clone(), l.clone()))
        })
        .collect();
    assert_eq!(lines.len(), lost);
    for (kind, key, l) in &lines {
        assert!(
            l.contains("depends on groups `") && l.contains("which is not migrated"),
            "{kind} {key}: {l}"
        );
    }
    // A secret scope's ACL row for a group names it a group (it once said "users").
    let scope = lines
        .iter()
        .find(|(k, _, l)| k == "secret_scopes" && l.starts_with("reference acls[].principal"))
        .expect("a secret scope grants a group");
    assert!(scope.2.contains("(migrate groups first)"), "{}", scope.2);
    assert!(!scope.2.contains("users"), "{}", scope.2);
    // The report lists every one of them.
    let md = run.to_markdown();
    assert!(
        md.contains(&format!("## Lost references and grants ({lost})")),
        "{md}"
    );
    for (_, _, l) in &lines {
        assert!(md.contains(l.as_str()), "{l} not in report.md");
    }

    // `verify` over the same selection: the target lacks what the source grants.
    let v = verify(&p.source, &p.target, &opts).await.unwrap();
    assert!(!v.is_success());
    let named: usize = v
        .differences
        .iter()
        .filter(|d| d.mismatch == Mismatch::Lost || d.mismatch == Mismatch::Differs)
        .flat_map(|d| d.details.iter())
        .filter(|d| d.contains("depends on groups `"))
        .count();
    assert_eq!(named, lost, "{:#?}", v.differences);
    assert!(
        v.differences.iter().any(|d| d.mismatch == Mismatch::Lost),
        "{:#?}",
        v.differences
    );

    // Migrating everything then restores what was lost (nothing was recorded as done with
    // it missing): verify finds no lost grant left.
    opts.only.clear();
    let run = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    assert_eq!(run.lost_count(), 0, "{}", run.to_markdown());
    let v = verify(&p.source, &p.target, &opts).await.unwrap();
    let left: Vec<_> = v
        .differences
        .iter()
        .filter(|d| d.details.iter().any(|x| x.contains("depends on groups `")))
        .collect();
    assert!(left.is_empty(), "{left:#?}");
}
