//! All-purpose clusters: the clusters users and the API created (`cluster_source` UI or API).
//! Clusters the platform manages (JOB, PIPELINE, PIPELINE_MAINTENANCE, MODELS, SQL) are listed
//! as skipped with the reason: their owners re-create them.
//!
//! The spec is the cluster as read, minus the read-only fields (reference §6) and, for a
//! pool-backed cluster, minus what the pool decides (node types, elastic disk, cloud
//! attributes except the instance profile / service account). Policy, pools, the single user,
//! workspace init scripts are declared references; the secret scopes named in `spark_conf` /
//! `spark_env_vars` (`{{secrets/scope/key}}`) are needs ([`Kind::needs`]). Installed
//! libraries are carried over (kept, with pinning and state, in the object's side-car).
//!
//! A created cluster starts at once (there is no "create stopped"): it is terminated right
//! away, and pinned when the source was. A source cluster that was running is a manual action.
//!
//! Natural key: the source id (names are not unique). So that a cluster created just before a
//! crash is found again, every target cluster carries the custom tag `brickport_source_id`
//! holding its source id; `find` looks for that tag. (Custom tags propagate to the cloud
//! resources; this one is harmless and marks what the migration created.)

use brickport_api::ApiResultExt;
use std::time::Duration;

use brickport_api::types::clusters::Cluster;
use futures::TryStreamExt;
use serde_json::{Value, json};

use super::Detail;
use super::compute::Shape;
use super::shared::SOURCE_ID_TAG;
use super::snapshot::Lookup;
use super::{
    Created, Ctx, Facts, Kind, KindFuture, Mode, Needed, ObjectStream, RefBy, Reference,
    SourceObject, TargetObject, from_json,
};
use super::{Deleted, InTarget};
use crate::ledger::{Action, Category, SkipReason};
use crate::{Check, EngineError};

mod checks;
mod spec;
pub(crate) use checks::catalogue_check;
pub(crate) use spec::{INSTANCE_PROFILE, READS_SCOPES, scopes_in, writable_spec};
use spec::{compared_state, libraries, spec_of};

/// The kind's name.
pub const NAME: &str = "clusters";

/// All-purpose clusters.
pub struct Clusters;

/// Cluster sources the platform manages: not re-created.
const MANAGED_SOURCES: &[&str] = &["JOB", "PIPELINE", "PIPELINE_MAINTENANCE", "MODELS", "SQL"];

const REFS: &[Reference] = &[
    Reference {
        path: "policy_id",
        kinds: &[super::cluster_policies::NAME],
        by: RefBy::Id,
        required: true,
        deferred: false,
    },
    Reference {
        path: "instance_pool_id",
        kinds: &[super::instance_pools::NAME],
        by: RefBy::Id,
        required: true,
        deferred: false,
    },
    Reference {
        path: "driver_instance_pool_id",
        kinds: &[super::instance_pools::NAME],
        by: RefBy::Id,
        required: true,
        deferred: false,
    },
    Reference {
        path: "single_user_name",
        kinds: &[
            super::users::NAME,
            super::service_principals::NAME,
            super::groups::NAME,
        ],
        by: RefBy::Key,
        required: true,
        deferred: false,
    },
    Reference {
        path: "init_scripts[].workspace.destination",
        kinds: &[super::notebooks::NAME],
        by: RefBy::Key,
        required: true,
        deferred: false,
    },
];

fn key_of(c: &Cluster, id: &str) -> String {
    format!("{} ({id})", c.cluster_name.as_deref().unwrap_or(""))
}

/// The source id a target cluster carries in its tag, if any.
fn tag_of(c: &Cluster) -> Option<&str> {
    c.custom_tags
        .as_ref()
        .and_then(|t| t.get(SOURCE_ID_TAG))
        .and_then(Value::as_str)
}

async fn target_of(ctx: &Ctx, c: Cluster) -> Result<Option<TargetObject>, EngineError> {
    let Some(id) = c.cluster_id.clone() else {
        return Ok(None);
    };
    let source_id = tag_of(&c).unwrap_or("").to_string();
    let libs = libraries(&ctx.target, &id, "target").await?;
    let (body, facts) = spec_of(&c, libs, &source_id)?;
    Ok(Some(TargetObject {
        key: key_of(&c, &source_id),
        body,
        id,
        facts,
    }))
}

/// The target cluster with this id, if it still exists ([`Kind::get`]).
async fn read(ctx: &Ctx, id: &str) -> Result<Option<TargetObject>, EngineError> {
    match ctx.target.clusters().get(id).await.found()? {
        Some(c) => target_of(ctx, c).await,
        None => Ok(None),
    }
}

