//! Databricks SQL alerts v2 (`/api/2.0/alerts`): an alert carrying its own SQL text,
//! warehouse and schedule. References: the warehouse (`sql_warehouses`, by id), the folder
//! (`workspace_folders`, by path), the principal it runs as (a user or service principal, by
//! name) — an alert missing one of these is skipped with the reason — and its subscribers:
//! notification destinations by id and users by email (one left out of the migration is
//! dropped from the subscriptions and reported).
//!
//! **Held back until cut-over.** An alert's schedule would evaluate it (and notify its
//! subscribers) in both workspaces: it is created PAUSED, with a manual action when it runs
//! in the source, and switched on by `cutover` (`sql_alerts_v2/cutover.rs`, the kind's
//! [`super::CutOver`]). Its SQL text is never rewritten; a text naming a catalog the catalog
//! map renames gets a manual action, as a query's does.
//!
//! Natural key: the folder and the display name. The list answers whole alerts (folder
//! included), so the target is looked up from one listing.

use std::collections::BTreeMap;

use brickport_api::types::sql_queries::AlertV2;
use futures::TryStreamExt;
use serde_json::{Map, Value, json};

use super::reference as r;
use super::sql_objects::{self, key_of};
use super::{
    Created, Ctx, Detail, Kind, KindFuture, ObjectStream, RefBy, Reference, SourceObject,
    TargetObject,
};
use super::{Deleted, InTarget};
use crate::EngineError;
use crate::ledger::{Action, Category};

mod cutover;

/// The kind's name.
pub const NAME: &str = "sql_alerts_v2";

/// Databricks SQL alerts v2.
pub struct SqlAlertsV2;

const REFS: &[Reference] = &[
    r(
        "warehouse_id",
        &[super::sql_warehouses::NAME],
        RefBy::Id,
        true,
    ),
    r(
        "parent_path",
        &[super::workspace_folders::NAME],
        RefBy::Key,
        true,
    ),
    r("run_as.user_name", &[super::users::NAME], RefBy::Key, true),
    r(
        "run_as.service_principal_name",
        &[super::service_principals::NAME],
        RefBy::Key,
        true,
    ),
    r(
        "evaluation.notification.subscriptions[].destination_id",
        &[super::notification_destinations::NAME],
        RefBy::Id,
        false,
    ),
    r(
        "evaluation.notification.subscriptions[].user_email",
        &[super::users::NAME],
        RefBy::Key,
        false,
    ),
];

/// The writable fields besides the folder (`run_as_user_name` is read into `run_as`).
const FIELDS: &[&str] = &[
    "display_name",
    "query_text",
    "warehouse_id",
    "schedule",
    "evaluation",
    "custom_summary",
    "custom_description",
    "custom_template_format",
    "parameters",
    "run_as",
];

const PAUSED: &str = "PAUSED";

fn gone(a: &AlertV2) -> bool {
    a.lifecycle_state.as_deref() == Some("DELETED")
}

fn key(a: &AlertV2) -> String {
    key_of(
        a.parent_path.as_deref(),
        a.display_name.as_deref().unwrap_or_default(),
    )
}

/// The writable fields of an alert, its folder normalised, `run_as` explicit: a source's spec
/// (before the pause) and a target's body.
fn shape(a: &AlertV2) -> Result<Map<String, Value>, EngineError> {
    let raw = super::to_json(NAME, &key(a), a)?;
    let mut out = sql_objects::writable(&raw, FIELDS, a.parent_path.as_deref());
    // Who it runs as, made explicit (the deprecated field, else whom the service runs it
    // as), so the copy runs as the same principal, not as the migrating one.
    let effective = &raw["effective_run_as"];
    let named = raw["run_as_user_name"].as_str().filter(|w| !w.is_empty());
    let named = named
        .or_else(|| effective["user_name"].as_str())
        .or_else(|| effective["service_principal_name"].as_str());
    if !out.contains_key("run_as")
        && let Some(who) = named
    {
        let field = if super::jobs::uuid_like(who) {
            "service_principal_name"
        } else {
            "user_name"
        };
        out.insert("run_as".into(), json!({ field: who }));
    }
    Ok(out)
}

/// The spec of a source alert: its schedule PAUSED (with a manual action when it ran), notes
/// on catalogs its SQL text names that the map renames.
fn build(
    a: &AlertV2,
    catalogs: &BTreeMap<String, String>,
) -> Result<(Value, Vec<Action>), EngineError> {
    let key = key(a);
    let mut spec = shape(a)?;
    let mut manual = Vec::new();
    if let Some(Value::Object(s)) = spec.get_mut("schedule") {
        if s.get("pause_status").and_then(Value::as_str) != Some(PAUSED) {
            manual.push(Action::new(Category::Unpause, format!(
                "unpause at cut-over: alert `{key}` (schedule) was UNPAUSED in the source; it was created PAUSED"
            )));
        }
        s.insert("pause_status".into(), json!(PAUSED));
    }
    let text = a.query_text.as_deref().unwrap_or_default();
    for (from, to) in super::sql_queries::catalogs_in_text(text, catalogs) {
        manual.push(Action::new(Category::Other, format!(
            "alert `{key}`: its SQL text names catalog `{from}`, which [translate.catalogs] maps to `{to}`; brickport never rewrites SQL text, so the target's alert reads `{from}` as the source's did: edit it there if it must read `{to}`"
        )));
    }
    Ok((Value::Object(spec), manual))
}

