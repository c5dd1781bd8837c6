//! The API surface at a glance: every route the emulator serves, method and path → handler.
//!
//! Paths are written as the handlers see them: the front layer has already stripped the
//! version (`/api/2.0/jobs/list` and `/api/2.1/jobs/list` both arrive as `/api/jobs/list`, the
//! version in an `ApiVersion` extension) and a trailing slash. Handlers live in their kind's
//! file; only the wiring is here.

use axum::Router;
use axum::extract::Path;
use axum::routing::{get, post};

use crate::kinds::permission_assignments as assignments;
use crate::kinds::scim::handlers::Coll;
use crate::kinds::{
    clusters, destinations, genie, init_scripts, instance_profiles, jobs, lakeview, permissions,
    pipelines, policies, pools, repos, scim, secrets, sql, warehouses, workspace,
};
use crate::state::AppState;
use crate::{account, meta};

/// The whole routes table: the workspace API, then the emulator's own endpoints.
pub fn table() -> Router<AppState> {
    workspace_api().merge(emulator())
}

/// The workspace REST API.
fn workspace_api() -> Router<AppState> {
    use clusters::handlers as c;
    use clusters::libraries as lib;
    use workspace::handlers as ws;
    Router::new()
        // SCIM identities.
        .merge(scim_routes())
        // Workspace objects.
        .route("/api/workspace/list", get(ws::list))
        .route("/api/workspace/get-status", get(ws::get_status))
        .route("/api/workspace/export", get(ws::export))
        .route("/api/workspace/import", post(ws::import::import))
        .route("/api/workspace/mkdirs", post(ws::mkdirs_handler))
        .route("/api/workspace/delete", post(ws::delete))
        // Secrets.
        .route("/api/secrets/scopes/create", post(secrets::create_scope))
        .route("/api/secrets/scopes/delete", post(secrets::delete_scope))
        .route("/api/secrets/scopes/list", get(secrets::list_scopes))
        .route("/api/secrets/put", post(secrets::put_secret))
        .route("/api/secrets/delete", post(secrets::delete_secret))
        .route("/api/secrets/list", get(secrets::list_secrets))
        .route("/api/secrets/get", get(secrets::get_secret))
        .route("/api/secrets/acls/put", post(secrets::acls::put_acl))
        .route("/api/secrets/acls/get", get(secrets::acls::get_acl))
        .route("/api/secrets/acls/list", get(secrets::acls::list_acls))
        .route("/api/secrets/acls/delete", post(secrets::acls::delete_acl))
        // Workspace permission assignments of the account's principals.
        .merge(assignment_routes())
        // Permissions (the `preview` prefix is what older clients send).
        .merge(permissions_routes("/api/permissions"))
        .merge(permissions_routes("/api/preview/permissions"))
        // Clusters and their libraries (2.0 and 2.1 alike).
        .route("/api/clusters/create", post(c::create))
        .route("/api/clusters/edit", post(c::edit))
        .route("/api/clusters/update", post(c::update))
        .route("/api/clusters/get", get(c::get_cluster))
        .route("/api/clusters/list", get(clusters::list::list))
        .route("/api/clusters/start", post(c::start))
        .route("/api/clusters/restart", post(c::restart))
        .route("/api/clusters/delete", post(c::terminate))
        .route("/api/clusters/permanent-delete", post(c::permanent_delete))
        .route("/api/clusters/resize", post(c::resize))
        .route("/api/clusters/pin", post(c::pin))
        .route("/api/clusters/unpin", post(c::unpin))
        .route("/api/clusters/change-owner", post(c::change_owner))
        .route("/api/clusters/spark-versions", get(c::spark_versions))
        .route("/api/clusters/list-node-types", get(c::list_node_types))
        .route("/api/clusters/list-zones", get(c::list_zones))
        .route("/api/libraries/install", post(lib::install))
        .route("/api/libraries/uninstall", post(lib::uninstall))
        .route("/api/libraries/cluster-status", get(lib::cluster_status))
        .route(
            "/api/libraries/all-cluster-statuses",
            get(lib::all_statuses),
        )
        // Cluster policies and policy families.
        .route("/api/policies/clusters/create", post(policies::create))
        .route("/api/policies/clusters/edit", post(policies::edit))
        .route("/api/policies/clusters/get", get(policies::get_policy))
        .route("/api/policies/clusters/list", get(policies::list))
        .route("/api/policies/clusters/delete", post(policies::delete))
        .route("/api/policy-families", get(policies::families::list))
        .route("/api/policy-families/{id}", get(policies::families::get))
        // Instance pools.
        .route("/api/instance-pools/create", post(pools::create))
        .route("/api/instance-pools/edit", post(pools::edit))
        .route("/api/instance-pools/get", get(pools::get_pool))
        .route("/api/instance-pools/list", get(pools::list))
        .route("/api/instance-pools/delete", post(pools::delete))
        // Instance profiles (AWS only).
        .route("/api/instance-profiles/add", post(instance_profiles::add))
        .route("/api/instance-profiles/edit", post(instance_profiles::edit))
        .route(
            "/api/instance-profiles/remove",
            post(instance_profiles::remove),
        )
        .route("/api/instance-profiles/list", get(instance_profiles::list))
        // SQL warehouses.
        .route(
            "/api/sql/warehouses",
            post(warehouses::create).get(warehouses::list),
        )
        .route(
            "/api/sql/warehouses/{id}",
            get(warehouses::get_one).delete(warehouses::delete),
        )
        .route("/api/sql/warehouses/{id}/edit", post(warehouses::edit))
        .route("/api/sql/warehouses/{id}/start", post(warehouses::start))
        .route("/api/sql/warehouses/{id}/stop", post(warehouses::stop))
        .route(
            "/api/sql/config/warehouses",
            get(warehouses::get_config).put(warehouses::put_config),
        )
        // Git folders and Git credentials.
        .route("/api/repos", get(repos::list).post(repos::create))
        .route(
            "/api/repos/{id}",
            get(repos::get_one)
                .patch(repos::update)
                .delete(repos::delete),
        )
        .route(
            "/api/git-credentials",
            get(repos::credentials::list).post(repos::credentials::create),
        )
        .route(
            "/api/git-credentials/{id}",
            get(repos::credentials::get_one)
                .patch(repos::credentials::update)
                .delete(repos::credentials::delete),
        )
        // Jobs and their runs.
        .route("/api/jobs/create", post(jobs::create))
        .route("/api/jobs/get", get(jobs::get_job))
        .route("/api/jobs/list", get(jobs::list))
        .route("/api/jobs/reset", post(jobs::reset))
        .route("/api/jobs/update", post(jobs::update))
        .route("/api/jobs/delete", post(jobs::delete))
        .route("/api/jobs/run-now", post(jobs::runs::run_now))
        .route("/api/jobs/runs/get", get(jobs::runs::get_run))
        .route("/api/jobs/runs/list", get(jobs::runs::list_runs))
        .route("/api/jobs/runs/cancel", post(jobs::runs::cancel))
        // Global init scripts.
        .route(
            "/api/global-init-scripts",
            get(init_scripts::list).post(init_scripts::create),
        )
        .route(
            "/api/global-init-scripts/{id}",
            get(init_scripts::get_one)
                .patch(init_scripts::update)
                .delete(init_scripts::delete),
        )
        // Pipelines and notification destinations.
        .merge(pipelines_routes())
        .merge(destinations_routes())
        // Databricks SQL objects, AI/BI dashboards, Genie spaces.
        .merge(sql_routes())
        .merge(legacy_sql_routes())
        .merge(lakeview_routes())
        .merge(genie_routes())
        // OAuth and host metadata.
        .route("/oidc/v1/token", post(meta::token))
        .route(
            "/oidc/.well-known/oauth-authorization-server",
            get(meta::oauth_discovery),
        )
        .route("/.well-known/databricks-config", get(meta::host_metadata))
}

