//! clusters (placeholder: to be filled).

use axum::Router;
use serde::{Deserialize, Serialize};

use crate::state::AppState;

/// The clusters store.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ClustersState {}

/// The clusters routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
