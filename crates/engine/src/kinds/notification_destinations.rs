//! Notification destinations: where jobs (and alerts) send notifications — email, Slack, a
//! generic webhook, PagerDuty, Microsoft Teams. Natural key: the display name with the type
//! (a second destination of the same name and type in the source is skipped, with the reason:
//! a re-run would take it for the first). Admins only; no ACL of their own.
//!
//! Every part of a configuration but email addresses is write-only (`config.rs`): the source
//! answers a `<field>_set` flag instead. Each such part gets the operator's value from the
//! `notification_destinations` section of `--secret-values` (by destination display name),
//! else a placeholder — listed as a manual action of the secrets category. The spec holds the
//! flags and the names of the parts supplied in this run, never a value; the ledger remembers
//! which parts received a supplied value (the fact only), so a later run without the values
//! file asks for nothing more, and a later run with them updates the destination. Comparing
//! reads the name, the type, the readable parts and the flags.
//!
//! Jobs name destinations by id in `webhook_notifications` (see `kinds/jobs.rs`).

use std::collections::{BTreeMap, BTreeSet};

use brickport_api::types::notification_destinations::NotificationDestination;
use futures::TryStreamExt;
use serde_json::Value;

use super::snapshot::Lookup;
use super::{
    Created, Ctx, Detail, Kind, KindFuture, Mode, ObjectStream, SourceObject, TargetObject,
};
use super::{Deleted, InTarget};
use crate::ledger::{Action, Category, SkipReason, Subject};
use crate::{Check, EngineError};

mod config;
use config::{SUPPLIED, set_fields, shape, supplied};

/// The kind's name.
pub const NAME: &str = "notification_destinations";

/// Notification destinations.
pub struct NotificationDestinations;

/// The run cache's key of a destination: its type and its name (a name may be taken by
/// destinations of two types).
fn lookup_key(name: &str, destination_type: &str) -> String {
    format!("{destination_type}\n{name}")
}

async fn listing(ctx: &Ctx, source: bool) -> Result<Vec<NotificationDestination>, EngineError> {
    let (client, side) = ctx.side(source);
    let listed = client.notification_destinations().list(None).try_collect();
    listed.await.map_err(|e| {
        EngineError::api(
            format!("listing notification destinations in the {side}"),
            e,
        )
    })
}

/// The source object of one destination read in full (`d`), the parts the operator supplies
/// in this run named in its spec.
fn source_object(ctx: &Ctx, d: &NotificationDestination) -> Result<SourceObject, EngineError> {
    let id = d.id.clone().unwrap_or_default();
    let name = d.display_name.clone().unwrap_or_default();
    let mut spec = shape(d)?;
    let mut raw = spec.clone();
    raw["id"] = Value::String(id.clone());
    let set = set_fields(&spec);
    let values = ctx.opts.destination_values(&name);
    let now: Vec<&String> = set
        .iter()
        .filter(|f| values.is_some_and(|v| v.contains_key(*f)))
        .collect();
    if !now.is_empty() {
        spec[SUPPLIED] = serde_json::json!(now);
    }
    let mut obj = SourceObject::new(id.clone(), name.clone(), raw, spec.clone());
    // One action for the parts that hold placeholders, kept once their values are supplied:
    // the ledger ticks it when every part received one (in this run or any).
    if !set.is_empty() {
        let fields: Vec<String> = set.iter().map(|f| format!("`{f}`")).collect();
        let action = Action::new(
            Category::Secret,
            format!(
                "set {} of notification destination `{name}` ({}) in the target: they hold placeholders (or give them in the `notification_destinations` section of --secret-values and run again)",
                fields.join(", "),
                spec["destination_type"].as_str().unwrap_or_default(),
            ),
        );
        obj.manual.push(action.settled_by(Subject::Destination {
            source_id: id.clone(),
            fields: set.iter().map(|f| f.to_string()).collect(),
        }));
    }
    Ok(obj)
}

/// A destination that cannot be migrated as it is, and why (its mode and manual action).
fn unmigratable(obj: &mut SourceObject, d: &NotificationDestination) {
    let name = obj.key.clone();
    let why = if d.config.is_none() {
        "the source answered no configuration for it (only a workspace admin reads one)".into()
    } else {
        let unknown = config::unknown_parts(&obj.spec());
        if unknown.is_empty() {
            return;
        }
        format!(
            "its configuration has parts brickport cannot write ({})",
            unknown.join(", ")
        )
    };
    obj.mode = Mode::Skip(SkipReason::OnPurpose(why));
    obj.manual = vec![Action::new(
        Category::Other,
        format!("re-create notification destination `{name}` in the target by hand"),
    )];
}

