//! Databricks SQL objects on the wire: queries, visualizations and alerts wrapped in their
//! requests with the body's `update_mask`, the current lists paged by `page_token` under
//! `results`, and the legacy lists paged by page number until an empty page or `count` items.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{Method, Uri};
use brickport_api::types::sql_queries::{
    Alert, CreateAlert, CreateQuery, CreateVisualization, Query as SqlQuery, UpdateQuery,
    UpdateVisualization, Visualization,
};
use futures::TryStreamExt;
use serde_json::{Value, json};

use crate::server::{client, serve};

type Log = Arc<Mutex<Vec<(String, String, HashMap<String, String>, Value)>>>;

/// Two pages of queries, one of visualizations, legacy queries over two numbered pages
/// (`count` 3: the third page is never asked for), legacy dashboards ending on an empty page;
/// a write answers its object with an id.
async fn server(
    State(log): State<Log>,
    method: Method,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
    body: Bytes,
) -> axum::Json<Value> {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let path = uri.path().to_string();
    log.lock()
        .unwrap()
        .push((method.to_string(), path.clone(), q.clone(), body));
    let page = q.get("page").map(String::as_str);
    axum::Json(match (method.as_str(), path.as_str()) {
        ("GET", "/api/2.0/sql/queries") => match q.get("page_token") {
            None => {
                json!({"results": [{"id": "q-1", "display_name": "a"}], "next_page_token": "t2"})
            }
            Some(_) => json!({"results": [{"id": "q-2", "display_name": "b"}]}),
        },
        ("GET", "/api/2.0/sql/queries/q-1/visualizations") => {
            json!({"results": [{"id": "v-1", "query_id": "q-1", "type": "table"}]})
        }
        ("GET", "/api/2.0/preview/sql/queries") => match page {
            Some("1") => json!({"count": 3, "page": 1, "results": [{"id": "l-1"}, {"id": "l-2"}]}),
            Some("2") => json!({"count": 3, "page": 2, "results": [{"id": "l-3"}]}),
            other => panic!("legacy queries page {other:?} asked for"),
        },
        ("GET", "/api/2.0/preview/sql/dashboards") => match page {
            Some("1") => json!({"results": [{"id": "d-1", "name": "old"}]}),
            _ => json!({"results": []}),
        },
        ("DELETE", _) => json!({}),
        (_, p) if p.contains("visualizations") => json!({"id": "v-9", "type": "table"}),
        (_, p) if p.contains("alerts") => json!({"id": "a-9"}),
        _ => json!({"id": "q-9"}),
    })
}

fn requests(log: &Log) -> Vec<(String, String, Value)> {
    let seen = log.lock().unwrap();
    seen.iter()
        .map(|(m, p, _, b)| (m.clone(), p.clone(), b.clone()))
        .collect()
}

#[tokio::test]
async fn lists_page_by_token_and_by_number() {
    let log: Log = Arc::default();
    let c = client(&serve(Router::new().fallback(server).with_state(log.clone())).await);
    let queries: Vec<SqlQuery> = c.sql_queries().list().try_collect().await.unwrap();
    let ids: Vec<_> = queries.iter().filter_map(|q| q.id.clone()).collect();
    assert_eq!(ids, ["q-1", "q-2"]);
    let vis: Vec<Visualization> = c
        .sql_queries()
        .visualizations("q-1")
        .try_collect()
        .await
        .unwrap();
    assert_eq!(vis[0].r#type.as_deref(), Some("table"));
    let legacy: Vec<_> = c.sql_legacy().queries().try_collect().await.unwrap();
    assert_eq!(legacy.len(), 3, "stops at count, without a third page");
    let dashboards: Vec<_> = c.sql_legacy().dashboards().try_collect().await.unwrap();
    assert_eq!(dashboards[0].name.as_deref(), Some("old"));
    let seen = log.lock().unwrap().clone();
    assert_eq!(seen[0].2.get("page_size").map(String::as_str), Some("100"));
    assert_eq!(seen[1].2.get("page_token").map(String::as_str), Some("t2"));
    let pages: Vec<_> = seen
        .iter()
        .filter(|e| e.1.starts_with("/api/2.0/preview/sql/dashboards"))
        .map(|e| e.2["page"].clone())
        .collect();
    assert_eq!(pages, ["1", "2"], "ends on the empty page");
}

#[tokio::test]
async fn writes_are_wrapped_with_their_update_mask() {
    let log: Log = Arc::default();
    let c = client(&serve(Router::new().fallback(server).with_state(log.clone())).await);
    let q = c.sql_queries();
    let query = SqlQuery {
        display_name: Some("a".into()),
        parent_path: Some("/Shared".into()),
        ..Default::default()
    };
    let create = CreateQuery {
        query: Some(query.clone()),
        auto_resolve_display_name: Some(false),
        ..Default::default()
    };
    assert_eq!(q.create(&create).await.unwrap().id.as_deref(), Some("q-9"));
    let update = UpdateQuery {
        update_mask: Some("display_name,owner_user_name".into()),
        query: Some(SqlQuery {
            owner_user_name: Some("a@x.com".into()),
            ..query
        }),
        ..Default::default()
    };
    q.update("q-9", &update).await.unwrap();
    let vis = Visualization {
        query_id: Some("q-9".into()),
        r#type: Some("table".into()),
        ..Default::default()
    };
    let made = q
        .create_visualization(&CreateVisualization {
            visualization: Some(vis.clone()),
            ..Default::default()
        })
        .await
        .unwrap();
    let change = UpdateVisualization {
        update_mask: Some("type".into()),
        visualization: Some(vis),
        ..Default::default()
    };
    q.update_visualization(made.id.as_deref().unwrap(), &change)
        .await
        .unwrap();
    q.delete_visualization("v-9").await.unwrap();
    q.delete("q-9").await.unwrap();
    let alert = CreateAlert {
        alert: Some(Alert {
            query_id: Some("q-9".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    assert_eq!(
        c.sql_alerts().create(&alert).await.unwrap().id.as_deref(),
        Some("a-9")
    );
    let seen = requests(&log);
    let calls: Vec<(&str, &str)> = (seen.iter())
        .map(|(m, p, _)| (m.as_str(), p.as_str()))
        .collect();
    assert_eq!(
        calls,
        [
            ("POST", "/api/2.0/sql/queries"),
            ("PATCH", "/api/2.0/sql/queries/q-9"),
            ("POST", "/api/2.0/sql/visualizations"),
            ("PATCH", "/api/2.0/sql/visualizations/v-9"),
            ("DELETE", "/api/2.0/sql/visualizations/v-9"),
            ("DELETE", "/api/2.0/sql/queries/q-9"),
            ("POST", "/api/2.0/sql/alerts"),
        ]
    );
    assert_eq!(
        seen[0].2,
        json!({"query": {"display_name": "a", "parent_path": "/Shared"},
               "auto_resolve_display_name": false})
    );
    assert_eq!(seen[1].2["update_mask"], "display_name,owner_user_name");
    assert_eq!(seen[1].2["query"]["owner_user_name"], "a@x.com");
    assert_eq!(seen[2].2["visualization"]["type"], "table");
    assert_eq!(seen[6].2, json!({"alert": {"query_id": "q-9"}}));
}
