//! The cut-over record: one row per job that `cutover` resumed, in a `cutover` table of the
//! run directory's ledger file (added beside the ledger's own tables, never changing them),
//! opened through [`Ledger::open`].
//!
//! It is what makes `cutover` idempotent (a job already resumed is not touched again), what
//! marks the "unpause at cut-over" manual action done in `status`, and what tells `verify`
//! that a target job's schedule is meant to be UNPAUSED now. It holds ids, names and block
//! names only, never a secret.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{OptionalExtension, params};

use crate::EngineError;
use crate::ledger::{Access, Ledger};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS cutover (
    source_id TEXT PRIMARY KEY,
    natural_key TEXT NOT NULL,
    target_id TEXT NOT NULL,
    blocks TEXT NOT NULL,
    resumed_at TEXT NOT NULL,
    source_paused_at TEXT
);
";

/// One job's cut-over row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutoverRow {
    /// The job's id in the source.
    pub source_id: String,
    /// Its natural key (the ledger's, `name (id)`).
    pub natural_key: String,
    /// Its id in the target.
    pub target_id: String,
    /// The blocks resumed in the target (`schedule`, `trigger`, `continuous`).
    pub blocks: Vec<String>,
    /// When they were resumed (RFC 3339).
    pub resumed_at: String,
    /// When the same blocks were paused in the source, if they were (`--pause-source`).
    pub source_paused_at: Option<String>,
}

/// The `cutover` table of one run directory, in its ledger's file.
pub struct CutoverStore {
    ledger: Ledger,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

const COLUMNS: &str = "source_id, natural_key, target_id, blocks, resumed_at, source_paused_at";

impl CutoverStore {
    /// Opens the table in the run directory's ledger (which must exist), creating the table.
    pub fn open(run_dir: &Path) -> Result<CutoverStore, EngineError> {
        let ledger = Ledger::open(run_dir, Access::ReadWrite)?;
        ledger.with_connection(|c| c.execute_batch(SCHEMA))?;
        Ok(CutoverStore { ledger })
    }

    fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CutoverRow> {
        let blocks: String = r.get(3)?;
        Ok(CutoverRow {
            source_id: r.get(0)?,
            natural_key: r.get(1)?,
            target_id: r.get(2)?,
            // Written by `record_resumed` only; an unreadable value means no block.
            blocks: serde_json::from_str(&blocks).unwrap_or_default(),
            resumed_at: r.get(4)?,
            source_paused_at: r.get(5)?,
        })
    }

    /// The row of one job.
    pub fn get(&self, source_id: &str) -> Result<Option<CutoverRow>, EngineError> {
        self.ledger.with_connection(|c| {
            c.query_row(
                &format!("SELECT {COLUMNS} FROM cutover WHERE source_id = ?1"),
                params![source_id],
                Self::row,
            )
            .optional()
        })
    }

    /// Every row, by source id.
    pub fn all(&self) -> Result<BTreeMap<String, CutoverRow>, EngineError> {
        self.ledger.with_connection(|c| {
            let mut st = c.prepare(&format!("SELECT {COLUMNS} FROM cutover"))?;
            let rows = st.query_map([], Self::row)?;
            rows.map(|r| r.map(|r| (r.source_id.clone(), r))).collect()
        })
    }

    /// Records that `blocks` of a job were resumed in the target.
    pub fn record_resumed(
        &self,
        source_id: &str,
        natural_key: &str,
        target_id: &str,
        blocks: &[String],
    ) -> Result<(), EngineError> {
        let blocks = serde_json::to_string(blocks).unwrap_or_else(|_| "[]".into());
        self.ledger.with_connection(|c| {
            c.execute(
                "INSERT INTO cutover (source_id, natural_key, target_id, blocks, resumed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (source_id) DO UPDATE SET natural_key = excluded.natural_key,
                   target_id = excluded.target_id, blocks = excluded.blocks,
                   resumed_at = excluded.resumed_at",
                params![source_id, natural_key, target_id, blocks, now()],
            )
            .map(|_| ())
        })
    }

    /// Records that the job's resumed blocks were paused in the source.
    pub fn record_source_paused(&self, source_id: &str) -> Result<(), EngineError> {
        self.ledger.with_connection(|c| {
            c.execute(
                "UPDATE cutover SET source_paused_at = ?1 WHERE source_id = ?2",
                params![now(), source_id],
            )
            .map(|_| ())
        })
    }
}

/// The cut-over rows of a run directory (read, for `status`, `verify` and `plan`, which
/// write nothing and must not fail because no cut-over happened): none when it has no ledger
/// or no cut-over yet.
pub fn rows(run_dir: &Path) -> Result<BTreeMap<String, CutoverRow>, EngineError> {
    let ledger = match Ledger::open(run_dir, Access::ReadOnly) {
        Err(EngineError::NoLedger(_)) => return Ok(BTreeMap::new()),
        other => other?,
    };
    let has_table = ledger.with_connection(|c| {
        c.query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'cutover'",
            [],
            |r| r.get::<_, i64>(0),
        )
    })? > 0;
    if !has_table {
        return Ok(BTreeMap::new());
    }
    CutoverStore { ledger }.all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_beside_the_ledger() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            CutoverStore::open(dir.path()),
            Err(EngineError::NoLedger(_))
        ));
        assert!(rows(dir.path()).unwrap().is_empty());
        let _ledger = Ledger::open(dir.path(), Access::Create).unwrap();
        // A ledger without a cut-over: read-only readers find nothing and create nothing.
        assert!(rows(dir.path()).unwrap().is_empty());
        assert_eq!(rows(dir.path()).unwrap().get("1"), None);
        let s = CutoverStore::open(dir.path()).unwrap();
        assert_eq!(s.get("1").unwrap(), None);
        s.record_resumed("1", "j (1)", "77", &["schedule".into()])
            .unwrap();
        s.record_source_paused("1").unwrap();
        let r = s.get("1").unwrap().unwrap();
        assert_eq!(r.blocks, vec!["schedule".to_string()]);
        assert_eq!(r.target_id, "77");
        assert!(r.source_paused_at.is_some());
        assert_eq!(rows(dir.path()).unwrap().len(), 1);
        assert_eq!(rows(dir.path()).unwrap()["1"].natural_key, "j (1)");
    }
}
