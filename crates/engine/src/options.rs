//! What a run is asked to do: [`EngineOptions`] and the [`ConflictPolicy`].
//!
//! The cli resolves its flags and config file into one `EngineOptions`; the engine never reads
//! a flag or a file of configuration itself.

use std::collections::BTreeMap;
use std::path::PathBuf;

use brickport_api::Secret;
use serde::{Deserialize, Serialize};

/// What to do with an object that already exists in the target, was not created by this
/// migration, and differs from the source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictPolicy {
    /// Leave it alone and report it as a conflict (the default).
    #[default]
    Report,
    /// Leave it alone and report it as skipped.
    Skip,
    /// Make it equal to the source (the object is then owned by this migration).
    Overwrite,
    /// Count it as a failure (its dependents are skipped).
    Fail,
}

impl std::str::FromStr for ConflictPolicy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "report" => Ok(ConflictPolicy::Report),
            "skip" => Ok(ConflictPolicy::Skip),
            "overwrite" => Ok(ConflictPolicy::Overwrite),
            "fail" => Ok(ConflictPolicy::Fail),
            other => Err(format!(
                "unknown conflict policy `{other}`: use report, skip, overwrite or fail"
            )),
        }
    }
}

/// Secret values supplied by the operator: scope → key → value. Values live in
/// [`Secret`]s (their `Debug` prints `***`) and are never written anywhere.
pub type SecretValues = BTreeMap<String, BTreeMap<String, Secret>>;

/// The write-only parts of notification destinations supplied by the operator: destination
/// display name → field (`url`, `password`, …, as the API names them) → value. In
/// [`Secret`]s, never written anywhere.
pub type DestinationValues = BTreeMap<String, BTreeMap<String, Secret>>;

/// Everything a run needs besides the two workspaces.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// The run directory (ledger, backups, reports). Created with mode 0700 when missing.
    pub run_dir: PathBuf,
    /// Only these kinds (names from [`crate::kind_names`]); empty = every kind.
    pub only: Vec<String>,
    /// Only the kinds of this phase (1, 2 or 3); `None` = every phase.
    pub phase: Option<u8>,
    /// Workspace paths to include (prefixes); empty = everything. Applies to path-keyed kinds.
    pub include_paths: Vec<String>,
    /// Workspace paths to leave out (prefixes). Wins over `include_paths`.
    pub exclude_paths: Vec<String>,
    /// What to do with a differing object the migration did not create.
    pub conflict_policy: ConflictPolicy,
    /// The pre-check's warnings stop the run too (`--strict`), not only its errors.
    pub strict: bool,
    /// The value put into every secret whose value is not supplied (secret values cannot be
    /// read from the source). Not a secret itself; it is reported as a manual action.
    pub secret_placeholder: String,
    /// Secret values supplied by the operator. Never persisted.
    pub secret_values: SecretValues,
    /// Notification destinations' write-only parts supplied by the operator. Never persisted.
    pub destination_values: DestinationValues,
    /// Stop at the first failed object instead of carrying on.
    pub fail_fast: bool,
    /// How many objects are processed at the same time, over all kinds (at least 1). The
    /// client additionally throttles each API family, at the workspace's published rates; this
    /// cap only has to keep enough requests in flight to reach them (at 50–300 ms per request,
    /// 30 requests/s needs 2–9 in flight per family, and several kinds run at once).
    pub max_concurrency: usize,
    /// Compare every object with the target, even one whose source is unchanged since the
    /// last run (which is otherwise done without a request): drift made by hand in the target
    /// is then repaired for objects this migration owns (the conflict policy for the rest).
    pub recheck: bool,
    /// Continue a run that stopped: an object the ledger has as done is not read again from
    /// the source where the source cannot say whether it changed — permissions (an ACL has no
    /// modification time) and job settings (a job neither) — so a re-run costs little more
    /// than the listing. Notebooks and files are still compared by modification time and
    /// every other kind by content. Changes made since to what is not re-read are not carried:
    /// a plain run (without it) carries them.
    pub resume: bool,
    /// How many objects of a listed-whole kind (users, groups, jobs…) wait for their turn in
    /// memory; past that, the kind's objects wait in an unnamed owner-only temporary file in
    /// the run directory and are read back one at a time (flat memory at any size, for a
    /// little CPU per object).
    pub listed_in_memory: usize,
    /// Unity Catalog catalog names to rename in the target (`[translate.catalogs]`: source
    /// catalog → target catalog), for a target on another metastore. Applied only where an
    /// API has a field for the catalog (a query's or a dashboard dataset's catalog, Genie's
    /// table identifiers), never inside free SQL text. Empty: names kept.
    pub catalogs: BTreeMap<String, String>,
    /// Node types to use in the target (`[translate.node_types]`: source id → target id),
    /// before the closest equivalent the engine would pick (see `kinds/compute`).
    pub node_types: BTreeMap<String, String>,
    /// Spark versions to use in the target (`[translate.spark_versions]`: source key →
    /// target key), before the nearest newer LTS the engine would pick.
    pub spark_versions: BTreeMap<String, String>,
    /// Instance profiles to use in the target (`[translate.instance_profiles]`: source ARN →
    /// target ARN), for a target in another AWS account.
    pub instance_profiles: BTreeMap<String, String>,
    /// Users and service principals known by other names in the target (`[translate.users]`,
    /// `[translate.user_domains]`, `[translate.service_principals]`). Empty: names kept.
    pub principals: crate::principals::Principals,
    /// Carry out a saved plan (`migrate --plan FILE`): each object's source hash by (kind,
    /// source id), as the plan saw it. An object not in it, or whose hash differs now, is
    /// not touched (a failure that says so). `None`: no plan, every object is migrated.
    pub planned: Option<std::sync::Arc<PlannedSources>>,
}

