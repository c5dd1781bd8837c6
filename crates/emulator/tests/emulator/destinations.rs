//! Notification destinations: every config type, write-only secrets answered only as
//! `*_set` flags (in every answer, to admins and others), config only for admins, the fixed
//! type, paging, and jobs' webhook notifications pointing at them.

use serde_json::{Value, json};

use crate::common::{self, USER};

const D: &str = "/api/2.0/notification-destinations";

/// Every secret the tests send: none may appear in any answer.
const SECRETS: &[&str] = &[
    "hooks.slack.example",
    "C0SECRET",
    "xoxb-secret",
    "hooks.example.com",
    "hook-user",
    "hunter2-webhook-Pa55",
    "pd-key-123",
    "teams.example",
    "teams-app",
    "teams-secret",
    "teams-tenant",
];

fn assert_no_secret(v: &Value) {
    let text = v.to_string();
    for s in SECRETS {
        assert!(!text.contains(s), "{s} leaked in {text}");
    }
}

fn configs() -> Vec<(Value, &'static str, &'static str)> {
    vec![
        (
            json!({"email": {"addresses": ["ops@example.com"]}}),
            "EMAIL",
            "email",
        ),
        (
            json!({"slack": {"url": "https://hooks.slack.example/x", "channel_id": "C0SECRET", "oauth_token": "xoxb-secret"}}),
            "SLACK",
            "slack",
        ),
        (
            json!({"generic_webhook": {"url": "https://hooks.example.com/in", "username": "hook-user", "password": "hunter2-webhook-Pa55"}}),
            "WEBHOOK",
            "generic_webhook",
        ),
        (
            json!({"pagerduty": {"integration_key": "pd-key-123"}}),
            "PAGERDUTY",
            "pagerduty",
        ),
        (
            json!({"microsoft_teams": {"url": "https://teams.example/x", "app_id": "teams-app", "auth_secret": "teams-secret", "tenant_id": "teams-tenant"}}),
            "MICROSOFT_TEAMS",
            "microsoft_teams",
        ),
    ]
}

#[tokio::test]
async fn every_type_round_trips_without_its_secrets() {
    let emu = common::start().await;
    let mut ids = Vec::new();
    for (config, ty, key) in configs() {
        let b = emu
            .ok(
                D,
                json!({"display_name": format!("{key} dest"), "config": config}),
            )
            .await;
        assert_no_secret(&b);
        assert_eq!(b["destination_type"], ty);
        let id = b["id"].as_str().unwrap().to_string();
        let got = emu.get_ok(&format!("{D}/{id}")).await;
        assert_no_secret(&got);
        assert_eq!(got["display_name"], format!("{key} dest"));
        ids.push((id, key));
    }
    let hook = &ids[2].0;
    let got = emu.get_ok(&format!("{D}/{hook}")).await;
    assert_eq!(
        got["config"]["generic_webhook"],
        json!({"url_set": true, "username_set": true, "password_set": true})
    );
    let teams = emu.get_ok(&format!("{D}/{}", ids[4].0)).await;
    assert_eq!(teams["config"]["microsoft_teams"]["channel_url_set"], false);
    let email = emu.get_ok(&format!("{D}/{}", ids[0].0)).await;
    assert_eq!(
        email["config"]["email"]["addresses"],
        json!(["ops@example.com"])
    );

    // A non-admin reads no config and cannot write.
    let (s, b) = emu
        .as_user(USER)
        .call("GET", &format!("{D}/{hook}"), None)
        .await;
    assert_eq!(s, 200);
    assert!(b.get("config").is_none());
    let (s, _) = emu
        .as_user(USER)
        .call(
            "POST",
            D,
            Some(json!({"display_name": "x", "config": configs()[0].0})),
        )
        .await;
    assert_eq!(s, 403);

    // PATCH: a rename keeps the secrets; a config of the same type merges; another type is
    // refused; an empty body too.
    let (s, b) = emu
        .call(
            "PATCH",
            &format!("{D}/{hook}"),
            Some(json!({"display_name": "renamed"})),
        )
        .await;
    assert_eq!((s, b["display_name"].as_str()), (200, Some("renamed")));
    assert_eq!(b["config"]["generic_webhook"]["password_set"], true);
    let (s, b) = emu
        .call(
            "PATCH",
            &format!("{D}/{hook}"),
            Some(json!({"config": {"generic_webhook": {"url": "https://hooks.example.com/v2"}}})),
        )
        .await;
    assert_eq!(s, 200);
    assert_no_secret(&b);
    assert_eq!(b["config"]["generic_webhook"]["username_set"], true);
    let (s, e) = emu
        .call(
            "PATCH",
            &format!("{D}/{hook}"),
            Some(json!({"config": {"pagerduty": {"integration_key": "k"}}})),
        )
        .await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (400, Some("INVALID_PARAMETER_VALUE"))
    );
    let (s, _) = emu
        .call("PATCH", &format!("{D}/{hook}"), Some(json!({})))
        .await;
    assert_eq!(s, 400);
    {
        let st = emu.running.emulator().lock();
        let stored = &st.destinations.destinations[hook.as_str()];
        assert_eq!(stored.secret("password"), Some("hunter2-webhook-Pa55"));
        assert_eq!(stored.secret("url"), Some("https://hooks.example.com/v2"));
        assert!(
            !format!("{stored:?}").contains("hunter2"),
            "Debug hides secrets"
        );
    }

    // Bad configs: two types, a missing required field, not an email.
    for bad in [
        json!({"slack": {"url": "u"}, "pagerduty": {"integration_key": "k"}}),
        json!({"slack": {"channel_id": "c"}}),
        json!({"email": {"addresses": ["nope"]}}),
    ] {
        let (s, _) = emu
            .post(D, json!({"display_name": "bad", "config": bad}))
            .await;
        assert_eq!(s, 400, "{bad}");
    }
    let (s, _) = emu.call("DELETE", &format!("{D}/{hook}"), None).await;
    assert_eq!(s, 200);
    let (s, e) = emu.get(&format!("{D}/{hook}")).await;
    assert_eq!(
        (s, e["error_code"].as_str()),
        (404, Some("RESOURCE_DOES_NOT_EXIST"))
    );
}

