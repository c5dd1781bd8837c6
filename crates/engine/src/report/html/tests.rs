//! The page without a migration: escaping, what it loads (nothing), its CSP hashes, a large
//! run's folding and size, the run history, and the formats people read.

use super::*;
use crate::ledger::{Category, ManualAction};
use crate::report::{KindSummary, ObjectReport, Outcome, Spill};

const HOSTILE: &str = "<script>alert('x')</script> & \"co\"";

fn obj(kind: &'static str, key: &str, outcome: Outcome, detail: Option<&str>) -> ObjectReport {
    ObjectReport {
        kind,
        key: key.into(),
        source_id: key.into(),
        target_id: None,
        outcome,
        detail: detail.map(str::to_string),
        note: None,
        source_hash: None,
        diffs: Vec::new(),
        dropped: Vec::new(),
        lost: Vec::new(),
        translated: Vec::new(),
        manual: Vec::new(),
        millis: 1,
    }
}

fn report(
    objects: Vec<ObjectReport>,
    actions: Vec<ManualAction>,
) -> (RunReport, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let spill = Spill::create(Some(dir.path())).unwrap();
    let mut kinds: Vec<KindSummary> = Vec::new();
    for o in objects {
        let k = match kinds.iter().position(|k| k.kind == o.kind) {
            Some(i) => &mut kinds[i],
            None => {
                kinds.push(KindSummary {
                    kind: o.kind,
                    phase: 1,
                    ..KindSummary::default()
                });
                kinds.last_mut().unwrap()
            }
        };
        k.total += 1;
        k.count(o.outcome);
        spill.push(o);
    }
    let names: Vec<&'static str> = kinds.iter().map(|k| k.kind).collect();
    let r = RunReport {
        source: format!("https://src.example.com/{HOSTILE}"),
        target: "https://dst.example.com".into(),
        started_at: "2026-11-25T18:00:00.000Z".into(),
        finished_at: "2026-11-25T18:02:05.500Z".into(),
        dry_run: false,
        kinds,
        log: spill.finish(&names).unwrap(),
        missing_dependencies: vec![format!("clusters {HOSTILE}")],
        manual_actions: actions,
        backups: Vec::new(),
        aborted: None,
        history: Vec::new(),
    };
    (r, dir)
}

fn action(key: &str, category: Category, done: bool) -> ManualAction {
    let text = format!("set the value of secret `{key}`");
    ManualAction {
        id: ManualAction::id_of(category, "secret_scopes", key, &text),
        kind: "secret_scopes".into(),
        key: key.into(),
        category,
        action: text,
        done,
        done_by: done.then_some(crate::ledger::DoneBy::Hand),
    }
}

fn page(r: &RunReport, ledger: &FromLedger) -> String {
    let mut out = Vec::new();
    r.write_html(&mut out, ledger).unwrap();
    String::from_utf8(out).unwrap()
}

/// What is inside each `<…>` of a page.
fn tags(html: &str) -> Vec<&str> {
    html.split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or(""))
        .collect()
}

#[test]
fn every_text_from_a_workspace_is_escaped_and_the_page_loads_nothing() {
    let mut dropped = obj("groups", HOSTILE, Outcome::Created, None);
    dropped.dropped = vec![format!("reference members[].value `{HOSTILE}` dropped")];
    let (r, _dir) = report(
        vec![
            obj("users", HOSTILE, Outcome::Failed, Some(HOSTILE)),
            obj("users", "plain@example.com", Outcome::Created, None),
            dropped,
        ],
        vec![action(HOSTILE, Category::Secret, false)],
    );
    let html = page(&r, &FromLedger::default());
    let escaped = "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;";
    assert!(!html.contains(HOSTILE));
    // The source host, the key and detail of the failure, the dropped object and its
    // reference, the action's key and words, the missing dependency.
    assert!(html.matches(escaped).count() >= 8, "{html}");
    // One script (the filters), nothing loaded: no link, no src or href, no @import/url().
    assert_eq!(html.matches("<script").count(), 1);
    for t in tags(&html) {
        let t = t.to_ascii_lowercase();
        assert!(!t.starts_with("link") && !t.starts_with("img") && !t.starts_with("iframe"));
        assert!(!t.contains("src=") && !t.contains("href="), "<{t}>");
    }
    assert!(!html.contains("@import") && !html.contains("url("));
}

