//! Nothing dropped silently, through the binary: `migrate --only` without `groups` on the
//! typical workspace exits 1 and names the grants it dropped (a count and the first few; the
//! report all of them); `verify` with the same selection exits 1 and names them too; a later
//! `migrate --only notebooks` leaves `report.md` listing the jobs.

use brickport_emulator::{EmulatorOptions, RateLimitSpec, SeedSpec};

use crate::support::*;

#[test]
fn leaving_groups_out_exits_1_naming_the_grants_dropped_in_migrate_and_verify() {
    let mut sb = Sandbox::new();
    sb.two_workspaces(EmulatorOptions {
        seed: SeedSpec::Typical,
        rate_limits: RateLimitSpec::Off,
        ..EmulatorOptions::default()
    });
    write_fast_config(&sb);
    let only: Vec<&str> = brickport_engine::kind_names()
        .into_iter()
        .filter(|k| *k != "groups")
        .collect();
    let only = only.join(",");
    let out = sb.run_between(&["migrate", "--only", &only]);
    assert_eq!(out.code, 1, "{out:?}");
    let lost_line = (out.stdout.lines())
        .find(|l| l.starts_with("lost: "))
        .unwrap_or_else(|| panic!("no lost block: {out:?}"));
    let n: usize = lost_line["lost: ".len()..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{lost_line}"));
    assert!(n > 10, "{lost_line}");
    assert!(
        out.stdout.contains("depends on groups `") && out.stdout.contains("(migrate groups first)"),
        "{out:?}"
    );
    let md = std::fs::read_to_string(sb.path().join("run/report.md")).unwrap();
    assert!(
        md.contains(&format!("## Lost references and grants ({n})")),
        "{md}"
    );

    let out = sb.run_between(&["verify", "--only", &only]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(
        out.stdout.contains("in the source, missing in the target")
            && out.stdout.contains("depends on groups `"),
        "{out:?}"
    );

    // A later run of notebooks alone: the migration's report still lists the jobs.
    let out = sb.run_between(&["migrate", "--only", "notebooks"]);
    assert_eq!(out.code, 0, "{out:?}");
    let md = std::fs::read_to_string(sb.path().join("run/report.md")).unwrap();
    assert!(md.contains("| jobs | `"), "{md}");
    assert!(md.contains("the whole migration: 2 runs"), "{md}");
}
