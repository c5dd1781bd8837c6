//! The engine's one error type.
//!
//! Per-object problems (a create the target rejects, a missing dependency) are *not* errors of
//! the run: they are recorded in the ledger and the report, and the run goes on. `EngineError`
//! is for what stops a whole operation: a run directory that cannot be written, a ledger that
//! cannot be opened, bad options, a source that cannot be listed.

use std::path::PathBuf;

/// What can stop `validate`, `plan`, `migrate` or `status` as a whole.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A workspace call failed (the message never carries a token).
    #[error("{}", api_message(context, source))]
    Api {
        /// What the engine was doing (empty until the framework names it: a kind returns the
        /// client's errors as they are, see [`EngineError::context`]).
        context: String,
        /// The client's error.
        #[source]
        source: brickport_api::ApiError,
    },
    /// The ledger (SQLite) could not be read or written.
    #[error("ledger {path}: {source}")]
    Ledger {
        /// The ledger file.
        path: PathBuf,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// A file or directory of the run could not be written or read.
    #[error("{path}: {message}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What went wrong (the cause's words included), and what to do about it.
        message: String,
        /// The system's error, when there is one (a file that reads back wrong has none).
        #[source]
        source: Option<std::io::Error>,
    },
    /// The options do not make sense (unknown kind name, phase out of range, …).
    #[error("invalid option: {0}")]
    InvalidOption(String),
    /// The run directory has no ledger (for `status`).
    #[error("no ledger in {0}: run `brickport migrate` first, or pass the right --run-dir")]
    NoLedger(PathBuf),
    /// An object's JSON did not have the shape a kind expects.
    #[error("{kind} {key}: {message}")]
    Shape {
        /// The kind.
        kind: &'static str,
        /// The object's natural key.
        key: String,
        /// What was wrong.
        message: String,
    },
    /// An object too large for the API that moves it (a notebook over the workspace API's
    /// 10 MB): its kind may name a manual action for it ([`crate::kinds::Kind::manual_on_failure`]).
    #[error("{kind} {key}: {message}")]
    TooLarge {
        /// The kind.
        kind: &'static str,
        /// The object's natural key.
        key: String,
        /// Its size and the limit.
        message: String,
    },
    /// A workspace stopped answering and stayed unreachable longer than `outage_wait`: the run
    /// stopped there. Nothing was marked failed; what was not done is still to do.
    #[error(
        "the {side} workspace ({host}) has been unreachable since {} UTC; after waiting {} for \
         it the run stopped — nothing was marked failed, what was not done is still pending: \
         run `brickport migrate --resume` again when it answers",
        brickport_api::clock_utc(*.since),
        minutes_seconds(*.waited)
    )]
    Unreachable {
        /// `source` or `target`.
        side: &'static str,
        /// Its URL.
        host: String,
        /// When it stopped answering.
        since: std::time::SystemTime,
        /// How long the run waited for it.
        waited: std::time::Duration,
    },
    /// `fail_fast` was set and an object failed.
    #[error("aborted after the first failure (fail_fast): {0}")]
    Aborted(String),
    /// A saved plan (`migrate --plan FILE`) no longer holds: the source, the target or the
    /// options changed since it was made. Nothing was written.
    #[error("the saved plan no longer holds: {0}")]
    PlanNoLongerHolds(String),
    /// brickport broke one of its own rules (a bug); the message says which.
    #[error("internal error: {0}")]
    Internal(String),
}

/// `15m`, `3s`, `1m30s`.
fn minutes_seconds(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match (s / 60, s % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}

fn api_message(context: &str, source: &brickport_api::ApiError) -> String {
    if context.is_empty() {
        source.to_string()
    } else {
        format!("{context}: {source}")
    }
}

/// A kind's `?` on a client call: the error as it is, named by the framework later.
impl From<brickport_api::ApiError> for EngineError {
    fn from(source: brickport_api::ApiError) -> Self {
        EngineError::Api {
            context: String::new(),
            source,
        }
    }
}

impl EngineError {
    /// Names what the engine was doing ("creating jobs `nightly`") on an api error that does
    /// not say yet; any other error, or one already named, is returned as it is.
    pub fn context(self, what: impl FnOnce() -> String) -> Self {
        match self {
            EngineError::Api { context, source } if context.is_empty() => EngineError::Api {
                context: what(),
                source,
            },
            other => other,
        }
    }

    /// Wraps an api error with what the engine was doing.
    pub fn api(context: impl Into<String>, source: brickport_api::ApiError) -> Self {
        EngineError::Api {
            context: context.into(),
            source,
        }
    }

    /// Whether the target said the object already exists.
    pub fn is_already_exists(&self) -> bool {
        matches!(self, EngineError::Api { source, .. } if source.is_already_exists())
    }

    /// Whether the workspace said the object does not exist.
    pub fn is_not_found(&self) -> bool {
        match self {
            EngineError::Api { source, .. } => source.is_not_found(),
            _ => false,
        }
    }

    /// Whether a workspace stayed unreachable past the client's wait (the run stops; no object
    /// failed for it).
    pub fn is_unreachable(&self) -> bool {
        match self {
            EngineError::Api { source, .. } => source.is_unreachable(),
            EngineError::Unreachable { .. } => true,
            _ => false,
        }
    }

    /// Whether this is the client's "a write went out and no answer came back".
    pub fn is_outcome_unknown(&self) -> bool {
        match self {
            EngineError::Api { source, .. } => match source {
                brickport_api::ApiError::RetryBudgetExhausted { last, .. } => {
                    last.is_outcome_unknown()
                }
                other => other.is_outcome_unknown(),
            },
            _ => false,
        }
    }
}
