//! Whether each kind's last listing of the source finished ([`Listing`], the `listings`
//! table): a run stopped while a kind was being listed (Ctrl-C, `kill -9`, a listing error)
//! leaves that kind's row unfinished, so `status` shows its count as a lower bound instead of
//! a kind that looks migrated whole. A finished listing keeps its count of objects: the
//! "of listed" of the dashboard.

use rusqlite::params;
use serde::Serialize;

use super::sql::{LISTING_FINISHED, LISTING_STARTED, LISTINGS};
use super::{Ledger, now};
use crate::EngineError;

/// A kind's last listing of the source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Listing {
    /// The kind.
    pub kind: String,
    /// When the last listing started (RFC 3339).
    pub started_at: String,
    /// When it finished; none when the run stopped before its end.
    pub finished_at: Option<String>,
    /// The objects of the last listing that finished (kept while a later one is under way).
    pub listed: Option<i64>,
}

impl Listing {
    /// Whether the last listing finished.
    pub fn complete(&self) -> bool {
        self.finished_at.is_some()
    }
}

impl Ledger {
    /// A listing of `kind` begins: until [`Ledger::listing_finished`], it is incomplete.
    pub fn listing_started(&self, kind: &str) -> Result<(), EngineError> {
        self.exec(LISTING_STARTED, params![kind, now()])
    }

    /// The listing of `kind` ended with `listed` objects.
    pub fn listing_finished(&self, kind: &str, listed: usize) -> Result<(), EngineError> {
        self.exec(LISTING_FINISHED, params![kind, now(), listed as i64])
    }

    /// Every kind's last listing.
    pub fn listings(&self) -> Result<Vec<Listing>, EngineError> {
        let conn = self.conn();
        self.all(&conn, LISTINGS, [], |r| {
            Ok(Listing {
                kind: r.get(0)?,
                started_at: r.get(1)?,
                finished_at: r.get(2)?,
                listed: r.get(3)?,
            })
        })
    }
}
