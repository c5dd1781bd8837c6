//! Jobs: the full settings (every page of tasks, job clusters, parameters and environments),
//! every reference rewritten through the id map — clusters, policies, pools, warehouses,
//! notebooks and workspace files, the run-as principal, the pipelines a `pipeline_task`
//! updates, the notification destinations of its and its tasks' `webhook_notifications`, the
//! SQL queries and alerts its `sql_task`s run (with the destinations and users an alert task
//! notifies), the alerts v2 of its `alert_task`s, the AI/BI dashboard a `dashboard_task`
//! refreshes (with its warehouse, the destinations and users its subscription notifies), and
//! the jobs a `run_job_task` runs; the secret scopes its clusters read are needs
//! ([`Kind::needs`]). A reference to something not migrated makes the job skipped with the
//! reason; a reference to something that no longer exists in the source makes it fail. Never
//! a silent substitution.
//!
//! `run_job_task.job_id` is a reference to this same kind, not deferred: the engine creates the
//! jobs in dependency order, and the jobs on a cycle first without their tasks, then complete
//! in the second pass (see `crate::order`).
//!
//! Schedules, triggers and continuous mode are created PAUSED; a job UNPAUSED in the source
//! gets the manual action `unpause at cut-over: …` (kept in the ledger for `cutover`). Those
//! blocks are the job's parts held back until cut-over (`jobs/cutover.rs`, the kind's
//! [`super::CutOver`]); once `cutover` has resumed a job, the engine marks its listed spec
//! with the resumed blocks UNPAUSED, so a later `migrate` does not pause it again.
//!
//! Natural key: the source id (names are not unique). Every target job carries the tag
//! `brickport_source_id` (unless the source job already has the 25 tags a job may hold), and
//! `find` looks it up among the target jobs of the same name.

use brickport_api::ApiResultExt;
use std::collections::BTreeSet;

use brickport_api::types::jobs::{Job, JobListQuery, JobSettings};
use futures::{StreamExt, TryStreamExt};
use serde_json::Value;

use super::shared::SOURCE_ID_TAG;
use super::{After, Detail};
use super::{
    Created, Ctx, Kind, KindFuture, Needed, ObjectStream, RefBy, Reference, SourceObject,
    TargetObject, from_json,
};
use super::{Deleted, InTarget};
use crate::EngineError;

mod cutover;
mod spec;
pub(crate) use spec::uuid_like;

/// The kind's name.
pub const NAME: &str = "jobs";

/// Jobs.
pub struct Jobs;

