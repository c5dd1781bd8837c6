//! Genie spaces: title, description, folder, warehouse and the serialized space (its sample
//! questions, instructions and the tables it answers from). The warehouse and the folder are
//! references: a space whose warehouse or folder is left out is skipped with the reason.
//! Conversations are private to their owners and not migrated.
//!
//! The serialized space is kept **parsed** and compared as JSON (a subset): the service
//! upgrades a document it stores (a newer `version`, fields added), so a target whose
//! `version` is newer than the source's is not a difference. The catalog map renames the
//! catalog of each table identifier (`catalog.schema.table` in an `identifier` field under
//! `data_sources`); SQL and other text inside the space is never rewritten, and a catalog of
//! the map it names is listed as a manual action.
//!
//! Natural key: `<parent_path>/<title>`.

use std::collections::BTreeMap;

use brickport_api::ApiResultExt;
use brickport_api::types::genie::{GenieSpace, GenieSpaceRequest};
use futures::{StreamExt, TryStreamExt};
use serde_json::{Map, Value, json};

use super::dashboards::{parsed, serialized};
use super::shared::normalise_path;
use super::{
    Action, Category, Created, Ctx, Detail, Kind, KindFuture, ObjectStream, RefBy, Reference,
    SourceObject, TargetObject, catalogs, from_json,
};
use crate::EngineError;

/// The kind's name.
pub const NAME: &str = "genie_spaces";

/// Genie spaces.
pub struct GenieSpaces;

const REFS: &[Reference] = &[
    super::reference(
        "parent_path",
        &[super::workspace_folders::NAME],
        RefBy::Key,
        true,
    ),
    super::reference(
        "warehouse_id",
        &[super::sql_warehouses::NAME],
        RefBy::Id,
        true,
    ),
];

fn key_of(s: &GenieSpace) -> String {
    super::shared::tree_key(
        s.parent_path.as_deref(),
        s.title.as_deref().unwrap_or_default(),
    )
}

/// A space as read (either side) in the spec's shape.
fn body_of(s: &GenieSpace) -> Value {
    let mut m = Map::new();
    let mut put = |k: &str, v: Option<&String>| {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            m.insert(k.into(), json!(v));
        }
    };
    put("title", s.title.as_ref());
    put("description", s.description.as_ref());
    put("warehouse_id", s.warehouse_id.as_ref());
    if let Some(p) = &s.parent_path {
        m.insert("parent_path".into(), json!(normalise_path(p)));
    }
    let doc = parsed(s.serialized_space.as_deref());
    if !doc.is_null() {
        m.insert("serialized_space".into(), doc);
    }
    Value::Object(m)
}

/// Applies the catalog map to every `identifier` under `data_sources`; returns the catalogs
/// of the map that the document's other text names.
fn map_catalogs(doc: &mut Value, map: &BTreeMap<String, String>) -> Vec<String> {
    if map.is_empty() {
        return Vec::new();
    }
    if let Some(Value::Object(sources)) = doc.get_mut("data_sources") {
        for item in sources
            .values_mut()
            .filter_map(Value::as_array_mut)
            .flatten()
        {
            let renamed = (item.get("identifier").and_then(Value::as_str))
                .and_then(|i| catalogs::rename_identifier(map, i));
            if let Some(to) = renamed {
                item["identifier"] = json!(to);
            }
        }
    }
    let mut named = Vec::new();
    texts(doc, &mut |text| {
        for c in catalogs::named_in_sql(map, text) {
            if !named.contains(&c) {
                named.push(c);
            }
        }
    });
    named.sort();
    named
}

/// Calls `f` on every string of `v` but the table identifiers.
fn texts(v: &Value, f: &mut dyn FnMut(&str)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().for_each(|x| texts(x, f)),
        Value::Object(m) => m
            .iter()
            .filter(|(k, _)| *k != "identifier")
            .for_each(|(_, x)| texts(x, f)),
        _ => {}
    }
}

/// The source's spec of a space, with its notes.
fn build(s: &GenieSpace, key: &str, map: &BTreeMap<String, String>) -> (Value, Vec<Action>) {
    let mut spec = body_of(s);
    let mut manual = Vec::new();
    if let Some(doc) = spec.get_mut("serialized_space") {
        let named = map_catalogs(doc, map);
        if !named.is_empty() {
            let pairs: Vec<String> = named
                .iter()
                .map(|c| format!("`{c}` → `{}`", map.get(c).map_or("?", String::as_str)))
                .collect();
            manual.push(Action::new(Category::Other, format!(
                "Genie space `{key}`: its instructions or example SQL name catalog {} of the catalog map; text is never rewritten: edit the space in the target",
                pairs.join(", ")
            )));
        }
    }
    (spec, manual)
}

/// The space `id` of `ws` (with its serialized space when `full`), unless it is gone. The
/// service answers a space that does not exist (or is in the trash) with 403
/// `PERMISSION_DENIED`, not 404: for a workspace admin, as the migration runs, that is absent.
async fn space(
    ws: &brickport_api::WorkspaceClient,
    id: &str,
    full: bool,
) -> Result<Option<GenieSpace>, EngineError> {
    match ws.genie().get(id, full).await {
        Err(e) if e.error_code() == Some("PERMISSION_DENIED") => Ok(None),
        r => Ok(r.found()?),
    }
}

