//! Workspace folders: every folder, empty ones included, outside `/Repos` (Git folders are the
//! repos kind's). Natural key: the path. Notebooks, files and repos need their folders first.
//! Folders honour the include/exclude path prefixes of the options.
//!
//! A folder references its parent folder (when that is listed too): the engine then runs a
//! parent before its children (`order.rs`), so each folder is created by its own call and
//! counted `created` once — `mkdirs` would otherwise create the parents of a deeper folder
//! first, and the parent itself would then be found and counted `unchanged`, unlike in `plan`.
//! A home folder `/Users/<name>` is made by the target with its user: after this run created
//! the user, it counts as created too (`Kind::made_with`), as `plan` says.
//!
//! A path's first lookup (folders here, notebooks and files too) is answered from its parent's
//! listing, or needs nothing when this run created the parent empty (`snapshot.rs`); a home
//! folder, which the target may make at any moment of the run, is always asked for.

use brickport_api::ApiResultExt;
use brickport_api::types::workspace::ObjectInfo;
use futures::{StreamExt, TryStreamExt};
use serde_json::{Value, json};

use super::snapshot::PathLookup;
use super::source_walk::SourceWalk;
use super::{After, Detail};
use super::{
    Created, Ctx, Kind, KindFuture, ObjectStream, RefBy, Reference, SourceObject, TargetObject,
};
use super::{Deleted, Drift, InTarget};
use crate::EngineError;

/// The kind's name.
pub const NAME: &str = "workspace_folders";

/// Workspace folders.
pub struct WorkspaceFolders;

/// The parent folder's source id, a reference to this kind (resolved before the folder runs).
const REFS: &[Reference] = &[Reference {
    path: "parent",
    kinds: &[NAME],
    by: RefBy::Id,
    // A folder whose parent failed is skipped with that reason (not created by a `mkdirs`
    // of its own, which would make the parent anyway).
    required: true,
    deferred: false,
}];

fn spec(path: &str, parent: Option<&str>) -> Value {
    let mut v = json!({"path": path, "object_type": "DIRECTORY"});
    if let Some(p) = parent {
        v["parent"] = json!(p);
    }
    v
}

/// The parent of a workspace path (`/a/b` → `/a`; none for `/a`).
fn parent_of(path: &str) -> Option<&str> {
    let (parent, _) = path.rsplit_once('/')?;
    (!parent.is_empty()).then_some(parent)
}

/// The run's walk of the source's workspace tree: every object outside `/Repos` and the path
/// selection (folders included, Git folders not entered), streamed as it is listed and shared
/// by the kinds that need it (see `source_walk`).
pub(crate) fn source_walk(ctx: &Ctx) -> std::sync::Arc<SourceWalk> {
    ctx.cache.source_walk(|| {
        let opts = ctx.opts.clone();
        // Its readers: the selected kinds that stream the tree (it drops what all have read).
        let consumers = super::select(&super::all(), &opts.only, opts.phase)
            .map(|kinds| kinds.iter().filter(|k| k.streamed()).count())
            .unwrap_or(0);
        SourceWalk::start(
            ctx.source.clone(),
            ctx.opts.max_concurrency,
            std::sync::Arc::new(move |p: &str| opts.path_selected(p)),
            super::source_walk::Pacing::for_consumers(consumers),
        )
    })
}

/// The folders of the source as they are listed, each with its parent's source id when the
/// parent is listed too (a parent comes before its children).
fn folder_stream(ctx: &Ctx) -> ObjectStream<'_> {
    let walk = source_walk(ctx).stream();
    let ids = std::collections::HashMap::<String, String>::new();
    Box::pin(
        walk.try_filter(|o| std::future::ready(o.object_type.as_deref() == Some("DIRECTORY")))
            .scan(ids, |ids, o| {
                let item = o.and_then(|o| {
                    let Some(path) = o.path.clone() else {
                        return Ok(None);
                    };
                    let id = o.object_id.map(|i| i.to_string()).unwrap_or(path.clone());
                    ids.insert(path.clone(), id.clone());
                    // Only a listed parent: `/`, or one outside the path selection, is not migrated.
                    let parent = parent_of(&path).and_then(|p| ids.get(p)).cloned();
                    let raw = super::to_json(NAME, &path, o.as_ref())?;
                    Ok(Some(SourceObject::new(
                        id,
                        path.clone(),
                        raw,
                        spec(&path, parent.as_deref()),
                    )))
                });
                std::future::ready(Some(item))
            })
            .try_filter_map(|o| std::future::ready(Ok(o))),
    )
}

/// The target's object at a workspace path: the run's first lookup of it from its parent's
/// listing (or nothing, when this run created the parent empty), later ones by `get-status`.
/// `ask_only` (a home folder) always asks.
pub(crate) async fn target_object(
    ctx: &Ctx,
    path: &str,
    ask_only: bool,
) -> Result<Option<ObjectInfo>, EngineError> {
    if !ask_only {
        let first = ctx
            .cache
            .first_path_lookup(path, |folder| async move {
                Ok(ctx.target.workspace().list(&folder).await.found()?)
            })
            .await?;
        match first {
            PathLookup::Found(o) => return Ok(Some(*o)),
            PathLookup::Absent => return Ok(None),
            PathLookup::Ask => {}
        }
    }
    Ok(ctx.target.workspace().get_status(path).await.found()?)
}