/// Terminates a cluster and waits until it is TERMINATED (edit refuses other states).
async fn stop_and_wait(ctx: &Ctx, id: &str, key: &str) -> Result<(), EngineError> {
    let cl = ctx.target.clusters();
    cl.delete(id).await?;
    for wait in [
        100u64, 250, 500, 1000, 2000, 4000, 8000, 15000, 30000, 60000,
    ] {
        let c = cl.get(id).await?;
        if c.state.as_deref() == Some("TERMINATED") {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(wait)).await;
    }
    Err(EngineError::Shape {
        kind: NAME,
        key: key.to_string(),
        message: "the cluster did not reach TERMINATED within 2 minutes; run again later".into(),
    })
}

/// Libraries, termination and pinning, after a create or an edit: `want` is the source's
/// side-car, `have` the target's (none after a create).
async fn settle(
    ctx: &Ctx,
    id: &str,
    want: &Facts,
    have: Option<&Facts>,
) -> Result<(), EngineError> {
    let want = want.cluster.clone().unwrap_or_default();
    let have = have.map(|h| h.cluster.clone().unwrap_or_default());
    let present: &[Value] = have.as_ref().map_or(&[], |h| &h.libraries);
    let missing: Vec<Value> = (want.libraries.into_iter())
        .filter(|l| !present.contains(l))
        .collect();
    if !missing.is_empty() {
        ctx.target.libraries().install(id, &missing).await?;
    }
    let cl = ctx.target.clusters();
    if have.as_ref().is_none_or(|h| !h.terminated) {
        cl.delete(id).await?;
    }
    let pinned = want.pinned;
    if have.as_ref().is_none_or(|h| h.pinned != pinned) {
        let r = if pinned {
            cl.pin(id).await
        } else if have.is_some() {
            cl.unpin(id).await
        } else {
            Ok(())
        };
        r?;
    }
    Ok(())
}

/// The source's clusters; with `full`, their libraries too (a brief listing skips them).
/// The source's clusters as listed, page by page; with `full`, each with its libraries (read
/// a few clusters at a time).
fn list(ctx: &Ctx, full: bool) -> ObjectStream<'_> {
    let width = ctx.opts.max_concurrency.max(1);
    super::shared::read_each(ctx.source.clusters().list(), width, move |c| {
        source_object(ctx, c, full)
    })
}

async fn source_object(
    ctx: &Ctx,
    c: Cluster,
    full: bool,
) -> Result<Option<SourceObject>, EngineError> {
    let Some(id) = c.cluster_id.clone() else {
        return Ok(None);
    };
    let key = key_of(&c, &id);
    let raw = super::to_json(NAME, &key, &c)?;
    let source = c.cluster_source.clone().unwrap_or_else(|| "UI".into());
    if MANAGED_SOURCES.contains(&source.as_str()) {
        let mut obj = SourceObject::new(id, key, raw, json!({}));
        obj.mode = Mode::Skip(SkipReason::ManagedCluster { source });
        return Ok(Some(obj));
    }
    if full && SourceObject::resumable(ctx, NAME, &id)? {
        // Done in an earlier run and resuming: its libraries are not read again.
        let mut obj = SourceObject::new(id, key, raw, Value::Null);
        obj.mode = Mode::Resumed;
        return Ok(Some(obj));
    }
    let libs = if full {
        libraries(&ctx.source, &id, "source").await?
    } else {
        Vec::new()
    };
    let (spec, mut facts) = spec_of(&c, libs, &id)?;
    // The target cluster always ends terminated, whatever the source's state.
    if let Some(state) = &mut facts.cluster {
        state.terminated = true;
    }
    let mut obj = SourceObject::new(id, key.clone(), raw, spec);
    obj.facts = facts;
    super::compute::translate(ctx, &mut obj, Shape::Cluster, &format!("cluster `{key}`")).await;
    if matches!(
        c.state.as_deref(),
        Some("RUNNING" | "PENDING" | "RESIZING" | "RESTARTING")
    ) {
        obj.manual.push(Action::new(Category::RunningCluster, format!(
            "cluster `{key}` was running in the source: it was created terminated in the target; start it at cut-over if it is needed"
        )));
    }
    Ok(Some(obj))
}