async fn read(ctx: &Ctx, id: &str) -> Result<Option<TargetObject>, EngineError> {
    let Some(s) = space(&ctx.target, id, true).await? else {
        return Ok(None);
    };
    Ok(Some(TargetObject {
        id: id.to_string(),
        key: key_of(&s),
        body: body_of(&s),
        facts: Default::default(),
    }))
}

/// One listed space: keyed (`full` false), or read in full with its spec.
async fn source_object(
    ctx: &Ctx,
    listed: GenieSpace,
    full: bool,
) -> Result<Option<SourceObject>, EngineError> {
    let Some(id) = listed.space_id.clone() else {
        return Ok(None);
    };
    let s = match (full, listed.parent_path.is_some()) {
        (false, true) => listed,
        _ => match space(&ctx.source, &id, full).await? {
            Some(s) => s,
            None => return Ok(None),
        },
    };
    let key = key_of(&s);
    if !ctx.opts.path_selected(&key) {
        return Ok(None);
    }
    let raw = super::to_json(NAME, &key, &s)?;
    if !full {
        return Ok(Some(SourceObject::new(id, key, raw, Value::Null)));
    }
    let (mut spec, manual) = build(&s, &key, &ctx.opts.catalogs);
    let mut facts = super::Facts::default();
    super::shared::hold_root_parent(&mut spec, &mut facts);
    let mut obj = SourceObject::new(id, key, raw, spec);
    obj.manual = manual;
    obj.facts = facts;
    Ok(Some(obj))
}

/// Every space of the target by key (a space's folder read when the list leaves it out).
async fn target_keys(ctx: &Ctx) -> Result<Vec<(String, String)>, EngineError> {
    let listed: Vec<GenieSpace> = ctx.target.genie().list().try_collect().await?;
    let width = ctx.opts.max_concurrency.max(1);
    futures::stream::iter(listed)
        .map(|s| async move {
            let Some(id) = s.space_id.clone() else {
                return Ok(None);
            };
            let s = match s.parent_path {
                Some(_) => Some(s),
                None => space(&ctx.target, &id, false).await?,
            };
            Ok::<_, EngineError>(s.map(|s| (key_of(&s), id)))
        })
        .buffered(width)
        .try_filter_map(|o| std::future::ready(Ok(o)))
        .try_collect()
        .await
}

/// The request a create (`with_parent`) or an update sends.
fn request(
    obj: &SourceObject,
    desired: &Value,
    with_parent: bool,
) -> Result<GenieSpaceRequest, EngineError> {
    let mut body = obj.facts.with_kept(desired);
    if let Value::Object(m) = &mut body {
        if !with_parent {
            m.remove("parent_path");
        }
        let text = m.get("serialized_space").and_then(serialized);
        match text {
            Some(t) => m.insert("serialized_space".into(), json!(t)),
            None => m.remove("serialized_space"),
        };
    }
    from_json(NAME, &obj.key, &body)
}

/// `desired` with the target's `version` of the serialized space when it is newer (the
/// service upgrades a document it stores).
fn upgraded(desired: &Value, t: &TargetObject) -> Value {
    let mut want = desired.clone();
    let version = |v: &Value| {
        v.pointer("/serialized_space/version")
            .and_then(Value::as_f64)
    };
    if let (Some(w), Some(h)) = (version(&want), version(&t.body))
        && h > w
        && let Some(doc) = want.get_mut("serialized_space")
    {
        doc["version"] = t.body["serialized_space"]["version"].clone();
    }
    want
}

impl Kind for GenieSpaces {
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
        // The list has no serialized space: a full listing reads each space, a few at a time.
        let full = detail == Detail::Full;
        let width = ctx.opts.max_concurrency.max(1);
        let listed = ctx.source.genie().list();
        super::shared::read_each(listed, width, move |s| source_object(ctx, s, full))
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            let ask = || async {
                let keys = target_keys(ctx).await?;
                Ok(keys
                    .into_iter()
                    .find(|(k, _)| *k == obj.key)
                    .map(|(_, id)| id))
            };
            let read = |id: String| async move { read(ctx, &id).await };
            super::shared::find_by_id(ctx, NAME, &obj.key, || target_keys(ctx), ask, read).await
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
            let made = ctx
                .target
                .genie()
                .create(&request(obj, desired, true)?)
                .await?;
            Ok(Created {
                id: made.space_id.unwrap_or_default(),
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
            // No etag: a stale one is refused, and this write replaces the space anyway.
            let body = request(obj, desired, false)?;
            ctx.target.genie().update(&t.id, &body).await?;
            Ok(())
        })
    }

    fn compare(&self, _: &SourceObject, desired: &Value, t: &TargetObject) -> Vec<String> {
        crate::json::subset_diff(&upgraded(desired, t), &t.body)
    }

    fn delete<'a>(
        &'a self,
        ctx: &'a Ctx,
        target: super::InTarget<'a>,
    ) -> Option<KindFuture<'a, super::Deleted>> {
        Some(Box::pin(async move {
            // Rolled back to the trash (the API's delete); a space already gone is answered
            // 403 PERMISSION_DENIED, which is done too.
            match ctx.target.genie().trash(target.id).await {
                Err(e) if e.error_code() == Some("PERMISSION_DENIED") => {}
                r => r?,
            }
            Ok(super::Deleted::Done)
        }))
    }
}

#[cfg(test)]
mod tests;
