//! The ledger: `ledger.sqlite` in the run directory, the id map and every object's status.
//!
//! One row per (kind, source id). Before each target write the engine records an *intent*
//! (`intent` = create/update/link, status `pending`); after the write it records the outcome
//! (status, target id, content hash) and clears the intent. A row whose intent is still set
//! when a run starts is a write whose outcome is unknown (the process died, or the client
//! answered `OutcomeUnknown`): the engine then looks the object up in the target by natural
//! key before creating anything again. SQLite in WAL mode makes each of those records durable
//! against a killed process. No secret value is ever stored here.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};

use crate::EngineError;

mod entry;

pub use entry::{Entry, ManualAction, Status};

/// The ledger of one run directory. Cheap to share (`Arc<Ledger>`); calls are short and
/// synchronous, serialised by one connection lock.
pub struct Ledger {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger").field("path", &self.path).finish()
    }
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS objects (
    kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    natural_key TEXT NOT NULL,
    target_id TEXT,
    target_key TEXT,
    content_hash TEXT,
    status TEXT NOT NULL,
    intent TEXT,
    owned INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (kind, source_id)
);
CREATE INDEX IF NOT EXISTS objects_by_key ON objects (kind, natural_key);
CREATE TABLE IF NOT EXISTS manual_actions (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    action TEXT NOT NULL,
    PRIMARY KEY (kind, key, action)
);
-- Secret keys that received a value from `--secret-values` (in any run): the fact only,
-- never the value nor anything derived from it.
CREATE TABLE IF NOT EXISTS secrets_supplied (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    selection TEXT NOT NULL,
    summary TEXT
);
";

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Makes the ledger files owner-only (0600): they name every object of the source. SQLite
/// creates them with the process umask; the run directory is owner-only as well.
fn restrict(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in ["ledger.sqlite", "ledger.sqlite-wal", "ledger.sqlite-shm"] {
            let p = dir.join(f);
            if p.exists() {
                let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
}

impl Ledger {
    /// Opens (creating when missing) `ledger.sqlite` in `dir`.
    pub fn open(dir: &Path) -> Result<Ledger, EngineError> {
        let path = dir.join("ledger.sqlite");
        let conn = Connection::open(&path).map_err(|e| Self::err_at(&path, e))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| Self::err_at(&path, e))?;
        // NORMAL in WAL mode survives a killed process (only a power loss can drop the tail).
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| Self::err_at(&path, e))?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(|e| Self::err_at(&path, e))?;
        conn.execute_batch(SCHEMA)
            .map_err(|e| Self::err_at(&path, e))?;
        restrict(dir);
        Ok(Ledger {
            path,
            conn: Mutex::new(conn),
        })
    }

    /// An empty ledger in memory (a plan for a run directory that has none yet).
    pub fn open_memory() -> Result<Ledger, EngineError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| Self::err_at(&path, e))?;
        conn.execute_batch(SCHEMA)
            .map_err(|e| Self::err_at(&path, e))?;
        Ok(Ledger {
            path,
            conn: Mutex::new(conn),
        })
    }

    /// Opens an existing ledger, without creating one.
    pub fn open_existing(dir: &Path) -> Result<Ledger, EngineError> {
        if !dir.join("ledger.sqlite").is_file() {
            return Err(EngineError::NoLedger(dir.to_path_buf()));
        }
        Self::open(dir)
    }

    /// The ledger file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err_at(path: &Path, e: rusqlite::Error) -> EngineError {
        EngineError::Ledger {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }

    fn err(&self, e: rusqlite::Error) -> EngineError {
        Self::err_at(&self.path, e)
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (each statement is
        // atomic), so a poisoned lock is recovered.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
        let status: String = r.get(6)?;
        Ok(Entry {
            kind: r.get(0)?,
            source_id: r.get(1)?,
            natural_key: r.get(2)?,
            target_id: r.get(3)?,
            target_key: r.get(4)?,
            content_hash: r.get(5)?,
            status: Status::parse(&status),
            intent: r.get(7)?,
            owned: r.get::<_, i64>(8)? != 0,
            last_error: r.get(9)?,
            created_at: r.get(10)?,
            updated_at: r.get(11)?,
        })
    }

    const COLS: &'static str = "kind, source_id, natural_key, target_id, target_key, content_hash, \
        status, intent, owned, last_error, created_at, updated_at";

    /// The row of one object.
    pub fn get(&self, kind: &str, source_id: &str) -> Result<Option<Entry>, EngineError> {
        let sql = format!(
            "SELECT {} FROM objects WHERE kind = ?1 AND source_id = ?2",
            Self::COLS
        );
        self.conn()
            .query_row(&sql, params![kind, source_id], Self::row)
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The row of one object, found by its natural key in the source.
    pub fn get_by_key(&self, kind: &str, key: &str) -> Result<Option<Entry>, EngineError> {
        let sql = format!(
            "SELECT {} FROM objects WHERE kind = ?1 AND natural_key = ?2 ORDER BY updated_at DESC LIMIT 1",
            Self::COLS
        );
        self.conn()
            .query_row(&sql, params![kind, key], Self::row)
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Every row (of one kind, or all).
    pub fn entries(&self, kind: Option<&str>) -> Result<Vec<Entry>, EngineError> {
        let conn = self.conn();
        let mut out = Vec::new();
        let map = |e: rusqlite::Error| self.err(e);
        match kind {
            Some(k) => {
                let sql = format!(
                    "SELECT {} FROM objects WHERE kind = ?1 ORDER BY natural_key",
                    Self::COLS
                );
                let mut st = conn.prepare(&sql).map_err(map)?;
                for r in st.query_map(params![k], Self::row).map_err(map)? {
                    out.push(r.map_err(map)?);
                }
            }
            None => {
                let sql = format!(
                    "SELECT {} FROM objects ORDER BY kind, natural_key",
                    Self::COLS
                );
                let mut st = conn.prepare(&sql).map_err(map)?;
                for r in st.query_map([], Self::row).map_err(map)? {
                    out.push(r.map_err(map)?);
                }
            }
        }
        Ok(out)
    }

    /// Records that a write is about to go out. Keeps the known target id and ownership.
    pub fn record_intent(
        &self,
        kind: &str,
        source_id: &str,
        natural_key: &str,
        intent: &str,
    ) -> Result<(), EngineError> {
        let t = now();
        self.conn()
            .execute(
                "INSERT INTO objects (kind, source_id, natural_key, status, intent, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?5)
                 ON CONFLICT (kind, source_id) DO UPDATE SET
                   natural_key = excluded.natural_key, status = 'pending',
                   intent = excluded.intent, updated_at = excluded.updated_at",
                params![kind, source_id, natural_key, intent, t],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Records an outcome and clears the intent. `target_id`/`target_key`/`hash` of `None`
    /// keep what the row had (`hash` is cleared by [`Ledger::clear_hash`] only).
    #[allow(clippy::too_many_arguments)]
    pub fn record_outcome(
        &self,
        kind: &str,
        source_id: &str,
        natural_key: &str,
        status: Status,
        target_id: Option<&str>,
        target_key: Option<&str>,
        hash: Option<&str>,
        owned: Option<bool>,
        error: Option<&str>,
    ) -> Result<(), EngineError> {
        let t = now();
        self.conn()
            .execute(
                "INSERT INTO objects (kind, source_id, natural_key, target_id, target_key, content_hash,
                    status, intent, owned, last_error, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, NULL, COALESCE(?8, 0), ?9, ?10, ?10)
                 ON CONFLICT (kind, source_id) DO UPDATE SET
                   natural_key = excluded.natural_key,
                   target_id = COALESCE(excluded.target_id, objects.target_id),
                   target_key = COALESCE(excluded.target_key, objects.target_key),
                   content_hash = COALESCE(excluded.content_hash, objects.content_hash),
                   status = excluded.status, intent = NULL,
                   owned = COALESCE(?8, objects.owned),
                   last_error = excluded.last_error, updated_at = excluded.updated_at",
                params![
                    kind,
                    source_id,
                    natural_key,
                    target_id,
                    target_key,
                    hash,
                    status.as_str(),
                    owned.map(i64::from),
                    error,
                    t
                ],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Forgets the content hash of an object, so the next run compares it with the target.
    pub fn clear_hash(&self, kind: &str, source_id: &str) -> Result<(), EngineError> {
        self.conn()
            .execute(
                "UPDATE objects SET content_hash = NULL WHERE kind = ?1 AND source_id = ?2",
                params![kind, source_id],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Replaces the manual actions of one object.
    pub fn set_manual_actions(
        &self,
        kind: &str,
        key: &str,
        actions: &[String],
    ) -> Result<(), EngineError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        tx.execute(
            "DELETE FROM manual_actions WHERE kind = ?1 AND key = ?2",
            params![kind, key],
        )
        .map_err(|e| self.err(e))?;
        for a in actions {
            tx.execute(
                "INSERT OR IGNORE INTO manual_actions (kind, key, action) VALUES (?1, ?2, ?3)",
                params![kind, key, a],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// Every manual action, each marked done or pending by [`crate::dashboard::is_done`]
    /// (the one rule `status`, `migrate` and the reports share).
    pub fn manual_actions(&self) -> Result<Vec<ManualAction>, EngineError> {
        let cut = self.cutover_keys()?;
        let conn = self.conn();
        let map = |e: rusqlite::Error| self.err(e);
        let mut st = conn
            .prepare("SELECT kind, key, action FROM manual_actions ORDER BY kind, key, action")
            .map_err(map)?;
        let rows = st
            .query_map([], |r| {
                Ok(ManualAction {
                    kind: r.get(0)?,
                    key: r.get(1)?,
                    action: r.get(2)?,
                    done: false,
                })
            })
            .map_err(map)?;
        let mut out = rows.collect::<Result<Vec<_>, _>>().map_err(map)?;
        for a in &mut out {
            a.done = crate::dashboard::is_done(a, &cut);
        }
        Ok(out)
    }

    /// The natural keys of the jobs `cutover` resumed (none before the first cut-over, whose
    /// store creates the `cutover` table in this same file).
    fn cutover_keys(&self) -> Result<std::collections::BTreeSet<String>, EngineError> {
        let conn = self.conn();
        let map = |e: rusqlite::Error| self.err(e);
        let has: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'cutover'",
                [],
                |r| r.get(0),
            )
            .map_err(map)?;
        if has == 0 {
            return Ok(Default::default());
        }
        let mut st = conn
            .prepare("SELECT natural_key FROM cutover")
            .map_err(map)?;
        let rows = st.query_map([], |r| r.get::<_, String>(0)).map_err(map)?;
        rows.collect::<Result<_, _>>().map_err(map)
    }

    /// Records that secret `scope/key` received a value the operator supplied (the fact only).
    pub fn record_secret_supplied(&self, scope: &str, key: &str) -> Result<(), EngineError> {
        self.conn()
            .execute(
                "INSERT OR IGNORE INTO secrets_supplied (scope, key) VALUES (?1, ?2)",
                params![scope, key],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// Forgets that secret `scope/key` holds a supplied value (it was put with the placeholder).
    pub fn forget_secret_supplied(&self, scope: &str, key: &str) -> Result<(), EngineError> {
        self.conn()
            .execute(
                "DELETE FROM secrets_supplied WHERE scope = ?1 AND key = ?2",
                params![scope, key],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The keys of `scope` that received a supplied value in some run.
    pub fn secrets_supplied(
        &self,
        scope: &str,
    ) -> Result<std::collections::BTreeSet<String>, EngineError> {
        let conn = self.conn();
        let map = |e: rusqlite::Error| self.err(e);
        let mut st = conn
            .prepare("SELECT key FROM secrets_supplied WHERE scope = ?1")
            .map_err(map)?;
        let rows = st
            .query_map(params![scope], |r| r.get::<_, String>(0))
            .map_err(map)?;
        rows.collect::<Result<_, _>>().map_err(map)
    }

    /// Records the start of a run; returns its id.
    pub fn start_run(&self, selection: &str) -> Result<i64, EngineError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO runs (started_at, selection) VALUES (?1, ?2)",
            params![now(), selection],
        )
        .map_err(|e| self.err(e))?;
        Ok(conn.last_insert_rowid())
    }

    /// Records the end of a run with its summary (JSON).
    pub fn finish_run(&self, id: i64, summary: &str) -> Result<(), EngineError> {
        self.conn()
            .execute(
                "UPDATE runs SET finished_at = ?1, summary = ?2 WHERE id = ?3",
                params![now(), summary, id],
            )
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    /// The number of runs started, and how many finished.
    pub fn run_counts(&self) -> Result<(i64, i64), EngineError> {
        self.conn()
            .query_row("SELECT COUNT(*), COUNT(finished_at) FROM runs", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intent_then_outcome_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let l = Ledger::open(dir.path()).unwrap();
        l.record_intent("users", "1", "a@x", "create").unwrap();
        let e = l.get("users", "1").unwrap().unwrap();
        assert_eq!(e.status, Status::Pending);
        assert_eq!(e.intent.as_deref(), Some("create"));
        assert_eq!(e.target_id, None);
        l.record_outcome(
            "users",
            "1",
            "a@x",
            Status::Created,
            Some("77"),
            None,
            Some("h1"),
            Some(true),
            None,
        )
        .unwrap();
        let e = l.get_by_key("users", "a@x").unwrap().unwrap();
        assert_eq!(e.status, Status::Created);
        assert_eq!(e.intent, None);
        assert_eq!(e.target_id.as_deref(), Some("77"));
        assert!(e.owned);
        // An update intent keeps the target id; a later outcome without ids keeps them too.
        l.record_intent("users", "1", "a@x", "update").unwrap();
        l.record_outcome(
            "users",
            "1",
            "a@x",
            Status::Updated,
            None,
            None,
            Some("h2"),
            None,
            None,
        )
        .unwrap();
        let e = l.get("users", "1").unwrap().unwrap();
        assert_eq!(e.target_id.as_deref(), Some("77"));
        assert_eq!(e.content_hash.as_deref(), Some("h2"));
        assert!(e.owned);
        l.clear_hash("users", "1").unwrap();
        assert_eq!(l.get("users", "1").unwrap().unwrap().content_hash, None);
    }

    #[test]
    fn survives_reopen_and_keeps_manual_actions() {
        let dir = tempfile::tempdir().unwrap();
        {
            let l = Ledger::open(dir.path()).unwrap();
            l.record_intent("secret_scopes", "s", "s", "create")
                .unwrap();
            l.set_manual_actions("secret_scopes", "s", &["set s/k".into()])
                .unwrap();
            let id = l.start_run("all").unwrap();
            l.finish_run(id, "{}").unwrap();
        }
        let l = Ledger::open_existing(dir.path()).unwrap();
        assert_eq!(l.entries(None).unwrap().len(), 1);
        assert_eq!(l.manual_actions().unwrap()[0].action, "set s/k");
        assert_eq!(l.run_counts().unwrap(), (1, 1));
        l.record_secret_supplied("s", "k").unwrap();
        l.record_secret_supplied("s", "k").unwrap();
        assert_eq!(
            l.secrets_supplied("s")
                .unwrap()
                .into_iter()
                .collect::<Vec<_>>(),
            ["k"]
        );
        l.forget_secret_supplied("s", "k").unwrap();
        assert!(l.secrets_supplied("s").unwrap().is_empty());
        let none = tempfile::tempdir().unwrap();
        assert!(matches!(
            Ledger::open_existing(none.path()),
            Err(EngineError::NoLedger(_))
        ));
    }
}
