//! The ledger's records: an object's [`Status`], its row ([`Entry`]) and a [`ManualAction`].

use serde::Serialize;

/// An object's status in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// A write is in flight (or its outcome is unknown).
    Pending,
    /// Created in the target by this migration.
    Created,
    /// Updated in the target by this migration.
    Updated,
    /// Target equal to the source (includes adopted objects).
    Unchanged,
    /// Not migrated, on purpose (built-in, excluded, dependency missing, conflict policy skip).
    Skipped,
    /// The target rejected it, or something else went wrong.
    Failed,
    /// Exists in the target, differs, not created by this migration; left alone.
    Conflict,
}

impl Status {
    /// The name stored in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Created => "created",
            Status::Updated => "updated",
            Status::Unchanged => "unchanged",
            Status::Skipped => "skipped",
            Status::Failed => "failed",
            Status::Conflict => "conflict",
        }
    }

    pub(super) fn parse(s: &str) -> Status {
        match s {
            "created" => Status::Created,
            "updated" => Status::Updated,
            "unchanged" => Status::Unchanged,
            "skipped" => Status::Skipped,
            "failed" => Status::Failed,
            "conflict" => Status::Conflict,
            _ => Status::Pending,
        }
    }

    /// Whether the object exists in the target as the migration wants it (its id can be used).
    pub fn is_done(self) -> bool {
        matches!(self, Status::Created | Status::Updated | Status::Unchanged)
    }
}

/// One row of the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The kind (`users`, `groups`, …).
    pub kind: String,
    /// The object's id in the source.
    pub source_id: String,
    /// The object's natural key in the source (userName, name, path, …).
    pub natural_key: String,
    /// The object's id in the target, once known.
    pub target_id: Option<String>,
    /// The object's natural key in the target when it differs (a service principal's new
    /// applicationId), else the same as `natural_key`.
    pub target_key: Option<String>,
    /// The hash of the source content last made equal in the target.
    pub content_hash: Option<String>,
    /// The status.
    pub status: Status,
    /// The write in flight, if any.
    pub intent: Option<super::Intent>,
    /// Whether the target object was created by this migration (not adopted or pre-existing).
    pub owned: bool,
    /// Why it failed, was skipped or is in conflict.
    pub last_error: Option<String>,
    /// When the row was first written (RFC 3339).
    pub created_at: String,
    /// When the row was last written (RFC 3339).
    pub updated_at: String,
}

/// A manual action left for the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ManualAction {
    /// The kind of the object concerned.
    pub kind: String,
    /// Its natural key.
    pub key: String,
    /// What to do.
    pub action: String,
    /// Whether it is done (only a cut-over's unpause can be seen done: see
    /// [`crate::dashboard::is_done`]).
    pub done: bool,
}
