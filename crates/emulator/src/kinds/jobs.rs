//! jobs (placeholder: to be filled).

use axum::Router;
use serde::{Deserialize, Serialize};

use crate::state::AppState;

/// The jobs store.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct JobsState {}

/// The jobs routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
