//! The fixture objects of the Databricks SQL kinds, made in the source and changed there: a
//! query with a visualization (on the fixture warehouse), an alert on it, an alert v2 with
//! its own schedule, and a legacy dashboard; the table is `fixtures.rs`.

use brickport_api::WorkspaceClient;
use brickport_api::types::sql_queries::{
    Alert, AlertV2, CreateAlert, CreateQuery, CreateVisualization, LegacyDashboard, Query,
    UpdateAlert, UpdateQuery, Visualization,
};
use serde_json::json;

use super::objects::warehouse;

/// The folder every fixture SQL object sits in (it exists in every workspace).
const FOLDER: &str = "/Shared";

/// A query on a new warehouse, with one visualization; returns the query's id.
pub async fn query(c: WorkspaceClient) -> String {
    let warehouse_id = warehouse(c.clone()).await;
    let q = Query {
        display_name: Some("fx-query".into()),
        parent_path: Some(FOLDER.into()),
        warehouse_id: Some(warehouse_id),
        query_text: Some("SELECT count(*) AS n FROM main.sales.orders".into()),
        catalog: Some("main".into()),
        schema: Some("sales".into()),
        ..Query::default()
    };
    let create = CreateQuery {
        query: Some(q),
        ..CreateQuery::default()
    };
    let api = c.sql_queries();
    let id = api.create(&create).await.unwrap().id.unwrap();
    let vis = Visualization {
        query_id: Some(id.clone()),
        r#type: Some("table".into()),
        display_name: Some("Table".into()),
        serialized_options: Some(json!({"columns": ["n"]}).to_string()),
        ..Visualization::default()
    };
    let create = CreateVisualization {
        visualization: Some(vis),
        ..CreateVisualization::default()
    };
    api.create_visualization(&create).await.unwrap();
    id
}

/// Its SQL text changed: one `PATCH` in the target.
pub async fn edit_query(c: WorkspaceClient, id: String) {
    let update = UpdateQuery {
        update_mask: Some("query_text".into()),
        query: Some(Query {
            query_text: Some("SELECT count(*) AS n FROM main.sales.returns".into()),
            ..Query::default()
        }),
        ..UpdateQuery::default()
    };
    c.sql_queries().update(&id, &update).await.unwrap();
}

/// An alert on a new fixture query; returns the alert's id.
pub async fn alert(c: WorkspaceClient) -> String {
    let query_id = query(c.clone()).await;
    let a = Alert {
        display_name: Some("fx-alert".into()),
        parent_path: Some(FOLDER.into()),
        query_id: Some(query_id),
        condition: Some(
            json!({"op": "GREATER_THAN", "operand": {"column": {"name": "n"}},
                               "threshold": {"value": {"double_value": 10}}}),
        ),
        custom_subject: Some("too many".into()),
        ..Alert::default()
    };
    let create = CreateAlert {
        alert: Some(a),
        ..CreateAlert::default()
    };
    c.sql_alerts().create(&create).await.unwrap().id.unwrap()
}

/// Its subject changed: one `PATCH` in the target.
pub async fn edit_alert(c: WorkspaceClient, id: String) {
    let update = UpdateAlert {
        update_mask: Some("custom_subject".into()),
        alert: Some(Alert {
            custom_subject: Some("far too many".into()),
            ..Alert::default()
        }),
        ..UpdateAlert::default()
    };
    c.sql_alerts().update(&id, &update).await.unwrap();
}

/// An alert v2 on a new warehouse, its schedule running; returns its id.
pub async fn alert_v2(c: WorkspaceClient) -> String {
    let warehouse_id = warehouse(c.clone()).await;
    let a = AlertV2 {
        display_name: Some("fx-alert-v2".into()),
        parent_path: Some(FOLDER.into()),
        warehouse_id: Some(warehouse_id),
        query_text: Some("SELECT count(*) AS n FROM main.sales.orders".into()),
        schedule: Some(
            json!({"quartz_cron_schedule": "0 0 * * * ?", "timezone_id": "UTC",
                              "pause_status": "UNPAUSED"}),
        ),
        evaluation: Some(
            json!({"source": {"name": "n"}, "comparison_operator": "GREATER_THAN",
                                "threshold": {"value": {"double_value": 10}}}),
        ),
        ..AlertV2::default()
    };
    c.alerts_v2().create(&a).await.unwrap().id.unwrap()
}

/// Its summary changed: one `PATCH` in the target.
pub async fn edit_alert_v2(c: WorkspaceClient, id: String) {
    let a = AlertV2 {
        custom_summary: Some("orders above ten".into()),
        ..AlertV2::default()
    };
    c.alerts_v2()
        .update(&id, "custom_summary", &a)
        .await
        .unwrap();
}

/// A legacy dashboard; returns the `legacy_sql` kind's id for it.
pub async fn legacy_dashboard(c: WorkspaceClient) -> String {
    let d = LegacyDashboard {
        name: Some("fx-legacy".into()),
        ..LegacyDashboard::default()
    };
    let made = c.sql_legacy().create_dashboard(&d).await.unwrap();
    format!("dashboard/{}", made.id.unwrap())
}
