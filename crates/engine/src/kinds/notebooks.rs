//! Notebooks and workspace files: every one outside `/Repos` (Git folders are the repos
//! kind's), in every language. Natural key: the path.
//!
//! Notebooks move as SOURCE with their language (the API does not say whether a notebook was
//! born as an `.ipynb`, so JUPYTER cannot be told apart and SOURCE keeps every cell); files move
//! byte for byte (RAW). Each object's content is exported, written to
//! `<run_dir>/backups/content/{notebooks,files}/<path>` (0600, folders 0700), imported, and
//! dropped: one object per worker in memory, never the whole tree.
//!
//! Change detection never reads content: the spec holds `modified_at` and `size`, so an
//! unchanged re-run exports nothing. When the target already has an object at the path (a
//! crash between import and ledger, or an object the migration did not create), both sides are
//! exported and compared byte for byte. An object over the API's 10 MB limit fails alone, with
//! a manual action to copy it by hand.

use std::path::{Path, PathBuf};

use brickport_api::types::workspace::{ExportFormat, Import, ObjectInfo};
use futures::TryStreamExt;
use serde_json::{Value, json};

use super::Detail;
use super::{
    Created, Ctx, Kind, KindFuture, Mode, ObjectStream, RefBy, Reference, SourceObject,
    TargetObject,
};
use super::{Deleted, Drift, InTarget};
use crate::EngineError;
use crate::ledger::{Action, Category, SkipReason};

/// The kind's name.
pub const NAME: &str = "notebooks";

/// Notebooks and workspace files.
pub struct Notebooks;

/// The most the import/export API moves (10 MB).
pub const MAX_BYTES: i64 = 10 * 1024 * 1024;

/// What a failure for size says.
const TOO_BIG: &str = "over the 10 MB the workspace import/export API moves";

const REFS: &[Reference] = &[Reference {
    path: "parent",
    kinds: &[super::workspace_folders::NAME],
    by: RefBy::Key,
    required: true,
    deferred: false,
}];

/// Every notebook and file (and skipped library) under `/` in the source, outside `/Repos`
/// and the path selection, as the run's shared walk of the tree lists them. An AI/BI
/// dashboard, a Genie space, a SQL query or alert in the tree is its own kind's (through its
/// own API; `QUERY` and `ALERT` are [UNVERIFIED] object types: the SDK's enum has neither).
fn object_stream(ctx: &Ctx) -> ObjectStream<'_> {
    let walk = super::workspace_folders::source_walk(ctx).stream();
    Box::pin(
        walk.try_filter(|o| {
            std::future::ready(!matches!(
                o.object_type.as_deref(),
                Some("DIRECTORY" | "REPO" | "QUERY" | "ALERT" | "DASHBOARD" | "GENIE_SPACE")
            ))
        })
        .and_then(|o| std::future::ready(source_object(&o)))
        .try_filter_map(|o| std::future::ready(Ok(o))),
    )
}

/// A listed workspace object as a source object (`None` without a path).
fn source_object(o: &ObjectInfo) -> Result<Option<SourceObject>, EngineError> {
    let Some(path) = o.path.clone() else {
        return Ok(None);
    };
    let id = o
        .object_id
        .map(|i| i.to_string())
        .unwrap_or_else(|| path.clone());
    let raw = super::to_json(NAME, &path, o)?;
    let kind = o.object_type.clone().unwrap_or_default();
    let mut spec = json!({
        "path": path,
        "object_type": kind,
        "modified_at": o.modified_at,
        "size": o.size,
    });
    if let Some(l) = &o.language {
        spec["language"] = json!(l);
    }
    if let Some(p) = parent_of(&path) {
        spec["parent"] = json!(p);
    }
    let mut obj = SourceObject::new(id, path.clone(), raw, spec);
    if kind != "NOTEBOOK" && kind != "FILE" {
        obj.mode = Mode::Skip(SkipReason::NotExportable {
            object_type: kind.to_string(),
        });
        obj.manual.push(Action::new(
            Category::Other,
            format!("re-create the {kind} `{path}` in the target by hand"),
        ));
    }
    Ok(Some(obj))
}

fn parent_of(path: &str) -> Option<&str> {
    match path.rfind('/') {
        Some(0) | None => None,
        Some(i) => Some(&path[..i]),
    }
}

/// Where an object's content is kept in the run directory (path components checked, so a
/// strange name can never escape the folder).
fn backup_path(run_dir: &Path, notebook: bool, path: &str) -> Result<PathBuf, EngineError> {
    let mut p =
        run_dir
            .join("backups")
            .join("content")
            .join(if notebook { "notebooks" } else { "files" });
    for part in path.split('/').filter(|s| !s.is_empty()) {
        if part == "." || part == ".." {
            return Err(EngineError::Shape {
                kind: NAME,
                key: path.to_string(),
                message: "the path contains `.` or `..`".into(),
            });
        }
        p.push(part);
    }
    Ok(p)
}

