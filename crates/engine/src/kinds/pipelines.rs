//! Lakeflow Declarative Pipelines: the settings, `run_as` and `parameters` of every pipeline,
//! each reference rewritten through the id map — library notebooks and files, the root
//! folder, cluster policies, pools and init scripts, the run-as principal; the secret scopes
//! its Spark settings and configuration read and the folders its globs include are needs
//! ([`Kind::needs`]). A pipeline whose library or folder is left out of the migration is
//! skipped with the reason, like a job whose notebook is. `catalog`, `schema` and `target`
//! are kept: the copy publishes where the source does.
//!
//! **Nothing runs.** No update is ever started. A continuous pipeline is created triggered
//! (`continuous: false`; the service starts a continuous pipeline when it is created) and
//! switched back at cut-over (`pipelines/cutover.rs`, the kind's [`super::CutOver`]): two
//! pipelines publishing to the same tables would fight. A target pipeline found running while
//! it should not be (the service started it anyway) is stopped, after a create and as an
//! update. Its tables are not copied: every pipeline gets the manual action that its first
//! update in the target rebuilds them (a full refresh), and where it publishes.
//!
//! Natural key: the name (unique unless the pipeline was created with
//! `allow_duplicate_names`; brickport never allows it, so the service itself refuses a second
//! pipeline of the same name after a create whose answer was lost, and `find` sees the first).

use brickport_api::ApiResultExt;
use brickport_api::types::pipelines::{
    CreatePipeline, EditPipeline, Pipeline, PipelineListQuery, PipelineStateInfo,
};
use futures::TryStreamExt;
use serde_json::Value;

use super::{After, Detail, Mode, Needed};
use super::{
    Created, Ctx, Kind, KindFuture, ObjectStream, RefBy, Reference, SourceObject, TargetObject,
    from_json,
};
use super::{Deleted, InTarget};
use crate::{Check, EngineError};

mod cutover;
mod spec;

/// The kind's name.
pub const NAME: &str = "pipelines";

/// Pipelines.
pub struct Pipelines;

/// States in which a pipeline is doing something (an update runs, or is about to).
const ACTIVE: &[&str] = &[
    "DEPLOYING",
    "STARTING",
    "RUNNING",
    "RECOVERING",
    "RESETTING",
];

