//! The catalog map through the binary: `[translate.catalogs]` in brickport.toml renames a
//! migrated query's `catalog` field, leaves its SQL text as it is, and the query's manual
//! action (in `status`) says the text names the mapped catalog; any other key under
//! `[translate]` stops the command naming it.

use serde_json::json;

use crate::support::*;

const TEXT: &str = "SELECT count(*) FROM prod.sales.orders";

/// The source: a warehouse and, in `/Shared`, a query on it reading catalog `prod`.
fn seed(sb: &Sandbox, url: &str) {
    let c = api(url, SOURCE_TOKEN);
    sb.rt.block_on(async {
        let wh = json!({"name": "bi", "cluster_size": "2X-Small", "max_num_clusters": 1});
        let wh = c.post_json("/api/2.0/sql/warehouses", &wh).await.unwrap();
        let q = json!({"query": {"display_name": "orders", "parent_path": "/Shared",
            "warehouse_id": wh["id"], "query_text": TEXT, "catalog": "prod", "schema": "sales"}});
        c.post_json("/api/2.0/sql/queries", &q).await.unwrap();
    });
}

#[test]
fn the_catalog_map_renames_a_query_s_catalog_and_never_its_sql_text() {
    let mut sb = Sandbox::new();
    let (src, dst) = sb.unthrottled_pair();
    seed(&sb, &src);
    let config = std::fs::read_to_string(sb.path().join("brickport.toml")).unwrap();
    sb.write(
        "brickport.toml",
        &format!("{config}[translate]\nschemas = {{sales = \"s\"}}\n"),
    );
    sb.run_between(&["migrate"])
        .fails_with(&["brickport.toml", "translate.schemas", "`catalogs`"]);

    sb.write(
        "brickport.toml",
        &format!("{config}[translate.catalogs]\nprod = \"prod_eu\"\n"),
    );
    // With `users`: a query's owner left out would be a lost reference (exit 1).
    let only = "users,sql_warehouses,workspace_folders,sql_queries";
    let out = sb.run_between(&["migrate", "--only", only]);
    assert_eq!(out.code, 0, "{out:?}");
    let t = api(&dst, TARGET_TOKEN);
    let listed = sb
        .rt
        .block_on(t.get_json("/api/2.0/sql/queries", &[]))
        .unwrap();
    let queries = listed["results"].as_array().cloned().unwrap_or_default();
    assert_eq!(queries.len(), 1, "{listed}");
    assert_eq!(queries[0]["catalog"], "prod_eu");
    assert_eq!(
        queries[0]["query_text"], TEXT,
        "SQL text is never rewritten"
    );

    let out = sb.run_between(&["status", "--output", "json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let actions = out.json()["manual_actions"].to_string();
    assert!(
        actions.contains("`prod`") && actions.contains("prod_eu"),
        "{actions}"
    );
}