impl Kind for Clusters {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        2
    }
    fn references(&self) -> &'static [Reference] {
        REFS
    }
    fn needs(&self) -> &'static [Needed] {
        READS_SCOPES
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, detail: Detail) -> ObjectStream<'a> {
        list(ctx, detail == Detail::Full)
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            // The first lookup of a run comes from one listing of the target's clusters
            // (listing them per cluster made the run quadratic in requests and memory).
            let listed = ctx
                .cache
                .first_lookup(NAME, &obj.source_id, || async {
                    Ok(ctx
                        .target
                        .clusters()
                        .list()
                        .try_filter_map(|c| async move {
                            Ok(tag_of(&c)
                                .zip(c.cluster_id.as_deref())
                                .map(|(t, id)| (t.to_string(), id.to_string())))
                        })
                        .try_collect()
                        .await?)
                })
                .await?;
            match listed {
                Lookup::Id(id) => read(ctx, &id).await,
                Lookup::Absent => Ok(None),
                Lookup::Ask => {
                    let hit = ctx
                        .target
                        .clusters()
                        .list()
                        .try_filter(|c| {
                            std::future::ready(tag_of(c) == Some(obj.source_id.as_str()))
                        })
                        .try_next()
                        .await?;
                    match hit {
                        Some(c) => target_of(ctx, c).await,
                        None => Ok(None),
                    }
                }
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
            let spec: Cluster = from_json(NAME, &obj.key, desired)?;
            let id = ctx.target.clusters().create(&spec).await?;
            if let Err(e) = settle(ctx, &id, &obj.facts, None).await {
                // Never leave a new cluster running: it costs money until cut-over.
                let _ = ctx.target.clusters().delete(&id).await;
                return Err(e);
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
            let spec_diff = crate::json::subset_diff(desired, &t.body);
            if !spec_diff.is_empty() {
                // `edit` only works on a RUNNING (it restarts) or TERMINATED cluster: stop it
                // first, so the edit never starts anything.
                stop_and_wait(ctx, &t.id, &obj.key).await?;
                let mut spec: Cluster = from_json(NAME, &obj.key, desired)?;
                spec.cluster_id = Some(t.id.clone());
                ctx.target.clusters().edit(&spec).await?;
            }
            settle(ctx, &t.id, &obj.facts, Some(&t.facts)).await
        })
    }

    fn compare(&self, obj: &SourceObject, desired: &Value, t: &TargetObject) -> Vec<String> {
        let mut diffs = crate::json::subset_diff(desired, &t.body);
        diffs.extend(crate::json::subset_diff(
            &compared_state(&obj.facts),
            &compared_state(&t.facts),
        ));
        diffs
    }

    fn owns(&self, obj: &SourceObject, t: &TargetObject) -> bool {
        t.body.pointer(&format!("/custom_tags/{SOURCE_ID_TAG}")) == Some(&json!(obj.source_id))
    }

    fn prechecks<'a>(&'a self, ctx: &'a Ctx) -> KindFuture<'a, Vec<Check>> {
        Box::pin(async move {
            // Page by page, keeping only what the checks need (a big workspace's clusters
            // are tens of MB).
            let mut versions: Vec<(String, String)> = Vec::new();
            let mut nodes = Vec::new();
            let mut listed = std::pin::pin!(ctx.source.clusters().list());
            while let Some(c) = listed.try_next().await? {
                if MANAGED_SOURCES.contains(&c.cluster_source.as_deref().unwrap_or("UI")) {
                    continue;
                }
                if let (Some(v), Some(id)) = (c.spark_version.clone(), c.cluster_id.as_deref()) {
                    versions.push((v, format!("cluster `{}`", key_of(&c, id))));
                }
                let mut m = super::to_json(NAME, "", &c)?;
                if let Value::Object(m) = &mut m {
                    writable_spec(m);
                }
                let key = format!(
                    "cluster `{}`",
                    key_of(&c, c.cluster_id.as_deref().unwrap_or(""))
                );
                for f in ["node_type_id", "driver_node_type_id"] {
                    if let Some(n) = m.get(f).and_then(Value::as_str) {
                        nodes.push((n.to_string(), key.clone()));
                    }
                }
            }
            let mut checks = vec![
                catalogue_check(ctx, "cluster Spark versions", &versions, true).await,
                catalogue_check(ctx, "cluster node types", &nodes, false).await,
            ];
            checks.extend(super::compute::maps_check(ctx).await);
            Ok(checks)
        })
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        // Permanently: a terminated cluster would stay listed for 30 days, and its name with it.
        super::delete_by(async move { ctx.target.clusters().permanent_delete(target.id).await })
    }
}
