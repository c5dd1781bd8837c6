//! Git folders (repos): url, provider, path, sparse checkout (fixed at creation) and the
//! checked-out branch (checked out after creation). Natural key: the path.
//!
//! Git credentials (tokens) can never be read, so every Git folder is a manual action: its
//! users re-authenticate in the target. Uncommitted changes are not transferable by the API.

use brickport_api::ApiResultExt;
use brickport_api::types::repos::{Repo, UpdateRepo};
use futures::TryStreamExt;
use serde_json::{Value, json};

use super::snapshot::Lookup;
use super::{After, Detail, ObjectStream};
use super::{Created, Ctx, Kind, KindFuture, SourceObject, TargetObject, from_json};
use super::{Deleted, InTarget};
use crate::EngineError;
use crate::json::pick;
use crate::ledger::{Action, Category};

/// The kind's name.
pub const NAME: &str = "repos";

/// Git folders.
pub struct Repos;

const FIELDS: &[&str] = &["url", "provider", "path", "branch", "sparse_checkout"];

fn spec(r: &Repo) -> Result<Value, EngineError> {
    let v = super::to_json(NAME, r.path.as_deref().unwrap_or(""), r)?;
    let mut s = pick(&v, FIELDS);
    if let Some(p) = s.get("path").and_then(Value::as_str) {
        s["path"] = json!(super::shared::normalise_path(p));
    }
    Ok(s)
}

fn target(r: Repo) -> Result<Option<TargetObject>, EngineError> {
    let body = spec(&r)?;
    Ok(TargetObject::from_parts(
        r.id.map(|id| id.to_string()),
        r.path.map(|p| super::shared::normalise_path(&p)),
        body,
    ))
}

/// The target Git folder with this id, if it still exists ([`Kind::get`]).
async fn read(ctx: &Ctx, id: &str) -> Result<Option<TargetObject>, EngineError> {
    match ctx.target.repos().get(parse_id(id)?).await.found()? {
        Some(r) => target(r),
        None => Ok(None),
    }
}

fn parse_id(id: &str) -> Result<i64, EngineError> {
    id.parse().map_err(|_| EngineError::Shape {
        kind: NAME,
        key: id.to_string(),
        message: "a Git folder id must be an integer".into(),
    })
}

/// After a Git folder at `/Repos/<folder>/<name>` is deleted, `/Repos/<folder>`, which the
/// target made with it, when it is empty now (gone, or holding anything: left as it is).
async fn delete_repos_folder(ctx: &Ctx, path: &str) -> Result<(), EngineError> {
    let Some((folder, _)) = path.rsplit_once('/') else {
        return Ok(());
    };
    if !folder.starts_with("/Repos/") || folder.matches('/').count() != 2 {
        return Ok(());
    }
    match ctx.target.workspace().delete(folder, false).await {
        Ok(()) => Ok(()),
        Err(e) if e.is_not_found() || e.error_code() == Some("DIRECTORY_NOT_EMPTY") => Ok(()),
        Err(e) => Err(EngineError::api(format!("deleting {folder}"), e)),
    }
}

/// Checks out the source's branch, when it has one.
async fn checkout(ctx: &Ctx, id: i64, desired: &Value) -> Result<(), EngineError> {
    let Some(branch) = desired.get("branch").and_then(Value::as_str) else {
        return Ok(());
    };
    let up = UpdateRepo {
        branch: Some(branch.to_string()),
        ..UpdateRepo::default()
    };
    Ok(ctx.target.repos().update(id, &up).await?)
}

