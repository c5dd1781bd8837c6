//! AI/BI dashboards and Genie spaces end to end, between two emulators on loopback: a
//! published dashboard with an UNPAUSED schedule subscribed to a destination and a user is
//! published in the target with its schedule PAUSED until `cutover` resumes it (a second
//! cutover writes nothing), though the service rewrites its document a re-run and `verify`
//! find nothing to do; a job's dashboard task points at the copy; the catalog map renames a
//! dataset's catalog field and leaves its SQL text alone, listing it; a Genie space has its
//! warehouse remapped, and `rollback` trashes both; a dashboard whose warehouse is left out is
//! skipped with the reason; a document the target refuses fails that dashboard only, with the
//! platform's words.

use brickport_api::WorkspaceClient;
use brickport_api::types::genie::GenieSpaceRequest;
use brickport_api::types::jobs::{Job, JobSettings};
use brickport_api::types::lakeview::{
    CronSchedule, Dashboard, DestinationSubscriber, PublishRequest, Schedule, Subscriber,
    Subscription, UserSubscriber,
};
use brickport_api::types::notification_destinations::{DestinationConfig, DestinationRequest};
use brickport_api::types::warehouses::Warehouse;
use brickport_emulator::{FaultRule, RuleAction};
use brickport_engine::{
    CutoverOutcome, EngineOptions, NoProgress, ObjectReport, Outcome, RollbackOptions, RunReport,
    cutover, migrate, rollback, verify,
};
use brickport_testkit::{Walk, str_of};
use futures::TryStreamExt;
use serde_json::{Value, json};

use crate::support::{Pair, options, pair, seed, walk};

/// The document: one dataset on `main.sales` whose SQL names the catalog too, one page.
fn document() -> String {
    json!({
        "datasets": [{"name": "d1", "displayName": "orders", "catalog": "main", "schema": "sales",
                      "queryLines": ["SELECT * FROM main.sales.orders"]}],
        "pages": [{"name": "p1", "displayName": "Overview"}],
    })
    .to_string()
}

async fn warehouse(c: &WorkspaceClient, name: &str) -> String {
    let w = Warehouse {
        name: Some(name.into()),
        cluster_size: Some("2X-Small".into()),
        max_num_clusters: Some(1),
        auto_stop_mins: Some(10),
        ..Warehouse::default()
    };
    c.warehouses().create(&w).await.unwrap()
}

/// A published dashboard `name` in `/Shared` on `wh`; its id.
async fn dashboard(c: &WorkspaceClient, name: &str, wh: &str) -> String {
    let d = Dashboard {
        display_name: Some(name.into()),
        parent_path: Some("/Shared".into()),
        warehouse_id: Some(wh.into()),
        serialized_dashboard: Some(document()),
        ..Dashboard::default()
    };
    let id = c.lakeview().create(&d).await.unwrap().dashboard_id.unwrap();
    let publish = PublishRequest {
        embed_credentials: Some(false),
        warehouse_id: Some(wh.into()),
        ..PublishRequest::default()
    };
    c.lakeview().publish(&id, &publish).await.unwrap();
    id
}

/// An UNPAUSED daily schedule on dashboard `id`, subscribed to destination `dest` and user
/// `user` (SCIM id).
async fn schedule(c: &WorkspaceClient, id: &str, dest: &str, user: &str) {
    let s = Schedule {
        display_name: Some("daily".into()),
        cron_schedule: Some(CronSchedule {
            quartz_cron_expression: Some("0 0 8 * * ?".into()),
            timezone_id: Some("UTC".into()),
            ..CronSchedule::default()
        }),
        pause_status: Some("UNPAUSED".into()),
        ..Schedule::default()
    };
    let sid = c.lakeview().create_schedule(id, &s).await.unwrap();
    let sid = sid.schedule_id.unwrap();
    let subscribers = [
        Subscriber {
            destination_subscriber: Some(DestinationSubscriber {
                destination_id: Some(dest.into()),
                ..Default::default()
            }),
            ..Subscriber::default()
        },
        Subscriber {
            user_subscriber: Some(UserSubscriber {
                user_id: Some(user.parse().unwrap()),
                ..Default::default()
            }),
            ..Subscriber::default()
        },
    ];
    for subscriber in subscribers {
        let sub = Subscription {
            subscriber: Some(subscriber),
            ..Subscription::default()
        };
        c.lakeview()
            .create_subscription(id, &sid, &sub)
            .await
            .unwrap();
    }
}

