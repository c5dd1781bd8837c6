//! The AI/BI kinds' fixture objects (the table is `fixtures.rs`): a dashboard and a Genie
//! space in `/Shared` on the fixture warehouse.

use brickport_api::WorkspaceClient;
use brickport_api::types::genie::GenieSpaceRequest;
use brickport_api::types::lakeview::Dashboard;
use serde_json::json;

use super::objects::warehouse;

/// A dashboard document with one dataset and the pages given.
fn document(pages: &[&str]) -> String {
    let pages: Vec<_> = pages
        .iter()
        .map(|p| json!({"name": p, "displayName": p}))
        .collect();
    json!({
        "datasets": [{"name": "ds1", "displayName": "orders", "catalog": "main",
                      "schema": "fx", "queryLines": ["SELECT * FROM orders"]}],
        "pages": pages,
    })
    .to_string()
}

pub async fn dashboard(c: WorkspaceClient) -> String {
    let wh = warehouse(c.clone()).await;
    let d = Dashboard {
        display_name: Some("fx-dashboard".into()),
        parent_path: Some("/Shared".into()),
        warehouse_id: Some(wh),
        serialized_dashboard: Some(document(&["overview"])),
        ..Dashboard::default()
    };
    let made = c.lakeview().create(&d).await.unwrap();
    made.dashboard_id.unwrap()
}

/// A page added to its draft: one `PATCH` in the target (it is not published).
pub async fn edit_dashboard(c: WorkspaceClient, id: String) {
    let d = Dashboard {
        serialized_dashboard: Some(document(&["overview", "details"])),
        ..Dashboard::default()
    };
    c.lakeview().update(&id, &d).await.unwrap();
}

pub async fn genie_space(c: WorkspaceClient) -> String {
    let wh = warehouse(c.clone()).await;
    let space = json!({
        "version": 1,
        "data_sources": {"tables": [{"identifier": "main.fx.orders"}]},
    });
    let req = GenieSpaceRequest {
        title: Some("fx-space".into()),
        parent_path: Some("/Shared".into()),
        warehouse_id: Some(wh),
        serialized_space: Some(space.to_string()),
        ..GenieSpaceRequest::default()
    };
    c.genie().create(&req).await.unwrap().space_id.unwrap()
}

/// Its description changed: one `PATCH`.
pub async fn edit_genie_space(c: WorkspaceClient, id: String) {
    let req = GenieSpaceRequest {
        description: Some("changed".into()),
        ..GenieSpaceRequest::default()
    };
    c.genie().update(&id, &req).await.unwrap();
}
