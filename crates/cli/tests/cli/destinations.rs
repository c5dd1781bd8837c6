//! Notification destinations through the binary: a first run creates them with placeholders
//! (listed as manual actions) and a job naming them gets the target's ids; a second run with
//! the `notification_destinations` section of `--secret-values` sets the real parts and ticks
//! the action; the supplied values never reach stdout, stderr or the run directory.

use serde_json::{Value, json};

use crate::support::*;

const PASSWORD: &str = "pw-destination-8c1f-UNIQUE";
const URL: &str = "https://hooks.example.com/real-hook-5d2a";

/// The source: a webhook with basic auth, an email list, a PagerDuty service, and a job
/// notifying each (the job and one of its tasks).
fn seed(sb: &Sandbox, url: &str) -> Vec<String> {
    let c = api(url, SOURCE_TOKEN);
    sb.rt.block_on(async {
        let mut ids = Vec::new();
        for (name, config) in [
            ("ops-hook", json!({"generic_webhook": {"url": "https://src.example.com/h", "username": "u", "password": "source-pw"}})),
            ("team-mail", json!({"email": {"addresses": ["team@example.com"]}})),
            ("pager", json!({"pagerduty": {"integration_key": "source-key"}})),
        ] {
            let body = json!({"display_name": name, "config": config});
            let d = c.post_json("/api/2.0/notification-destinations", &body).await.unwrap();
            ids.push(d["id"].as_str().unwrap().to_string());
        }
        c.post_json(
            "/api/2.0/workspace/import",
            &json!({"path": "/Shared/nb", "format": "SOURCE", "language": "PYTHON",
                    "content": "cHJpbnQoMSk="}),
        )
        .await
        .unwrap();
        let job = json!({"name": "alerts",
            "webhook_notifications": {"on_failure": [{"id": ids[0]}]},
            "tasks": [{"task_key": "t", "notebook_task": {"notebook_path": "/Shared/nb"},
                       "webhook_notifications": {"on_start": [{"id": ids[2]}], "on_success": [{"id": ids[1]}]}}]});
        c.post_json("/api/2.2/jobs/create", &job).await.unwrap();
        ids
    })
}

/// The target's destinations (with their stored write-only parts) and its jobs, as its
/// state holds them.
fn target_state(sb: &Sandbox) -> (Vec<Value>, Vec<Value>) {
    let snap = sb.emulators[1].snapshot();
    let all = |v: &Value| -> Vec<Value> {
        v.as_object()
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    };
    (
        all(&snap["destinations"]["destinations"]),
        all(&snap["jobs"]["jobs"]),
    )
}

