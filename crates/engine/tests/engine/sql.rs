//! Databricks SQL end to end, between two emulators on loopback: queries with their
//! visualizations, alerts (current and v2) and the jobs running them are migrated with every
//! reference pointing at the target's own objects (warehouse, folder, the query a parameter
//! reads, the query an alert watches, destinations); the catalog map renames the `catalog`
//! field and never the SQL text, whose mention is a manual action; a re-run writes nothing;
//! an alert v2's schedule is held back until `cutover`; a lost create answer leaves one query;
//! a query whose warehouse is left out is skipped with the reason.

use std::collections::BTreeMap;

use brickport_api::WorkspaceClient;
use brickport_api::types::jobs::{Job, JobSettings};
use brickport_api::types::sql_queries::{
    Alert, AlertV2, CreateAlert, CreateQuery, CreateVisualization, Query, Visualization,
};
use brickport_api::types::warehouses::Warehouse;
use brickport_emulator::{FaultRule, RuleAction};
use brickport_engine::{EngineOptions, NoProgress, ObjectReport, Outcome, RunReport};
use brickport_engine::{cutover, migrate, verify};
use futures::TryStreamExt;
use serde_json::{Value, json};

use crate::support::{Pair, options, pair};

const FOLDER: &str = "/Shared/bi";
const TEXT: &str = "SELECT region, count(*) AS n FROM prod.sales.orders GROUP BY region";

async fn warehouse(c: &WorkspaceClient) -> String {
    let w = Warehouse {
        name: Some("bi-wh".into()),
        cluster_size: Some("2X-Small".into()),
        max_num_clusters: Some(1),
        auto_stop_mins: Some(10),
        ..Warehouse::default()
    };
    c.warehouses().create(&w).await.unwrap()
}

/// A query in [`FOLDER`] with `visualizations` (types).
async fn query(c: &WorkspaceClient, q: Query, visualizations: &[&str]) -> String {
    let q = Query {
        parent_path: Some(FOLDER.into()),
        ..q
    };
    let create = CreateQuery {
        query: Some(q),
        ..CreateQuery::default()
    };
    let id = c.sql_queries().create(&create).await.unwrap().id.unwrap();
    for (i, t) in visualizations.iter().enumerate() {
        let v = Visualization {
            query_id: Some(id.clone()),
            r#type: Some(t.to_string()),
            display_name: Some(format!("{t} {i}")),
            serialized_options: Some(json!({"i": i}).to_string()),
            ..Visualization::default()
        };
        let create = CreateVisualization {
            visualization: Some(v),
            ..CreateVisualization::default()
        };
        c.sql_queries().create_visualization(&create).await.unwrap();
    }
    id
}

/// The source ids of what [`seed`] made.
struct Seeded {
    orders: String,
}

/// The source: a warehouse, a destination, a query with two visualizations, a query whose
/// parameter reads it, one at the workspace root, an alert on it, an alert v2 on a running schedule notifying the
/// destination, and a job running the query and the alert.
async fn seed(c: &WorkspaceClient) -> Seeded {
    c.workspace().mkdirs(FOLDER).await.unwrap();
    let wh = warehouse(c).await;
    let body =
        json!({"display_name": "bi mail", "config": {"email": {"addresses": ["bi@example.com"]}}});
    let nd = c.notification_destinations();
    let dest = nd.create(&serde_json::from_value(body).unwrap()).await;
    let dest = dest.unwrap().id.unwrap();
    let orders = Query {
        display_name: Some("orders".into()),
        warehouse_id: Some(wh.clone()),
        query_text: Some(TEXT.into()),
        catalog: Some("prod".into()),
        schema: Some("sales".into()),
        ..Query::default()
    };
    let orders = query(c, orders, &["table", "chart"]).await;
    let param = json!({"name": "region", "title": "Region",
        "query_backed_value": {"query_id": orders, "values": ["EU"]}});
    let by_region = Query {
        display_name: Some("by region".into()),
        warehouse_id: Some(wh.clone()),
        query_text: Some("SELECT * FROM sales.orders WHERE region = :region".into()),
        parameters: Some(vec![param.as_object().unwrap().clone()]),
        ..Query::default()
    };
    query(c, by_region, &[]).await;
    // One at the workspace root: no folder object to wait for.
    let top = Query {
        display_name: Some("top".into()),
        parent_path: Some("/".into()),
        warehouse_id: Some(wh.clone()),
        query_text: Some("SELECT 1".into()),
        ..Query::default()
    };
    let create = CreateQuery {
        query: Some(top),
        ..CreateQuery::default()
    };
    c.sql_queries().create(&create).await.unwrap();
    let alert = Alert {
        display_name: Some("late".into()),
        parent_path: Some(FOLDER.into()),
        query_id: Some(orders.clone()),
        condition: Some(
            json!({"op": "GREATER_THAN", "operand": {"column": {"name": "n"}},
                               "threshold": {"value": {"double_value": 100}}}),
        ),
        ..Alert::default()
    };
    let create = CreateAlert {
        alert: Some(alert),
        ..CreateAlert::default()
    };
    let alert = c.sql_alerts().create(&create).await.unwrap().id.unwrap();
    let v2 = AlertV2 {
        display_name: Some("big".into()),
        parent_path: Some(FOLDER.into()),
        warehouse_id: Some(wh.clone()),
        query_text: Some(TEXT.into()),
        schedule: Some(
            json!({"quartz_cron_schedule": "0 0 * * * ?", "timezone_id": "UTC",
                              "pause_status": "UNPAUSED"}),
        ),
        evaluation: Some(
            json!({"source": {"name": "n"}, "comparison_operator": "GREATER_THAN",
            "threshold": {"value": {"double_value": 1000}},
            "notification": {"subscriptions": [{"destination_id": dest}]}}),
        ),
        ..AlertV2::default()
    };
    c.alerts_v2().create(&v2).await.unwrap();
    let job: JobSettings = serde_json::from_value(json!({"name": "bi refresh", "tasks": [
        {"task_key": "q", "sql_task": {"warehouse_id": wh, "query": {"query_id": orders}}},
        {"task_key": "a", "depends_on": [{"task_key": "q"}], "sql_task": {"warehouse_id": wh,
         "alert": {"alert_id": alert, "subscriptions": [{"destination_id": dest}]}}},
    ]}))
    .unwrap();
    c.jobs().create(&job).await.unwrap();
    Seeded { orders }
}

