//! The cut-over record: one row per object that `cutover` resumed, keyed by (kind, source id)
//! — any kind with a [`crate::kinds::Kind::cutover`] hook writes here — in a `cutover` table
//! of the run directory's ledger file (added beside the ledger's own tables, never changing
//! them; its shape is `ledger::CUTOVER_TABLE`, which the ledger's upgrade rebuilds from the
//! jobs-only table of earlier versions), opened through [`Ledger::open`].
//!
//! It is what makes `cutover` idempotent (an object already resumed is not touched again), what
//! marks the "unpause at cut-over" manual action done in `status`, and what tells `verify` and
//! later runs which parts of a target object are meant to be on now. It holds ids, names and
//! part names only, never a secret.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{OptionalExtension, params};

use crate::EngineError;
use crate::ledger::{Access, CUTOVER_TABLE, Ledger};

/// One object's cut-over row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CutoverRow {
    /// Its kind (`jobs`, …).
    pub kind: String,
    /// Its id in the source.
    pub source_id: String,
    /// Its natural key (the ledger's; a job's `name (id)`).
    pub natural_key: String,
    /// Its id in the target.
    pub target_id: String,
    /// The parts resumed in the target (a job's `schedule`, `trigger`, `continuous`).
    pub blocks: Vec<String>,
    /// When they were resumed (RFC 3339).
    pub resumed_at: String,
    /// When the same parts were paused in the source, if they were (`--pause-source`).
    pub source_paused_at: Option<String>,
}

/// The rows by (kind, source id).
pub type CutoverRows = BTreeMap<(String, String), CutoverRow>;

/// The `cutover` table of one run directory, in its ledger's file.
pub struct CutoverStore {
    ledger: Ledger,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

const COLUMNS: &str =
    "kind, source_id, natural_key, target_id, blocks, resumed_at, source_paused_at";

impl CutoverStore {
    /// Opens the table in the run directory's ledger (which must exist; an older table is
    /// upgraded by the ledger's opening), creating the table.
    pub fn open(run_dir: &Path) -> Result<CutoverStore, EngineError> {
        let ledger = Ledger::open(run_dir, Access::ReadWrite)?;
        ledger.with_connection(|c| c.execute_batch(CUTOVER_TABLE))?;
        Ok(CutoverStore { ledger })
    }

    fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<CutoverRow> {
        let blocks: String = r.get(4)?;
        Ok(CutoverRow {
            kind: r.get(0)?,
            source_id: r.get(1)?,
            natural_key: r.get(2)?,
            target_id: r.get(3)?,
            // Written by `record_resumed` only; an unreadable value means no part.
            blocks: serde_json::from_str(&blocks).unwrap_or_default(),
            resumed_at: r.get(5)?,
            source_paused_at: r.get(6)?,
        })
    }

    /// The row of one object.
    pub fn get(&self, kind: &str, source_id: &str) -> Result<Option<CutoverRow>, EngineError> {
        self.ledger.with_connection(|c| {
            c.query_row(
                &format!("SELECT {COLUMNS} FROM cutover WHERE kind = ?1 AND source_id = ?2"),
                params![kind, source_id],
                Self::row,
            )
            .optional()
        })
    }

    /// Every row, by (kind, source id).
    pub fn all(&self) -> Result<CutoverRows, EngineError> {
        self.ledger.with_connection(|c| {
            let mut st = c.prepare(&format!("SELECT {COLUMNS} FROM cutover"))?;
            let rows = st.query_map([], Self::row)?;
            rows.map(|r| r.map(|r| ((r.kind.clone(), r.source_id.clone()), r)))
                .collect()
        })
    }

