//! Which write-only values received a value the operator supplied (`--secret-values`), in any
//! run: secret keys, and notification destinations' write-only parts. The fact only, never the
//! value nor anything derived from it: a later run without the values file then knows the
//! target holds the real value, not the placeholder, and asks for nothing.

use std::collections::BTreeSet;

use rusqlite::params;

use super::Ledger;
use super::sql::{
    DESTINATION_FORGOTTEN, DESTINATION_SUPPLIED, DESTINATIONS_SUPPLIED, SECRET_FORGOTTEN,
    SECRET_SUPPLIED, SECRETS_SUPPLIED,
};
use crate::EngineError;

impl Ledger {
    /// Records that secret `scope/key` received a value the operator supplied (the fact only).
    pub fn record_secret_supplied(&self, scope: &str, key: &str) -> Result<(), EngineError> {
        self.exec(SECRET_SUPPLIED, params![scope, key])
    }

    /// Forgets that secret `scope/key` holds a supplied value (it was put with the placeholder).
    pub fn forget_secret_supplied(&self, scope: &str, key: &str) -> Result<(), EngineError> {
        self.exec(SECRET_FORGOTTEN, params![scope, key])
    }

    /// The keys of `scope` that received a supplied value in some run.
    pub fn secrets_supplied(&self, scope: &str) -> Result<BTreeSet<String>, EngineError> {
        let conn = self.conn();
        let keys = self.all(&conn, SECRETS_SUPPLIED, params![scope], |r| {
            r.get::<_, String>(0)
        })?;
        Ok(keys.into_iter().collect())
    }

    /// Records that write-only `field` of the notification destination with source id
    /// `source_id` received a value the operator supplied (the fact only).
    pub fn record_destination_supplied(
        &self,
        source_id: &str,
        field: &str,
    ) -> Result<(), EngineError> {
        self.exec(DESTINATION_SUPPLIED, params![source_id, field])
    }

    /// Forgets that `field` of that destination holds a supplied value (it was written with
    /// the placeholder).
    pub fn forget_destination_supplied(
        &self,
        source_id: &str,
        field: &str,
    ) -> Result<(), EngineError> {
        self.exec(DESTINATION_FORGOTTEN, params![source_id, field])
    }

    /// The write-only fields of that destination that received a supplied value in some run.
    pub fn destination_supplied(&self, source_id: &str) -> Result<BTreeSet<String>, EngineError> {
        let conn = self.conn();
        let fields = self.all(&conn, DESTINATIONS_SUPPLIED, params![source_id], |r| {
            r.get::<_, String>(0)
        })?;
        Ok(fields.into_iter().collect())
    }
}
