//! Why an object is skipped ([`SkipReason`]), and the stable codes ([`SkipCode`], [`Note`])
//! that the ledger, the report, `status` and the exit code decide on: what an operator reads
//! is the reason's `Display`; nothing decides by reading those words.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why an object is not migrated (its `Display` is the sentence the reports show).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A reference it cannot go without does not resolve.
    Dependency(Dependency),
    /// Grants of an object this run (or an earlier one) left alone as a conflict.
    LeftAlone {
        /// The kind of the object guarded.
        kind: String,
        /// Its natural key.
        key: String,
    },
    /// `fail_fast` stopped the run before its turn.
    Aborted,
    /// Listed as done by `--resume`, and no longer done when its turn came.
    NoLongerDone,
    /// A secret scope with another backend (Azure Key Vault).
    ForeignScope {
        /// The scope's backend type.
        backend: String,
    },
    /// A secret scope with more keys than the platform allows.
    TooManyKeys {
        /// Its keys.
        keys: usize,
        /// The platform's limit.
        max: usize,
    },
    /// A workspace object the API cannot export (a library, a dashboard, …).
    NotExportable {
        /// Its object type.
        object_type: String,
    },
    /// A cluster the platform manages (a job's, a pipeline's, …).
    ManagedCluster {
        /// Its `cluster_source`.
        source: String,
    },
    /// A workspace without the permissions API: one line for all grants of a type.
    NoPermissionsApi {
        /// `source` or `target`.
        side: String,
        /// The object type whose grants are left out.
        object_type: String,
    },
    /// The source disabled the permissions API for this object.
    PermissionsDisabled,
    /// The source would not give the object's grants.
    PermissionsUnreadable(String),
    /// A default cluster policy: matched by name, never created.
    DefaultPolicy,
    /// The principal running the migration.
    Caller,
    /// The built-in `users` group.
    UsersGroup,
    /// An account group (managed at the account level).
    AccountGroup,
    /// Left out on purpose by its kind, for a reason only that kind has (the words, which
    /// nothing decides on): a new kind need not add a variant here.
    OnPurpose(String),
}

/// A reference that does not resolve: the object it names, and where that object stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dependency {
    /// The referenced kind.
    pub kind: String,
    /// The referenced object (its natural key, or the source id the reference holds).
    pub key: String,
    /// Where it stands.
    pub state: DependencyState,
}

/// Where a referenced object stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DependencyState {
    /// It failed.
    Failed,
    /// It is in conflict in the target.
    Conflict,
    /// It was skipped.
    Skipped,
    /// It is known, not created yet.
    NotYetCreated,
    /// Its kind was never migrated (neither selected nor in the ledger): `kinds` to migrate.
    NeverMigrated {
        /// The kinds it may be of, as the sentence names them (`users / groups`).
        kinds: String,
    },
}

impl DependencyState {
    /// Whether a reference to it, dropped, is lost: it was left out of the migration or
    /// failed (or is not in the target for another reason than a skip on purpose).
    pub fn is_lost(&self) -> bool {
        !matches!(self, DependencyState::Skipped)
    }
}

impl fmt::Display for Dependency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, key) = (&self.kind, &self.key);
        let state = match &self.state {
            DependencyState::Failed => return write!(f, "depends on {kind} `{key}`, which failed"),
            DependencyState::NeverMigrated { kinds } => {
                return write!(
                    f,
                    "depends on {kind} `{key}`, which is not migrated (migrate {kinds} first)"
                );
            }
            DependencyState::Conflict => "in conflict",
            DependencyState::Skipped => "skipped",
            DependencyState::NotYetCreated => "not yet created",
        };
        write!(
            f,
            "depends on {kind} `{key}`, which is {state} in the target"
        )
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkipReason::Dependency(d) => d.fmt(f),
            SkipReason::LeftAlone { kind, key } => write!(
                f,
                "its object was left alone as a conflict ({kind} `{key}`): its grants are not written"
            ),
            SkipReason::Aborted => {
                f.write_str("not attempted: the run was aborted after a failure (fail_fast)")
            }
            SkipReason::NoLongerDone => {
                f.write_str("no longer done in the ledger: run again without --resume")
            }
            SkipReason::ForeignScope { backend } => {
                write!(f, "{backend} scope: cannot be re-created from its metadata")
            }
            SkipReason::TooManyKeys { keys, max } => {
                write!(f, "{keys} keys: more than the {max} a scope may hold")
            }
            SkipReason::NotExportable { object_type } => write!(
                f,
                "{object_type} objects cannot be exported through the workspace API"
            ),
            SkipReason::ManagedCluster { source } => write!(
                f,
                "cluster_source {source}: managed by the platform (its job, pipeline, model or warehouse re-creates it)"
            ),
            SkipReason::NoPermissionsApi { side, object_type } => write!(
                f,
                "the {side} workspace has no permissions API (FEATURE_DISABLED, e.g. not on the Premium plan): no {object_type} permissions migrated"
            ),
            SkipReason::PermissionsDisabled => {
                f.write_str("the permissions API is disabled in the source")
            }
            SkipReason::PermissionsUnreadable(e) => {
                write!(f, "cannot read its permissions in the source: {e}")
            }
            SkipReason::DefaultPolicy => {
                f.write_str("default policy: matched by name, not created")
            }
            SkipReason::Caller => f.write_str(
                "the principal running the migration: mapped, left as it is in the target",
            ),
            SkipReason::UsersGroup => {
                f.write_str("built-in group `users` (holds every user): never modified")
            }
            SkipReason::AccountGroup => {
                f.write_str("account group: managed at the account level, not recreated")
            }
            SkipReason::OnPurpose(why) => f.write_str(why),
        }
    }
}