/// Every source destination, each read in full (only a read has its configuration). Brief:
/// the listing alone.
async fn list_source(ctx: &Ctx, detail: Detail) -> Result<Vec<SourceObject>, EngineError> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for brief in listing(ctx, true).await? {
        let Some(id) = brief.id.clone() else {
            continue;
        };
        let d = match detail {
            Detail::Full => ctx.source.notification_destinations().get(&id).await?,
            Detail::Brief => brief,
        };
        let mut obj = source_object(ctx, &d)?;
        let kind = obj.spec()["destination_type"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if !seen.insert(lookup_key(&obj.key, &kind)) {
            obj.mode = Mode::Skip(SkipReason::OnPurpose(format!(
                "another notification destination of type {kind} is named `{}`: rename one in the source",
                obj.key
            )));
            obj.manual.clear();
        } else if detail == Detail::Full {
            unmigratable(&mut obj, &d);
        }
        out.push(obj);
    }
    Ok(out)
}

fn target(d: NotificationDestination) -> Result<Option<TargetObject>, EngineError> {
    let body = shape(&d)?;
    Ok(TargetObject::from_parts(d.id, d.display_name, body))
}

fn get<'a>(ctx: &'a Ctx, id: &'a str) -> KindFuture<'a, Option<TargetObject>> {
    super::get_by_id(
        async move { ctx.target.notification_destinations().get(id).await },
        target,
    )
}

/// By name and type: the run's snapshot of the target's listing first, then a fresh listing;
/// either way read by id, since only a read has the configuration.
async fn find(ctx: &Ctx, desired: &Value, name: &str) -> Result<Option<TargetObject>, EngineError> {
    let kind = desired["destination_type"].as_str().unwrap_or_default();
    let wanted = lookup_key(name, kind);
    let keyed = |d: &NotificationDestination| {
        let t = d.destination_type.as_deref().unwrap_or_default();
        Some((lookup_key(d.display_name.as_deref()?, t), d.id.clone()?))
    };
    let load = || async {
        Ok(listing(ctx, false)
            .await?
            .iter()
            .filter_map(keyed)
            .collect())
    };
    let id = match ctx.cache.first_lookup(NAME, &wanted, load).await? {
        Lookup::Id(id) => Some(id),
        Lookup::Absent => None,
        Lookup::Ask => listing(ctx, false)
            .await?
            .iter()
            .filter_map(keyed)
            .find(|(k, _)| *k == wanted)
            .map(|(_, id)| id),
    };
    match id {
        Some(id) => get(ctx, &id).await,
        None => Ok(None),
    }
}

/// Writes `desired` to the target (`target`: the destination as found, `None` to create it)
/// and records in the ledger which write-only parts got a supplied value; returns the id.
async fn write(
    ctx: &Ctx,
    obj: &SourceObject,
    desired: &Value,
    found: Option<&TargetObject>,
) -> Result<String, EngineError> {
    let values = ctx.opts.destination_values(&obj.key);
    let placeholder = &ctx.opts.secret_placeholder;
    let nd = ctx.target.notification_destinations();
    let (id, written) = match found {
        None => {
            let keep = BTreeSet::new();
            let (request, written) = config::request(desired, values, placeholder, Some(&keep))?;
            (nd.create(&request).await?.id.unwrap_or_default(), written)
        }
        Some(t) => {
            let send_config = !config_equal(desired, &t.body) || !supplied(desired).is_empty();
            let keep = set_fields(&t.body);
            let (request, written) =
                config::request(desired, values, placeholder, send_config.then_some(&keep))?;
            nd.update(&t.id, &request).await?;
            (t.id.clone(), written)
        }
    };
    let ledger = ctx.ids.ledger();
    for f in &written.supplied {
        ledger.record_destination_supplied(&obj.source_id, f)?;
    }
    for f in &written.placeholders {
        ledger.forget_destination_supplied(&obj.source_id, f)?;
    }
    Ok(id)
}

fn config_equal(desired: &Value, target: &Value) -> bool {
    crate::json::canonical(&desired["config"]) == crate::json::canonical(&target["config"])
}