async fn destination(c: &WorkspaceClient) -> String {
    let config: DestinationConfig =
        serde_json::from_value(json!({"email": {"addresses": ["ops@example.com"]}})).unwrap();
    let d = DestinationRequest {
        display_name: Some("ops-mail".into()),
        config: Some(config),
        ..DestinationRequest::default()
    };
    let made = c.notification_destinations().create(&d).await.unwrap();
    made.id.unwrap()
}

async fn genie(c: &WorkspaceClient, wh: &str) {
    let space =
        json!({"version": 1, "data_sources": {"tables": [{"identifier": "main.sales.orders"}]}});
    let req = GenieSpaceRequest {
        title: Some("Sales questions".into()),
        parent_path: Some("/Shared".into()),
        warehouse_id: Some(wh.into()),
        serialized_space: Some(space.to_string()),
        ..GenieSpaceRequest::default()
    };
    c.genie().create(&req).await.unwrap();
}

/// The source: a warehouse, a destination, a user; the published dashboard `Sales` with its
/// schedule, a job refreshing it, and a Genie space. Returns the dashboard's id.
async fn source(c: &WorkspaceClient) -> String {
    let wh = warehouse(c, "bi").await;
    let dest = destination(c).await;
    let user = seed::user(c, "ana@example.com", "Ana", true, &[], &[]).await;
    let id = dashboard(c, "Sales", &wh).await;
    schedule(c, &id, &dest, &user).await;
    let task = json!({"task_key": "refresh", "dashboard_task": {
        "dashboard_id": id, "warehouse_id": wh,
        "subscription": {"subscribers": [{"destination_id": dest}, {"user_name": "ana@example.com"}]},
    }});
    let job = JobSettings {
        name: Some("refresh sales".into()),
        tasks: Some(vec![task]),
        ..JobSettings::default()
    };
    c.jobs().create(&job).await.unwrap();
    genie(c, &wh).await;
    id
}

fn line<'r>(objects: &'r [ObjectReport], kind: &str, key: &str) -> &'r ObjectReport {
    (objects.iter())
        .find(|o| o.kind == kind && o.key == key)
        .unwrap_or_else(|| panic!("{kind} {key} not in the report: {objects:#?}"))
}

async fn run(p: &Pair, opts: &EngineOptions) -> RunReport {
    migrate(&p.source, &p.target, opts, &NoProgress)
        .await
        .unwrap()
}

/// The target's dashboards by key, as the independent walk reads them.
async fn dashboards(c: &WorkspaceClient) -> Vec<Value> {
    Walk::of(&walk(c)).await.unwrap().dashboards
}

/// The one target object of `kind` named `name`, by the walk's field `field`.
fn by_name<'v>(v: &'v [Value], field: &str, name: &str) -> &'v Value {
    let found: Vec<&Value> = v.iter().filter(|x| x[field] == name).collect();
    assert_eq!(found.len(), 1, "one {name}: {v:#?}");
    found[0]
}