impl Kind for Repos {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        2
    }
    fn after(&self) -> After {
        // Git folders outside /Repos live in user or shared folders; each needs only the
        // folder it is in (none under /Repos: the API makes those).
        After::Object {
            kinds: &[super::workspace_folders::NAME],
            made_with: false,
        }
    }

    fn after_object(&self, obj: &SourceObject) -> Option<String> {
        let (parent, _) = obj.key.rsplit_once('/')?;
        (!parent.is_empty() && !super::shared::in_repos(&obj.key)).then(|| parent.to_string())
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, _: Detail) -> ObjectStream<'a> {
        super::batch_stream(Box::pin(async move {
            let repos: Vec<Repo> = ctx.source.repos().list(None).try_collect().await?;
            let mut out = Vec::new();
            for r in repos {
                let (Some(id), Some(path)) = (r.id, r.path.clone()) else {
                    continue;
                };
                let path = super::shared::normalise_path(&path);
                if !ctx.opts.path_selected(&path) {
                    continue;
                }
                let raw = super::to_json(NAME, &path, &r)?;
                let mut obj = SourceObject::new(id.to_string(), path.clone(), raw, spec(&r)?);
                obj.manual.push(Action::new(Category::Git, format!(
                    "re-authenticate Git folder `{path}` ({}): Git credentials cannot be migrated; each user sets up a Git credential in the target",
                    r.url.as_deref().unwrap_or("")
                )));
                if r.branch.is_none() {
                    obj.manual.push(Action::new(Category::Git, format!(
                        "Git folder `{path}` had a detached HEAD at commit {} in the source: check out the same tag or commit in the target",
                        r.head_commit_id.as_deref().unwrap_or("?")
                    )));
                }
                out.push(obj);
            }
            Ok(out)
        }))
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            // The first lookup of a run comes from one listing of the target's Git folders.
            let listed = ctx
                .cache
                .first_lookup(NAME, &obj.key, || async {
                    Ok(ctx
                        .target
                        .repos()
                        .list(None)
                        .try_filter_map(|r| async move {
                            Ok(r.path
                                .as_deref()
                                .map(super::shared::normalise_path)
                                .zip(r.id)
                                .map(|(p, id)| (p, id.to_string())))
                        })
                        .try_collect()
                        .await?)
                })
                .await?;
            match listed {
                Lookup::Id(id) => return read(ctx, &id).await,
                Lookup::Absent => return Ok(None),
                Lookup::Ask => {}
            }
            let repos: Vec<Repo> = ctx
                .target
                .repos()
                .list(Some(&obj.key))
                .try_collect()
                .await?;
            match repos.into_iter().find(|r| {
                r.path
                    .as_deref()
                    .map(super::shared::normalise_path)
                    .as_deref()
                    == Some(obj.key.as_str())
            }) {
                Some(r) => target(r),
                None => Ok(None),
            }
        })
    }

    fn get<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: &'a str,
    ) -> Option<KindFuture<'a, Option<TargetObject>>> {
        Some(Box::pin(read(ctx, id)))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async move {
            let mut req: Repo = from_json(
                NAME,
                &obj.key,
                &pick(desired, &["url", "provider", "path", "sparse_checkout"]),
            )?;
            req.branch = None;
            // In /Repos a Git folder sits at /Repos/{folder}/{name}: make sure the folder is
            // there (folders under /Repos are not the folders kind's).
            if super::shared::in_repos(&obj.key)
                && let Some((parent, _)) = obj.key.rsplit_once('/')
                && parent != "/Repos"
            {
                ctx.target.workspace().mkdirs(parent).await?;
            }
            let r = ctx.target.repos().create(&req).await?;
            let id = r.id.ok_or_else(|| EngineError::Shape {
                kind: NAME,
                key: obj.key.clone(),
                message: "the create answer has no id".into(),
            })?;
            if r.branch.as_deref() != desired.get("branch").and_then(Value::as_str) {
                checkout(ctx, id, desired).await?;
            }
            Ok(Created {
                id: id.to_string(),
                key: None,
            })
        })
    }

    fn update<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        t: &'a TargetObject,
        desired: &'a Value,
    ) -> KindFuture<'a, ()> {
        Box::pin(async move {
            let fixed: Vec<String> = crate::json::subset_diff(
                &pick(desired, &["url", "provider", "sparse_checkout"]),
                &t.body,
            );
            if !fixed.is_empty() {
                return Err(EngineError::Shape {
                    kind: NAME,
                    key: obj.key.clone(),
                    message: format!(
                        "the target's Git folder differs in {} (fixed at creation): delete it in the target, then run again",
                        fixed.join(", ")
                    ),
                });
            }
            checkout(ctx, parse_id(&t.id)?, desired).await
        })
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        Some(Box::pin(async move {
            ctx.target.repos().delete(parse_id(target.id)?).await?;
            delete_repos_folder(ctx, target.key).await?;
            Ok(Deleted::Done)
        }))
    }
}
