//! The ledger: `ledger.sqlite` in the run directory ([`Ledger::file`]), the id map and every object's status.
//!
//! One row per (kind, source id). Before each target write the engine records an *intent*
//! ([`Intent`], status `pending`); after the write it records the outcome
//! (status, target id, content hash) and clears the intent. A row whose intent is still set
//! when a run starts is a write whose outcome is unknown (the process died, or the client
//! answered `OutcomeUnknown`): the engine then looks the object up in the target by natural
//! key before creating anything again. `rollback`'s deletes are recorded the same way
//! ([`Intent::Delete`], then the row `rolled_back`: `ledger/rolled_back.rs`). With each write's
//! outcome the body it sent is kept (the `written` table, [`Record::written`]), and whether the
//! migration created the object ([`Entry::created`]): what `rollback` may delete, and what it
//! compares the target with first. No secret value is ever stored here.
//!
//! Durability: each call is one SQLite transaction (autocommit, or one explicit transaction
//! where several statements belong together) in WAL mode with `synchronous=NORMAL`. When
//! [`Ledger::record_intent`] returns, the intent is in the write-ahead log, in the kernel's
//! page cache: it survives the brickport process being killed at any point (the kernel
//! writes the file out), and another connection sees it at once. It does *not* survive a
//! power loss or kernel crash: the last transactions before one may be lost (never
//! corrupted; SQLite rolls the log back to its last complete commit). That costs nothing
//! a re-run cannot repair: a write whose intent was lost with the machine is found by its
//! natural key in the target like any object the ledger does not know (and adopted), and
//! an fsync per record would cost more than the write it protects. Statements are parsed
//! once per connection (`prepare_cached`, all of them in `ledger/sql.rs`).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use sql::*;

use crate::EngineError;

mod actions;
mod both_sides;
mod entry;
mod lines;
mod listings;
mod reason;
mod record;
mod rolled_back;
mod sql;
mod supplied;
mod upgrade;

pub use actions::{Action, DoneBy, ManualAction, Subject};
pub use entry::{Category, Entry, Status};
pub use listings::Listing;
pub use reason::{Dependency, DependencyState, Note, SkipCode, SkipReason};
pub use record::{Intent, Record};
pub use rolled_back::Supplied;
pub(crate) use sql::CUTOVER_TABLE;
use upgrade::{needs_upgrade, upgrade};

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

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Makes the ledger files owner-only (0600): they name every object of the source. SQLite
/// creates them with the process umask; the run directory is owner-only as well.
fn restrict(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let p = PathBuf::from(p);
            if p.exists() {
                let _ = std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// One run started in a run directory, as the ledger's `runs` table has it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RunRecord {
    /// Its number, in the order runs started.
    pub id: i64,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// When it finished (none: interrupted, or still running).
    pub finished_at: Option<String>,
    /// What it was asked to migrate (`only=… phase=… dry_run=…`).
    pub selection: String,
    /// Its per-kind counts (the JSON of its report's `kinds`), once finished.
    pub summary: Option<String>,
}

/// How [`Ledger::open`] opens a run directory's ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read and write; created when the run directory has none (`migrate`).
    Create,
    /// Read and write an existing one (`cutover`'s record); none is [`EngineError::NoLedger`].
    ReadWrite,
    /// Read an existing one, writing nothing (`status`, `verify`, `plan`); none is
    /// [`EngineError::NoLedger`]. A ledger from an earlier version is upgraded first, once.
    ReadOnly,
}

impl Ledger {
    /// The ledger file of a run directory: the one place its name is spelled.
    pub fn file(run_dir: &Path) -> PathBuf {
        run_dir.join("ledger.sqlite")
    }

