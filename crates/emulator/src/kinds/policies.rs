//! policies (placeholder: to be filled).

use axum::Router;
use serde::{Deserialize, Serialize};

use crate::state::AppState;

/// The policies store.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct PoliciesState {}

/// The policies routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