#[test]
fn the_policy_allows_exactly_the_inline_style_and_script() {
    // The SHA-256 of nothing, as browsers print it.
    assert_eq!(
        csp_hash(""),
        "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    );
    assert_eq!(
        csp_hash("abc"),
        "'sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0='"
    );
    let (r, _dir) = report(vec![obj("users", "u", Outcome::Created, None)], Vec::new());
    let html = page(&r, &FromLedger::default());
    let inner = |open: &str, close: &str| {
        let start = html.find(open).unwrap() + open.len();
        html[start..start + html[start..].find(close).unwrap()].to_string()
    };
    let csp = format!(
        "default-src 'none'; style-src {}; script-src {};",
        csp_hash(&inner("<style>", "</style>")),
        csp_hash(&inner("<script>", "</script>"))
    );
    assert!(html.contains(&csp), "{csp}");
}

#[test]
fn a_large_run_is_folded_per_kind_and_stays_small() {
    let mut objects: Vec<ObjectReport> = (0..11_999)
        .map(|i| {
            obj(
                "notebook_permissions",
                &format!("/Users/u{i:05}/nb"),
                Outcome::Skipped,
                Some("its object was not migrated"),
            )
        })
        .collect();
    objects.push(obj(
        "notebook_permissions",
        "/Users/zz",
        Outcome::Failed,
        Some("boom"),
    ));
    objects.extend((0..3_000).map(|i| {
        obj(
            "jobs",
            &format!("job {i:04}"),
            Outcome::Failed,
            Some("creating jobs: HTTP 400 INVALID_PARAMETER_VALUE: the quota is reached"),
        )
    }));
    objects
        .extend((0..20_000).map(|i| obj("notebooks", &format!("/n/{i}"), Outcome::Created, None)));
    let actions = (0..10_000)
        .map(|i| action(&format!("s/k{i}"), Category::Secret, i % 3 == 0))
        .collect();
    let (r, _dir) = report(objects, actions);
    let html = page(&r, &FromLedger::default());
    // About 340 KB: the rows listed, whatever the number of objects.
    assert!(html.len() < 600_000, "{} bytes", html.len());
    // Per kind (and category): SHOWN rows, then LISTED - SHOWN folded, the rest counted.
    assert_eq!(html.matches("<tr data-row").count(), 3 * LISTED);
    assert_eq!(html.matches("<details class=\"more\">").count(), 3);
    assert!(html.contains("<summary>Show 490 more</summary>"));
    assert!(html.contains("11,500 more not listed here"));
    assert!(html.contains("2,500 more not listed here"));
    assert!(html.contains("9,500 more not listed here"));
    assert!(html.contains("<div class=\"n\">35,000</div><div class=\"l\">objects listed</div>"));
    // Inside a kind, failures come before skips; pending actions before done ones.
    let problems = html.split("id=\"problems\"").nth(1).unwrap();
    let first = problems.find("<tr data-row").unwrap();
    assert!(problems[first..].starts_with(
        "<tr data-row data-kind=\"notebook_permissions\" data-outcome=\"failed\">\
         <td><code>/Users/zz"
    ));
    let actions = html.split("id=\"actions\"").nth(1).unwrap();
    let first = actions.find("data-status=").unwrap();
    assert!(actions[first..].starts_with("data-status=\"pending\""));
    assert!(html.contains("6,666 pending · 3,334 done"));
}

#[test]
fn the_runs_come_from_the_ledger_newest_first_and_a_page_without_one_says_so() {
    let (r, _dir) = report(vec![obj("users", "u", Outcome::Created, None)], Vec::new());
    let bare = page(&r, &FromLedger::default());
    assert!(bare.contains("No ledger was read, so no earlier run is known"));
    assert!(bare.contains("which kinds are done over every run is not known here"));
    let run = |id, finished: Option<&str>, summary: Option<&str>| RunRecord {
        id,
        started_at: "2026-11-25T18:00:00Z".into(),
        finished_at: finished.map(str::to_string),
        selection: "only=[] phase=None dry_run=false".into(),
        summary: summary.map(str::to_string),
    };
    let summary = r#"[{"kind":"users","total":3,"created":2,"failed":1},
        {"kind":"groups","total":4,"unchanged":4}]"#;
    let ledger = FromLedger {
        runs: vec![
            run(1, None, None),
            run(2, Some("2026-11-25T18:01:30Z"), Some(summary)),
        ],
        ..FromLedger::default()
    };
    let html = page(&r, &ledger);
    let history = html.split("id=\"history\"").nth(1).unwrap();
    assert!(history.find("data-run=\"2\"") < history.find("data-run=\"1\""));
    let latest = "#2 (latest)</td><td>2026-11-25 18:00:00 UTC</td><td>2026-11-25 18:01:30 UTC\
                  </td><td>1 min 30 s</td>";
    assert!(history.contains(latest), "{history}");
    assert!(
        history.contains("<td class=\"num\">7</td><td class=\"num\">2</td>"),
        "{history}"
    );
    assert!(history.contains("no end recorded"));
    assert!(html.contains("Run #2 · started"));
}

