//! Secret scopes of a generated workspace into the secrets store: Databricks-backed scopes,
//! their secrets (made-up values, never real credentials) and their ACLs.

use base64::Engine;

use super::plan::{Plan, SEED_EPOCH_MS};
use crate::error::EmulatorError;
use crate::kinds::secrets::{Scope, Secret};
use crate::state::State;

/// Installs the plan's scopes, secrets and ACLs.
pub fn install(st: &mut State, plan: &Plan) -> Result<(), EmulatorError> {
    for (k, s) in plan.scopes.iter().enumerate() {
        let secrets = s
            .secrets
            .iter()
            .enumerate()
            .map(|(i, (key, value))| {
                let secret = Secret {
                    value: base64::engine::general_purpose::STANDARD.encode(value),
                    last_updated_timestamp: SEED_EPOCH_MS + (k * 100 + i) as i64 * 1000,
                };
                (key.clone(), secret)
            })
            .collect();
        st.secrets.scopes.insert(
            s.name.clone(),
            Scope {
                backend_type: "DATABRICKS".to_string(),
                secrets,
                acls: s.acls.iter().cloned().collect(),
                ..Scope::default()
            },
        );
    }
    Ok(())
}
