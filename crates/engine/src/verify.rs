//! `verify`: the source against the target, with the id map applied — a real check that can
//! fail, unlike a plan (which trusts the ledger's content hashes and so never sees a change
//! made in the target).
//!
//! For every selected kind, every source object is remapped through the ledger (every
//! reference, deferred ones included), looked up in the target (by the ledger's target id,
//! else by natural key) and compared with the kind's own `compare`. Notebooks and files are
//! compared by content: the kind exports both sides for one object at a time, so at most
//! `max_concurrency` contents are in memory. Also reported: objects missing from the target,
//! objects the migration did not complete (failed, in conflict, pending), source objects the
//! ledger does not know (new since the migration), ledger objects gone from the source, and
//! references in the target that still hold a source id (not remapped). What `cutover`
//! switched on (a job's schedule) is expected on: the objects are listed through the engine's
//! one listing path, which marks it ([`crate::kinds::cut_over::keep_resumed`]).

use std::collections::BTreeSet;
use std::sync::Arc;

use brickport_api::WorkspaceClient;
use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use serde_json::Value;

use crate::idmap::{IdMap, Pass};
use crate::kinds::{Ctx, Kind, Mode, RefBy, SourceObject};
use crate::ledger::{Access, Ledger, Status};
use crate::progress::Progress;
use crate::{EngineError, EngineOptions, graph, json};

/// What is wrong with one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mismatch {
    /// In the ledger as migrated, but not found in the target.
    Missing,
    /// Found in the target, with different fields (listed).
    Differs,
    /// The migration did not complete it (failed, in conflict, pending).
    NotMigrated,
    /// In the source, unknown to the ledger (created in the source since the migration).
    NotInLedger,
    /// Migrated, but no longer in the source.
    GoneFromSource,
    /// A reference could not be mapped to the target, or the target still holds a source id.
    Unremapped,
    /// The target could not be read for it.
    Unreadable,
    /// A reference or grant of the source is missing in the target: the migration dropped it
    /// because what it names was left out (`--only`/`--skip`) or failed.
    Lost,
}

/// One difference.
#[derive(Debug, Clone, Serialize)]
pub struct Difference {
    /// The kind.
    pub kind: String,
    /// The object's natural key.
    pub key: String,
    /// Its id in the source.
    pub source_id: String,
    /// Its id in the target, when known.
    pub target_id: Option<String>,
    /// What is wrong.
    pub mismatch: Mismatch,
    /// The fields that differ, or the references, or the reason.
    pub details: Vec<String>,
}

/// One kind's counts.
#[derive(Debug, Clone, Default, Serialize)]
pub struct VerifyKind {
    /// The kind.
    pub kind: String,
    /// Source objects compared with the target.
    pub compared: usize,
    /// Of those, equal.
    pub equal: usize,
    /// Objects with a difference (any [`Mismatch`]).
    pub differing: usize,
    /// Objects not compared on purpose (skipped by the migration, built-ins mapped only).
    pub skipped: usize,
}

/// What [`verify`] returns.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    /// The source host.
    pub source: String,
    /// The target host.
    pub target: String,
    /// Per kind, in table order.
    pub kinds: Vec<VerifyKind>,
    /// Every difference, by kind then key.
    pub differences: Vec<Difference>,
    /// Optional references the migration dropped because what they name was skipped on
    /// purpose (reported when it ran; not a difference). One dropped because what it names
    /// was left out or failed is a difference ([`Mismatch::Lost`]).
    pub notes: Vec<String>,
}

impl VerifyReport {
    /// Nothing differs.
    pub fn is_success(&self) -> bool {
        self.differences.is_empty()
    }

    /// Objects compared, over all kinds.
    pub fn compared(&self) -> usize {
        self.kinds.iter().map(|k| k.compared).sum()
    }
}

enum Verdict {
    Equal,
    Skipped,
    Differs(Difference),
}

