//! A saved plan (`brickport plan --out FILE`) and carrying it out (`migrate --plan FILE`).
//!
//! The file (JSON, versioned, owner-only) holds the options the plan was made with, a hash of
//! the source's listing, and every object with its action and its source hash (the hash the
//! engine compares runs with: the object's spec as `migrate` would write it). Carrying it out
//! checks, before anything is written, that it still holds: the same workspaces and options,
//! then a new plan of the same selection compared object by object — an object changed in the
//! source, appeared or gone, or whose action changed (the target or the ledger changed) refuses
//! the run. The run then touches only the plan's objects whose source hash is still the same
//! ([`crate::EngineOptions::planned`]), which holds for what changes while it runs. No secret
//! value is in the file: of the supplied values, only the names.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::Arc;

use brickport_api::WorkspaceClient;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::plan_view::Change;
use crate::progress::Progress;
use crate::report::RunReport;
use crate::{EngineError, EngineOptions, run};

/// The file's `format`.
const FORMAT: &str = "brickport-plan";
/// The file's `version`: a plan of another version is refused (made again).
pub const VERSION: u32 = 1;

/// What the plan was made with; carried out only with the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanOptions {
    /// The source workspace's host.
    pub source: String,
    /// The target workspace's host.
    pub target: String,
    /// The run directory (whose ledger the plan read).
    pub run_dir: String,
    /// `--only` / `kinds`.
    pub only: Vec<String>,
    /// `--phase`.
    pub phase: Option<u8>,
    /// `include`.
    pub include_paths: Vec<String>,
    /// `exclude`.
    pub exclude_paths: Vec<String>,
    /// `--conflict` / `conflict`.
    pub conflict: crate::ConflictPolicy,
    /// `--recheck`.
    pub recheck: bool,
    /// `--resume`.
    pub resume: bool,
    /// `secret_placeholder` (not a secret: the value put where none is supplied).
    pub secret_placeholder: String,
    /// `[translate.catalogs]`.
    pub catalogs: BTreeMap<String, String>,
    /// `[translate.node_types]`, `[translate.spark_versions]`, `[translate.instance_profiles]`.
    pub compute: [BTreeMap<String, String>; 3],
    /// The names of the values supplied with `--secret-values` (`scope/key`, and
    /// `notification_destinations/name/field`), never the values.
    pub supplied: Vec<String>,
}

impl PlanOptions {
    /// The options of a run between `source` and `target` with `opts`.
    pub fn of(source: &str, target: &str, opts: &EngineOptions) -> PlanOptions {
        let names = |m: &crate::SecretValues, prefix: &str| -> Vec<String> {
            let each = m.iter().flat_map(|(outer, inner)| {
                inner.keys().map(move |k| format!("{prefix}{outer}/{k}"))
            });
            each.collect()
        };
        let mut supplied = names(&opts.secret_values, "");
        supplied.extend(names(
            &opts.destination_values,
            "notification_destinations/",
        ));
        PlanOptions {
            source: source.to_string(),
            target: target.to_string(),
            run_dir: opts.run_dir.display().to_string(),
            only: opts.only.clone(),
            phase: opts.phase,
            include_paths: opts.include_paths.clone(),
            exclude_paths: opts.exclude_paths.clone(),
            conflict: opts.conflict_policy,
            recheck: opts.recheck,
            resume: opts.resume,
            secret_placeholder: opts.secret_placeholder.clone(),
            catalogs: opts.catalogs.clone(),
            compute: [
                opts.node_types.clone(),
                opts.spark_versions.clone(),
                opts.instance_profiles.clone(),
            ],
            supplied,
        }
    }

    /// The names of the options that differ from `other`'s.
    fn differing(&self, other: &PlanOptions) -> Vec<String> {
        let (a, b) = (serde_json::to_value(self), serde_json::to_value(other));
        let (Ok(serde_json::Value::Object(a)), Ok(serde_json::Value::Object(b))) = (a, b) else {
            return vec!["(unreadable)".into()];
        };
        a.iter()
            .filter(|(k, v)| b.get(*k) != Some(*v))
            .map(|(k, _)| k.clone())
            .collect()
    }
}

/// One object of a saved plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedObject {
    /// Its kind.
    pub kind: String,
    /// Its natural key.
    pub key: String,
    /// Its id in the source.
    pub source_id: String,
    /// What `migrate` would do with it.
    pub action: Change,
    /// For an update or a conflict: the names of the fields that differ.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<String>,
    /// The hash of what the source holds for it.
    pub source_sha256: String,
}

/// A saved plan.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SavedPlan {
    /// Always `brickport-plan`.
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// When the plan was made (RFC 3339).
    pub created_at: String,
    /// What it was made with.
    pub options: PlanOptions,
    /// The hash of the whole listing: every object's kind, source id and source hash.
    pub listing_sha256: String,
    /// How many objects of each action.
    pub counts: BTreeMap<Change, usize>,
    /// Every object, in the report's order.
    pub objects: Vec<PlannedObject>,
}