    /// Records that `blocks` (parts) of an object were resumed in the target.
    pub fn record_resumed(
        &self,
        kind: &str,
        source_id: &str,
        natural_key: &str,
        target_id: &str,
        blocks: &[String],
    ) -> Result<(), EngineError> {
        let blocks = serde_json::to_string(blocks).unwrap_or_else(|_| "[]".into());
        self.ledger.with_connection(|c| {
            c.execute(
                "INSERT INTO cutover (kind, source_id, natural_key, target_id, blocks, resumed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (kind, source_id) DO UPDATE SET
                   natural_key = excluded.natural_key, target_id = excluded.target_id,
                   blocks = excluded.blocks, resumed_at = excluded.resumed_at",
                params![kind, source_id, natural_key, target_id, blocks, now()],
            )
            .map(|_| ())
        })
    }

    /// Records that the object's resumed parts were paused in the source.
    pub fn record_source_paused(&self, kind: &str, source_id: &str) -> Result<(), EngineError> {
        self.ledger.with_connection(|c| {
            c.execute(
                "UPDATE cutover SET source_paused_at = ?1 WHERE kind = ?2 AND source_id = ?3",
                params![now(), kind, source_id],
            )
            .map(|_| ())
        })
    }
}

/// Where a cut-over records what it did: the table, or — in a dry run, which writes nothing —
/// nowhere, reading what earlier cut-overs recorded.
pub(crate) enum Recorder {
    /// A cut-over: the table, for writing.
    Live(std::sync::Mutex<CutoverStore>),
    /// A dry run: the rows as they were (none before the first cut-over).
    Dry(CutoverRows),
}

impl Recorder {
    /// The recorder of a cut-over of `run_dir` (`dry_run`: opened read-only, nothing created).
    pub(crate) fn open(run_dir: &Path, dry_run: bool) -> Result<Recorder, EngineError> {
        if dry_run {
            // The ledger must exist all the same: no ledger, nothing to cut over.
            drop(Ledger::open(run_dir, Access::ReadOnly)?);
            return Ok(Recorder::Dry(rows(run_dir)?));
        }
        Ok(Recorder::Live(std::sync::Mutex::new(CutoverStore::open(
            run_dir,
        )?)))
    }

    fn with<T>(
        &self,
        live: impl FnOnce(&CutoverStore) -> Result<T, EngineError>,
        dry: T,
    ) -> Result<T, EngineError> {
        match self {
            // Each statement is atomic; a poisoned lock leaves nothing half-written.
            Recorder::Live(m) => live(&m.lock().unwrap_or_else(|p| p.into_inner())),
            Recorder::Dry(_) => Ok(dry),
        }
    }

    /// The row of one object.
    pub(crate) fn get(&self, kind: &str, id: &str) -> Result<Option<CutoverRow>, EngineError> {
        match self {
            Recorder::Dry(rows) => Ok(rows.get(&(kind.to_string(), id.to_string())).cloned()),
            live => live.with(|s| s.get(kind, id), None),
        }
    }

    /// See [`CutoverStore::record_resumed`]; nothing in a dry run.
    pub(crate) fn record_resumed(
        &self,
        kind: &str,
        source_id: &str,
        natural_key: &str,
        target_id: &str,
        blocks: &[String],
    ) -> Result<(), EngineError> {
        self.with(
            |s| s.record_resumed(kind, source_id, natural_key, target_id, blocks),
            (),
        )
    }

    /// See [`CutoverStore::record_source_paused`]; nothing in a dry run.
    pub(crate) fn record_source_paused(&self, kind: &str, id: &str) -> Result<(), EngineError> {
        self.with(|s| s.record_source_paused(kind, id), ())
    }

