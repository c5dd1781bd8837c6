//! warehouses (placeholder: to be filled).

use axum::Router;
use serde::{Deserialize, Serialize};

use crate::state::AppState;

/// The warehouses store.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct WarehousesState {}

/// The warehouses routes.
pub fn routes() -> Router<AppState> {
    Router::new()
}
