//! workspace (placeholder: to be filled).

use axum::Router;
use serde::{Deserialize, Serialize};

use crate::state::AppState;

/// The workspace store.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct WorkspaceState {}

/// The workspace routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