fn manual(sb: &Sandbox) -> Vec<String> {
    let out = sb.run_between(&["status", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    let actions = doc["manual_actions"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    actions.iter().map(|a| a.to_string()).collect()
}

#[test]
fn destinations_get_placeholders_then_supplied_parts_that_never_leak() {
    let mut sb = Sandbox::new();
    let (src, _dst) = sb.unthrottled_pair();
    let source_ids = seed(&sb, &src);
    let mut outputs = Vec::new();

    // A name the source does not have fails the pre-check: nothing is migrated.
    let typo = json!({"notification_destinations": {"ops-hok": {"password": PASSWORD}}});
    sb.write("typo.json", &typo.to_string());
    let out = sb.run_between(&["migrate", "--secret-values", "typo.json"]);
    assert_ne!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("`ops-hok`") || out.stderr.contains("`ops-hok`"),
        "{out:?}"
    );
    assert!(
        target_state(&sb).0.is_empty(),
        "migrated after a failed pre-check"
    );
    outputs.push(out);

    let out = sb.run_between(&["migrate"]);
    assert_eq!(out.code, 0, "{out:?}");
    outputs.push(out);
    let (destinations, jobs) = target_state(&sb);
    assert_eq!(destinations.len(), 3, "{destinations:?}");
    let hook = destinations
        .iter()
        .find(|d| d["display_name"] == "ops-hook")
        .unwrap();
    assert_eq!(
        hook["secrets"]["url"],
        "https://replace-me.invalid/brickport"
    );
    assert_eq!(hook["secrets"]["password"], "MIGRATED_PLACEHOLDER");
    // The job names the target's destinations, not the source's.
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    let settings = &jobs[0]["settings"];
    let named = [
        &settings["webhook_notifications"]["on_failure"][0]["id"],
        &settings["tasks"][0]["webhook_notifications"]["on_start"][0]["id"],
        &settings["tasks"][0]["webhook_notifications"]["on_success"][0]["id"],
    ];
    let target_ids: Vec<&Value> = destinations.iter().map(|d| &d["id"]).collect();
    for id in named {
        assert!(target_ids.contains(&id), "{id} among {target_ids:?}");
        assert!(!source_ids.iter().any(|s| id == s), "a source id: {id}");
    }
    let before = manual(&sb);
    let asks = |name: &str| {
        before
            .iter()
            .any(|a| a.contains(&format!("`{name}`")) && a.contains("placeholders"))
    };
    assert!(
        asks("ops-hook") && asks("pager") && !asks("team-mail"),
        "{before:?}"
    );

    sb.write(
        "values.json",
        &json!({"notification_destinations": {"ops-hook": {"url": URL, "username": "ops", "password": PASSWORD}}}).to_string(),
    );
    let out = sb.run_between(&[
        "migrate",
        "--secret-values",
        "values.json",
        "--output",
        "json",
    ]);
    assert_eq!(out.code, 0, "{out:?}");
    let doc = out.json();
    let updated: Vec<&Value> = doc["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["outcome"] == "updated")
        .collect();
    assert_eq!(updated.len(), 1, "{updated:?}");
    assert_eq!(updated[0]["kind"], "notification_destinations");
    outputs.push(out);
    let (destinations, _) = target_state(&sb);
    let hook = destinations
        .iter()
        .find(|d| d["display_name"] == "ops-hook")
        .unwrap();
    assert_eq!(
        (
            hook["secrets"]["url"].as_str(),
            hook["secrets"]["password"].as_str()
        ),
        (Some(URL), Some(PASSWORD))
    );
    // The action is ticked (done, not gone), and stays so on a run without the values file.
    let out = sb.run_between(&["migrate"]);
    assert_eq!(out.code, 0, "{out:?}");
    outputs.push(out);
    let after = manual(&sb);
    let hook = after.iter().find(|a| a.contains("`ops-hook`"));
    assert!(
        hook.is_some_and(|a| a.contains(r#""done":true"#) && a.contains(r#""done_by":"supplied""#)),
        "{after:?}"
    );
    let pager = after.iter().find(|a| a.contains("`pager`"));
    assert!(
        pager.is_some_and(|a| a.contains(r#""done":false"#)),
        "{after:?}"
    );

    for out in &outputs {
        for secret in [PASSWORD, URL] {
            assert!(
                !out.stdout.contains(secret) && !out.stderr.contains(secret),
                "{out:?}"
            );
        }
    }
    for (path, bytes) in all_files(&sb.path().join("run")) {
        let text = String::from_utf8_lossy(&bytes);
        for secret in [PASSWORD, URL, "source-pw", "source-key"] {
            assert!(!text.contains(secret), "{secret} in {}", path.display());
        }
    }
}

#[test]
fn a_malformed_destinations_section_names_the_file_and_the_key() {
    let mut sb = Sandbox::new();
    sb.unthrottled_pair();
    sb.write(
        "values.json",
        &json!({"notification_destinations": {"ops-hook": {"pasword": PASSWORD}}}).to_string(),
    );
    let out = sb.run_between(&["migrate", "--secret-values", "values.json"]);
    out.fails_with(&[
        "values.json",
        "`notification_destinations`/`ops-hook`/`pasword`",
    ]);
    assert!(!out.stderr.contains(PASSWORD), "{out:?}");
    assert!(
        !sb.path().join("run/ledger.sqlite").exists(),
        "nothing may run"
    );
}
