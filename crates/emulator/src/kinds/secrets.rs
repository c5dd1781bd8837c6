//! secrets (placeholder: to be filled).

use axum::Router;
use serde::{Deserialize, Serialize};

use crate::state::AppState;

/// The secrets store.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct SecretsState {}

/// The secrets routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
