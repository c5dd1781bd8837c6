//! AI/BI (Lakeview) dashboards: the draft — its document, warehouse and folder — then the
//! published copy when the source's draft is published (with the same embed-credentials
//! choice and warehouse), then its schedules with their subscriptions. The warehouses (of
//! the draft, the published copy and each schedule) and the folder are references: a
//! dashboard whose warehouse or folder is left out of the migration is skipped with the
//! reason. A subscriber user (by SCIM id) or notification destination that is not migrated
//! drops that subscription, reported. The catalog map renames a dataset's `catalog` field,
//! never its SQL text (`dashboards/spec.rs`).
//!
//! **Nothing runs on its own.** Every schedule is created PAUSED; those on in the source get
//! the manual action to resume them at cut-over, and are the kind's parts held back until
//! then (`dashboards/cutover.rs`, the kind's [`super::CutOver`]).
//!
//! The service rewrites a document it stores, so the document is compared parsed, as JSON
//! (a subset: fields the service adds are not differences). A create that fails after its
//! draft was made (publishing refused) trashes that draft, so the next run starts clean.
//! Dashboards inside Git folders come with their Git folder: skipped.
//!
//! Natural key: `<parent_path>/<display_name>` (the workspace path without `.lvdash.json`).

use brickport_api::ApiResultExt;
use brickport_api::types::lakeview::{Dashboard, PublishRequest};
use futures::{StreamExt, TryStreamExt};
use serde_json::Value;

use super::reference as r;
use super::shared::{in_repos, normalise_path};
use super::{
    Created, Ctx, Detail, Kind, KindFuture, Mode, ObjectStream, RefBy, Reference, SkipReason,
    SourceObject, TargetObject, from_json,
};
use crate::EngineError;

mod cutover;
mod schedules;
mod spec;

pub(crate) use spec::{parsed, serialized};

/// The kind's name.
pub const NAME: &str = "dashboards";

/// AI/BI dashboards.
pub struct Dashboards;

const WAREHOUSES: &[&str] = &[super::sql_warehouses::NAME];

const REFS: &[Reference] = &[
    r(
        "parent_path",
        &[super::workspace_folders::NAME],
        RefBy::Key,
        true,
    ),
    r("warehouse_id", WAREHOUSES, RefBy::Id, true),
    r("published.warehouse_id", WAREHOUSES, RefBy::Id, true),
    r("schedules[].warehouse_id", WAREHOUSES, RefBy::Id, true),
    // A subscriber left out drops its subscription (reported), not the dashboard.
    r(
        "schedules[].subscriptions[].subscriber.user_subscriber.user_id",
        &[super::users::NAME],
        RefBy::Id,
        false,
    ),
    r(
        "schedules[].subscriptions[].subscriber.destination_subscriber.destination_id",
        &[super::notification_destinations::NAME],
        RefBy::Id,
        false,
    ),
];

/// A dashboard's natural key: its folder and display name.
fn key_of(d: &Dashboard) -> String {
    let name = d.display_name.as_deref().unwrap_or_default();
    super::shared::tree_key(d.parent_path.as_deref(), name)
}

/// The draft with `id` in `ws`, unless it is gone or in the trash.
async fn draft(
    ws: &brickport_api::WorkspaceClient,
    id: &str,
) -> Result<Option<Dashboard>, EngineError> {
    let d = ws.lakeview().get(id).await.found()?;
    Ok(d.filter(|d| d.lifecycle_state.as_deref() != Some("TRASHED")))
}

/// The target dashboard `id` in full, in the spec's shape (with the ids its update needs).
async fn read(ctx: &Ctx, id: &str) -> Result<Option<TargetObject>, EngineError> {
    let Some(d) = draft(&ctx.target, id).await? else {
        return Ok(None);
    };
    let key = key_of(&d);
    let read = schedules::read_rest(&ctx.target, d).await?;
    let body = Value::Object(spec::body_of(&read, &key, true)?);
    Ok(Some(TargetObject {
        id: id.to_string(),
        key,
        body,
        facts: Default::default(),
    }))
}

