//! `rollback`: deletes from the target exactly what this migration created, as the ledger
//! records it, and nothing else.
//!
//! Kinds go in the reverse of their dependency order (the waves of `graph`, last first: jobs
//! before clusters before policies, notebooks before folders, groups before users), the
//! objects of a kind at once — of a kind that references itself, an object before the ones it
//! references (a folder before its parent; a group before the groups it holds, whose delete
//! would otherwise change it). An
//! object is deleted only when the ledger says this migration created it (`Entry::created`:
//! never one it adopted, merged into or mapped, nor one in conflict — those existed before)
//! and the target still holds what the migration last wrote to it (the ledger keeps that body,
//! `kinds::Written`; the kind reads the object back and compares, [`Kind::drift`]). One
//! changed since is kept and reported, unless `force`; an object holding others the
//! migration did not create (a folder) is kept whatever `force` says. Grants go with their
//! object: deleting an object deletes its ACL, so a permissions kind is never deleted on its
//! own; grants the migration set on an object it did not create stay, as a manual action (the
//! ACL they replaced was not recorded).
//!
//! Each delete is recorded around its call like every write (an intent, then the row marked
//! rolled back: `ledger/rolled_back.rs`), so a killed rollback resumes where it stood, a
//! second one writes nothing, and a later `migrate` creates the objects again. A dry run
//! reads the target and writes nothing, to it or the ledger.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use brickport_api::WorkspaceClient;
use futures::StreamExt;
use serde::Serialize;

use crate::idmap::IdMap;
use crate::kinds::{self, Ctx, Kind};
use crate::ledger::{Access, Entry, Ledger};
use crate::{EngineError, EngineOptions, graph};

mod object;
mod rows;

/// How `rollback` runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RollbackOptions {
    /// Only read and say what would be deleted: nothing written, to the target or the ledger.
    pub dry_run: bool,
    /// Delete objects changed in the target since the migration wrote them too (never a
    /// folder holding objects the migration did not create).
    pub force: bool,
}

/// What `rollback` did (or, in a dry run, would do) with one object of the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RollbackOutcome {
    /// Deleted from the target (a dry run: would be).
    Deleted,
    /// Created by the migration, already gone from the target: recorded as rolled back.
    Gone,
    /// Grants of an object deleted: gone with it, no call of their own.
    WithObject,
    /// Kept: changed in the target since the migration wrote it (`--force` deletes it).
    Changed,
    /// Kept: it holds objects the migration did not create, or kept (a folder).
    Holds,
    /// Kept: the ledger has no record of what the migration wrote to it (written by an
    /// earlier version): whether it changed since cannot be told (`--force` deletes it).
    Unrecorded,
    /// Kept: its kind cannot be rolled back.
    Unsupported,
    /// Kept: its create was interrupted, so whether it exists is not known (`migrate` settles
    /// it; then roll back again).
    Unsettled,
    /// Left as it is: it existed in the target before the migration (adopted, a built-in,
    /// mapped, in conflict).
    Existed,
    /// Left as it is: it existed before, and the migration changed it (grants set on it,
    /// members merged into it); its earlier state was not recorded — a manual action.
    Manual,
    /// The read or the delete failed (said in the detail): still in the target.
    Failed,
}

impl RollbackOutcome {
    /// Whether an object the migration created is still in the target because of it.
    pub fn left_behind(self) -> bool {
        use RollbackOutcome::*;
        matches!(
            self,
            Changed | Holds | Unrecorded | Unsupported | Unsettled | Failed
        )
    }
}

/// One object's line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackLine {
    /// Its kind.
    pub kind: String,
    /// Its natural key.
    pub key: String,
    /// Its id in the source.
    pub source_id: String,
    /// Its id in the target, when the ledger had one.
    pub target_id: Option<String>,
    /// What happened.
    pub outcome: RollbackOutcome,
    /// Why, or what differs.
    pub detail: Option<String>,
}

impl RollbackLine {
    fn of(e: &Entry, outcome: RollbackOutcome, detail: Option<String>) -> Self {
        RollbackLine {
            kind: e.kind.clone(),
            key: e.natural_key.clone(),
            source_id: e.source_id.clone(),
            target_id: e.target_id.clone(),
            outcome,
            detail,
        }
    }
}

/// What [`rollback`] returns.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackReport {
    /// The target host.
    pub target: String,
    /// Whether this was a dry run (nothing written).
    pub dry_run: bool,
    /// Whether changed objects were deleted too.
    pub force: bool,
    /// One line per object of the ledger that is (or was, before this run) in the target, by
    /// kind in table order, then by key.
    pub objects: Vec<RollbackLine>,
    /// Objects an earlier rollback already took out (nothing to do for them).
    pub already_rolled_back: usize,
}

impl RollbackReport {
    /// Nothing the migration created is left in the target (or, in a dry run, would be).
    pub fn is_success(&self) -> bool {
        !self.objects.iter().any(|o| o.outcome.left_behind())
    }

    /// How many objects ended with `outcome`.
    pub fn count(&self, outcome: RollbackOutcome) -> usize {
        self.objects.iter().filter(|o| o.outcome == outcome).count()
    }
}

/// What every object's step shares.
struct Run {
    ctx: Ctx,
    ledger: Arc<Ledger>,
    opts: RollbackOptions,
    /// (kind, source id) of the objects deleted (a dry run: to be deleted): their grants go
    /// with them.
    deleted: Mutex<BTreeSet<(String, String)>>,
    /// Target paths of the objects kept: the folders holding them are kept too.
    kept_paths: Mutex<BTreeSet<String>>,
}