/// A saved plan's objects by (kind, source id).
pub type PlannedSources = std::collections::HashMap<(String, String), PlannedSource>;

/// One object of a saved plan, as the run checks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedSource {
    /// Its source hash when planned.
    pub hash: String,
    /// Whether the plan said it is created or updated: nothing else is written to the target.
    pub writes: bool,
}

impl EngineOptions {
    /// Options with the defaults: every kind and phase, report conflicts, placeholder
    /// `MIGRATED_PLACEHOLDER`, 128 objects at a time (the client's per-family throttle is
    /// what paces the API; with fewer, objects queued on the busiest family hold every slot
    /// and the other families idle — measured with brickport-bench at scale:1000).
    pub fn new(run_dir: impl Into<PathBuf>) -> Self {
        EngineOptions {
            run_dir: run_dir.into(),
            only: Vec::new(),
            phase: None,
            include_paths: Vec::new(),
            exclude_paths: Vec::new(),
            conflict_policy: ConflictPolicy::default(),
            strict: false,
            secret_placeholder: "MIGRATED_PLACEHOLDER".to_string(),
            secret_values: SecretValues::new(),
            destination_values: DestinationValues::new(),
            fail_fast: false,
            max_concurrency: 128,
            recheck: false,
            resume: false,
            listed_in_memory: 1_000,
            catalogs: BTreeMap::new(),
            node_types: BTreeMap::new(),
            spark_versions: BTreeMap::new(),
            instance_profiles: BTreeMap::new(),
            planned: None,
            principals: Default::default(),
        }
    }

    /// Whether a workspace path is selected by the include/exclude prefixes.
    pub fn path_selected(&self, path: &str) -> bool {
        let under = |prefix: &String| {
            let p = prefix.trim_end_matches('/');
            p.is_empty() || path == p || path.starts_with(&format!("{p}/"))
        };
        if self.exclude_paths.iter().any(under) {
            return false;
        }
        self.include_paths.is_empty()
            || self.include_paths.iter().any(|p| {
                // A folder above an included prefix is selected too, so the prefix has a parent.
                under(p) || p.starts_with(&format!("{}/", path.trim_end_matches('/')))
            })
    }

    /// The operator-supplied value of a secret, if any.
    pub fn secret_value(&self, scope: &str, key: &str) -> Option<&Secret> {
        self.secret_values.get(scope).and_then(|m| m.get(key))
    }

    /// The operator-supplied write-only parts of the notification destination `name`, if any.
    pub fn destination_values(&self, name: &str) -> Option<&BTreeMap<String, Secret>> {
        self.destination_values.get(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_selection() {
        let mut o = EngineOptions::new("/tmp/x");
        assert!(o.path_selected("/Shared/a"));
        o.include_paths = vec!["/Shared/team".into()];
        o.exclude_paths = vec!["/Shared/team/tmp".into()];
        assert!(o.path_selected("/Shared/team"));
        assert!(o.path_selected("/Shared/team/x"));
        assert!(o.path_selected("/Shared"), "parent of an included prefix");
        assert!(!o.path_selected("/Shared/teams"));
        assert!(!o.path_selected("/Shared/team/tmp/y"));
        assert!(!o.path_selected("/Users/a"));
    }

    #[test]
    fn conflict_policy_parses() {
        assert_eq!("SKIP".parse::<ConflictPolicy>(), Ok(ConflictPolicy::Skip));
        assert!(
            "nope"
                .parse::<ConflictPolicy>()
                .unwrap_err()
                .contains("overwrite")
        );
    }
}
