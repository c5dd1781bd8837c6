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

/// Creates this kind's built-in objects when missing (filled in with the kind).
pub fn ensure_builtins(_st: &mut crate::state::State) {}

/// Makes sure a token's principal exists (filled in with the kind).
pub fn ensure_principal(_st: &mut crate::state::State, _name: &str, _is_admin: bool, _is_sp: bool) {}
