//! Each object's latest report line (`report_lines`): what the whole-migration report
//! (`report.json`/`report.md`/`report.html` at the top of the run directory) shows of an
//! object beyond its row — the fields that differed, what was dropped or lost, the values
//! translated, its manual actions — whichever run last processed it. A run replaces the lines
//! of the objects it processed, in one transaction at its end; the object's status stays the
//! row's (`objects`), which is what the report decides on.
//!
//! The table is made on first use (a ledger written by an earlier version has none: its
//! objects get their report lines from their rows alone until a run processes them).

use rusqlite::params;

use super::Ledger;
use crate::EngineError;

const TABLE: &str = "CREATE TABLE IF NOT EXISTS report_lines (
    kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    line TEXT NOT NULL,
    PRIMARY KEY (kind, source_id)
);";
const PUT: &str = "INSERT INTO report_lines (kind, source_id, line) VALUES (?1, ?2, ?3)
    ON CONFLICT (kind, source_id) DO UPDATE SET line = excluded.line";
const ONE: &str = "SELECT line FROM report_lines WHERE kind = ?1 AND source_id = ?2";
const EXISTS: &str =
    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'report_lines'";

impl Ledger {
    /// Replaces the report lines of `lines` ((kind, source id, the line's JSON)), in one
    /// transaction.
    pub(crate) fn save_report_lines(
        &self,
        lines: impl Iterator<Item = Result<(String, String, String), EngineError>>,
    ) -> Result<(), EngineError> {
        let mut failed = None;
        self.with_connection(|conn| {
            conn.execute_batch(TABLE)?;
            let tx = conn.unchecked_transaction()?;
            {
                let mut st = tx.prepare_cached(PUT)?;
                for l in lines {
                    match l {
                        Ok((kind, id, line)) => {
                            st.execute(params![kind, id, line])?;
                        }
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
            }
            tx.commit()
        })?;
        failed.map_or(Ok(()), Err)
    }

    /// Whether the ledger has report lines at all (a ledger written by an earlier version has
    /// none).
    pub(crate) fn has_report_lines(&self) -> Result<bool, EngineError> {
        self.with_connection(|conn| conn.query_row(EXISTS, [], |r| r.get::<_, i64>(0)))
            .map(|n| n > 0)
    }

    /// The report line of one object, read by its key: one object's line at a time, never a
    /// kind's (at scale:100000 a kind's lines held at once were most of the import's peak).
    pub(crate) fn report_line(
        &self,
        kind: &str,
        source_id: &str,
    ) -> Result<Option<String>, EngineError> {
        use rusqlite::OptionalExtension;
        self.with_connection(|conn| {
            let mut st = conn.prepare_cached(ONE)?;
            st.query_row(params![kind, source_id], |r| r.get(0))
                .optional()
        })
    }
}
