//! init_scripts (placeholder: to be filled).

use axum::Router;
use serde::{Deserialize, Serialize};

use crate::state::AppState;

/// The init_scripts store.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct InitScriptsState {}

/// The init_scripts routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
