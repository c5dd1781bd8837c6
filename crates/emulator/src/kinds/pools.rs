//! pools (placeholder: to be filled).

use axum::Router;
use serde::{Deserialize, Serialize};

use crate::state::AppState;

/// The pools store.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PoolsState {}

/// The pools routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