fn target_id_of(r: &RunReport, kind: &str, key: &str) -> String {
    let objects = r.objects().unwrap();
    line(&objects, kind, key).target_id.clone().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_dashboard_waits_for_cutover_to_run_its_schedule() {
    let p = pair().await;
    source(&p.source).await;
    let opts = p.options(4);
    let first = run(&p, &opts).await;
    assert!(first.is_success(), "{}", first.to_markdown());
    let wh = target_id_of(&first, "sql_warehouses", "bi");
    let dest = target_id_of(&first, "notification_destinations", "ops-mail");
    let user = target_id_of(&first, "users", "ana@example.com");

    let all = dashboards(&p.target).await;
    let d = by_name(&all, "display_name", "Sales");
    assert_eq!(
        (d["parent_path"].clone(), d["warehouse_id"].clone()),
        (json!("/Shared"), json!(wh))
    );
    assert_eq!(d["published"]["embed_credentials"], false, "{d:#}");
    assert_eq!(d["published"]["warehouse_id"], json!(wh));
    let s = &d["schedules"][0];
    assert_eq!(
        s["pause_status"], "PAUSED",
        "nothing runs before the cut-over"
    );
    let subscribers: Vec<&Value> = s["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| &x["subscriber"])
        .collect();
    assert!(subscribers.contains(&&json!({"destination_subscriber": {"destination_id": dest}})));
    let uid: i64 = user.parse().unwrap();
    assert!(
        subscribers.contains(&&json!({"user_subscriber": {"user_id": uid}})),
        "{subscribers:?}"
    );
    let objects = first.objects().unwrap();
    let sales = line(&objects, "dashboards", "/Shared/Sales");
    assert!(
        sales
            .manual
            .iter()
            .any(|m| m.starts_with("resume at cut-over")),
        "{sales:#?}"
    );

    // The job's dashboard task points at the copy, its subscribers at the target's.
    let jobs: Vec<Job> = p
        .target
        .jobs()
        .list(&Default::default())
        .try_collect()
        .await
        .unwrap();
    let job = p.target.jobs().get(jobs[0].job_id.unwrap()).await.unwrap();
    let task = &job.settings.unwrap().tasks.unwrap()[0]["dashboard_task"];
    assert_eq!(task["dashboard_id"], d["dashboard_id"]);
    assert_eq!(
        task["subscription"]["subscribers"][0]["destination_id"],
        json!(dest)
    );

    // A re-run, then one that reads the target again: nothing written, though the service
    // rewrote the document (the target's text is not the source's).
    assert_ne!(d["serialized_dashboard"], json!(document()));
    let writes = p.dst.stats().writes;
    assert!(run(&p, &opts).await.is_success());
    let recheck = EngineOptions {
        recheck: true,
        ..opts.clone()
    };
    assert!(run(&p, &recheck).await.is_success());
    assert_eq!(p.dst.stats().writes, writes, "a re-run wrote");
    let v = verify(&p.source, &p.target, &opts).await.unwrap();
    assert!(v.is_success(), "{:#?}", v.differences);

    // Cut-over resumes the schedule; a second one writes nothing; verify expects it on.
    let r = cutover(&p.source, &p.target, &opts, false).await.unwrap();
    assert!(r.is_success(), "{r:?}");
    let sales = (r.jobs.iter()).find(|j| j.kind == "dashboards").unwrap();
    assert_eq!(sales.outcome, CutoverOutcome::Resumed);
    assert_eq!(sales.resumed, ["schedule `daily`"]);
    let all = dashboards(&p.target).await;
    let d = by_name(&all, "display_name", "Sales");
    assert_eq!(d["schedules"][0]["pause_status"], "UNPAUSED");
    let tw = p.dst.stats().writes;
    let again = cutover(&p.source, &p.target, &opts, false).await.unwrap();
    assert_eq!(again.writes, 0);
    assert!(run(&p, &recheck).await.is_success());
    assert_eq!(p.dst.stats().writes, tw, "after the cut-over, a run wrote");
    let v = verify(&p.source, &p.target, &opts).await.unwrap();
    assert!(v.is_success(), "{:#?}", v.differences);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_map_renames_fields_never_sql_and_genie_keeps_its_warehouse() {
    let p = pair().await;
    source(&p.source).await;
    let mut opts = p.options(4);
    opts.catalogs.insert("main".into(), "main_eu".into());
    let r = run(&p, &opts).await;
    assert!(r.is_success(), "{}", r.to_markdown());
    let all = dashboards(&p.target).await;
    let d = by_name(&all, "display_name", "Sales");
    let doc: Value = serde_json::from_str(d["serialized_dashboard"].as_str().unwrap()).unwrap();
    let ds = &doc["datasets"][0];
    assert_eq!(ds["catalog"], "main_eu", "the field is renamed");
    assert_eq!(
        ds["queryLines"],
        json!(["SELECT * FROM main.sales.orders"]),
        "the text is not"
    );
    let objects = r.objects().unwrap();
    let sales = line(&objects, "dashboards", "/Shared/Sales");
    assert!(
        sales
            .manual
            .iter()
            .any(|m| m.contains("dataset `orders`") && m.contains("`main` → `main_eu`")),
        "{:?}",
        sales.manual
    );

    let wh = target_id_of(&r, "sql_warehouses", "bi");
    let spaces = Walk::of(&walk(&p.target)).await.unwrap().genie_spaces;
    let g = by_name(&spaces, "title", "Sales questions");
    assert_eq!(g["warehouse_id"], json!(wh));
    assert_eq!(str_of(g, "parent_path"), "/Shared");
    let space: Value = serde_json::from_str(g["serialized_space"].as_str().unwrap()).unwrap();
    assert_eq!(
        space["data_sources"]["tables"][0]["identifier"],
        "main_eu.sales.orders"
    );
    let writes = p.dst.stats().writes;
    let recheck = EngineOptions {
        recheck: true,
        ..opts.clone()
    };
    assert!(run(&p, &recheck).await.is_success());
    assert_eq!(p.dst.stats().writes, writes, "a re-run wrote");

    // Rolled back: the dashboard and the space are in the target's trash, out of its lists.
    let how = RollbackOptions {
        dry_run: false,
        force: false,
    };
    let rb = rollback(&p.source, &p.target, &opts, how).await.unwrap();
    assert!(rb.is_success(), "{rb:#?}");
    let w = Walk::of(&walk(&p.target)).await.unwrap();
    assert!(
        w.dashboards.is_empty() && w.genie_spaces.is_empty(),
        "{w:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_left_out_warehouse_skips_and_a_refused_document_fails_one_dashboard() {
    let refused = RuleAction::Error {
        status: 400,
        error_code: "INVALID_PARAMETER_VALUE".into(),
        message: Some("Invalid serialized dashboard: unknown widget type".into()),
    };
    let rule = FaultRule::nth("POST", "/api/2.0/lakeview/dashboards", 1, refused);
    let target = brickport_emulator::EmulatorOptions {
        fault_rules: vec![rule],
        ..options(2)
    };
    let p = Pair::of(options(1), target).await;
    let wh = warehouse(&p.source, "bi").await;
    dashboard(&p.source, "first", &wh).await;

    // Warehouses left out of the run: the dashboard waits for nothing, and is skipped.
    let mut only = p.options(4);
    only.only = vec!["workspace_folders".into(), "dashboards".into()];
    let r = run(&p, &only).await;
    let objects = r.objects().unwrap();
    let first = line(&objects, "dashboards", "/Shared/first");
    assert_eq!(first.outcome, Outcome::Skipped, "{first:#?}");
    assert!(
        first
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("sql_warehouses"),
        "{first:#?}"
    );

    // With its warehouse: the target refuses its document once (the rule); that dashboard
    // fails with the platform's words, and the next run creates it.
    dashboard(&p.source, "second", &wh).await;
    let opts = p.options(1);
    let r = run(&p, &opts).await;
    let objects = r.objects().unwrap();
    let failed: Vec<&ObjectReport> = objects
        .iter()
        .filter(|o| o.outcome == Outcome::Failed)
        .collect();
    assert_eq!(failed.len(), 1, "{objects:#?}");
    assert_eq!(failed[0].kind, "dashboards");
    assert!(
        failed[0]
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("unknown widget type"),
        "{failed:#?}"
    );
    let others = objects
        .iter()
        .filter(|o| o.kind == "dashboards" && o.outcome == Outcome::Created);
    assert_eq!(others.count(), 1);
    let r = run(&p, &opts).await;
    assert!(r.is_success(), "{}", r.to_markdown());
    assert_eq!(dashboards(&p.target).await.len(), 2);
}
