//! One module per kind: its state, its handlers and its routes.

use axum::Router;

use crate::state::AppState;

pub mod clusters;
pub mod init_scripts;
pub mod jobs;
pub mod permissions;
pub mod policies;
pub mod pools;
pub mod repos;
pub mod scim;
pub mod secrets;
pub mod warehouses;
pub mod workspace;

/// Every kind's routes, merged: the routes table of the workspace API.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(scim::routes())
        .merge(workspace::routes())
        .merge(secrets::routes())
        .merge(permissions::routes())
        .merge(clusters::routes())
        .merge(policies::routes())
        .merge(pools::routes())
        .merge(warehouses::routes())
        .merge(repos::routes())
        .merge(jobs::routes())
        .merge(init_scripts::routes())
}