const fn r(path: &'static str, kinds: &'static [&'static str], by: RefBy) -> Reference {
    Reference {
        path,
        kinds,
        by,
        required: true,
        deferred: false,
    }
}

const CLUSTERS: &[&str] = &[super::clusters::NAME];
const POLICIES: &[&str] = &[super::cluster_policies::NAME];
const POOLS: &[&str] = &[super::instance_pools::NAME];
const WAREHOUSES: &[&str] = &[super::sql_warehouses::NAME];
const NOTEBOOKS: &[&str] = &[super::notebooks::NAME];
const USERS: &[&str] = &[super::users::NAME];
const SPS: &[&str] = &[super::service_principals::NAME];
const PRINCIPALS: &[&str] = &[
    super::users::NAME,
    super::service_principals::NAME,
    super::groups::NAME,
];
const JOBS: &[&str] = &[NAME];
const DESTINATIONS: &[&str] = &[super::notification_destinations::NAME];
const PIPELINES: &[&str] = &[super::pipelines::NAME];
const QUERIES: &[&str] = &[super::sql_queries::NAME];
const ALERTS: &[&str] = &[super::sql_alerts::NAME];
const ALERTS_V2: &[&str] = &[super::sql_alerts_v2::NAME];
const DASHBOARDS: &[&str] = &[super::dashboards::NAME];

macro_rules! refs {
    (tasks: [$($t:literal),*], clusters: [$($c:literal),*]) => {
        &[
            r("run_as.user_name", USERS, RefBy::Key),
            r("run_as.service_principal_name", SPS, RefBy::Key),
            // Every event's list (on_start, on_success, on_failure, …), by destination id.
            r("webhook_notifications{}[].id", DESTINATIONS, RefBy::Id),
            $(
                r(concat!($t, "existing_cluster_id"), CLUSTERS, RefBy::Id),
                r(concat!($t, "notebook_task.notebook_path"), NOTEBOOKS, RefBy::Key),
                r(concat!($t, "notebook_task.warehouse_id"), WAREHOUSES, RefBy::Id),
                r(concat!($t, "sql_task.warehouse_id"), WAREHOUSES, RefBy::Id),
                r(concat!($t, "dbt_task.warehouse_id"), WAREHOUSES, RefBy::Id),
                r(concat!($t, "spark_python_task.python_file"), NOTEBOOKS, RefBy::Key),
                r(concat!($t, "sql_task.file.path"), NOTEBOOKS, RefBy::Key),
                r(concat!($t, "run_job_task.job_id"), JOBS, RefBy::Id),
                r(concat!($t, "webhook_notifications{}[].id"), DESTINATIONS, RefBy::Id),
                r(concat!($t, "pipeline_task.pipeline_id"), PIPELINES, RefBy::Id),
                r(concat!($t, "sql_task.query.query_id"), QUERIES, RefBy::Id),
                r(concat!($t, "sql_task.alert.alert_id"), ALERTS, RefBy::Id),
                r(concat!($t, "sql_task.alert.subscriptions[].destination_id"), DESTINATIONS, RefBy::Id),
                r(concat!($t, "sql_task.alert.subscriptions[].user_name"), USERS, RefBy::Key),
                r(concat!($t, "alert_task.alert_id"), ALERTS_V2, RefBy::Id),
                r(concat!($t, "alert_task.warehouse_id"), WAREHOUSES, RefBy::Id),
                r(concat!($t, "alert_task.subscribers[].destination_id"), DESTINATIONS, RefBy::Id),
                r(concat!($t, "alert_task.subscribers[].user_name"), USERS, RefBy::Key),
                r(concat!($t, "dashboard_task.dashboard_id"), DASHBOARDS, RefBy::Id),
                r(concat!($t, "dashboard_task.warehouse_id"), WAREHOUSES, RefBy::Id),
                r(concat!($t, "dashboard_task.subscription.subscribers[].destination_id"), DESTINATIONS, RefBy::Id),
                r(concat!($t, "dashboard_task.subscription.subscribers[].user_name"), USERS, RefBy::Key),
            )*
            $(
                r(concat!($c, "policy_id"), POLICIES, RefBy::Id),
                r(concat!($c, "instance_pool_id"), POOLS, RefBy::Id),
                r(concat!($c, "driver_instance_pool_id"), POOLS, RefBy::Id),
                r(concat!($c, "single_user_name"), PRINCIPALS, RefBy::Key),
                r(concat!($c, "init_scripts[].workspace.destination"), NOTEBOOKS, RefBy::Key),
            )*
        ]
    };
}

const REFS: &[Reference] = refs!(
    tasks: ["tasks[].", "tasks[].for_each_task.task."],
    clusters: [
        "tasks[].new_cluster.",
        "tasks[].for_each_task.task.new_cluster.",
        "job_clusters[].new_cluster."
    ]
);

/// A source job with every page of its arrays.
async fn get_full(ctx: &Ctx, id: i64) -> Result<Job, EngineError> {
    Ok(ctx.source.jobs().get(id).await?)
}

fn parse_id(id: &str) -> Result<i64, EngineError> {
    id.parse().map_err(|_| EngineError::Shape {
        kind: NAME,
        key: id.to_string(),
        message: "a job id must be an integer".into(),
    })
}

/// The body compared with the spec: the settings, without what is ignored on write.
fn target_of(j: Job) -> Result<Option<TargetObject>, EngineError> {
    let Some(id) = j.job_id else { return Ok(None) };
    let settings = j.settings.unwrap_or_default();
    let name = settings.name.clone().unwrap_or_default();
    let mut body = super::to_json(NAME, &name, &settings)?;
    if let Value::Object(m) = &mut body {
        m.remove("format");
    }
    Ok(Some(TargetObject {
        id: id.to_string(),
        key: name,
        body,
        facts: Default::default(),
    }))
}

fn settings_of(obj: &SourceObject, desired: &Value) -> Result<JobSettings, EngineError> {
    if !obj.facts.problems.is_empty() {
        return Err(EngineError::Shape {
            kind: NAME,
            key: obj.key.clone(),
            message: obj.facts.problems.join("; "),
        });
    }
    from_json(NAME, &obj.key, &spec::to_api(desired, &obj.facts))
}

/// A job done in an earlier run, when resuming: what the list showed is its backup.
fn resumed(j: &Job) -> Result<SourceObject, EngineError> {
    let id = j.job_id.unwrap_or_default();
    let name = j.settings.as_ref().and_then(|s| s.name.clone());
    let key = format!("{} ({id})", name.as_deref().unwrap_or("Untitled"));
    let raw = super::to_json(NAME, &key, j)?;
    let mut obj = SourceObject::new(id.to_string(), key, raw, Value::Null);
    obj.mode = super::Mode::Resumed;
    Ok(obj)
}

/// A job as read in full, with its spec (`clusters`, `jobs`: the source's ids).
fn full(
    j: Job,
    clusters: &BTreeSet<String>,
    jobs: &BTreeSet<String>,
) -> Result<SourceObject, EngineError> {
    let id = j.job_id.unwrap_or_default();
    let settings = j.settings.clone().unwrap_or_default();
    let name = settings.name.clone().unwrap_or_else(|| "Untitled".into());
    let key = format!("{name} ({id})");
    let raw = super::to_json(NAME, &key, &j)?;
    let sv = super::to_json(NAME, &key, &settings)?;
    let built = spec::build(
        &sv,
        &id.to_string(),
        j.run_as_user_name.as_deref(),
        clusters,
        jobs,
    );
    let mut obj = SourceObject::new(id.to_string(), key, raw, built.spec);
    obj.manual = built.manual;
    obj.facts = built.facts;
    Ok(obj)
}

/// The target job with this id, if it still exists ([`Kind::get`]).
async fn read(ctx: &Ctx, id: &str) -> Result<Option<TargetObject>, EngineError> {
    match ctx.target.jobs().get(parse_id(id)?).await.found()? {
        Some(j) => target_of(j),
        None => Ok(None),
    }
}

/// The source id a target job carries in its tag, if any.
fn tag_of(j: &Job) -> Option<&str> {
    j.settings
        .as_ref()
        .and_then(|s| s.tags.as_ref())
        .and_then(|t| t.get(SOURCE_ID_TAG))
        .and_then(Value::as_str)
}

/// The jobs as the list gives them ([`Detail::Brief`]).
fn brief_list(ctx: &Ctx) -> ObjectStream<'_> {
    // The list's names are enough for the keys: no `get` per job, and each page's jobs
    // are handed on as they come.
    Box::pin(
        ctx.source
            .jobs()
            .list(&JobListQuery::default())
            .map_err(EngineError::from)
            .try_filter_map(|j| async move {
                let Some(id) = j.job_id else { return Ok(None) };
                let name = j
                    .settings
                    .and_then(|s| s.name)
                    .unwrap_or_else(|| "Untitled".into());
                let key = format!("{name} ({id})");
                Ok(Some(SourceObject::new(
                    id.to_string(),
                    key,
                    Value::Null,
                    Value::Null,
                )))
            }),
    )
}