fn diff(
    kind: &str,
    obj: &SourceObject,
    tid: Option<String>,
    mismatch: Mismatch,
    details: Vec<String>,
) -> Verdict {
    Verdict::Differs(Difference {
        kind: kind.to_string(),
        key: obj.key.clone(),
        source_id: obj.source_id.clone(),
        target_id: tid,
        mismatch,
        details,
    })
}

/// Values at the kind's reference paths in the target that are source ids of the ledger
/// whose target id differs: references copied without remapping.
fn unremapped(ledger: &Ledger, kind: &dyn Kind, body: &Value) -> Result<Vec<String>, EngineError> {
    let mut out = Vec::new();
    for r in kind.references() {
        for v in json::strings_at(body, r.path) {
            for k in r.kinds {
                let e = match r.by {
                    RefBy::Id => ledger.get(k, &v)?,
                    RefBy::Key => ledger.get_by_key(k, &v)?,
                };
                let Some(e) = e else { continue };
                let mapped = match r.by {
                    RefBy::Id => e.target_id.clone(),
                    RefBy::Key => e.target_id.as_ref().map(|_| {
                        e.target_key
                            .clone()
                            .unwrap_or_else(|| e.natural_key.clone())
                    }),
                };
                if mapped.is_some_and(|m| m != v) {
                    out.push(format!(
                        "{} `{v}` is the source's {k} id, not the target's",
                        r.path
                    ));
                }
            }
        }
    }
    Ok(out)
}

struct Env<'a> {
    ctx: &'a Ctx,
    ledger: &'a Ledger,
}

/// What the target should hold for `obj` (references remapped; what the cut-over resumed is
/// on in its spec already) and the source's references it cannot hold (lost: what they name
/// is not in the target, and not by a skip on purpose), or the verdict when a required
/// reference cannot be remapped.
fn desired(
    env: &Env<'_>,
    kind: &dyn Kind,
    obj: &SourceObject,
    target_id: &Option<String>,
    notes: &std::sync::Mutex<Vec<String>>,
) -> Result<Result<(Value, Vec<String>), Verdict>, EngineError> {
    let name = kind.name();
    let ids = &env.ctx.ids;
    let (desired, mut unresolved) =
        ids.remap(&obj.spec(), kind.references(), Pass::Second, false)?;
    unresolved.extend(ids.unmet(kind.needs(), &obj.facts.needs)?);
    let required: Vec<String> = unresolved
        .iter()
        .filter(|u| u.required)
        .map(|u| format!("{} `{}`: {}", u.path, u.value, u.reason))
        .collect();
    if !required.is_empty() {
        return Ok(Err(diff(
            name,
            obj,
            target_id.clone(),
            Mismatch::Unremapped,
            required,
        )));
    }
    let (lost, skipped): (Vec<_>, Vec<_>) =
        unresolved.iter().partition(|u| u.reason.state.is_lost());
    if !skipped.is_empty() {
        let mut n = notes.lock().unwrap_or_else(|p| p.into_inner());
        for u in skipped {
            n.push(format!(
                "{name} {}: reference {} `{}` dropped: {}",
                obj.key, u.path, u.value, u.reason
            ));
        }
    }
    let lost = lost
        .iter()
        .map(|u| format!("{} `{}` dropped: {}", u.path, u.value, u.reason))
        .collect();
    Ok(Ok((desired, lost)))
}

/// The verdict on an object found in the target: the fields that differ, then the references
/// of the source it lacks (lost).
fn verdict(
    name: &str,
    obj: &SourceObject,
    tid: Option<String>,
    fields: Vec<String>,
    lost: Vec<String>,
) -> Verdict {
    match (fields.is_empty(), lost.is_empty()) {
        (true, true) => Verdict::Equal,
        (true, false) => diff(name, obj, tid, Mismatch::Lost, lost),
        (false, _) => diff(name, obj, tid, Mismatch::Differs, [fields, lost].concat()),
    }
}

