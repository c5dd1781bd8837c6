//! Databricks SQL alerts (the current `/api/2.0/sql/alerts` API): an alert on a query's
//! result. References: the query (`sql_queries`, by id: alerts run after queries), the folder
//! holding it (`workspace_folders`, by path) and the owner (a user or service principal, set
//! with an update after the create; dropped and reported when not migrated). An alert whose
//! query or folder is left out is skipped with the reason.
//!
//! **Nothing to hold back.** This API has neither a schedule nor subscribers: an alert is
//! evaluated, and its subscribers notified, by a job's `sql_task.alert` (its job is created
//! paused, its subscriptions' destinations remapped: `kinds/jobs.rs`) or by a schedule set in
//! the UI, which the API does not expose — so nothing of it can start on its own in the
//! target through what brickport writes. Alerts v2, which carry their own schedule, are the
//! `sql_alerts_v2` kind's (created paused, switched on at cut-over).
//!
//! Natural key: the folder and the display name, as for queries (`sql_objects.rs`).

use brickport_api::ApiResultExt;
use brickport_api::types::sql_queries::{ALERT_UPDATABLE, Alert, CreateAlert, UpdateAlert};
use futures::TryStreamExt;
use serde_json::{Value, json};

use super::reference as r;
use super::sql_objects::{self, key_of, owner};
use super::{
    Created, Ctx, Detail, Kind, KindFuture, ObjectStream, RefBy, Reference, SourceObject,
    TargetObject,
};
use super::{Deleted, InTarget};
use crate::EngineError;

/// The kind's name.
pub const NAME: &str = "sql_alerts";

/// Databricks SQL alerts (current API).
pub struct SqlAlerts;

const REFS: &[Reference] = &[
    r("query_id", &[super::sql_queries::NAME], RefBy::Id, true),
    r(
        "parent_path",
        &[super::workspace_folders::NAME],
        RefBy::Key,
        true,
    ),
    r(
        "owner_user_name",
        &[super::users::NAME, super::service_principals::NAME],
        RefBy::Key,
        false,
    ),
];

/// The writable fields besides the folder and the owner.
const FIELDS: &[&str] = &[
    "display_name",
    "query_id",
    "condition",
    "custom_subject",
    "custom_body",
    "notify_on_ok",
    "seconds_to_retrigger",
];

fn trashed(a: &Alert) -> bool {
    sql_objects::trashed(a.lifecycle_state.as_deref())
}

fn key(a: &Alert) -> String {
    key_of(
        a.parent_path.as_deref(),
        a.display_name.as_deref().unwrap_or_default(),
    )
}

/// The writable fields of an alert, its folder normalised, a deleted owner left out: the
/// spec of a source alert and the body of a target one.
fn shape(a: &Alert) -> Result<Value, EngineError> {
    let raw = super::to_json(NAME, &key(a), a)?;
    let mut out = sql_objects::writable(&raw, FIELDS, a.parent_path.as_deref());
    if let Some(o) = owner(a.owner_user_name.as_deref()) {
        out.insert("owner_user_name".into(), json!(o));
    }
    Ok(Value::Object(out))
}

/// The target alert `id` (`None`: gone or trashed).
async fn read(ctx: &Ctx, id: &str) -> Result<Option<TargetObject>, EngineError> {
    let Some(a) = ctx.target.sql_alerts().get(id).await.found()? else {
        return Ok(None);
    };
    if trashed(&a) {
        return Ok(None);
    }
    Ok(TargetObject::from_parts(
        a.id.clone(),
        Some(key(&a)),
        shape(&a)?,
    ))
}