/// One listed dashboard: keyed (`full` false), or read in full with its spec.
async fn source_object(
    ctx: &Ctx,
    listed: Dashboard,
    full: bool,
) -> Result<Option<SourceObject>, EngineError> {
    let Some(id) = listed.dashboard_id else {
        return Ok(None);
    };
    // The list has no folder: the draft is read for the key, whatever the detail.
    let Some(d) = draft(&ctx.source, &id).await? else {
        return Ok(None);
    };
    let key = key_of(&d);
    if !ctx.opts.path_selected(&key) {
        return Ok(None);
    }
    let parent = normalise_path(d.parent_path.as_deref().unwrap_or(""));
    let git = in_repos(&parent);
    if !full || git || SourceObject::resumable(ctx, NAME, &id)? {
        let raw = super::to_json(NAME, &key, &d)?;
        let mut obj = SourceObject::new(id, key, raw, Value::Null);
        obj.mode = match (git, full) {
            (true, _) => Mode::Skip(SkipReason::OnPurpose(
                "inside a Git folder: it comes with its Git folder".into(),
            )),
            (false, true) => Mode::Resumed,
            (false, false) => Mode::Migrate,
        };
        return Ok(Some(obj));
    }
    let read = schedules::read_rest(&ctx.source, d).await?;
    let raw = super::to_json(NAME, &key, &read)?;
    let mut built = spec::build(&read, &key, &ctx.opts.catalogs)?;
    let mut facts = super::Facts::default();
    super::shared::hold_root_parent(&mut built.spec, &mut facts);
    let mut obj = SourceObject::new(id, key, raw, built.spec);
    obj.manual = built.manual;
    obj.facts = facts;
    Ok(Some(obj))
}

/// Every dashboard of the target by key (each draft read once: the list has no folder).
async fn target_keys(ctx: &Ctx, name: Option<&str>) -> Result<Vec<(String, String)>, EngineError> {
    let listed: Vec<Dashboard> = ctx.target.lakeview().list().try_collect().await?;
    let width = ctx.opts.max_concurrency.max(1);
    let wanted = listed
        .into_iter()
        .filter(|d| name.is_none() || d.display_name.as_deref() == name)
        .filter_map(|d| d.dashboard_id);
    futures::stream::iter(wanted)
        .map(|id| async move {
            let d = draft(&ctx.target, &id).await?;
            Ok::<_, EngineError>(d.map(|d| (key_of(&d), id)))
        })
        .buffered(width)
        .try_filter_map(|o| std::future::ready(Ok(o)))
        .try_collect()
        .await
}

/// The draft a create or an update writes.
fn draft_of(desired: &Value, with_parent: bool) -> Dashboard {
    let mut d = Dashboard {
        serialized_dashboard: spec::serialized(&desired["serialized_dashboard"]),
        ..Dashboard::default()
    };
    let s = |f: &str| desired.get(f).and_then(Value::as_str).map(str::to_string);
    d.display_name = s("display_name");
    d.warehouse_id = s("warehouse_id");
    if with_parent {
        d.parent_path = s("parent_path");
    }
    d
}

/// Publishes dashboard `id` as `desired` says.
async fn publish(
    ctx: &Ctx,
    obj: &SourceObject,
    id: &str,
    desired: &Value,
) -> Result<(), EngineError> {
    let p: PublishRequest = from_json(NAME, &obj.key, &desired["published"])?;
    ctx.target.lakeview().publish(id, &p).await?;
    Ok(())
}

/// What follows the new draft `id`: its publication and schedules.
async fn complete(
    ctx: &Ctx,
    obj: &SourceObject,
    id: &str,
    desired: &Value,
) -> Result<(), EngineError> {
    if desired.get("published").is_some_and(Value::is_object) {
        publish(ctx, obj, id, desired).await?;
    }
    let want = desired["schedules"]
        .as_array()
        .map_or(&[][..], Vec::as_slice);
    schedules::create_all(&ctx.target, id, want).await
}