/// The kinds whose objects live in the workspace tree, with the ledger key of the object at
/// `path`: the path itself, or a dashboard's or a v2 alert's (the path less its suffix).
fn in_tree(path: &str) -> [(&'static str, Option<&str>); 8] {
    [
        (NAME, Some(path)),
        (super::notebooks::NAME, Some(path)),
        (super::repos::NAME, Some(path)),
        (super::dashboards::NAME, path.strip_suffix(".lvdash.json")),
        (super::genie_spaces::NAME, Some(path)),
        (super::sql_queries::NAME, Some(path)),
        (super::sql_alerts::NAME, Some(path)),
        (
            super::sql_alerts_v2::NAME,
            path.strip_suffix(".dbalert.json"),
        ),
    ]
}

/// Whether this migration created the object at `path` (by the ledger).
fn created_here(ctx: &Ctx, path: &str) -> Result<bool, EngineError> {
    for (kind, key) in in_tree(path) {
        let Some(key) = key else { continue };
        if ctx
            .ids
            .ledger()
            .get_by_key(kind, key)?
            .is_some_and(|e| e.created)
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// `rollback`'s look at a folder it created: what it holds that this migration did not
/// create (never deleted with it, `--force` or not). `None` when it is gone.
async fn drift(ctx: &Ctx, path: &str) -> Result<Option<Drift>, EngineError> {
    // Listing a path that is not a folder answers the object itself.
    let Some(inside) = ctx.target.workspace().list(path).await.found()? else {
        return Ok(None);
    };
    let mut d = Drift::default();
    for o in inside {
        match o.path.as_deref() {
            Some(p) if p == path => d.differs.push("object_type (no longer a folder)".into()),
            Some(p) if !created_here(ctx, p)? => d.holds.push(p.to_string()),
            _ => {}
        }
    }
    Ok(Some(d))
}

/// Deletes a folder, never what it holds: one that is not empty (something appeared in it,
/// or an object inside was kept) is kept, naming what is in it.
async fn delete(ctx: &Ctx, path: &str) -> Result<Deleted, EngineError> {
    let ws = ctx.target.workspace();
    match ws.delete(path, false).await {
        Ok(()) => Ok(Deleted::Done),
        Err(e) if e.error_code() == Some("DIRECTORY_NOT_EMPTY") => {
            let inside = ws.list(path).await.found()?.unwrap_or_default();
            let names: Vec<String> = inside.into_iter().filter_map(|o| o.path).collect();
            Ok(Deleted::Kept(format!(
                "not empty: holds {}",
                names.join(", ")
            )))
        }
        Err(e) => Err(e.into()),
    }
}

impl Kind for WorkspaceFolders {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        1
    }
    fn after(&self) -> After {
        // Home folders (`/Users/<name>`) belong to principals that must exist first; the
        // target makes one with its principal.
        After::Object {
            kinds: &[super::users::NAME, super::service_principals::NAME],
            made_with: true,
        }
    }

    fn references(&self) -> &'static [Reference] {
        REFS
    }

    fn streamed(&self) -> bool {
        true
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, _: Detail) -> ObjectStream<'a> {
        folder_stream(ctx)
    }

    fn after_object(&self, obj: &SourceObject) -> Option<String> {
        // `/Users/<userName or applicationId>`: only a home folder needs its principal.
        let name = obj.key.strip_prefix("/Users/")?;
        (!name.is_empty() && !name.contains('/')).then(|| name.to_string())
    }

    fn compare(&self, _: &SourceObject, desired: &Value, t: &TargetObject) -> Vec<String> {
        // The parent reference orders the run; the target's folder has no such field.
        let mut want = desired.clone();
        if let Value::Object(m) = &mut want {
            m.remove("parent");
        }
        crate::json::subset_diff(&want, &t.body)
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            // A home folder may be made by the target after its parent `/Users` was listed.
            let home = self.after_object(obj).is_some();
            let found = target_object(ctx, &obj.key, home).await?;
            Ok(found.map(|o| TargetObject {
                id: o.object_id.map(|i| i.to_string()).unwrap_or_default(),
                key: obj.key.clone(),
                body: json!({"path": obj.key, "object_type": o.object_type}),
                facts: Default::default(),
            }))
        })
    }

    fn create<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async move {
            let ws = ctx.target.workspace();
            ws.mkdirs(&obj.key).await?;
            // Created after its lookup found it absent: empty, so its children are absent
            // (not so a home folder, which the target may make and fill by itself).
            if self.after_object(obj).is_none() {
                ctx.cache.created_empty(&obj.key);
            }
            // mkdirs answers `{}`: read the new folder's id (permissions use it).
            let o = ws.get_status(&obj.key).await?;
            Ok(Created {
                id: o.object_id.map(|i| i.to_string()).unwrap_or_default(),
                key: None,
            })
        })
    }

    fn update<'a>(
        &'a self,
        _: &'a Ctx,
        obj: &'a SourceObject,
        t: &'a TargetObject,
        _: &'a Value,
    ) -> KindFuture<'a, ()> {
        Box::pin(async move {
            // A folder has nothing to update; a different object at its path cannot become one.
            Err(EngineError::Shape {
                kind: NAME,
                key: obj.key.clone(),
                message: format!(
                    "the target has a {} at this path, not a folder: move or delete it, then run again",
                    t.body["object_type"]
                        .as_str()
                        .unwrap_or("non-folder object")
                ),
            })
        })
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        Some(Box::pin(delete(ctx, target.key)))
    }

    fn drift<'a>(
        &'a self,
        ctx: &'a Ctx,
        _: &'a SourceObject,
        target: InTarget<'a>,
    ) -> Option<KindFuture<'a, Option<Drift>>> {
        Some(Box::pin(drift(ctx, target.key)))
    }
}