impl Run {
    fn deleted(&self, kind: &str, source_id: &str) {
        let mut d = self.deleted.lock().unwrap_or_else(|p| p.into_inner());
        d.insert((kind.to_string(), source_id.to_string()));
    }

    fn was_deleted(&self, kind: &str, source_id: &str) -> bool {
        let d = self.deleted.lock().unwrap_or_else(|p| p.into_inner());
        d.contains(&(kind.to_string(), source_id.to_string()))
    }

    fn kept(&self, path: &str) {
        if path.starts_with('/') {
            let mut k = self.kept_paths.lock().unwrap_or_else(|p| p.into_inner());
            k.insert(path.to_string());
        }
    }

    /// A kept object inside the folder at `path`, if any.
    fn kept_inside(&self, path: &str) -> Option<String> {
        let prefix = format!("{path}/");
        let k = self.kept_paths.lock().unwrap_or_else(|p| p.into_inner());
        k.range(prefix.clone()..)
            .take_while(|p| p.starts_with(&prefix))
            .next()
            .cloned()
    }
}

/// The kinds in deletion order: the dependency waves of every kind, last wave first, without
/// the permissions kinds (grants go with their objects).
fn deletion_order(table: &[Arc<dyn Kind>]) -> Result<Vec<Vec<Arc<dyn Kind>>>, EngineError> {
    let waves = graph::waves(table)?;
    let by_name = |n: &str| table.iter().find(|k| k.name() == n).cloned();
    Ok(waves
        .into_iter()
        .rev()
        .map(|wave| {
            wave.into_iter()
                .filter_map(by_name)
                .filter(|k| k.grants_of().is_none())
                .collect::<Vec<_>>()
        })
        .filter(|wave| !wave.is_empty())
        .collect())
}

/// One kind's lines: its created objects through their steps — for a kind whose objects
/// reference each other, in rounds, an object before those it references (`rows::rounds`:
/// a folder before its parent, a group before the groups it holds) —, the others classified
/// from the ledger.
async fn kind_lines(run: &Run, kind: &dyn Kind) -> Result<(Vec<RollbackLine>, usize), EngineError> {
    let (mut lines, candidates, already) = rows::classify(run, kind)?;
    let width = run.ctx.opts.max_concurrency.max(1);
    for round in rows::rounds(run, kind, candidates)? {
        let done: Vec<Result<RollbackLine, EngineError>> = futures::stream::iter(&round)
            .map(|e| object::step(run, kind, e))
            .buffer_unordered(width)
            .collect()
            .await;
        for line in done {
            lines.push(line?);
        }
    }
    Ok((lines, already))
}

/// Rolls the migration of `opts.run_dir` back in `target` (see the module doc). Per-object
/// outcomes are in the report ([`RollbackReport::is_success`]); an `Err` means nothing more
/// could be done (no ledger, the ledger failing).
pub async fn rollback(
    source: &WorkspaceClient,
    target: &WorkspaceClient,
    opts: &EngineOptions,
    how: RollbackOptions,
) -> Result<RollbackReport, EngineError> {
    let access = if how.dry_run {
        Access::ReadOnly
    } else {
        Access::ReadWrite
    };
    let ledger = Arc::new(Ledger::open(&opts.run_dir, access)?);
    let run = Run {
        ctx: Ctx {
            source: source.clone(),
            target: target.clone(),
            opts: Arc::new(opts.clone()),
            ids: IdMap::new(ledger.clone()),
            run_dir: opts.run_dir.clone(),
            cache: Arc::new(kinds::snapshot::RunCache::reading_cutover(
                crate::cutover::resumed,
            )),
        },
        ledger,
        opts: how,
        deleted: Mutex::default(),
        kept_paths: Mutex::default(),
    };
    let table = kinds::all();
    let mut objects = Vec::new();
    let mut already_rolled_back = 0;
    for wave in deletion_order(&table)? {
        let per_kind = futures::future::join_all(wave.iter().map(|k| kind_lines(&run, k.as_ref())));
        for r in per_kind.await {
            let (lines, already) = r?;
            objects.extend(lines);
            already_rolled_back += already;
        }
    }
    let (grants, already) = rows::grants(&run, &table)?;
    objects.extend(grants);
    already_rolled_back += already;
    let place = |k: &str| table.iter().position(|t| t.name() == k);
    objects.sort_by(|a, b| (place(&a.kind), &a.key).cmp(&(place(&b.kind), &b.key)));
    Ok(RollbackReport {
        target: target.host().to_string(),
        dry_run: how.dry_run,
        force: how.force,
        objects,
        already_rolled_back,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deletion_order_is_the_dependency_order_reversed() {
        let table = kinds::all();
        let order: Vec<&str> = deletion_order(&table)
            .unwrap()
            .iter()
            .flatten()
            .map(|k| k.name())
            .collect();
        let pos = |n: &str| order.iter().position(|k| *k == n).unwrap();
        for (first, then) in [
            ("jobs", "clusters"),
            ("clusters", "cluster_policies"),
            ("notebooks", "workspace_folders"),
            ("repos", "workspace_folders"),
            ("pipelines", "notebooks"),
            ("jobs", "pipelines"),
            ("groups", "users"),
            ("secret_scopes", "groups"),
            ("workspace_folders", "users"),
        ] {
            assert!(pos(first) < pos(then), "{first} before {then}: {order:?}");
        }
        assert!(
            !order.iter().any(|k| k.ends_with("_permissions")),
            "grants go with their objects: {order:?}"
        );
    }
}
