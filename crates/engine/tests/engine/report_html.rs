//! `report.html`, as a migration writes it beside `report.md`: the kinds and their counts, the
//! completion dashboard and the runs from the ledger, the problems and dropped references —
//! with names and error messages from the workspaces escaped — and nothing loaded from
//! anywhere.

use brickport_emulator::{FaultRule, RuleAction};
use brickport_engine::{Outcome, migrate};

use crate::support::{pair, seed};

/// A group name and an error message that are HTML.
const GROUP: &str = "<script>alert(\"group\")</script> R&D";
const MESSAGE: &str = "<img src=x onerror=alert(1)> quota & limits";

/// Each tag of a page (`<…>`): where anything could be loaded from.
fn tags(html: &str) -> impl Iterator<Item = &str> {
    html.split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or(""))
}

#[tokio::test]
async fn a_migration_writes_a_self_contained_page_with_its_kinds_counts_and_problems_escaped() {
    let p = pair().await;
    let ada = seed::user(&p.source, "ada@example.com", "Ada", true, &[], &[]).await;
    seed::group(&p.source, GROUP, &[], &[&ada]).await;
    // The target refuses the first user it is asked to create, the only one: ada; the group
    // is created without her (a dropped reference).
    p.dst.set_fault_rules(vec![FaultRule::nth(
        "POST",
        "/api/2.0/preview/scim/v2/Users",
        1,
        RuleAction::Error {
            status: 400,
            error_code: "INVALID_PARAMETER_VALUE".into(),
            message: Some(MESSAGE.into()),
        },
    )]);
    let mut opts = p.opts();
    opts.only = vec!["users".into(), "groups".into()];
    let r = migrate(&p.source, &p.target, &opts, &brickport_engine::NoProgress)
        .await
        .unwrap();
    let objects = r.objects().unwrap();
    let failed = objects.iter().find(|o| o.key == "ada@example.com").unwrap();
    assert_eq!(failed.outcome, Outcome::Failed, "{failed:?}");

    let html = std::fs::read_to_string(opts.run_dir.join("report.html")).unwrap();
    // Every kind of the run, with its counts in the kinds table.
    for k in &r.kinds {
        let row = format!(
            "<tr data-kind=\"{0}\"><td>{0}</td><td class=\"num\">{1}</td>\
             <td class=\"num\">{2}</td>",
            k.kind, k.phase, k.total
        );
        assert!(html.contains(&row), "{row} missing");
    }
    let users = r.kinds.iter().find(|k| k.kind == "users").unwrap();
    assert_eq!(users.failed, 1);
    assert!(html.contains("<div class=\"n\">1</div><div class=\"l\">failed</div>"));
    // The problems and the dropped reference, escaped.
    assert!(html.contains("data-kind=\"users\" data-outcome=\"failed\""));
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt; quota &amp; limits"));
    assert!(html.contains("&lt;script&gt;alert(&quot;group&quot;)&lt;/script&gt; R&amp;D"));
    assert!(!html.contains(GROUP) && !html.contains("<img"));
    let dropped = html.split("<section id=\"dropped\"").nth(1).unwrap();
    assert!(dropped.contains("reference members[].value"), "{dropped}");
    // From the ledger: the phases and this run.
    assert_eq!(html.matches("class=\"meter phase\"").count(), 3);
    assert!(html.contains("<tr class=\"this\" data-run=\"1\">"));
    // Self-contained: one script (the filters), one style, nothing loaded.
    assert_eq!(html.matches("<script>").count(), 1);
    assert!(html.contains("default-src 'none'"));
    for t in tags(&html) {
        assert!(!t.starts_with("link"), "<{t}>");
        let lower = t.to_ascii_lowercase();
        for attr in ["src=", "href=", "action=", "srcset="] {
            assert!(!lower.contains(attr), "<{t}> loads something");
        }
    }
    assert!(!html.contains("@import") && !html.contains("url("));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(opts.run_dir.join("report.html")).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    }
}