impl SavedPlan {
    /// The plan `report` (a plan's), made with `opts`.
    pub fn of(report: &RunReport, opts: &EngineOptions) -> Result<SavedPlan, EngineError> {
        let mut objects = Vec::with_capacity(report.object_count());
        let mut counts: BTreeMap<Change, usize> = BTreeMap::new();
        let mut listing = Sha256::new();
        for o in report.objects_iter() {
            let o = o?;
            let action = Change::of(o.outcome);
            *counts.entry(action).or_default() += 1;
            let hash = o.source_hash.clone().unwrap_or_default();
            for part in [o.kind, o.source_id.as_str(), hash.as_str()] {
                listing.update(part.as_bytes());
                listing.update(b"\t");
            }
            objects.push(PlannedObject {
                kind: o.kind.to_string(),
                fields: crate::plan_view::field_names(&o.diffs),
                key: o.key,
                source_id: o.source_id,
                action,
                source_sha256: hash,
            });
        }
        Ok(SavedPlan {
            format: FORMAT.into(),
            version: VERSION,
            created_at: report.started_at.clone(),
            options: PlanOptions::of(&report.source, &report.target, opts),
            listing_sha256: hex::encode(listing.finalize()),
            counts,
            objects,
        })
    }

    /// Writes the plan to `path` (owner-only: it names every object, like the report).
    pub fn write(&self, path: &Path) -> Result<(), EngineError> {
        let io = |message: String, e: Option<std::io::Error>| EngineError::Io {
            path: path.to_path_buf(),
            message,
            source: e,
        };
        let text = serde_json::to_vec_pretty(self)
            .map_err(|e| io(format!("cannot write the plan: {e}"), None))?;
        crate::backup::write_private(path, &text)
    }

    /// Reads a plan written by [`SavedPlan::write`]; another format or version is refused.
    pub fn read(path: &Path) -> Result<SavedPlan, EngineError> {
        let io = |message: String, e: Option<std::io::Error>| EngineError::Io {
            path: path.to_path_buf(),
            message,
            source: e,
        };
        let text =
            std::fs::read(path).map_err(|e| io(format!("cannot read the plan: {e}"), Some(e)))?;
        let head: serde_json::Value = serde_json::from_slice(&text).map_err(|e| {
            io(
                format!("not a plan written by `brickport plan --out` ({e})"),
                None,
            )
        })?;
        if head["format"] != FORMAT || head["version"] != VERSION {
            return Err(io(
                format!(
                    "not a plan of this version of brickport (format {}, version {}; expected \
                     {FORMAT} {VERSION}): run `brickport plan --out` again",
                    head["format"], head["version"]
                ),
                None,
            ));
        }
        serde_json::from_value(head).map_err(|e| {
            io(
                format!("not a plan written by `brickport plan --out` ({e})"),
                None,
            )
        })
    }

    /// What the engine's run checks each object against.
    pub fn sources(&self) -> crate::options::PlannedSources {
        let planned = |o: &PlannedObject| crate::options::PlannedSource {
            hash: o.source_sha256.clone(),
            writes: matches!(o.action, Change::Create | Change::Update),
        };
        self.objects
            .iter()
            .map(|o| ((o.kind.clone(), o.source_id.clone()), planned(o)))
            .collect()
    }

    /// Where `now` (the same selection planned again) differs from this plan: one sentence
    /// per object, in the plan's order.
    pub fn drift(&self, now: &SavedPlan) -> Vec<String> {
        let key = |o: &PlannedObject| (o.kind.clone(), o.source_id.clone());
        let then: HashMap<_, _> = self.objects.iter().map(|o| (key(o), o)).collect();
        let current: HashMap<_, _> = now.objects.iter().map(|o| (key(o), o)).collect();
        let mut out = Vec::new();
        for o in &self.objects {
            let what = match current.get(&key(o)) {
                None => "gone from the source".to_string(),
                Some(n) if n.source_sha256 != o.source_sha256 => "changed in the source".into(),
                Some(n) if n.action != o.action => format!(
                    "would now be {} instead of {} (the target or the ledger changed)",
                    n.action.words(),
                    o.action.words()
                ),
                Some(_) => continue,
            };
            out.push(format!("{} `{}`: {what}", o.kind, o.key));
        }
        for n in &now.objects {
            if !then.contains_key(&key(n)) {
                out.push(format!("{} `{}`: new in the source", n.kind, n.key));
            }
        }
        out
    }
}

/// Carries out `saved` between `source` and `target` with `opts`: refused, before anything is
/// written, when the workspaces or options differ from the plan's or a new plan differs from
/// it; then `migrate` on the plan's objects alone.
pub async fn migrate_planned(
    source: &WorkspaceClient,
    target: &WorkspaceClient,
    opts: &EngineOptions,
    saved: &SavedPlan,
    progress: &dyn Progress,
) -> Result<RunReport, EngineError> {
    let now_opts = PlanOptions::of(source.host(), target.host(), opts);
    let differing = saved.options.differing(&now_opts);
    if !differing.is_empty() {
        return Err(EngineError::PlanNoLongerHolds(format!(
            "it was made with other options or workspaces ({}); nothing was written: run \
             `brickport plan --out FILE` again with the options of this run",
            differing.join(", ")
        )));
    }
    let replanned = run::plan(source, target, opts).await?;
    let now = SavedPlan::of(&replanned, opts)?;
    drop(replanned);
    let drift = saved.drift(&now);
    if !drift.is_empty() {
        const SHOWN: usize = 10;
        let more = drift.len().saturating_sub(SHOWN);
        let mut list: Vec<String> = drift.into_iter().take(SHOWN).collect();
        if more > 0 {
            list.push(format!("and {more} more"));
        }
        return Err(EngineError::PlanNoLongerHolds(format!(
            "{} objects differ from the plan: {}; nothing was written: run `brickport plan \
             --out FILE` again",
            list.len() - usize::from(more > 0) + more,
            list.join("; ")
        )));
    }
    let mut opts = opts.clone();
    opts.planned = Some(Arc::new(saved.sources()));
    run::migrate(source, target, &opts, progress).await
}