async fn check(
    env: &Env<'_>,
    kind: &dyn Kind,
    obj: &SourceObject,
    notes: &std::sync::Mutex<Vec<String>>,
) -> Result<Verdict, EngineError> {
    let name = kind.name();
    if matches!(obj.mode, Mode::Skip(_) | Mode::MapOnly(_)) {
        return Ok(Verdict::Skipped);
    }
    let Some(row) = env.ledger.get(name, &obj.source_id)? else {
        return Ok(diff(
            name,
            obj,
            None,
            Mismatch::NotInLedger,
            vec![
                "not migrated: new in the source since the migration? run `brickport migrate`"
                    .into(),
            ],
        ));
    };
    match row.status {
        Status::Skipped => return Ok(Verdict::Skipped),
        s if !s.is_done() => {
            let mut d = vec![format!("{} in the ledger", s.as_str())];
            d.extend(row.last_error.clone());
            return Ok(diff(
                name,
                obj,
                row.target_id.clone(),
                Mismatch::NotMigrated,
                d,
            ));
        }
        _ => {}
    }
    let (desired, lost) = match desired(env, kind, obj, &row.target_id, notes)? {
        Ok(d) => d,
        Err(verdict) => return Ok(verdict),
    };
    // By the ledger's target id when the kind reads by id; else, or when gone, by key.
    let located = match row
        .target_id
        .as_deref()
        .and_then(|id| kind.get(env.ctx, id))
    {
        Some(read) => read.await,
        None => Ok(None),
    };
    let located = match located {
        Ok(Some(t)) => Ok(Some(t)),
        Ok(None) => kind.find(env.ctx, obj, &desired).await,
        Err(e) => Err(e),
    }
    .map_err(|e| e.context(|| format!("reading {name} `{}` in the target", obj.key)));
    let target = match located {
        Ok(Some(t)) => t,
        Ok(None) => {
            return Ok(diff(
                name,
                obj,
                row.target_id.clone(),
                Mismatch::Missing,
                vec!["not found in the target: deleted there? run `brickport migrate` to re-create it".into()],
            ));
        }
        Err(e) => {
            return Ok(diff(
                name,
                obj,
                row.target_id.clone(),
                Mismatch::Unreadable,
                vec![e.to_string()],
            ));
        }
    };
    let tid = Some(target.id.clone());
    let stale = unremapped(env.ledger, kind, &target.body)?;
    if !stale.is_empty() {
        return Ok(diff(name, obj, tid, Mismatch::Unremapped, stale));
    }
    let fields = kind.compare(obj, &desired, &target);
    Ok(verdict(name, obj, tid, fields, lost))
}

/// Ledger objects of `kind` migrated but no longer listed in the source.
fn gone(
    ledger: &Ledger,
    opts: &EngineOptions,
    kind: &str,
    listed: &BTreeSet<&str>,
) -> Result<Vec<Difference>, EngineError> {
    let mut out = Vec::new();
    for e in ledger.entries(Some(kind))? {
        if !e.status.is_done() || listed.contains(e.source_id.as_str()) {
            continue;
        }
        // A path left out by the selection is not gone.
        if e.natural_key.starts_with('/') && !opts.path_selected(&e.natural_key) {
            continue;
        }
        out.push(Difference {
            kind: kind.to_string(),
            key: e.natural_key.clone(),
            source_id: e.source_id.clone(),
            target_id: e.target_id.clone(),
            mismatch: Mismatch::GoneFromSource,
            details: vec![
                "migrated, but no longer in the source: still in the target (delete it there if it should go)".into(),
            ],
        });
    }
    Ok(out)
}

/// Compares `source` with `target` for the selected kinds, through the ledger of
/// `opts.run_dir` (which must exist). Writes nothing anywhere. Differences are in the report
/// ([`VerifyReport::is_success`]); an `Err` means the comparison could not be made.
pub async fn verify(
    source: &WorkspaceClient,
    target: &WorkspaceClient,
    opts: &EngineOptions,
) -> Result<VerifyReport, EngineError> {
    verify_with_progress(source, target, opts, &crate::progress::NoProgress).await
}