#[tokio::test]
async fn list_pages_in_creation_order() {
    let emu = common::start().await;
    for i in 0..5 {
        emu.ok(
            D,
            json!({"display_name": format!("d{i}"), "config": {"pagerduty": {"integration_key": "pd-key-123"}}}),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut url = format!("{D}?page_size=2");
    loop {
        let b = emu.get_ok(&url).await;
        assert_no_secret(&b);
        for r in b["results"].as_array().unwrap() {
            let mut keys: Vec<&String> = r.as_object().unwrap().keys().collect();
            keys.sort();
            assert_eq!(keys, vec!["destination_type", "display_name", "id"]);
            seen.push(r["display_name"].as_str().unwrap().to_string());
        }
        match b["next_page_token"].as_str() {
            Some(t) => url = format!("{D}?page_size=2&page_token={t}"),
            None => break,
        }
    }
    assert_eq!(seen, vec!["d0", "d1", "d2", "d3", "d4"]);
}

#[tokio::test]
async fn job_webhooks_name_existing_destinations_three_at_most() {
    let emu = common::start().await;
    let d = emu
        .ok(D, json!({"display_name": "pd", "config": {"pagerduty": {"integration_key": "pd-key-123"}}}))
        .await;
    let id = d["id"].as_str().unwrap();
    let job = |hooks: Value| json!({"name": "j", "webhook_notifications": {"on_failure": hooks}});
    let (s, _) = emu
        .post("/api/2.1/jobs/create", job(json!([{"id": "missing"}])))
        .await;
    assert_eq!(s, 400);
    let four = json!([{"id": id}, {"id": id}, {"id": id}, {"id": id}]);
    let (s, _) = emu.post("/api/2.1/jobs/create", job(four)).await;
    assert_eq!(s, 400);
    let (s, b) = emu
        .post("/api/2.1/jobs/create", job(json!([{"id": id}])))
        .await;
    assert_eq!(s, 200, "{b}");
    let task_level = json!({"name": "t", "tasks": [{"task_key": "a",
        "notebook_task": {"notebook_path": "/x"}, "webhook_notifications": {"on_start": [{"id": "gone"}]}}]});
    let (s, _) = emu.post("/api/2.1/jobs/create", task_level).await;
    assert_eq!(s, 400);
}