#[test]
fn numbers_and_durations_read_as_people_write_them() {
    assert_eq!(
        (num(0), num(999), num(1_000), num(1_234_567)),
        ("0".into(), "999".into(), "1,000".into(), "1,234,567".into())
    );
    assert_eq!(duration(850), "850 ms");
    assert_eq!(duration(1_940), "1.9 s");
    assert_eq!(duration(125_500), "2 min 05 s");
    assert_eq!(duration(3_720_000), "1 h 02 min");
    assert_eq!(when("2026-11-25T19:00:00+01:00"), "2026-11-25 18:00:00 UTC");
    assert_eq!(when("not a time"), "not a time");
    assert_eq!(Esc("a<b>&\"'").to_string(), "a&lt;b&gt;&amp;&quot;&#39;");
}

#[test]
fn translations_go_to_the_spill_file_report_md_and_report_html_and_alone_are_no_problem() {
    use crate::translation::Translation;
    let mut moved = obj("clusters", "etl", Outcome::Created, None);
    moved.translated = vec![
        Translation::new(
            "node_type_id",
            "i3.xlarge",
            "Standard_E4ds_v5",
            format!("closest {HOSTILE}"),
        ),
        Translation::new(
            "aws_attributes.ebs_volume_type",
            "GP2",
            "",
            "no meaning on azure",
        ),
    ];
    let (r, _dir) = report(
        vec![moved, obj("clusters", "plain", Outcome::Created, None)],
        Vec::new(),
    );
    // Read back from the spill file whole, and kept in memory among the notable objects.
    let back = r.objects().unwrap();
    assert_eq!(back[0].key, "etl");
    assert_eq!(back[0].translated.len(), 2);
    assert!(back[1].translated.is_empty());
    assert_eq!(r.notable().len(), 1);
    let json = serde_json::to_value(&back[0]).unwrap();
    assert_eq!(json["translated"][0]["from"], "i3.xlarge");
    assert_eq!(json["translated"][0]["to"], "Standard_E4ds_v5");
    assert!(
        serde_json::to_value(&back[1])
            .unwrap()
            .get("translated")
            .is_none()
    );
    let md = r.to_markdown();
    assert!(md.contains("## Translations (2)"), "{md}");
    assert!(
        md.contains("| clusters | `etl` | `node_type_id` | `i3.xlarge` | `Standard_E4ds_v5` |"),
        "{md}"
    );
    assert!(
        md.contains("| `GP2` | `(left out)` | no meaning on azure |"),
        "{md}"
    );
    // Translated is not "needs attention": no row in the problems table.
    assert!(!md.contains("with dropped attributes\n"), "{md}");
    let html = page(&r, &FromLedger::default());
    assert!(html.contains("<section id=\"translations\""), "{html}");
    assert!(html.contains("node_type_id: i3.xlarge → Standard_E4ds_v5 (closest &lt;script"));
    assert!(!html.contains(HOSTILE));
    let (plain, _dir) = report(
        vec![obj("clusters", "p", Outcome::Created, None)],
        Vec::new(),
    );
    assert!(!page(&plain, &FromLedger::default()).contains("id=\"translations\""));
}
