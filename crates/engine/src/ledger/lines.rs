//! Each object's latest report line (`report_lines`): what the whole-migration report
//! (`report.json`/`report.md`/`report.html` at the top of the run directory) shows of an
//! object beyond its row — the fields that differed, what was dropped or lost, the values
//! translated, its manual actions — whichever run last processed it. A run replaces the lines
//! of the objects it processed, in one transaction at its end; the object's status stays the
//! row's (`objects`), which is what the report decides on.
//!
//! The table is made on first use (a ledger written by an earlier version has none: its
//! objects get their report lines from their rows alone until a run processes them).

use std::collections::HashMap;

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
const OF_KIND: &str = "SELECT source_id, line FROM report_lines WHERE kind = ?1";
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

    /// The report lines of `kind`'s objects, by source id (none in a ledger without the
    /// table).
    pub(crate) fn report_lines(&self, kind: &str) -> Result<HashMap<String, String>, EngineError> {
        self.with_connection(|conn| {
            let n: i64 = conn.query_row(EXISTS, [], |r| r.get(0))?;
            if n == 0 {
                return Ok(HashMap::new());
            }
            let mut st = conn.prepare_cached(OF_KIND)?;
            let rows = st.query_map(params![kind], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect()
        })
    }
}