/// Lakeflow Declarative Pipelines: the collection, one pipeline, its stop and its updates.
fn pipelines_routes() -> Router<AppState> {
    use pipelines::handlers as p;
    Router::new()
        .route("/api/pipelines", get(p::list).post(p::create))
        .route(
            "/api/pipelines/{id}",
            get(p::get_one).put(p::edit).delete(p::delete),
        )
        .route("/api/pipelines/{id}/stop", post(p::stop))
        .route(
            "/api/pipelines/{id}/updates",
            get(p::list_updates).post(p::start_update),
        )
        .route(
            "/api/pipelines/{id}/updates/{update_id}",
            get(p::get_update),
        )
}

/// Notification destinations: the collection and one destination.
fn destinations_routes() -> Router<AppState> {
    use destinations::handlers as d;
    Router::new()
        .route(
            "/api/notification-destinations",
            get(d::list).post(d::create),
        )
        .route(
            "/api/notification-destinations/{id}",
            get(d::get_one).patch(d::update).delete(d::delete),
        )
}

/// Queries, their visualizations, alerts (current API and v2).
fn sql_routes() -> Router<AppState> {
    use sql::{alerts, alerts_v2, queries, visualizations};
    Router::new()
        .route("/api/sql/queries", get(queries::list).post(queries::create))
        .route(
            "/api/sql/queries/{id}",
            get(queries::get_one)
                .patch(queries::update)
                .delete(queries::delete),
        )
        .route(
            "/api/sql/queries/{id}/visualizations",
            get(queries::list_visualizations),
        )
        .route("/api/sql/visualizations", post(visualizations::create))
        .route(
            "/api/sql/visualizations/{id}",
            axum::routing::patch(visualizations::update).delete(visualizations::delete),
        )
        .route("/api/sql/alerts", get(alerts::list).post(alerts::create))
        .route(
            "/api/sql/alerts/{id}",
            get(alerts::get_one)
                .patch(alerts::update)
                .delete(alerts::delete),
        )
        .route("/api/alerts", get(alerts_v2::list).post(alerts_v2::create))
        .route(
            "/api/alerts/{id}",
            get(alerts_v2::get_one)
                .patch(alerts_v2::update)
                .delete(alerts_v2::delete),
        )
}

