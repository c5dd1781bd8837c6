//! What the engine writes into an object's row around a target write: its [`Intent`] before
//! the write, the [`Record`] of its outcome after it.

use rusqlite::params;
use serde::Serialize;

use super::sql::{RECORD_INTENT, RECORD_OUTCOME, RECORD_WRITTEN, WRITTEN};
use super::{Ledger, SkipCode, Status, now};
use crate::EngineError;

/// The write in flight for an object: recorded before it goes out, cleared with its outcome.
/// A row that still has one when a run starts is a write whose outcome is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intent {
    /// Creating the object, or finishing a create that was in flight (the object is still
    /// this migration's: a run killed then must not take it for someone else's).
    Create,
    /// Updating an object found in the target.
    Update,
    /// The second pass's update (the references its first pass left out).
    SecondPass,
    /// `rollback` deleting the object (the row keeps its status until the delete is known).
    Delete,
}

/// As its stored text ([`Intent::as_str`]): what `status --output json` always showed.
impl Serialize for Intent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Intent {
    /// The text stored in the ledger. Stable: ledgers written by earlier versions hold it,
    /// so the second pass keeps its earlier name "link" there (here and nowhere else).
    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Create => "create",
            Intent::Update => "update",
            Intent::SecondPass => "link",
            Intent::Delete => "delete",
        }
    }

    /// Reads a stored intent. No version writes another text; one would still be a write in
    /// flight, read as an update: the object is looked up before anything is written again,
    /// and not taken for one this migration created.
    pub(super) fn parse(s: &str) -> Intent {
        match s {
            "create" => Intent::Create,
            "link" => Intent::SecondPass,
            "delete" => Intent::Delete,
            _ => Intent::Update,
        }
    }
}

/// The outcome of one object's write, for [`Ledger::record_outcome`]. A `None` target id,
/// target key or hash keeps what the row had (the hash is cleared by [`Ledger::clear_hash`]
/// only); a `None` `owned` keeps the row's (false for a new row).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// The kind.
    pub kind: &'a str,
    /// The object's id in the source.
    pub source_id: &'a str,
    /// The object's natural key in the source.
    pub natural_key: &'a str,
    /// Its status now.
    pub status: Status,
    /// Its id in the target.
    pub target_id: Option<&'a str>,
    /// Its natural key in the target.
    pub target_key: Option<&'a str>,
    /// The content hash of the source made equal in the target.
    pub hash: Option<&'a str>,
    /// Whether this migration manages the target object (see [`super::Entry::owned`]).
    pub owned: Option<bool>,
    /// `Some(true)`: this migration created the target object (kept once set; only
    /// `rollback` clears it).
    pub created: Option<bool>,
    /// What was just written to the target object (the body and its side-car, as JSON text):
    /// recorded with the outcome, in the same transaction, for `rollback`.
    pub written: Option<&'a str>,
    /// Why it failed, was skipped or is in conflict (`None` clears an earlier one).
    pub error: Option<&'a str>,
    /// For a skip, its reason's class, which `status` and the exit code read (`None` clears
    /// an earlier one).
    pub skip: Option<SkipCode>,
}

impl<'a> Record<'a> {
    /// `status` for one object, keeping everything else the row has.
    pub fn new(kind: &'a str, source_id: &'a str, natural_key: &'a str, status: Status) -> Self {
        Record {
            kind,
            source_id,
            natural_key,
            status,
            target_id: None,
            target_key: None,
            hash: None,
            owned: None,
            created: None,
            written: None,
            error: None,
            skip: None,
        }
    }

    /// With the target object's id and key.
    pub fn target(mut self, id: Option<&'a str>, key: Option<&'a str>) -> Self {
        self.target_id = id;
        self.target_key = key;
        self
    }

    /// With the content hash made equal in the target.
    pub fn hash(mut self, hash: Option<&'a str>) -> Self {
        self.hash = hash;
        self
    }

    /// With whether this migration manages the target object.
    pub fn owned(mut self, owned: bool) -> Self {
        self.owned = Some(owned);
        self
    }

    /// Marks the target object as created by this migration.
    pub fn created(mut self) -> Self {
        self.created = Some(true);
        self
    }