fn ensure_dirs(run_dir: &Path, file: &Path) -> Result<(), EngineError> {
    // Create each level owner-only, from the backups folder down.
    let base = run_dir.join("backups");
    let Some(parent) = file.parent() else {
        return Ok(());
    };
    let rel = parent.strip_prefix(&base).unwrap_or(parent);
    let mut cur = base;
    crate::backup::ensure_private_dir(&cur)?;
    for c in rel.components() {
        cur.push(c);
        if !cur.is_dir() {
            crate::backup::ensure_private_dir(&cur)?;
        }
    }
    Ok(())
}

fn is_notebook(spec: &Value) -> bool {
    spec["object_type"] == json!("NOTEBOOK")
}

fn too_big(path: &str, size: impl std::fmt::Display) -> EngineError {
    EngineError::TooLarge {
        kind: NAME,
        key: path.to_string(),
        message: format!("{size} bytes: {TOO_BIG}"),
    }
}

/// Exports one object's content from a workspace.
async fn export(
    client: &brickport_api::WorkspaceClient,
    path: &str,
    notebook: bool,
    side: &str,
) -> Result<Vec<u8>, EngineError> {
    let format = if notebook {
        ExportFormat::Source
    } else {
        ExportFormat::Raw
    };
    match client.workspace().export(path, format).await {
        Ok(e) => Ok(e.content),
        Err(e) if e.error_code() == Some("MAX_NOTEBOOK_SIZE_EXCEEDED") => {
            Err(too_big(path, "more than 10485760"))
        }
        Err(e) => Err(EngineError::api(
            format!("exporting {path} from the {side}"),
            e,
        )),
    }
}

/// Where `obj` is in the source: its key, unless a principal rename moved it (a notebook
/// under a renamed user's home folder).
fn source_path(obj: &SourceObject) -> &str {
    obj.facts.source_key.as_deref().unwrap_or(&obj.key)
}

/// Export from the source, keep a copy in the run directory, import into the target.
async fn copy(ctx: &Ctx, obj: &SourceObject, overwrite: bool) -> Result<(), EngineError> {
    let path = obj.key.as_str();
    let spec = obj.spec();
    let notebook = is_notebook(&spec);
    if let Some(size) = spec["size"].as_i64()
        && size > MAX_BYTES
    {
        return Err(too_big(path, size));
    }
    let content = export(&ctx.source, source_path(obj), notebook, "source").await?;
    if content.len() as i64 > MAX_BYTES {
        return Err(too_big(path, content.len()));
    }
    let file = backup_path(&ctx.run_dir, notebook, path)?;
    ensure_dirs(&ctx.run_dir, &file)?;
    crate::backup::write_private(&file, &content)?;
    let import = Import {
        path: path.to_string(),
        format: if notebook {
            ExportFormat::Source
        } else {
            ExportFormat::Raw
        },
        language: if notebook {
            spec["language"].as_str().map(str::to_string)
        } else {
            None
        },
        content,
        overwrite,
    };
    match ctx.target.workspace().import(&import).await {
        Ok(()) => Ok(()),
        Err(e) if e.error_code() == Some("MAX_NOTEBOOK_SIZE_EXCEEDED") => {
            Err(too_big(path, import.content.len()))
        }
        Err(e) => Err(e.into()),
    }
}

/// How the target's object at `path` stands against what was imported there (`written`):
/// its content against the copy the run directory kept of the bytes imported — not the
/// source's, which may have changed since (this is `rollback`'s question: was it changed in
/// the target?).
async fn drift(
    ctx: &Ctx,
    written: &SourceObject,
    path: &str,
) -> Result<Option<Drift>, EngineError> {
    use brickport_api::ApiResultExt;
    let Some(t) = ctx.target.workspace().get_status(path).await.found()? else {
        return Ok(None);
    };
    let spec = written.spec();
    let mut differs = Vec::new();
    if t.object_type.as_deref() != spec["object_type"].as_str() {
        differs.push("object_type".to_string());
        return Ok(Some(Drift {
            differs,
            holds: Vec::new(),
        }));
    }
    if t.language.as_deref() != spec["language"].as_str() {
        differs.push("language".into());
    }
    let notebook = is_notebook(&spec);
    let theirs = export(&ctx.target, path, notebook, "target").await?;
    match std::fs::read(backup_path(&ctx.run_dir, notebook, path)?) {
        Ok(ours) if ours == theirs => {}
        Ok(_) => differs.push("content".into()),
        Err(_) => {
            differs.push("content (no copy of what was imported in the run directory)".into())
        }
    }
    Ok(Some(Drift {
        differs,
        holds: Vec::new(),
    }))
}