impl Kind for Jobs {
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
        super::clusters::READS_SCOPES
    }
    fn after(&self) -> After {
        // Notebooks inside Git folders need the Git folders.
        After::Kinds(&[super::repos::NAME])
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, detail: Detail) -> ObjectStream<'a> {
        if detail == Detail::Brief {
            return brief_list(ctx);
        }
        // Each job's full settings are read one by one and handed on as they come, so a big
        // workspace's jobs are not all in memory at once (the caller backs each up and keeps
        // only its spec).
        let width = ctx.opts.max_concurrency.max(1);
        let listed = async move {
            let mut ids = BTreeSet::new();
            // Done in an earlier run and resuming: the list's entry is enough (no `get`).
            // Boxed: a `Job` is large, and every listed job has an entry (22,000 at
            // scale:100000), most of them `None`.
            let mut entries: Vec<(i64, Option<Box<Job>>)> = Vec::new();
            let mut pages = std::pin::pin!(ctx.source.jobs().list(&JobListQuery::default()));
            while let Some(j) = pages.try_next().await? {
                let Some(id) = j.job_id else { continue };
                ids.insert(id.to_string());
                let resumed = SourceObject::resumable(ctx, NAME, &id.to_string())?;
                entries.push((id, resumed.then(|| Box::new(j))));
            }
            let clusters: BTreeSet<String> = ctx
                .source
                .clusters()
                .list()
                .try_filter_map(|c| async move { Ok(c.cluster_id) })
                .try_collect()
                .await?;
            let known = std::sync::Arc::new((ids, clusters));
            Ok::<_, EngineError>(
                futures::stream::iter(entries)
                    .map(move |(id, listed)| {
                        let known = known.clone();
                        async move {
                            match listed {
                                Some(j) => resumed(&j),
                                None => {
                                    let job = get_full(ctx, id).await?;
                                    let mut obj = full(job, &known.1, &known.0)?;
                                    let whose = format!("job `{}`", obj.key);
                                    super::compute::translate(
                                        ctx,
                                        &mut obj,
                                        super::compute::Shape::Job,
                                        &whose,
                                    )
                                    .await;
                                    Ok(obj)
                                }
                            }
                        }
                    })
                    .buffered(width),
            )
        };
        Box::pin(futures::stream::once(listed).try_flatten())
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            let name = desired
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("Untitled")
                .to_string();
            // The first lookup of a run comes from one listing of the target's jobs (one
            // `list?name=` per job costs a request each on a 30/s family).
            let snapshot = || async {
                Ok(ctx
                    .target
                    .jobs()
                    .list(&JobListQuery::default())
                    .try_filter_map(|j| async move {
                        Ok(tag_of(&j)
                            .zip(j.job_id)
                            .map(|(t, id)| (t.to_string(), id.to_string())))
                    })
                    .try_collect()
                    .await?)
            };
            let ask = || async {
                let q = JobListQuery {
                    name: Some(name.clone()),
                    ..JobListQuery::default()
                };
                Ok(ctx
                    .target
                    .jobs()
                    .list(&q)
                    .try_filter(|j| std::future::ready(tag_of(j) == Some(obj.source_id.as_str())))
                    .try_next()
                    .await?
                    .and_then(|j| j.job_id)
                    .map(|id| id.to_string()))
            };
            let read = |id: String| async move { read(ctx, &id).await };
            super::shared::find_by_id(ctx, NAME, &obj.source_id, snapshot, ask, read).await
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
            let settings = settings_of(obj, desired)?;
            let id = ctx.target.jobs().create(&settings).await?;
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
            let settings = settings_of(obj, desired)?;
            Ok(ctx.target.jobs().reset(parse_id(&t.id)?, &settings).await?)
        })
    }

    fn cutover(&self) -> Option<&dyn super::CutOver> {
        Some(self)
    }

    fn compare(&self, obj: &SourceObject, desired: &Value, t: &TargetObject) -> Vec<String> {
        let mut diffs = crate::json::subset_diff(&spec::to_api(desired, &obj.facts), &t.body);
        if !obj.facts.problems.is_empty() {
            diffs.push("(references that no longer exist in the source)".into());
        }
        diffs
    }

    fn owns(&self, obj: &SourceObject, t: &TargetObject) -> bool {
        t.body.pointer(&format!("/tags/{SOURCE_ID_TAG}"))
            == Some(&Value::String(obj.source_id.clone()))
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        Some(Box::pin(async move {
            ctx.target.jobs().delete(parse_id(target.id)?).await?;
            Ok(Deleted::Done)
        }))
    }
}
