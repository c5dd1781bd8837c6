//! What `rollback` writes into the ledger: a delete's intent before it goes out, and, once
//! the object is gone from the target, its row marked rolled back with everything the ledger
//! kept about it as it stood there forgotten (what was written, its manual actions, its
//! cut-over record, the supplied values it held) — in one transaction, so a kill leaves either
//! the object as migrated or as rolled back, never half of each.

use rusqlite::params;

use super::sql::{
    CLEAR_DELETE_INTENT, DELETE_MANUAL, FORGET_CUTOVER, FORGET_DESTINATION_SUPPLIED,
    FORGET_SCOPE_SUPPLIED, FORGET_WRITTEN, HAS_CUTOVER, RECORD_DELETE_INTENT, RECORD_ROLLED_BACK,
};
use super::{Ledger, now};
use crate::EngineError;

/// Values the operator supplied that lived in a rolled-back object: forgotten with it, so a
/// later run asks for them again rather than trusting a target that no longer holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Supplied<'a> {
    /// None.
    Nothing,
    /// The secret values of this scope (by name).
    Scope(&'a str),
    /// The write-only parts of this notification destination (by source id).
    Destination(&'a str),
}

impl Ledger {
    /// Records that a delete of the object is about to go out. Its status stays: until the
    /// delete is known, the object is still in the target as far as anyone can tell.
    pub fn record_delete_intent(&self, kind: &str, source_id: &str) -> Result<(), EngineError> {
        self.exec(RECORD_DELETE_INTENT, params![kind, source_id, now()])
    }

    /// Clears a delete's intent that did not lead to a delete (the object kept, or the call
    /// failed): the row is as it was before.
    pub fn clear_delete_intent(&self, kind: &str, source_id: &str) -> Result<(), EngineError> {
        self.exec(CLEAR_DELETE_INTENT, params![kind, source_id, now()])
    }

    /// Records that the object (natural key `key`) is no longer in the target: deleted by
    /// `rollback`, or gone with the object it belongs to (grants). See the module doc.
    pub fn record_rolled_back(
        &self,
        kind: &str,
        source_id: &str,
        key: &str,
        supplied: Supplied<'_>,
    ) -> Result<(), EngineError> {
        let map = |e: rusqlite::Error| self.err(e);
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(map)?;
        let run = |sql: &str, p: &[&dyn rusqlite::ToSql]| {
            tx.prepare_cached(sql)
                .and_then(|mut st| st.execute(p))
                .map(|_| ())
                .map_err(map)
        };
        run(RECORD_ROLLED_BACK, params![kind, source_id, now()])?;
        run(FORGET_WRITTEN, params![kind, source_id])?;
        run(DELETE_MANUAL, params![kind, key])?;
        match supplied {
            Supplied::Nothing => {}
            Supplied::Scope(scope) => run(FORGET_SCOPE_SUPPLIED, params![scope])?,
            Supplied::Destination(id) => run(FORGET_DESTINATION_SUPPLIED, params![id])?,
        }
        let cutover: i64 = tx
            .prepare_cached(HAS_CUTOVER)
            .and_then(|mut st| st.query_row([], |r| r.get(0)))
            .map_err(map)?;
        if cutover > 0 {
            run(FORGET_CUTOVER, params![kind, source_id])?;
        }
        tx.commit().map_err(map)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Access, Action, Category, Intent, Record, Status};
    use super::*;

    #[test]
    fn a_rolled_back_row_forgets_the_target_and_what_it_held() {
        let dir = tempfile::tempdir().unwrap();
        let l = Ledger::open(dir.path(), Access::Create).unwrap();
        let created = Record::new("secret_scopes", "s", "s", Status::Created)
            .target(Some("s"), Some("s"))
            .hash(Some("h"))
            .owned(true)
            .created()
            .written(Some("{\"body\":{}}"));
        l.record_outcome(&created).unwrap();
        l.record_secret_supplied("s", "k").unwrap();
        l.set_manual_actions(
            "secret_scopes",
            "s",
            &[Action::new(Category::Secret, "set")],
        )
        .unwrap();
        let e = l.get("secret_scopes", "s").unwrap().unwrap();
        assert!(e.created && e.owned);
        assert!(l.written("secret_scopes", "s").unwrap().is_some());

        // A delete in flight keeps the status; a kept object gets its row back as it was.
        l.record_delete_intent("secret_scopes", "s").unwrap();
        let e = l.get("secret_scopes", "s").unwrap().unwrap();
        assert_eq!(
            (e.status, e.intent),
            (Status::Created, Some(Intent::Delete))
        );
        l.clear_delete_intent("secret_scopes", "s").unwrap();
        assert_eq!(l.get("secret_scopes", "s").unwrap().unwrap().intent, None);

        l.record_delete_intent("secret_scopes", "s").unwrap();
        l.record_rolled_back("secret_scopes", "s", "s", Supplied::Scope("s"))
            .unwrap();
        let e = l.get("secret_scopes", "s").unwrap().unwrap();
        assert_eq!(e.status, Status::RolledBack);
        assert_eq!((e.intent, e.target_id, e.content_hash), (None, None, None));
        assert!(!e.created && !e.owned);
        assert_eq!(l.written("secret_scopes", "s").unwrap(), None);
        assert!(l.secrets_supplied("s").unwrap().is_empty());
        assert!(l.manual_actions().unwrap().is_empty());
        // A later create marks it created again.
        l.record_outcome(
            &Record::new("secret_scopes", "s", "s", Status::Created)
                .target(Some("s"), None)
                .created(),
        )
        .unwrap();
        assert!(l.get("secret_scopes", "s").unwrap().unwrap().created);
    }
}
