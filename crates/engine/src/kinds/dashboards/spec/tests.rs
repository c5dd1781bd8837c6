//! The dashboard spec: both sides read alike, schedules held back, the catalog map on the
//! datasets' fields and never in their SQL text.

use super::*;
use brickport_api::types::lakeview::{CronSchedule, Subscriber, UserSubscriber};

fn read() -> Read {
    let doc = json!({
        "datasets": [
            {"name": "a1", "displayName": "orders", "catalog": "prod", "schema": "sales",
             "queryLines": ["SELECT * FROM orders\n", "JOIN prod.ref.regions USING (r)"]},
            {"name": "b2", "catalog": "main", "queryLines": ["SELECT 1"]},
        ],
        "pages": [{"name": "p", "displayName": "Page"}],
    });
    let schedule = |name: &str, status: Option<&str>| Schedule {
        schedule_id: Some(format!("id-{name}")),
        etag: Some("7".into()),
        display_name: Some(name.into()),
        cron_schedule: Some(CronSchedule {
            quartz_cron_expression: Some("0 0 8 * * ?".into()),
            timezone_id: Some("UTC".into()),
            ..CronSchedule::default()
        }),
        pause_status: status.map(str::to_string),
        ..Schedule::default()
    };
    let sub = Subscription {
        subscription_id: Some("s-1".into()),
        created_by_user_id: Some(5),
        skip_notify: Some(false),
        subscriber: Some(Subscriber {
            user_subscriber: Some(UserSubscriber {
                user_id: Some(42),
                ..UserSubscriber::default()
            }),
            ..Subscriber::default()
        }),
        ..Subscription::default()
    };
    Read {
        draft: Dashboard {
            dashboard_id: Some("d".into()),
            display_name: Some("Sales".into()),
            parent_path: Some("/Workspace/Shared/bi".into()),
            warehouse_id: Some("w1".into()),
            serialized_dashboard: Some(format!("{doc}\n")),
            etag: Some("3".into()),
            ..Dashboard::default()
        },
        published: Some(PublishedDashboard {
            embed_credentials: None,
            warehouse_id: Some("w2".into()),
            ..PublishedDashboard::default()
        }),
        schedules: vec![
            (schedule("daily", None), vec![sub]),
            (schedule("weekly", Some("PAUSED")), vec![]),
        ],
    }
}

fn map() -> BTreeMap<String, String> {
    [("prod".to_string(), "prod_eu".to_string())].into()
}

#[test]
fn the_spec_holds_schedules_back_and_maps_dataset_catalogs_only() {
    let b = build(&read(), "/Shared/bi/Sales", &map()).unwrap();
    let s = &b.spec;
    assert_eq!(s["parent_path"], "/Shared/bi");
    assert_eq!(
        s["published"],
        json!({"embed_credentials": false, "warehouse_id": "w2"})
    );
    let ds = &s["serialized_dashboard"]["datasets"];
    assert_eq!(ds[0]["catalog"], "prod_eu", "the field is renamed");
    assert_eq!(ds[1]["catalog"], "main");
    assert_eq!(
        ds[0]["queryLines"][1], "JOIN prod.ref.regions USING (r)",
        "SQL text is never rewritten"
    );
    let daily = &s["schedules"][0];
    assert_eq!(daily["pause_status"], "PAUSED");
    assert!(daily.get("schedule_id").is_none() && daily.get("etag").is_none());
    assert_eq!(
        daily["subscriptions"],
        json!([{"subscriber": {"user_subscriber": {"user_id": 42}}}]),
        "output fields and the default skip_notify left out"
    );
    let texts: Vec<(Category, &str)> = b
        .manual
        .iter()
        .map(|a| (a.category, a.text.as_str()))
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert_eq!(texts[0].0, Category::Unpause);
    assert!(texts[0].1.contains("(schedule `daily`)"), "{}", texts[0].1);
    assert!(texts[1].1.contains("dataset `orders`") && texts[1].1.contains("`prod` → `prod_eu`"));
}

#[test]
fn embedded_credentials_are_the_publishers_and_said_so() {
    let mut r = read();
    r.published.as_mut().unwrap().embed_credentials = Some(true);
    let b = build(&r, "k", &BTreeMap::new()).unwrap();
    assert_eq!(b.spec["published"]["embed_credentials"], true);
    assert!(
        b.manual
            .iter()
            .any(|a| a.text.contains("embedded credentials"))
    );
}

#[test]
fn the_target_is_read_alike_with_its_ids_and_compares_parsed() {
    let mut t = read();
    // The service re-serialises the document and adds fields: not a difference.
    let doc: Value =
        serde_json::from_str(t.draft.serialized_dashboard.as_deref().unwrap()).unwrap();
    let mut doc = doc;
    doc["pages"][0]["pageType"] = json!("PAGE_TYPE_CANVAS");
    t.draft.serialized_dashboard = Some(serde_json::to_string_pretty(&doc).unwrap());
    let body = Value::Object(body_of(&t, "k", true).unwrap());
    assert_eq!(body["schedules"][0]["schedule_id"], "id-daily");
    assert_eq!(
        body["schedules"][0]["pause_status"], "UNPAUSED",
        "the default made explicit"
    );
    let spec = build(&read(), "k", &BTreeMap::new()).unwrap().spec;
    let diffs = crate::json::subset_diff(&spec, &body);
    assert_eq!(diffs, ["schedules"], "only the schedule held back differs");
    assert_eq!(parsed(Some("not json")), json!("not json"));
    assert_eq!(serialized(&json!("not json")).as_deref(), Some("not json"));
    assert_eq!(serialized(&json!({"a": 1})).as_deref(), Some(r#"{"a":1}"#));
}