/// The legacy (Redash) SQL API a migrator reads: dashboards, widgets, queries, data sources.
fn legacy_sql_routes() -> Router<AppState> {
    use sql::legacy as l;
    use sql::legacy::dashboards as ld;
    Router::new()
        .route(
            "/api/preview/sql/dashboards",
            get(ld::list_dashboards).post(ld::create_dashboard),
        )
        .route(
            "/api/preview/sql/dashboards/{id}",
            get(ld::get_dashboard).delete(ld::delete_dashboard),
        )
        .route("/api/preview/sql/widgets", post(ld::create_widget))
        .route("/api/preview/sql/queries", get(l::list_queries))
        .route("/api/preview/sql/queries/{id}", get(l::get_query))
        .route("/api/preview/sql/data_sources", get(l::data_sources))
}

/// AI/BI dashboards: drafts, the published copy, schedules, subscriptions.
fn lakeview_routes() -> Router<AppState> {
    use lakeview::handlers as d;
    use lakeview::schedules as s;
    use lakeview::subscriptions as sub;
    const ONE: &str = "/api/lakeview/dashboards/{id}";
    Router::new()
        .route("/api/lakeview/dashboards", get(d::list).post(d::create))
        .route(ONE, get(d::get_one).patch(d::update).delete(d::trash))
        .route(
            &format!("{ONE}/published"),
            get(d::get_published).post(d::publish).delete(d::unpublish),
        )
        .route(&format!("{ONE}/schedules"), get(s::list).post(s::create))
        .route(
            &format!("{ONE}/schedules/{{sid}}"),
            get(s::get_one).put(s::update).delete(s::delete),
        )
        .route(
            &format!("{ONE}/schedules/{{sid}}/subscriptions"),
            get(sub::list_subscriptions).post(sub::create_subscription),
        )
        .route(
            &format!("{ONE}/schedules/{{sid}}/subscriptions/{{subid}}"),
            get(sub::get_subscription).delete(sub::delete_subscription),
        )
}