const fn r(path: &'static str, kinds: &'static [&'static str], by: RefBy) -> Reference {
    Reference {
        path,
        kinds,
        by,
        required: true,
        deferred: false,
    }
}

const NOTEBOOKS: &[&str] = &[super::notebooks::NAME];
const FOLDERS: &[&str] = &[super::workspace_folders::NAME];
const POLICIES: &[&str] = &[super::cluster_policies::NAME];
const POOLS: &[&str] = &[super::instance_pools::NAME];
const USERS: &[&str] = &[super::users::NAME];
const SPS: &[&str] = &[super::service_principals::NAME];

const REFS: &[Reference] = &[
    r("libraries[].notebook.path", NOTEBOOKS, RefBy::Key),
    r("libraries[].file.path", NOTEBOOKS, RefBy::Key),
    r("root_path", FOLDERS, RefBy::Key),
    r("clusters[].policy_id", POLICIES, RefBy::Id),
    r("clusters[].instance_pool_id", POOLS, RefBy::Id),
    r("clusters[].driver_instance_pool_id", POOLS, RefBy::Id),
    r(
        "clusters[].init_scripts[].workspace.destination",
        NOTEBOOKS,
        RefBy::Key,
    ),
    r("run_as.user_name", USERS, RefBy::Key),
    r("run_as.service_principal_name", SPS, RefBy::Key),
];

/// What a pipeline needs that no field it sends names as an id or key.
const NEEDS: &[Needed] = &[
    Needed {
        kind: super::secret_scopes::NAME,
        by: RefBy::Id,
        what: "secret scope read by the Spark settings or the configuration",
    },
    Needed {
        kind: super::workspace_folders::NAME,
        by: RefBy::Key,
        what: "folder included by a glob library",
    },
    Needed {
        kind: super::notebooks::NAME,
        by: RefBy::Key,
        what: "file included by a glob library",
    },
    super::clusters::INSTANCE_PROFILE,
];

fn is_active(state: Option<&str>) -> bool {
    state.is_some_and(|s| ACTIVE.contains(&s))
}

/// The body compared with the spec: the settings as read, with the state beside them (which
/// no spec has: [`Kind::compare`] reads it), `continuous` explicit.
fn target_of(p: Pipeline) -> Result<Option<TargetObject>, EngineError> {
    if p.state.as_deref() == Some("DELETED") {
        return Ok(None);
    }
    let name = p.name.clone().unwrap_or_default();
    let (mut body, _) = spec::body_of(&p, &name)?;
    body.entry("continuous").or_insert(Value::Bool(false));
    body.insert("state".into(), p.state.clone().into());
    Ok(TargetObject::from_parts(
        p.pipeline_id,
        Some(name),
        Value::Object(body),
    ))
}

/// The target pipeline `id`, if it exists.
fn read<'a>(ctx: &'a Ctx, id: &'a str) -> KindFuture<'a, Option<TargetObject>> {
    super::get_by_id(
        async move { ctx.target.pipelines().get(id).await },
        target_of,
    )
}

/// A pipeline done in an earlier run, when resuming: the list's entry is its backup.
fn resumed(
    entry: &PipelineStateInfo,
    id: String,
    key: String,
) -> Result<SourceObject, EngineError> {
    let raw = super::to_json(NAME, &key, entry)?;
    let mut obj = SourceObject::new(id, key, raw, Value::Null);
    obj.mode = Mode::Resumed;
    Ok(obj)
}

/// One listed pipeline: as the list gives it (`full` false), or read in full.
async fn source_object(
    ctx: &Ctx,
    entry: PipelineStateInfo,
    full: bool,
) -> Result<Option<SourceObject>, EngineError> {
    let (Some(id), Some(name)) = (entry.pipeline_id.clone(), entry.name.clone()) else {
        return Ok(None);
    };
    if entry.state.as_deref() == Some("DELETED") {
        return Ok(None);
    }
    if !full {
        return Ok(Some(SourceObject::new(id, name, Value::Null, Value::Null)));
    }
    if SourceObject::resumable(ctx, NAME, &id)? {
        return resumed(&entry, id, name).map(Some);
    }
    // Deleted since it was listed: nothing to migrate.
    let Some(p) = ctx.source.pipelines().get(&id).await.found()? else {
        return Ok(None);
    };
    let raw = super::to_json(NAME, &name, &p)?;
    let built = spec::build(&p, &name)?;
    let mut obj = SourceObject::new(id, name, raw, built.spec);
    obj.manual = built.manual;
    obj.dropped = built.dropped;
    obj.facts = built.facts;
    let whose = format!("pipeline `{}`", obj.key);
    super::compute::translate(ctx, &mut obj, super::compute::Shape::Pipeline, &whose).await;
    Ok(Some(obj))
}

/// Every pipeline of one side, as listed.
async fn all(ctx: &Ctx, source: bool) -> Result<Vec<PipelineStateInfo>, EngineError> {
    let (client, _) = ctx.side(source);
    let listed = client.pipelines().list(&PipelineListQuery::default());
    Ok(listed
        .try_filter(|p| std::future::ready(p.state.as_deref() != Some("DELETED")))
        .try_collect()
        .await?)
}

/// Stops the target pipeline `id` when it runs (the service starts a continuous one when it
/// is created or switched on): `stop` is a no-op on an idle pipeline, so a retry is harmless.
async fn stop_if_active(ctx: &Ctx, id: &str, state: Option<&str>) -> Result<(), EngineError> {
    if is_active(state) {
        ctx.target.pipelines().stop(id).await?;
    }
    Ok(())
}

impl Kind for Pipelines {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        3
    }
    fn references(&self) -> &'static [Reference] {
        REFS
    }
    fn needs(&self) -> &'static [Needed] {
        NEEDS
    }
    fn after(&self) -> After {
        // Libraries inside Git folders need the Git folders.
        After::Kinds(&[super::repos::NAME])
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, detail: Detail) -> ObjectStream<'a> {
        // A brief listing answers from the list alone (a `get` per pipeline otherwise); a full
        // one reads each pipeline, a few at a time, handed on as they come.
        let full = detail == Detail::Full;
        let width = ctx.opts.max_concurrency.max(1);
        let listed = ctx.source.pipelines().list(&PipelineListQuery::default());
        super::shared::read_each(listed, width, move |p| source_object(ctx, p, full))
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            // The first lookup of a run comes from one listing of the target's pipelines; a
            // later one (after a create whose answer was lost) asks by name.
            let snapshot = || async {
                Ok(all(ctx, false)
                    .await?
                    .into_iter()
                    .filter_map(|p| Some((p.name?, p.pipeline_id?)))
                    .collect())
            };
            let ask = || async {
                Ok((ctx.target.pipelines().named(&obj.key).await?)
                    .into_iter()
                    .filter(|p| p.state.as_deref() != Some("DELETED"))
                    .find_map(|p| p.pipeline_id))
            };
            let read = |id: String| async move { read(ctx, &id).await };
            super::shared::find_by_id(ctx, NAME, &obj.key, snapshot, ask, read).await
        })
    }

    fn get<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: &'a str,
    ) -> Option<KindFuture<'a, Option<TargetObject>>> {
        Some(read(ctx, id))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async move {
            let body: CreatePipeline =
                from_json(NAME, &obj.key, &spec::to_api(desired, &obj.facts))?;
            let pipelines = ctx.target.pipelines();
            let id = pipelines.create(&body).await?;
            let state = pipelines.get(&id).await?.state;
            if body.spec.continuous != Some(true) {
                stop_if_active(ctx, &id, state.as_deref()).await?;
            }
            Ok(Created { id, key: None })
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
            let mut body: EditPipeline =
                from_json(NAME, &obj.key, &spec::to_api(desired, &obj.facts))?;
            // `storage` cannot change: the spec leaves the service's default out, so the
            // target's own is sent back (an edit replaces every field).
            if body.spec.storage.is_none() {
                body.spec.storage = t.body["storage"].as_str().map(str::to_string);
            }
            ctx.target.pipelines().edit(&t.id, &body).await?;
            if body.spec.continuous != Some(true) {
                stop_if_active(ctx, &t.id, t.body["state"].as_str()).await?;
            }
            Ok(())
        })
    }

    fn compare(&self, obj: &SourceObject, desired: &Value, t: &TargetObject) -> Vec<String> {
        let want = spec::to_api(desired, &obj.facts);
        let mut diffs = crate::json::subset_diff(&want, &t.body);
        if want["continuous"] != Value::Bool(true) && is_active(t.body["state"].as_str()) {
            diffs.push("state (running in the target, though held back until cut-over)".into());
        }
        diffs
    }

    fn cutover(&self) -> Option<&dyn super::CutOver> {
        Some(self)
    }

    fn prechecks<'a>(&'a self, ctx: &'a Ctx) -> KindFuture<'a, Vec<Check>> {
        Box::pin(async move {
            let names = |v: Vec<PipelineStateInfo>| v.into_iter().filter_map(|p| p.name).collect();
            let source: Vec<String> = names(all(ctx, true).await?);
            let target: Vec<String> = names(all(ctx, false).await?);
            Ok(vec![super::collision_check(ctx, NAME, &source, &target)?])
        })
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        super::delete_by(async move { ctx.target.pipelines().delete(target.id).await })
    }
}