/// The class of a skip reason, as the ledger stores it (its `reason` column) and the report
/// carries it: what `status`, the dashboard and the exit code decide on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SkipCode {
    /// Needs a kind that was never migrated: not skipped on purpose, it waits for that kind.
    NeverMigrated,
    /// Needs an object that is not in the target (failed, in conflict, skipped, not created).
    Dependency,
    /// Grants of an object left alone as a conflict.
    LeftAlone,
    /// Not attempted: the run was aborted.
    Aborted,
    /// No longer done when `--resume` came to it.
    NoLongerDone,
    /// Left out on purpose by its kind (an unsupported variant, a built-in, …).
    OnPurpose,
}

impl SkipCode {
    const ALL: [SkipCode; 6] = [
        SkipCode::NeverMigrated,
        SkipCode::Dependency,
        SkipCode::LeftAlone,
        SkipCode::Aborted,
        SkipCode::NoLongerDone,
        SkipCode::OnPurpose,
    ];

    /// The stable text stored in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            SkipCode::NeverMigrated => "never_migrated",
            SkipCode::Dependency => "dependency",
            SkipCode::LeftAlone => "left_alone",
            SkipCode::Aborted => "aborted",
            SkipCode::NoLongerDone => "no_longer_done",
            SkipCode::OnPurpose => "on_purpose",
        }
    }

    /// The code stored as `s` (`None` for text this version does not know).
    pub fn parse(s: &str) -> Option<SkipCode> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl SkipReason {
    /// Its class.
    pub fn code(&self) -> SkipCode {
        match self {
            SkipReason::Dependency(Dependency {
                state: DependencyState::NeverMigrated { .. },
                ..
            }) => SkipCode::NeverMigrated,
            SkipReason::Dependency(_) => SkipCode::Dependency,
            SkipReason::LeftAlone { .. } => SkipCode::LeftAlone,
            SkipReason::Aborted => SkipCode::Aborted,
            SkipReason::NoLongerDone => SkipCode::NoLongerDone,
            _ => SkipCode::OnPurpose,
        }
    }
}

/// What a report line's detail means, for whatever decides on it (the words are the line's
/// `detail`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Note {
    /// Skipped, for a reason of this class.
    Skipped(SkipCode),
    /// Unchanged by its source hash alone: not re-read from the target.
    NotReread,
    /// Done in an earlier run, not read again from the source (`--resume`).
    Resumed,
}

impl Note {
    /// The detail of [`Note::NotReread`].
    pub const NOT_REREAD: &str = "unchanged in the source since the last run: not re-read \
         from the target (`verify` or `migrate --recheck` checks the target)";

    /// The detail of [`Note::Resumed`].
    pub const RESUMED: &str = "done in an earlier run: not read again from the source \
         (--resume; a run without it carries changes made since)";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_and_classify() {
        for c in SkipCode::ALL {
            assert_eq!(SkipCode::parse(c.as_str()), Some(c));
        }
        assert_eq!(SkipCode::parse("new in a later version"), None);
        let d = |state| {
            SkipReason::Dependency(Dependency {
                kind: "clusters".into(),
                key: "c1".into(),
                state,
            })
        };
        let never = d(DependencyState::NeverMigrated {
            kinds: "clusters".into(),
        });
        assert_eq!(never.code(), SkipCode::NeverMigrated);
        assert_eq!(
            never.to_string(),
            "depends on clusters `c1`, which is not migrated (migrate clusters first)"
        );
        assert_eq!(d(DependencyState::Failed).code(), SkipCode::Dependency);
        assert_eq!(
            d(DependencyState::Conflict).to_string(),
            "depends on clusters `c1`, which is in conflict in the target"
        );
        assert_eq!(SkipReason::UsersGroup.code(), SkipCode::OnPurpose);
    }
}
