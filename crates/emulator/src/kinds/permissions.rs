//! permissions (placeholder: to be filled).

use axum::Router;
use serde::{Deserialize, Serialize};

use crate::state::AppState;

/// The permissions store.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PermissionsState {}

/// The permissions routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