    /// Whether this is a dry run.
    pub(crate) fn dry(&self) -> bool {
        matches!(self, Recorder::Dry(_))
    }
}

/// The cut-over rows of a run directory (read, for `status`, `verify` and `plan`, which
/// write nothing and must not fail because no cut-over happened): none when it has no ledger
/// or no cut-over yet.
pub fn rows(run_dir: &Path) -> Result<CutoverRows, EngineError> {
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
    use crate::ledger::{Action, Category};

    fn key(kind: &str, id: &str) -> (String, String) {
        (kind.to_string(), id.to_string())
    }

    #[test]
    fn records_round_trip_beside_the_ledger_by_kind() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            CutoverStore::open(dir.path()),
            Err(EngineError::NoLedger(_))
        ));
        assert!(rows(dir.path()).unwrap().is_empty());
        let _ledger = Ledger::open(dir.path(), Access::Create).unwrap();
        // A ledger without a cut-over: read-only readers find nothing and create nothing.
        assert!(rows(dir.path()).unwrap().is_empty());
        let s = CutoverStore::open(dir.path()).unwrap();
        assert_eq!(s.get("jobs", "1").unwrap(), None);
        s.record_resumed("jobs", "1", "j (1)", "77", &["schedule".into()])
            .unwrap();
        s.record_source_paused("jobs", "1").unwrap();
        let r = s.get("jobs", "1").unwrap().unwrap();
        assert_eq!(r.blocks, vec!["schedule".to_string()]);
        assert_eq!(r.target_id, "77");
        assert!(r.source_paused_at.is_some());
        // Another kind's object with the same source id is another row, untouched by the job's.
        assert_eq!(s.get("pipelines", "1").unwrap(), None);
        s.record_resumed("pipelines", "1", "p", "p-9", &["continuous".into()])
            .unwrap();
        let p = s.get("pipelines", "1").unwrap().unwrap();
        assert_eq!((p.target_id.as_str(), p.source_paused_at), ("p-9", None));
        assert_eq!(s.get("jobs", "1").unwrap().unwrap().target_id, "77");
        let all = rows(dir.path()).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[&key("jobs", "1")].natural_key, "j (1)");
        assert_eq!(all[&key("pipelines", "1")].blocks, ["continuous"]);
    }

    /// The `cutover` table as versions before it was keyed by kind wrote it.
    const OLD_TABLE: &str = "
        CREATE TABLE cutover (
            source_id TEXT PRIMARY KEY,
            natural_key TEXT NOT NULL,
            target_id TEXT NOT NULL,
            blocks TEXT NOT NULL,
            resumed_at TEXT NOT NULL,
            source_paused_at TEXT
        );
        INSERT INTO cutover VALUES ('1', 'j (1)', '77', '[\"schedule\"]', 't0', 't1');";

    #[test]
    fn a_cutover_table_keyed_by_job_alone_is_upgraded_on_open_its_rows_jobs() {
        let dir = tempfile::tempdir().unwrap();
        {
            let l = Ledger::open(dir.path(), Access::Create).unwrap();
            l.with_connection(|c| c.execute_batch(OLD_TABLE)).unwrap();
            // A job and a pipeline with the same key wait for cut-over.
            let unpause = [Action::new(
                Category::Unpause,
                "unpause at cut-over: schedule",
            )];
            l.set_manual_actions("jobs", "j (1)", &unpause).unwrap();
            l.set_manual_actions("pipelines", "j (1)", &unpause)
                .unwrap();
        }
        // `status` reads it read-only: upgraded first, then read as a job's row.
        let all = rows(dir.path()).unwrap();
        let r = &all[&key("jobs", "1")];
        assert_eq!(all.len(), 1);
        assert_eq!((r.kind.as_str(), r.natural_key.as_str()), ("jobs", "j (1)"));
        assert_eq!(r.blocks, ["schedule"]);
        assert_eq!(r.source_paused_at.as_deref(), Some("t1"));
        // The job's action is done, not the pipeline's with the same key.
        let done: Vec<(String, bool)> = Ledger::open(dir.path(), Access::ReadOnly)
            .unwrap()
            .manual_actions()
            .unwrap()
            .into_iter()
            .filter(|a| a.category == Category::Unpause)
            .map(|a| (a.kind, a.done))
            .collect();
        assert_eq!(done, [("jobs".into(), true), ("pipelines".into(), false)]);
        // `cutover` opens it for writing: the row is there, and the key is (kind, source id).
        let s = CutoverStore::open(dir.path()).unwrap();
        assert_eq!(s.get("jobs", "1").unwrap().as_ref(), Some(r));
        s.record_resumed("pipelines", "1", "p", "p-9", &[]).unwrap();
        assert_eq!(rows(dir.path()).unwrap().len(), 2);
    }
}
