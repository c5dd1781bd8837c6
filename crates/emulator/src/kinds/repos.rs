//! repos (placeholder: to be filled).

use axum::Router;
use serde::{Deserialize, Serialize};

use crate::state::AppState;

/// The repos store.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ReposState {}

/// The repos routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