fn target_of(a: AlertV2) -> Result<Option<TargetObject>, EngineError> {
    if gone(&a) {
        return Ok(None);
    }
    let body = Value::Object(shape(&a)?);
    Ok(TargetObject::from_parts(a.id.clone(), Some(key(&a)), body))
}

fn read<'a>(ctx: &'a Ctx, id: &'a str) -> KindFuture<'a, Option<TargetObject>> {
    super::get_by_id(
        async move { ctx.target.alerts_v2().get(id).await },
        target_of,
    )
}

async fn source_object(ctx: &Ctx, a: AlertV2) -> Result<Option<SourceObject>, EngineError> {
    let Some(id) = a.id.clone() else {
        return Ok(None);
    };
    let key = key(&a);
    if gone(&a) || !ctx.opts.path_selected(&key) {
        return Ok(None);
    }
    let raw = super::to_json(NAME, &key, &a)?;
    let (spec, manual) = build(&a, &ctx.opts.catalogs)?;
    let mut obj = SourceObject::new(id, key, raw, spec);
    obj.manual = manual;
    Ok(Some(obj))
}

fn alert_of(key: &str, desired: &Value) -> Result<AlertV2, EngineError> {
    sql_objects::payload(NAME, key, desired, &[])
}

impl Kind for SqlAlertsV2 {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        3
    }
    fn references(&self) -> &'static [Reference] {
        REFS
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, _: Detail) -> ObjectStream<'a> {
        Box::pin(
            ctx.source
                .alerts_v2()
                .list()
                .map_err(EngineError::from)
                .and_then(move |a| source_object(ctx, a))
                .try_filter_map(|o| std::future::ready(Ok(o))),
        )
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            let wanted = sql_objects::target_key(desired, &obj.key);
            let list = || async {
                let all: Vec<AlertV2> = ctx.target.alerts_v2().list().try_collect().await?;
                Ok(all)
            };
            let keyed = |a: &AlertV2| Some((key(a), a.id.clone()?));
            super::snapshot::find_listed(ctx, self, &wanted, list, keyed, target_of).await
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
            let mut alert = alert_of(&obj.key, desired)?;
            alert
                .parent_path
                .get_or_insert_with(|| sql_objects::ROOT.into());
            let made = ctx.target.alerts_v2().create(&alert).await?;
            Ok(Created {
                id: made.id.unwrap_or_default(),
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
            // `parent_path` is create only; the rest may change.
            let mask = sql_objects::update_mask(desired, &t.body, FIELDS);
            if mask.is_empty() {
                return Ok(());
            }
            let mut alert = alert_of(&obj.key, desired)?;
            alert.parent_path = None;
            ctx.target.alerts_v2().update(&t.id, &mask, &alert).await?;
            Ok(())
        })
    }

    fn cutover(&self) -> Option<&dyn super::CutOver> {
        Some(self)
    }

    /// A delete moves the object to the trash (purged by the service after 30 days).
    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        super::delete_by(async move { ctx.target.alerts_v2().delete(target.id).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schedule_is_paused_and_run_as_made_explicit() {
        let a: AlertV2 = serde_json::from_value(json!({
            "id": "a1", "display_name": "late", "parent_path": "/Workspace/Shared/bi",
            "query_text": "SELECT count(*) n FROM prod.sales.orders", "warehouse_id": "w1",
            "schedule": {"quartz_cron_schedule": "0 0 * * * ?", "timezone_id": "UTC",
                         "pause_status": "UNPAUSED"},
            "evaluation": {"comparison_operator": "GREATER_THAN"},
            "run_as_user_name": "a@x.com", "lifecycle_state": "ACTIVE",
            "effective_run_as": {"user_name": "b@x.com"},
        }))
        .unwrap();
        let catalogs = BTreeMap::from([("prod".to_string(), "prod_eu".to_string())]);
        let (spec, manual) = build(&a, &catalogs).unwrap();
        assert_eq!(spec["schedule"]["pause_status"], "PAUSED");
        assert_eq!(spec["run_as"], json!({"user_name": "a@x.com"}));
        assert_eq!(spec["parent_path"], "/Shared/bi");
        assert!(spec.get("effective_run_as").is_none() && spec.get("id").is_none());
        let categories: Vec<Category> = manual.iter().map(|m| m.category).collect();
        assert_eq!(categories, [Category::Unpause, Category::Other]);
        assert!(manual[1].text.contains("`prod`"), "{manual:?}");
        let plain = AlertV2 {
            run_as_user_name: None,
            ..a
        };
        let (spec, _) = build(&plain, &BTreeMap::new()).unwrap();
        assert_eq!(
            spec["run_as"],
            json!({"user_name": "b@x.com"}),
            "whom it ran as"
        );
    }
}