/// [`verify`], telling `progress` each kind's listing and each object compared.
pub async fn verify_with_progress(
    source: &WorkspaceClient,
    target: &WorkspaceClient,
    opts: &EngineOptions,
    progress: &dyn Progress,
) -> Result<VerifyReport, EngineError> {
    let selected = graph::select(&crate::kinds::all(), &opts.only, opts.phase)?;
    let ledger = Arc::new(Ledger::open(&opts.run_dir, Access::ReadOnly)?);
    progress.run_started(&selected.iter().map(|k| k.name()).collect::<Vec<_>>());
    let ctx = Ctx {
        source: source.clone(),
        target: target.clone(),
        opts: Arc::new(opts.clone()),
        ids: IdMap::new(ledger.clone()),
        run_dir: opts.run_dir.clone(),
        cache: Arc::new(crate::kinds::snapshot::RunCache::reading_cutover(
            crate::cutover::resumed,
        )),
    };
    let env = Env {
        ctx: &ctx,
        ledger: &ledger,
    };
    let width = opts.max_concurrency.max(1);
    let notes = std::sync::Mutex::new(Vec::new());
    let mut kinds_out = Vec::new();
    let mut differences = Vec::new();
    for kind in &selected {
        let kind = kind.as_ref();
        progress.kind_started(kind.name(), 0);
        let objs: Vec<SourceObject> = crate::process::list_stream(&ctx, kind)
            .inspect_ok(|_| progress.object_listed(kind.name()))
            .try_collect()
            .await?;
        progress.kind_listed(kind.name(), objs.len());
        let env = &env;
        let notes = &notes;
        let verdicts: Vec<Result<Verdict, EngineError>> = futures::stream::iter(objs.iter())
            .map(|o| async move {
                let v = check(env, kind, o, notes).await;
                progress.object_verified(kind.name(), !matches!(v, Ok(Verdict::Differs(_))));
                v
            })
            .buffered(width)
            .collect()
            .await;
        let mut k = VerifyKind {
            kind: kind.name().to_string(),
            ..VerifyKind::default()
        };
        for v in verdicts {
            match v? {
                Verdict::Skipped => k.skipped += 1,
                Verdict::Equal => {
                    k.compared += 1;
                    k.equal += 1;
                }
                Verdict::Differs(d) => {
                    k.compared += 1;
                    k.differing += 1;
                    differences.push(d);
                }
            }
        }
        let listed: BTreeSet<&str> = objs.iter().map(|o| o.source_id.as_str()).collect();
        let gone = gone(&ledger, opts, kind.name(), &listed)?;
        k.differing += gone.len();
        differences.extend(gone);
        progress.kind_verified(kind.name(), k.compared, k.differing);
        kinds_out.push(k);
    }
    differences.sort_by(|a, b| (&a.kind, &a.key).cmp(&(&b.kind, &b.key)));
    let mut notes = notes.into_inner().unwrap_or_else(|p| p.into_inner());
    notes.sort();
    Ok(VerifyReport {
        source: source.host().to_string(),
        target: target.host().to_string(),
        kinds: kinds_out,
        differences,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Record;
    use serde_json::json;

    #[test]
    fn source_ids_left_in_the_target_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let l = Ledger::open(dir.path(), Access::Create).unwrap();
        l.record_outcome(
            &Record::new("clusters", "src-1", "etl", Status::Created)
                .target(Some("tgt-9"), None)
                .owned(true),
        )
        .unwrap();
        let jobs = crate::kinds::jobs::Jobs;
        let stale = json!({"tasks": [{"task_key": "a", "existing_cluster_id": "src-1"}]});
        let found = unremapped(&l, &jobs, &stale).unwrap();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].contains("tasks[].existing_cluster_id `src-1`"),
            "{found:?}"
        );
        let fine = json!({"tasks": [{"task_key": "a", "existing_cluster_id": "tgt-9"}]});
        assert!(unremapped(&l, &jobs, &fine).unwrap().is_empty());
    }
}
