//! What an operator reads after a run, pinned by `insta` snapshots (`snapshots/`): the
//! `migrate --output json` document, `report.md` and `status`. What varies between runs
//! (times, durations, run ids, ports, paths) is normalised first by [`normalise`].

use crate::support::*;

#[test]
fn a_run_s_json_report_md_and_status_read_as_before() {
    let mut sb = Sandbox::new();
    let (src, _dst) = sb.unthrottled_pair();
    seed_source(&sb, &src);
    sb.write("secrets.json", r#"{"app": {"db": "operator-supplied"}}"#);

    let out = sb.run_between(&[
        "migrate",
        "-q",
        "--output",
        "json",
        "--secret-values",
        "secrets.json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    insta::assert_snapshot!("migrate_output_json", normalise(&sb, &out.stdout));

    let report = std::fs::read_to_string(sb.path().join("run/report.md")).unwrap();
    insta::assert_snapshot!("report_md", normalise(&sb, &report));

    let out = sb.run_between(&["status"]);
    assert_eq!(out.code, 0, "{out:?}");
    insta::assert_snapshot!("status", normalise(&sb, &out.stdout));
}