impl Kind for Notebooks {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        2
    }
    fn references(&self) -> &'static [Reference] {
        REFS
    }

    fn streamed(&self) -> bool {
        true
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, _: Detail) -> ObjectStream<'a> {
        object_stream(ctx)
    }

    fn source_reads<'a>(&'a self, ctx: &'a Ctx, obj: &'a SourceObject) -> KindFuture<'a, ()> {
        Box::pin(async move {
            // The one read `copy` and `find` make: the content (`find` reads it whatever the
            // listed size, so an object over the limit is read too, and its answer kept).
            if matches!(obj.mode, Mode::Migrate) {
                let spec = obj.spec();
                export(&ctx.source, source_path(obj), is_notebook(&spec), "source").await?;
            }
            Ok(())
        })
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            let path = obj.key.as_str();
            let Some(t) = super::workspace_folders::target_object(ctx, path, false).await? else {
                return Ok(None);
            };
            let id = t.object_id.map(|i| i.to_string()).unwrap_or_default();
            let kind = t.object_type.clone().unwrap_or_default();
            let mut body = json!({"path": path, "object_type": kind});
            if let Some(l) = &t.language {
                body["language"] = json!(l);
            }
            if kind == obj.spec()["object_type"] && (kind == "NOTEBOOK" || kind == "FILE") {
                // Equal only when the bytes are: export both sides (this path is taken only
                // when the ledger does not already know the object is up to date).
                let notebook = kind == "NOTEBOOK";
                let theirs = export(&ctx.target, path, notebook, "target").await?;
                let ours = export(&ctx.source, source_path(obj), notebook, "source").await?;
                body["content"] = json!(if theirs == ours { "same" } else { "different" });
            }
            Ok(Some(TargetObject {
                id,
                key: path.to_string(),
                body,
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
            copy(ctx, obj, false).await?;
            // import answers `{}`: read the new object's id (permissions use it).
            let o = ctx.target.workspace().get_status(&obj.key).await?;
            Ok(Created {
                id: o.object_id.map(|i| i.to_string()).unwrap_or_default(),
                key: None,
            })
        })
    }

    fn update<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        t: &'a TargetObject,
        _: &'a Value,
    ) -> KindFuture<'a, ()> {
        Box::pin(async move {
            if t.body["object_type"] == json!("DIRECTORY") || t.body["object_type"] == json!("REPO")
            {
                return Err(EngineError::Shape {
                    kind: NAME,
                    key: obj.key.clone(),
                    message:
                        "the target has a folder at this path: move or delete it, then run again"
                            .into(),
                });
            }
            copy(ctx, obj, true).await
        })
    }

    fn compare(&self, obj: &SourceObject, _: &Value, t: &TargetObject) -> Vec<String> {
        let mut diffs = Vec::new();
        let spec = obj.spec();
        for f in ["object_type", "language"] {
            if spec.get(f) != t.body.get(f) {
                diffs.push(f.to_string());
            }
        }
        if t.body["content"] != json!("same") {
            diffs.push("content".into());
        }
        diffs
    }

    fn manual_on_failure(&self, obj: &SourceObject, error: &EngineError) -> Vec<Action> {
        if matches!(error, EngineError::TooLarge { .. }) {
            vec![Action::new(
                Category::Other,
                format!(
                    "copy `{}` by hand (it is {TOO_BIG}): e.g. split it, or move it through a Git folder",
                    obj.key
                ),
            )]
        } else {
            Vec::new()
        }
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        super::delete_by(async move { ctx.target.workspace().delete(target.key, false).await })
    }

    fn drift<'a>(
        &'a self,
        ctx: &'a Ctx,
        written: &'a SourceObject,
        target: InTarget<'a>,
    ) -> Option<KindFuture<'a, Option<Drift>>> {
        Some(Box::pin(drift(ctx, written, target.key)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::shared::normalise_path;

    #[test]
    fn paths() {
        assert_eq!(normalise_path("/Workspace//Users/a b/x"), "/Users/a b/x");
        assert_eq!(normalise_path("rel/x"), "rel/x");
        assert_eq!(parent_of("/a"), None);
        assert_eq!(parent_of("/a/b"), Some("/a"));
        let run = Path::new("/r");
        assert_eq!(
            backup_path(run, true, "/Users/ü s/nb").unwrap(),
            Path::new("/r/backups/content/notebooks/Users/ü s/nb")
        );
        assert!(backup_path(run, false, "/a/../b").is_err());
    }
}
