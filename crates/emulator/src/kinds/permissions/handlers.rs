//! The permissions API's handlers (filled in below the store).

use axum::Router;

use crate::state::AppState;

/// The permissions routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