/// One listed alert, read (its folder is only in a read). `None`: gone, trashed, or outside
/// the path selection.
async fn source_object(
    ctx: &Ctx,
    listed: Alert,
    detail: Detail,
) -> Result<Option<SourceObject>, EngineError> {
    let Some(id) = listed.id.clone() else {
        return Ok(None);
    };
    // Resumed only in full: a brief listing (permissions) needs the mode `Migrate`.
    if detail == Detail::Full
        && let Some(obj) = sql_objects::resumed(ctx, NAME, &id)?
    {
        return Ok(Some(obj));
    }
    let Some(a) = ctx.source.sql_alerts().get(&id).await.found()? else {
        return Ok(None);
    };
    let key = key(&a);
    if trashed(&a) || !ctx.opts.path_selected(&key) {
        return Ok(None);
    }
    let raw = super::to_json(NAME, &key, &a)?;
    Ok(Some(SourceObject::new(id, key, raw, shape(&a)?)))
}

async fn target_names(ctx: &Ctx) -> Result<Vec<(String, String)>, EngineError> {
    let listed: Vec<Alert> = ctx.target.sql_alerts().list().try_collect().await?;
    Ok(listed
        .into_iter()
        .filter(|a| !trashed(a))
        .filter_map(|a| Some((a.id?, a.display_name?)))
        .collect())
}

fn alert_of(key: &str, desired: &Value) -> Result<Alert, EngineError> {
    sql_objects::payload(NAME, key, desired, &[])
}

/// Changes the fields of target alert `id` that `desired` has and `current` lacks.
async fn patch(
    ctx: &Ctx,
    key: &str,
    id: &str,
    desired: &Value,
    current: &Value,
) -> Result<(), EngineError> {
    let mask = sql_objects::update_mask(desired, current, ALERT_UPDATABLE);
    if mask.is_empty() {
        return Ok(());
    }
    let mut alert = alert_of(key, desired)?;
    // Create only.
    alert.parent_path = None;
    let request = UpdateAlert {
        update_mask: Some(mask),
        alert: Some(alert),
        auto_resolve_display_name: Some(false),
        ..Default::default()
    };
    ctx.target.sql_alerts().update(id, &request).await?;
    Ok(())
}

impl Kind for SqlAlerts {
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
        let listed = ctx.source.sql_alerts().list();
        sql_objects::read_each(ctx, listed, move |a| source_object(ctx, a, detail))
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            let list = || target_names(ctx);
            let get = |id: String| async move { read(ctx, &id).await };
            sql_objects::find(ctx, NAME, &obj.key, desired, list, get).await
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
            let mut alert = alert_of(&obj.key, desired)?;
            alert
                .parent_path
                .get_or_insert_with(|| sql_objects::ROOT.into());
            // Taken through an update only.
            let wanted_owner = alert.owner_user_name.take();
            let request = CreateAlert {
                alert: Some(alert),
                auto_resolve_display_name: Some(false),
                ..Default::default()
            };
            let made = ctx.target.sql_alerts().create(&request).await?;
            let id = made.id.clone().unwrap_or_default();
            if wanted_owner.is_some() {
                patch(ctx, &obj.key, &id, desired, &shape(&made)?).await?;
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
        Box::pin(patch(ctx, &obj.key, &t.id, desired, &t.body))
    }

    /// A delete moves the object to the trash (purged by the service after 30 days).
    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        super::delete_by(async move { ctx.target.sql_alerts().delete(target.id).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shape_keeps_writable_fields_and_a_live_owner() {
        let a: Alert = serde_json::from_value(json!({
            "id": "a1", "display_name": "late", "query_id": "q1",
            "condition": {"op": "GREATER_THAN", "operand": {"column": {"name": "n"}}},
            "parent_path": "/Workspace/Shared/bi", "owner_user_name": "a@x.com",
            "state": "TRIGGERED", "lifecycle_state": "ACTIVE", "seconds_to_retrigger": 0,
        }))
        .unwrap();
        let s = shape(&a).unwrap();
        assert_eq!(key(&a), "/Shared/bi/late");
        assert_eq!(s["parent_path"], "/Shared/bi");
        assert_eq!(s["owner_user_name"], "a@x.com");
        assert_eq!(s["seconds_to_retrigger"], 0);
        assert!(s.get("state").is_none() && s.get("id").is_none());
        let gone = Alert {
            owner_user_name: Some("Unavailable".into()),
            ..a
        };
        assert!(shape(&gone).unwrap().get("owner_user_name").is_none());
    }
}
