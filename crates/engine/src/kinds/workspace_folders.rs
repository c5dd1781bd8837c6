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

use brickport_api::types::workspace::ObjectInfo;
use futures::StreamExt;
use serde_json::{Value, json};

use super::snapshot::PathLookup;
use super::{Created, Ctx, Kind, KindFuture, RefBy, Reference, SourceObject, TargetObject, api};
use crate::EngineError;

/// The kind's name.
pub const NAME: &str = "workspace_folders";

/// Workspace folders.
pub struct WorkspaceFolders;

/// Git folders live under `/Repos` and are recreated through the Repos API, not as folders.
fn is_repos(path: &str) -> bool {
    path == "/Repos" || path.starts_with("/Repos/")
}

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

/// Every folder under `/` in the source, from the run's shared walk of the tree.
pub(crate) async fn walk_folders(ctx: &Ctx) -> Result<Vec<ObjectInfo>, EngineError> {
    let tree = source_tree(ctx).await?;
    Ok(tree
        .iter()
        .filter(|o| o.object_type.as_deref() == Some("DIRECTORY"))
        .cloned()
        .collect())
}

/// Every object of the source's workspace outside `/Repos` and the path selection (folders
/// included, Git folders not entered), sorted by path. Walked once per run, breadth first,
/// listing up to `max_concurrency` folders at a time, and shared by the kinds that need it.
pub(crate) async fn source_tree(ctx: &Ctx) -> Result<std::sync::Arc<Vec<ObjectInfo>>, EngineError> {
    ctx.cache.source_tree(|| walk_tree(ctx, &ctx.source)).await
}

async fn walk_tree(
    ctx: &Ctx,
    client: &brickport_api::WorkspaceClient,
) -> Result<Vec<ObjectInfo>, EngineError> {
    let width = ctx.opts.max_concurrency.max(1);
    let mut out = Vec::new();
    let mut frontier = vec!["/".to_string()];
    while !frontier.is_empty() {
        let pages: Vec<Result<Vec<ObjectInfo>, EngineError>> =
            futures::stream::iter(frontier.drain(..))
                .map(|p| async move {
                    client
                        .workspace()
                        .list(&p)
                        .await
                        .map_err(api(|| format!("listing workspace folder {p}")))
                })
                .buffer_unordered(width)
                .collect()
                .await;
        for page in pages {
            for o in page? {
                let Some(path) = o.path.clone() else { continue };
                if is_repos(&path) || !ctx.opts.path_selected(&path) {
                    continue;
                }
                if o.object_type.as_deref() == Some("DIRECTORY") {
                    frontier.push(path);
                }
                out.push(o);
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
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
                super::scim::found(ctx.target.workspace().list(&folder).await)
                    .map_err(api(|| format!("listing folder {folder} in the target")))
            })
            .await?;
        match first {
            PathLookup::Found(o) => return Ok(Some(*o)),
            PathLookup::Absent => return Ok(None),
            PathLookup::Ask => {}
        }
    }
    super::scim::found(ctx.target.workspace().get_status(path).await)
        .map_err(api(|| format!("looking up {path} in the target")))
}

impl Kind for WorkspaceFolders {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        1
    }
    fn after(&self) -> &'static [&'static str] {
        // Home folders (`/Users/<name>`) belong to users that must exist first.
        &[super::users::NAME, super::service_principals::NAME]
    }

    fn after_by_object(&self) -> bool {
        // Only `/Users/<name>` needs a principal, its own (see `made_with`).
        true
    }

    fn references(&self) -> &'static [Reference] {
        REFS
    }

    fn list<'a>(&'a self, ctx: &'a Ctx) -> KindFuture<'a, Vec<SourceObject>> {
        Box::pin(async move {
            let folders = walk_folders(ctx).await?;
            let ids: std::collections::BTreeMap<String, String> = folders
                .iter()
                .filter_map(|o| {
                    let path = o.path.clone()?;
                    let id = o.object_id.map(|i| i.to_string());
                    Some((path.clone(), id.unwrap_or(path)))
                })
                .collect();
            let mut out = Vec::new();
            for o in folders {
                let Some(path) = o.path.clone() else { continue };
                let Some(id) = ids.get(&path).cloned() else {
                    continue;
                };
                // Only a listed parent: `/`, or one outside the path selection, is not migrated.
                let parent = parent_of(&path).and_then(|p| ids.get(p));
                let raw = super::to_json(NAME, &path, &o)?;
                out.push(SourceObject::new(
                    id,
                    path.clone(),
                    raw,
                    spec(&path, parent.map(String::as_str)),
                ));
            }
            Ok(out)
        })
    }

    fn made_with(&self, obj: &SourceObject) -> Option<(&'static [&'static str], String)> {
        // `/Users/<userName or applicationId>`: the target makes it with the principal.
        let name = obj.key.strip_prefix("/Users/")?;
        (!name.is_empty() && !name.contains('/')).then(|| {
            (
                &[super::users::NAME, super::service_principals::NAME][..],
                name.to_string(),
            )
        })
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
            let home = self.made_with(obj).is_some();
            let found = target_object(ctx, &obj.key, home).await?;
            Ok(found.map(|o| TargetObject {
                id: o.object_id.map(|i| i.to_string()).unwrap_or_default(),
                key: obj.key.clone(),
                body: json!({"path": obj.key, "object_type": o.object_type}),
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
            ws.mkdirs(&obj.key)
                .await
                .map_err(api(|| format!("creating folder {}", obj.key)))?;
            // Created after its lookup found it absent: empty, so its children are absent
            // (not so a home folder, which the target may make and fill by itself).
            if self.made_with(obj).is_none() {
                ctx.cache.created_empty(&obj.key);
            }
            // mkdirs answers `{}`: read the new folder's id (permissions use it).
            let o = ws
                .get_status(&obj.key)
                .await
                .map_err(api(|| format!("reading the new folder {}", obj.key)))?;
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
}