/// Where the draft (not its publication or schedules) differs from the target's.
fn draft_differs(desired: &Value, t: &TargetObject) -> bool {
    let fields = ["display_name", "warehouse_id", "serialized_dashboard"];
    !crate::json::subset_diff(&crate::json::pick(desired, &fields), &t.body).is_empty()
}

impl Kind for Dashboards {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        3
    }
    fn references(&self) -> &'static [Reference] {
        REFS
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, detail: Detail) -> ObjectStream<'a> {
        // Each draft is read (the list has no folder, so no key), a few at a time, handed on
        // as they come; a full listing reads the rest too.
        let full = detail == Detail::Full;
        let width = ctx.opts.max_concurrency.max(1);
        let listed = ctx.source.lakeview().list();
        super::shared::read_each(listed, width, move |d| source_object(ctx, d, full))
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            // The run's first lookup comes from one reading of the target's dashboards; a
            // later one reads only those of the same display name.
            let snapshot = || target_keys(ctx, None);
            let ask = || async {
                let name = desired.get("display_name").and_then(Value::as_str);
                let keys = target_keys(ctx, Some(name.unwrap_or_default())).await?;
                Ok(keys
                    .into_iter()
                    .find(|(k, _)| *k == obj.key)
                    .map(|(_, id)| id))
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
        Some(Box::pin(read(ctx, id)))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async move {
            let lakeview = ctx.target.lakeview();
            let desired = &obj.facts.with_kept(desired);
            let made = lakeview.create(&draft_of(desired, true)).await?;
            let id = made.dashboard_id.unwrap_or_default();
            if let Err(e) = complete(ctx, obj, &id, desired).await {
                // Half made (its publication refused): trashed, so the next run creates it
                // whole rather than finding a draft it did not finish. The error is the one
                // worth reporting; a failed trash leaves a draft the next run updates.
                let _ = lakeview.trash(&id).await;
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
            let lakeview = ctx.target.lakeview();
            let redraft = draft_differs(desired, t);
            if redraft {
                lakeview.update(&t.id, &draft_of(desired, false)).await?;
            }
            let want = desired.get("published").filter(|p| p.is_object());
            let have = t.body.get("published").filter(|p| p.is_object());
            match (want, have) {
                (Some(w), Some(h)) if !redraft && crate::json::subset_diff(w, h).is_empty() => {}
                (Some(_), _) => publish(ctx, obj, &t.id, desired).await?,
                (None, Some(_)) => lakeview.unpublish(&t.id).await?,
                (None, None) => {}
            }
            let empty = Vec::new();
            let want = desired["schedules"].as_array().unwrap_or(&empty);
            let have = t.body["schedules"].as_array().unwrap_or(&empty);
            schedules::sync(&ctx.target, &t.id, want, have).await
        })
    }

    fn compare(&self, _: &SourceObject, desired: &Value, t: &TargetObject) -> Vec<String> {
        let mut diffs = crate::json::subset_diff(desired, &t.body);
        if desired.get("published").is_none() && t.body.get("published").is_some() {
            diffs.push("published (the source's dashboard is not)".into());
        }
        diffs
    }

    fn cutover(&self) -> Option<&dyn super::CutOver> {
        Some(self)
    }

    fn delete<'a>(
        &'a self,
        ctx: &'a Ctx,
        target: super::InTarget<'a>,
    ) -> Option<KindFuture<'a, super::Deleted>> {
        Some(Box::pin(async move {
            // Rolled back to the trash (the API's delete). The service refuses to trash a
            // dashboard already there (403): look first.
            if draft(&ctx.target, target.id).await?.is_some() {
                ctx.target.lakeview().trash(target.id).await?;
            }
            Ok(super::Deleted::Done)
        }))
    }
}