fn line<'r>(objects: &'r [ObjectReport], kind: &str, key: &str) -> &'r ObjectReport {
    (objects.iter())
        .find(|o| o.kind == kind && o.key.starts_with(key))
        .unwrap_or_else(|| panic!("{kind} {key} not in the report: {objects:#?}"))
}

async fn run(p: &Pair, opts: &EngineOptions) -> RunReport {
    let r = migrate(&p.source, &p.target, opts, &NoProgress)
        .await
        .unwrap();
    assert!(r.is_success(), "{}", r.to_markdown());
    r
}

/// Every query of `c` by display name, read in full.
async fn queries(c: &WorkspaceClient) -> BTreeMap<String, Query> {
    let listed: Vec<Query> = c.sql_queries().list().try_collect().await.unwrap();
    let mut out = BTreeMap::new();
    for q in listed {
        let full = c.sql_queries().get(q.id.as_deref().unwrap()).await.unwrap();
        out.insert(full.display_name.clone().unwrap(), full);
    }
    out
}

/// The target id of the source object `source_id` of `kind`, from the report.
fn target_of(objects: &[ObjectReport], kind: &str, source_id: &str) -> Value {
    let o = objects
        .iter()
        .find(|o| o.kind == kind && o.source_id == source_id);
    json!(o.and_then(|o| o.target_id.clone()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sql_objects_point_at_the_target_and_the_catalog_map_leaves_sql_text_alone() {
    let p = pair().await;
    let seeded = seed(&p.source).await;
    let mut opts = p.options(4);
    opts.catalogs = BTreeMap::from([("prod".to_string(), "prod_eu".to_string())]);
    let first = run(&p, &opts).await;
    let objects = first.objects().unwrap();
    let target = queries(&p.target).await;

    // The query: the target's warehouse and folder, the catalog renamed, the text as it was.
    let orders = &target["orders"];
    let wh = line(&objects, "sql_warehouses", "bi-wh").target_id.clone();
    assert_eq!(orders.warehouse_id, wh);
    assert_eq!(orders.catalog.as_deref(), Some("prod_eu"));
    assert_eq!(
        orders.query_text.as_deref(),
        Some(TEXT),
        "SQL text never rewritten"
    );
    assert!(orders.parent_path.as_deref().unwrap().ends_with(FOLDER));
    let vis: Vec<Visualization> = (p.target.sql_queries())
        .visualizations(orders.id.as_deref().unwrap())
        .try_collect()
        .await
        .unwrap();
    let mut types: Vec<_> = vis.iter().filter_map(|v| v.r#type.clone()).collect();
    types.sort();
    assert_eq!(types, ["chart", "table"]);
    // The manual action names the catalog the text reads.
    let l = line(&objects, "sql_queries", "/Shared/bi/orders");
    let noted: Vec<&String> = l.manual.iter().filter(|m| m.contains("`prod`")).collect();
    assert_eq!(noted.len(), 1, "{:?}", l.manual);
    assert!(noted[0].contains("SQL text"), "{noted:?}");

    let top = target["top"].parent_path.as_deref().unwrap();
    assert_eq!(top.trim_start_matches("/Workspace"), "/", "at the root");

    // The parameter reads the target's query; the alert watches it.
    let param = &target["by region"].parameters.as_ref().unwrap()[0];
    assert_eq!(param["query_backed_value"]["query_id"], json!(orders.id));
    let alert_id = line(&objects, "sql_alerts", "/Shared/bi/late")
        .target_id
        .clone();
    let alert = p
        .target
        .sql_alerts()
        .get(alert_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(alert.query_id, orders.id);

    // The alert v2: created paused, notifying the target's destination.
    let dest = line(&objects, "notification_destinations", "bi mail")
        .target_id
        .clone();
    let v2: Vec<AlertV2> = p.target.alerts_v2().list().try_collect().await.unwrap();
    assert_eq!(v2.len(), 1);
    assert_eq!(v2[0].schedule.as_ref().unwrap()["pause_status"], "PAUSED");
    let subs = &v2[0].evaluation.as_ref().unwrap()["notification"]["subscriptions"];
    assert_eq!(subs[0]["destination_id"], json!(dest));
    let l = line(&objects, "sql_alerts_v2", "/Shared/bi/big");
    assert!(
        l.manual
            .iter()
            .any(|m| m.starts_with("unpause at cut-over")),
        "{l:#?}"
    );
    assert!(l.manual.iter().any(|m| m.contains("`prod`")), "{l:#?}");

    // The job's SQL tasks run the target's query and alert, and notify its destination.
    let job_id = line(&objects, "jobs", "bi refresh")
        .target_id
        .clone()
        .unwrap();
    let job: Job = p.target.jobs().get(job_id.parse().unwrap()).await.unwrap();
    let tasks = job.settings.unwrap().tasks.unwrap();
    assert_eq!(tasks[0]["sql_task"]["query"]["query_id"], json!(orders.id));
    assert_eq!(tasks[0]["sql_task"]["warehouse_id"], json!(wh));
    assert_eq!(tasks[1]["sql_task"]["alert"]["alert_id"], json!(alert_id));
    let subs = &tasks[1]["sql_task"]["alert"]["subscriptions"];
    assert_eq!(subs[0]["destination_id"], json!(dest));
    assert_eq!(
        target_of(&objects, "sql_queries", &seeded.orders),
        json!(orders.id)
    );

    // A re-run writes nothing (nor does one with `--resume`); verify is clean.
    let writes = p.target_writes();
    run(&p, &opts).await;
    let mut resume = opts.clone();
    resume.resume = true;
    run(&p, &resume).await;
    assert_eq!(p.target_writes(), writes, "a re-run wrote");
    let v = verify(&p.source, &p.target, &opts).await.unwrap();
    assert!(v.is_success(), "{:#?}", v.differences);

    // Cut-over resumes the alert's schedule (once); a later migrate keeps it on.
    let r = cutover(&p.source, &p.target, &opts, false).await.unwrap();
    assert!(r.is_success(), "{r:?}");
    let v2 = p
        .target
        .alerts_v2()
        .get(v2[0].id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(v2.schedule.unwrap()["pause_status"], "UNPAUSED");
    let again = cutover(&p.source, &p.target, &opts, false).await.unwrap();
    assert_eq!(again.writes, 0);
    let writes = p.target_writes();
    run(&p, &opts).await;
    assert_eq!(
        p.target_writes(),
        writes,
        "a migrate after the cut-over wrote"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_whose_warehouse_is_left_out_is_skipped_with_the_reason() {
    let p = pair().await;
    p.source.workspace().mkdirs(FOLDER).await.unwrap();
    let wh = warehouse(&p.source).await;
    let q = Query {
        display_name: Some("orders".into()),
        warehouse_id: Some(wh.clone()),
        query_text: Some(TEXT.into()),
        ..Query::default()
    };
    query(&p.source, q, &["table"]).await;
    let mut opts = p.options(4);
    opts.only = vec!["workspace_folders".into(), "sql_queries".into()];
    let r = migrate(&p.source, &p.target, &opts, &NoProgress)
        .await
        .unwrap();
    let objects = r.objects().unwrap();
    let l = line(&objects, "sql_queries", "/Shared/bi/orders");
    assert_eq!(l.outcome, Outcome::Skipped, "{l:#?}");
    let why = l.detail.clone().unwrap_or_default();
    assert!(why.contains("sql_warehouses") && why.contains(&wh), "{why}");
    assert!(queries(&p.target).await.is_empty(), "nothing created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_answer_leaves_one_query() {
    let lost = FaultRule::nth("POST", "/api/2.0/sql/queries", 1, RuleAction::Lost);
    let target = brickport_emulator::EmulatorOptions {
        fault_rules: vec![lost],
        ..options(2)
    };
    let p = Pair::of(options(1), target).await;
    p.source.workspace().mkdirs(FOLDER).await.unwrap();
    let wh = warehouse(&p.source).await;
    let q = Query {
        display_name: Some("orders".into()),
        warehouse_id: Some(wh),
        query_text: Some(TEXT.into()),
        ..Query::default()
    };
    query(&p.source, q, &["table"]).await;
    let opts = p.options(4);
    run(&p, &opts).await;
    let faults: u64 = p.dst.stats().faults.values().sum();
    assert_eq!(faults, 1, "the rule lost the create's answer");
    let target = queries(&p.target).await;
    assert_eq!(target.len(), 1, "{target:#?}");
    let v = verify(&p.source, &p.target, &opts).await.unwrap();
    assert!(v.is_success(), "{:#?}", v.differences);
}
