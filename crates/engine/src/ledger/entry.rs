//! The ledger's records: an object's [`Status`], its row ([`Entry`]) and a manual action's
//! [`Category`] (the actions themselves: `ledger/actions.rs`).

use serde::{Deserialize, Serialize};

use super::reason::SkipCode;

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
    /// Created by this migration, then deleted from the target by `rollback` (or found gone
    /// there by it): not in the target, so nothing maps to it and a later run creates it again.
    RolledBack,
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
            Status::RolledBack => "rolled_back",
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
            "rolled_back" => Status::RolledBack,
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
    /// Whether this migration manages the target object: created by it, or adopted (found
    /// equal) or merged into by it — updated when the source changes, never a conflict.
    pub owned: bool,
    /// Whether this migration created the target object (not adopted, merged into or mapped:
    /// those existed before it). Only such objects are deleted by `rollback`.
    pub created: bool,
    /// Why it failed, was skipped or is in conflict.
    pub last_error: Option<String>,
    /// The class of its skip reason (what decides; `last_error` has the words).
    pub skip: Option<SkipCode>,
    /// When the row was first written (RFC 3339).
    pub created_at: String,
    /// When the row was last written (RFC 3339).
    pub updated_at: String,
}

impl Entry {
    /// Whether it was skipped because it needs a kind that was never migrated (neither
    /// selected nor in the ledger): not skipped on purpose, it waits for that kind.
    pub fn waits_for_a_kind(&self) -> bool {
        self.status == Status::Skipped && self.skip == Some(SkipCode::NeverMigrated)
    }
}

/// What a manual action is about: how `status` groups it, and whether it can be seen done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A secret that holds the placeholder: set its value.
    Secret,
    /// A Git folder to re-authenticate (or check out again).
    Git,
    /// A job to unpause (a pipeline to make continuous) at cut-over: the one category
    /// brickport can see done.
    Unpause,
    /// An object cut over without `--pause-source`: it runs in both workspaces until paused
    /// in the source (seen done once `cutover --pause-source` paused it).
    PauseSource,
    /// A cluster that was running in the source.
    RunningCluster,
    /// A pipeline whose tables were not copied: its first update in the target rebuilds them
    /// (and it may publish where the source pipeline does).
    Refresh,
    /// Anything else (re-create by hand, copy by hand, …).
    Other,
}

impl Category {
    /// Every category, in the order `status` lists them.
    pub const ALL: [Category; 7] = [
        Category::Secret,
        Category::Git,
        Category::Unpause,
        Category::PauseSource,
        Category::RunningCluster,
        Category::Refresh,
        Category::Other,
    ];

    /// The stable text stored in the ledger (also `status`'s group name).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Secret => "secrets",
            Category::Git => "git",
            Category::Unpause => "cutover",
            Category::PauseSource => "pause_source",
            Category::RunningCluster => "clusters",
            Category::Refresh => "refresh",
            Category::Other => "other",
        }
    }

    /// The category stored as `s` (text this version does not know is [`Category::Other`]).
    pub fn parse(s: &str) -> Category {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .unwrap_or(Category::Other)
    }

    /// The start of its actions' ids (`sec-1f3a9b2c`): says what an id is about at a glance.
    pub fn id_prefix(self) -> &'static str {
        match self {
            Category::Secret => "sec",
            Category::Git => "git",
            Category::Unpause => "cut",
            Category::PauseSource => "src",
            Category::RunningCluster => "clu",
            Category::Refresh => "ref",
            Category::Other => "oth",
        }
    }

    /// What the group is, for a person.
    pub fn title(self) -> &'static str {
        match self {
            Category::Secret => "secrets to set",
            Category::Git => "Git folders to re-authenticate",
            Category::Unpause => {
                "to switch on at cut-over (job, dashboard and alert schedules, continuous pipelines)"
            }
            Category::PauseSource => {
                "to switch off in the source (cut over without --pause-source: running in both \
                 workspaces)"
            }
            Category::RunningCluster => "clusters that were running in the source",
            Category::Refresh => "pipelines to refresh in the target (tables are not copied)",
            Category::Other => "other manual actions",
        }
    }
}