/// Genie spaces.
fn genie_routes() -> Router<AppState> {
    Router::new()
        .route("/api/genie/spaces", get(genie::list).post(genie::create))
        .route(
            "/api/genie/spaces/{id}",
            get(genie::get_one)
                .patch(genie::update)
                .delete(genie::trash),
        )
}

/// Workspace permission assignments: list and assign by name; assign by id and remove.
fn assignment_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/preview/permissionassignments",
            get(assignments::list).post(assignments::assign_by_name),
        )
        .route(
            "/api/preview/permissionassignments/principals/{id}",
            axum::routing::put(assignments::assign_by_id).delete(assignments::remove),
        )
}

/// The SCIM collections: list and create on the collection, get/replace/patch/delete on one.
fn scim_routes() -> Router<AppState> {
    use scim::handlers as h;
    let mut router = Router::new().route("/api/preview/scim/v2/Me", get(h::me));
    for (name, coll) in [
        ("Users", Coll::Users),
        ("Groups", Coll::Groups),
        ("ServicePrincipals", Coll::ServicePrincipals),
    ] {
        router = router
            .route(
                &format!("/api/preview/scim/v2/{name}"),
                get(move |s, q| scim::list::list(s, q, coll))
                    .post(move |s, c, b| h::create(s, c, b, coll)),
            )
            .route(
                &format!("/api/preview/scim/v2/{name}/{{id}}"),
                get(move |s, p, q| h::get_one(s, p, q, coll))
                    .put(move |s, c, p, b| h::replace(s, c, p, b, coll))
                    .patch(move |s, c, p, b| h::patch_one(s, c, p, b, coll))
                    .delete(move |s, c, p| h::delete(s, c, p, coll)),
            );
    }
    router
}

/// Permissions under `base`: `{type}/{id}` (GET, PUT replaces, PATCH merges) and its
/// `permissionLevels`; SQL objects may sit one level deeper, at `sql/{warehouses|queries|
/// alerts|dashboards}/{id}` (the names Terraform uses).
fn permissions_routes(base: &str) -> Router<AppState> {
    use permissions::handlers as h;
    type Pair = Path<(String, String)>;
    let mut router = Router::new()
        .route(
            &format!("{base}/{{type}}/{{id}}"),
            get(|s, c, Path((t, id)): Pair| h::get_perms(s, c, t, id))
                .put(|s, c, Path((t, id)): Pair, b| h::put_perms(s, c, t, id, b))
                .patch(|s, c, Path((t, id)): Pair, b| h::patch_perms(s, c, t, id, b)),
        )
        .route(
            &format!("{base}/{{type}}/{{id}}/permissionLevels"),
            get(|s, c, Path((t, id)): Pair| h::levels(s, c, t, id)),
        );
    for kind in ["warehouses", "queries", "alerts", "dashboards"] {
        let t = move || format!("sql/{kind}");
        router = router
            .route(
                &format!("{base}/sql/{kind}/{{id}}"),
                get(move |s, c, Path(id): Path<String>| h::get_perms(s, c, t(), id))
                    .put(move |s, c, Path(id): Path<String>, b| h::put_perms(s, c, t(), id, b))
                    .patch(move |s, c, Path(id): Path<String>, b| h::patch_perms(s, c, t(), id, b)),
            )
            .route(
                &format!("{base}/sql/{kind}/{{id}}/permissionLevels"),
                get(move |s, c, Path(id): Path<String>| h::levels(s, c, t(), id)),
            );
    }
    router
}

/// The emulator's own endpoints (not workspace traffic: not counted, not rate-limited).
fn emulator() -> Router<AppState> {
    Router::new()
        .route("/_emulator/stats", get(meta::stats))
        .route("/_emulator/snapshot", get(meta::snapshot))
        .route(
            "/_emulator/knobs",
            get(meta::get_knobs).post(meta::set_knobs),
        )
        .route(
            "/_emulator/fault-rules",
            get(meta::get_fault_rules).post(meta::set_fault_rules),
        )
        .route("/_emulator/account-groups", post(account::assign_over_http))
}