    /// Opens the ledger of `dir` (see [`Access`]).
    pub fn open(dir: &Path, access: Access) -> Result<Ledger, EngineError> {
        let path = Self::file(dir);
        if access != Access::Create && !path.is_file() {
            return Err(EngineError::NoLedger(dir.to_path_buf()));
        }
        let err = |e| Self::err_at(&path, e);
        if access == Access::ReadOnly {
            let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let conn = Connection::open_with_flags(&path, flags).map_err(err)?;
            conn.busy_timeout(std::time::Duration::from_secs(10))
                .map_err(err)?;
            if needs_upgrade(&conn).map_err(err)? {
                drop(conn);
                drop(Self::open(dir, Access::ReadWrite)?);
                return Self::open(dir, Access::ReadOnly);
            }
            return Ok(Self::with(path, conn));
        }
        let conn = Connection::open(&path).map_err(err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(err)?;
        // NORMAL in WAL mode survives a killed process (only a power loss can drop the tail);
        // FULL would fsync on every commit, twice per migrated object.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(err)?;
        conn.execute_batch(SCHEMA).map_err(err)?;
        upgrade(&conn).map_err(err)?;
        restrict(&path);
        Ok(Self::with(path, conn))
    }

    /// An empty ledger in memory (a plan for a run directory that has none yet).
    pub fn open_memory() -> Result<Ledger, EngineError> {
        let path = PathBuf::from(":memory:");
        let conn = Connection::open_in_memory().map_err(|e| Self::err_at(&path, e))?;
        conn.execute_batch(SCHEMA)
            .map_err(|e| Self::err_at(&path, e))?;
        Ok(Self::with(path, conn))
    }

    fn with(path: PathBuf, conn: Connection) -> Ledger {
        conn.set_prepared_statement_cache_capacity(CACHE_CAPACITY);
        Ledger {
            path,
            conn: Mutex::new(conn),
        }
    }

    /// The ledger file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn err_at(path: &Path, e: rusqlite::Error) -> EngineError {
        EngineError::Ledger {
            path: path.to_path_buf(),
            source: e,
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
            intent: r.get::<_, Option<String>>(7)?.as_deref().map(Intent::parse),
            owned: r.get::<_, i64>(8)? != 0,
            last_error: r.get(9)?,
            created_at: r.get(10)?,
            updated_at: r.get(11)?,
            skip: r
                .get::<_, Option<String>>(12)?
                .as_deref()
                .and_then(SkipCode::parse),
            created: r.get::<_, i64>(13)? != 0,
        })
    }

    /// Runs `f` on the ledger's connection: for the tables other modules keep in the same file
    /// (`cutover`'s record), through the one opener.
    pub(crate) fn with_connection<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, EngineError> {
        f(&self.conn()).map_err(|e| self.err(e))
    }

    /// Runs one write statement from the statement cache.
    fn exec(&self, sql: &str, p: impl rusqlite::Params) -> Result<(), EngineError> {
        let conn = self.conn();
        let mut st = conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        st.execute(p).map(|_| ()).map_err(|e| self.err(e))
    }

    /// Reads at most one row with a statement from the statement cache.
    fn one<T>(
        &self,
        sql: &str,
        p: impl rusqlite::Params,
        f: impl FnOnce(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, EngineError> {
        let conn = self.conn();
        let mut st = conn.prepare_cached(sql).map_err(|e| self.err(e))?;
        st.query_row(p, f).optional().map_err(|e| self.err(e))
    }

    /// Reads every row with a statement from the statement cache.
    fn all<T>(
        &self,
        conn: &Connection,
        sql: &str,
        p: impl rusqlite::Params,
        f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, EngineError> {
        let map = |e: rusqlite::Error| self.err(e);
        let mut st = conn.prepare_cached(sql).map_err(map)?;
        let rows = st.query_map(p, f).map_err(map)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(map)
    }

    /// The row of one object.
    pub fn get(&self, kind: &str, source_id: &str) -> Result<Option<Entry>, EngineError> {
        self.one(GET, params![kind, source_id], Self::row)
    }

    /// The row of one object, found by its natural key in the source.
    pub fn get_by_key(&self, kind: &str, key: &str) -> Result<Option<Entry>, EngineError> {
        self.one(GET_BY_KEY, params![kind, key], Self::row)
    }

    /// Every row (of one kind, or all).
    pub fn entries(&self, kind: Option<&str>) -> Result<Vec<Entry>, EngineError> {
        let conn = self.conn();
        match kind {
            Some(k) => self.all(&conn, ENTRIES_OF, params![k], Self::row),
            None => self.all(&conn, ENTRIES, [], Self::row),
        }
    }

    /// Forgets the content hash of an object, so the next run compares it with the target.
    pub fn clear_hash(&self, kind: &str, source_id: &str) -> Result<(), EngineError> {
        self.exec(CLEAR_HASH, params![kind, source_id])
    }

    /// The summaries (JSON) of the runs that finished.
    pub fn finished_summaries(&self) -> Result<Vec<String>, EngineError> {
        let conn = self.conn();
        self.all(&conn, FINISHED_SUMMARIES, [], |r| r.get::<_, String>(0))
    }

    /// Records the start of a run; returns its id.
    pub fn start_run(&self, selection: &str) -> Result<i64, EngineError> {
        let conn = self.conn();
        let mut st = conn.prepare_cached(START_RUN).map_err(|e| self.err(e))?;
        st.insert(params![now(), selection])
            .map_err(|e| self.err(e))
    }

    /// Records the end of a run with its summary (JSON).
    ///
    /// First makes the run's content copies durable ([`crate::backup::sync_written`]): a
    /// finished run in the ledger means its files in the run directory are on disk.
    pub fn finish_run(&self, id: i64, summary: &str) -> Result<(), EngineError> {
        if let Some(dir) = self.run_dir() {
            crate::backup::sync_written(dir)?;
        }
        self.exec(FINISH_RUN, params![now(), summary, id])
    }

    /// The run directory of a ledger on disk (none for one in memory).
    fn run_dir(&self) -> Option<&Path> {
        if self.path == Path::new(":memory:") {
            return None;
        }
        self.path.parent()
    }

    /// Every run started in this directory, oldest first (the report's run history).
    pub fn runs(&self) -> Result<Vec<RunRecord>, EngineError> {
        let conn = self.conn();
        self.all(&conn, RUNS, [], |r| {
            Ok(RunRecord {
                id: r.get(0)?,
                started_at: r.get(1)?,
                finished_at: r.get(2)?,
                selection: r.get(3)?,
                summary: r.get(4)?,
            })
        })
    }

    /// The number of runs started, and how many finished.
    pub fn run_counts(&self) -> Result<(i64, i64), EngineError> {
        let counts = self.one(RUN_COUNTS, [], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(counts.unwrap_or((0, 0)))
    }
}

#[cfg(test)]
mod tests;