impl Kind for NotificationDestinations {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        1
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, detail: Detail) -> ObjectStream<'a> {
        super::batch_stream(Box::pin(list_source(ctx, detail)))
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(find(ctx, desired, &obj.key))
    }

    fn get<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: &'a str,
    ) -> Option<KindFuture<'a, Option<TargetObject>>> {
        Some(get(ctx, id))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async move {
            let id = write(ctx, obj, desired, None).await?;
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
        Box::pin(async move { write(ctx, obj, desired, Some(t)).await.map(|_| ()) })
    }

    /// The name, the type, the readable parts and the `*_set` flags, both ways (a part set
    /// only in the target differs too); a part supplied in this run always differs, since
    /// its value cannot be read back to compare.
    fn compare(&self, _: &SourceObject, desired: &Value, target: &TargetObject) -> Vec<String> {
        let mut diffs = Vec::new();
        for field in ["display_name", "destination_type"] {
            if desired[field] != target.body[field] {
                diffs.push(field.to_string());
            }
        }
        let (d, t) = (&desired["config"], &target.body["config"]);
        let mut config: BTreeSet<String> = crate::json::subset_diff(d, t).into_iter().collect();
        config.extend(crate::json::subset_diff(t, d));
        diffs.extend(config.into_iter().map(|p| format!("config.{p}")));
        let member = config::member(desired).map(|(m, _)| m).unwrap_or_default();
        for f in supplied(desired) {
            diffs.push(format!("config.{member}.{f} (supplied value)"));
        }
        diffs
    }

    fn prechecks<'a>(&'a self, ctx: &'a Ctx) -> KindFuture<'a, Vec<Check>> {
        Box::pin(async move {
            let source = listing(ctx, true).await?;
            let names = |l: &[NotificationDestination]| -> Vec<String> {
                l.iter().filter_map(|d| d.display_name.clone()).collect()
            };
            let target = listing(ctx, false).await?;
            let mut checks = vec![super::collision_check(
                ctx,
                NAME,
                &names(&source),
                &names(&target),
            )?];
            if !ctx.opts.destination_values.is_empty() {
                let mut parts: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
                for d in &source {
                    let Some(id) = d.id.as_deref() else { continue };
                    let full = ctx.source.notification_destinations().get(id).await?;
                    let name = full.display_name.clone().unwrap_or_default();
                    parts
                        .entry(name)
                        .or_default()
                        .extend(set_fields(&shape(&full)?));
                }
                checks.push(supplied_check(&ctx.opts.destination_values, &parts));
            }
            Ok(checks)
        })
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        super::delete_by(async move {
            ctx.target
                .notification_destinations()
                .delete(target.id)
                .await
        })
    }
}

/// Every supplied part must be one the source's destination of that name has set: a name
/// that matches nothing is a typo whose part would keep the placeholder, unnoticed. Names
/// only, never a value.
fn supplied_check(
    supplied: &crate::DestinationValues,
    parts: &BTreeMap<String, BTreeSet<String>>,
) -> Check {
    let mut unknown = Vec::new();
    for (name, values) in supplied {
        match parts.get(name) {
            None => unknown.push(format!("destination `{name}` (not in the source)")),
            Some(have) => unknown.extend(
                values
                    .keys()
                    .filter(|f| !have.contains(*f))
                    .map(|f| format!("`{name}`/`{f}` (not set in the source's destination)")),
            ),
        }
    }
    if unknown.is_empty() {
        return Check::pass(
            "notification destination values",
            "source",
            "every supplied value names a write-only part a source destination has set",
        );
    }
    Check::fail(
        "notification destination values",
        "source",
        format!(
            "the `notification_destinations` section of --secret-values names what the source does not have: {}",
            unknown.join("; ")
        ),
        "correct the names in the secret values file, or remove those entries",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use brickport_api::Secret;

    #[test]
    fn supplied_values_must_name_parts_the_source_has_set() {
        let parts = BTreeMap::from([(
            "hook".to_string(),
            BTreeSet::from(["url".to_string(), "password".to_string()]),
        )]);
        let mut supplied = crate::DestinationValues::new();
        let mut entry = BTreeMap::from([("password".to_string(), Secret::new("TOPSECRET-1"))]);
        supplied.insert("hook".into(), entry.clone());
        assert!(supplied_check(&supplied, &parts).ok);
        entry.insert("username".into(), Secret::new("TOPSECRET-2"));
        supplied.insert("hook".into(), entry);
        supplied.insert("hok".into(), BTreeMap::new());
        let c = supplied_check(&supplied, &parts);
        assert!(!c.ok);
        let text = format!("{c:?}");
        assert!(text.contains("destination `hok`"), "{text}");
        assert!(text.contains("`hook`/`username`"), "{text}");
        assert!(!text.contains("TOPSECRET"), "{text}");
    }
}
