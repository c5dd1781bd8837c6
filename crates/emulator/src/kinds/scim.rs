//! scim (placeholder: to be filled).

use axum::Router;
use serde::{Deserialize, Serialize};

use crate::state::AppState;

/// The scim store.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ScimState {}

/// The scim routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