    /// With what was just written to the target object (see [`Record::written`]).
    pub fn written(mut self, written: Option<&'a str>) -> Self {
        self.written = written;
        self
    }

    /// With why it failed, was skipped or is in conflict.
    pub fn error(mut self, error: &'a str) -> Self {
        self.error = Some(error);
        self
    }

    /// A skip, with its reason's words and class.
    pub fn skipped(mut self, error: &'a str, skip: SkipCode) -> Self {
        self.error = Some(error);
        self.skip = Some(skip);
        self
    }
}

impl Ledger {
    /// Records that a write is about to go out. Keeps the known target id and ownership.
    ///
    /// When this returns, the intent is committed to the write-ahead log: a second
    /// connection sees it, and it survives this process being killed (see the module doc).
    pub fn record_intent(
        &self,
        kind: &str,
        source_id: &str,
        natural_key: &str,
        intent: Intent,
    ) -> Result<(), EngineError> {
        self.exec(
            RECORD_INTENT,
            params![kind, source_id, natural_key, intent.as_str(), now()],
        )
    }

    /// Records an outcome and clears the intent (see [`Record`] for what a `None` keeps), with
    /// what was written when the record says (one transaction).
    pub fn record_outcome(&self, r: &Record<'_>) -> Result<(), EngineError> {
        let outcome = params![
            r.kind,
            r.source_id,
            r.natural_key,
            r.target_id,
            r.target_key,
            r.hash,
            r.status.as_str(),
            r.owned.map(i64::from),
            r.error,
            now(),
            r.skip.map(SkipCode::as_str),
            r.created.map(i64::from)
        ];
        let Some(written) = r.written else {
            return self.exec(RECORD_OUTCOME, outcome);
        };
        let map = |e: rusqlite::Error| self.err(e);
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(map)?;
        tx.prepare_cached(RECORD_OUTCOME)
            .and_then(|mut st| st.execute(outcome))
            .map_err(map)?;
        tx.prepare_cached(RECORD_WRITTEN)
            .and_then(|mut st| st.execute(params![r.kind, r.source_id, written]))
            .map_err(map)?;
        tx.commit().map_err(map)
    }

    /// What this migration last wrote to the object (JSON text), if recorded.
    pub fn written(&self, kind: &str, source_id: &str) -> Result<Option<String>, EngineError> {
        self.one(WRITTEN, params![kind, source_id], |r| r.get(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intents_keep_the_text_earlier_versions_stored() {
        for (intent, text) in [
            (Intent::Create, "create"),
            (Intent::Update, "update"),
            (Intent::SecondPass, "link"),
            (Intent::Delete, "delete"),
        ] {
            assert_eq!(intent.as_str(), text);
            assert_eq!(Intent::parse(text), intent);
            assert_eq!(serde_json::to_value(intent).unwrap(), text);
        }
    }

    #[test]
    fn a_ledger_written_with_text_intents_is_read_typed() {
        // Rows as a version storing the intent as free text left them (a run killed with
        // three writes in flight): each reads back as the same write in flight.
        let dir = tempfile::tempdir().unwrap();
        let l = Ledger::open(dir.path(), crate::ledger::Access::Create).unwrap();
        {
            let conn = l.conn();
            for (id, text) in [("1", "create"), ("2", "update"), ("3", "link")] {
                conn.execute(
                    "INSERT INTO objects (kind, source_id, natural_key, status, intent, \
                     created_at, updated_at) VALUES ('jobs', ?1, ?1, 'pending', ?2, 'x', 'x')",
                    params![id, text],
                )
                .unwrap();
            }
        }
        drop(l);
        let l = Ledger::open(dir.path(), crate::ledger::Access::Create).unwrap();
        let intent = |id: &str| l.get("jobs", id).unwrap().unwrap().intent;
        assert_eq!(intent("1"), Some(Intent::Create));
        assert_eq!(intent("2"), Some(Intent::Update));
        assert_eq!(intent("3"), Some(Intent::SecondPass));
        // Its outcome clears it, as for any intent.
        l.record_outcome(&Record::new("jobs", "1", "1", Status::Created).target(Some("9"), None))
            .unwrap();
        assert_eq!(intent("1"), None);
    }
}
