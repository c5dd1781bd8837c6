//! `answers.sqlite`: every recorded answer, one row per request key, on disk (never all in
//! memory: the recorder inserts each answer as it comes, the replay reads one row per
//! request through the key's index).
//!
//! Schema (format version 1):
//!
//! ```sql
//! CREATE TABLE answers (
//!     method TEXT NOT NULL, path TEXT NOT NULL, query TEXT NOT NULL,  -- the request key
//!     status INTEGER NOT NULL,      -- the HTTP status the source answered
//!     content_type TEXT,            -- its Content-Type header, if any
//!     reason TEXT,                  -- its x-databricks-reason-phrase header, if any
//!     body BLOB NOT NULL,           -- the answer's bytes, as they came
//!     sha256 TEXT NOT NULL,         -- SHA-256 of body (hex), checked when served
//!     UNIQUE (method, path, query));
//! ```

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::BundleError;
use crate::files::{create_private, sha256_hex};
use crate::key::RequestKey;

const SCHEMA: &str = "CREATE TABLE answers (
    method TEXT NOT NULL, path TEXT NOT NULL, query TEXT NOT NULL,
    status INTEGER NOT NULL, content_type TEXT, reason TEXT,
    body BLOB NOT NULL, sha256 TEXT NOT NULL,
    UNIQUE (method, path, query))";

/// One recorded answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The Content-Type header, if any.
    pub content_type: Option<String>,
    /// The `x-databricks-reason-phrase` header, if any (the client reads error codes from it).
    pub reason: Option<String>,
    /// The body, as it came.
    pub body: Vec<u8>,
}

fn store_err(path: &Path) -> impl Fn(rusqlite::Error) -> BundleError + '_ {
    move |source| BundleError::Store {
        path: path.to_path_buf(),
        source,
    }
}

/// The answers file being written by `export`.
pub struct Writer {
    path: PathBuf,
    /// `None` once closed (the recorder's server may outlive the export by a moment).
    conn: Mutex<Option<Connection>>,
}

impl Writer {
    /// Creates `path` (a new owner-only file) with the schema.
    pub fn create(path: &Path) -> Result<Writer, BundleError> {
        // Created owner-only first: SQLite would create it with the umask's mode.
        drop(create_private(path)?);
        let err = store_err(path);
        let conn = Connection::open(path).map_err(&err)?;
        // No journal file beside it (a failed export leaves no manifest, so a half-written
        // file is never taken for a bundle), and no fsync per answer.
        conn.execute_batch("PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF;")
            .and_then(|()| conn.execute_batch(SCHEMA))
            .map_err(&err)?;
        Ok(Writer {
            path: path.to_path_buf(),
            conn: Mutex::new(Some(conn)),
        })
    }

    /// Runs `f` on the open connection.
    fn with<T>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, BundleError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let conn = conn.as_ref().ok_or_else(|| BundleError::Io {
            path: self.path.clone(),
            message: "already closed".into(),
        })?;
        f(conn).map_err(store_err(&self.path))
    }

    /// Files `answer` under `key`; a later answer to the same request replaces an earlier one
    /// (a listing read twice keeps the chain of pages read last, every page of which is
    /// recorded too).
    pub fn put(&self, key: &RequestKey, answer: &Answer) -> Result<(), BundleError> {
        self.with(|conn| {
            conn.execute(
                "INSERT OR REPLACE INTO answers
             (method, path, query, status, content_type, reason, body, sha256)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    key.method,
                    key.path,
                    key.query,
                    answer.status,
                    answer.content_type,
                    answer.reason,
                    answer.body,
                    sha256_hex(&answer.body),
                ],
            )
        })?;
        Ok(())
    }

    /// Whether an answer to `key` is recorded.
    pub fn contains(&self, key: &RequestKey) -> Result<bool, BundleError> {
        self.with(|conn| {
            conn.query_row(
                "SELECT 1 FROM answers WHERE method = ?1 AND path = ?2 AND query = ?3",
                params![key.method, key.path, key.query],
                |_| Ok(()),
            )
            .optional()
            .map(|o| o.is_some())
        })
    }

    /// Closes the file (every later `put` fails); returns how many answers it holds.
    pub fn close(&self) -> Result<u64, BundleError> {
        let n: i64 =
            self.with(|conn| conn.query_row("SELECT count(*) FROM answers", [], |r| r.get(0)))?;
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(conn) = conn {
            conn.close().map_err(|(_, e)| store_err(&self.path)(e))?;
        }
        Ok(n as u64)
    }
}

/// The answers file of a checked bundle, read by the replay.
pub struct Reader {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl Reader {
    /// Opens `path` read-only and immutable (SQLite creates nothing beside it).
    pub fn open(path: &Path) -> Result<Reader, BundleError> {
        let abs = std::path::absolute(path)
            .map_err(|e| BundleError::io(path, "cannot resolve the path", e))?;
        let mut uri = url::Url::from_file_path(&abs).map_err(|()| BundleError::Io {
            path: path.to_path_buf(),
            message: "not a path SQLite can open".into(),
        })?;
        uri.set_query(Some("immutable=1"));
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(uri.as_str(), flags).map_err(store_err(path))?;
        Ok(Reader {
            path: path.to_path_buf(),
            conn: Mutex::new(conn),
        })
    }

    /// The answer recorded for `key`, its bytes checked against their recorded hash.
    pub fn get(&self, key: &RequestKey) -> Result<Option<Answer>, BundleError> {
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let row = conn
            .query_row(
                "SELECT status, content_type, reason, body, sha256 FROM answers
                 WHERE method = ?1 AND path = ?2 AND query = ?3",
                params![key.method, key.path, key.query],
                |r| {
                    Ok((
                        Answer {
                            status: r.get(0)?,
                            content_type: r.get(1)?,
                            reason: r.get(2)?,
                            body: r.get(3)?,
                        },
                        r.get::<_, String>(4)?,
                    ))
                },
            )
            .optional()
            .map_err(store_err(&self.path))?;
        let Some((answer, sha)) = row else {
            return Ok(None);
        };
        if sha256_hex(&answer.body) != sha {
            return Err(BundleError::Damaged {
                path: self.path.clone(),
                message: format!(
                    "the recorded answer to `{key}` does not match its hash: the file was changed since it was checked; export the bundle again"
                ),
            });
        }
        Ok(Some(answer))
    }
}
