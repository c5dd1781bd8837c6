//! Global init scripts: name, content (byte for byte), `enabled` and order. Natural key: name.
//! Admins only, no ACL of their own. The listing has no content: each script is read once.
//!
//! Order is the point of a `position`, and the platform gives it meaning only relative to the
//! scripts already there: a create or update at position p shifts the scripts at p and after
//! down, and a position past the end means "last". Written concurrently, the scripts would land
//! in whatever order the requests arrived. So each script names the one before it in the
//! source's order (`after_script`, a reference to its own kind): the engine then writes them one
//! after the other, in ascending position, each at its own position — the source's scripts take
//! the first places in the source's order, any the target had before come after them.

use brickport_api::types::init_scripts::GlobalInitScript;
use serde_json::{Value, json};

use super::snapshot::Lookup;
use super::{
    Created, Ctx, Detail, Kind, KindFuture, ObjectStream, RefBy, Reference, SourceObject,
    TargetObject,
};
use super::{Deleted, InTarget};

/// The kind's name.
pub const NAME: &str = "global_init_scripts";

/// Global init scripts.
pub struct GlobalInitScripts;

/// The spec field naming the script before this one (a source id, remapped to the target's).
/// Not an API field: dropped before every write and every comparison.
const AFTER: &str = "after_script";

const REFS: &[Reference] = &[Reference {
    path: AFTER,
    kinds: &[NAME],
    by: RefBy::Id,
    // A script whose predecessor failed is still migrated, at its own position.
    required: false,
    deferred: false,
}];

/// The writable fields, in the shape `compare` reads on both sides.
fn spec(s: &GlobalInitScript) -> Value {
    json!({
        "name": s.name,
        "script": s.script,
        "enabled": s.enabled.unwrap_or(false),
        "position": s.position.unwrap_or(0),
    })
}

fn target(s: GlobalInitScript) -> Option<TargetObject> {
    let body = spec(&s);
    TargetObject::from_parts(s.script_id, s.name, body)
}

/// The request body for `desired`: its own fields only.
fn request(desired: &Value) -> GlobalInitScript {
    let text = |f: &str| desired.get(f).and_then(Value::as_str).map(str::to_string);
    GlobalInitScript {
        name: text("name"),
        script: text("script"),
        enabled: desired.get("enabled").and_then(Value::as_bool),
        position: desired.get("position").and_then(Value::as_i64),
        ..GlobalInitScript::default()
    }
}

async fn listing(ctx: &Ctx, source: bool) -> Result<Vec<GlobalInitScript>, crate::EngineError> {
    let (client, side) = ctx.side(source);
    let mut all = client.init_scripts().list().await.map_err(|e| {
        crate::EngineError::api(format!("listing global init scripts in the {side}"), e)
    })?;
    all.sort_by_key(|s| s.position.unwrap_or(i64::MAX));
    Ok(all)
}

/// The source objects, in position order, each naming the one before it. Brief: without
/// their content (one read per script).
async fn list_source(ctx: &Ctx, detail: Detail) -> Result<Vec<SourceObject>, crate::EngineError> {
    let mut out: Vec<SourceObject> = Vec::new();
    let mut names = std::collections::BTreeSet::new();
    let mut previous: Option<String> = None;
    for brief in listing(ctx, true).await? {
        let Some(id) = brief.script_id.clone() else {
            continue;
        };
        let s = match detail {
            Detail::Full => ctx.source.init_scripts().get(&id).await?,
            Detail::Brief => brief,
        };
        let name = s.name.clone().unwrap_or_default();
        let mut spec = spec(&s);
        if let (Some(p), Value::Object(m)) = (&previous, &mut spec) {
            m.insert(AFTER.into(), Value::String(p.clone()));
        }
        let mut obj = SourceObject::new(
            id.clone(),
            name.clone(),
            super::to_json(NAME, &name, &s)?,
            spec,
        );
        if !names.insert(name.clone()) {
            // The name is how a re-run finds it in the target: a second script of that name
            // would be taken for the first.
            obj.mode = super::Mode::Skip(super::SkipReason::OnPurpose(format!(
                "another global init script is named `{name}`: rename one in the source"
            )));
        } else {
            previous = Some(id);
        }
        out.push(obj);
    }
    Ok(out)
}

fn get<'a>(ctx: &'a Ctx, id: &'a str) -> KindFuture<'a, Option<TargetObject>> {
    super::get_by_id(
        async move { ctx.target.init_scripts().get(id).await },
        |s| Ok(target(s)),
    )
}

/// By name: the run's snapshot of the target's listing first, then a fresh listing; either
/// way the script is read by id, since only a read has its content.
async fn find(ctx: &Ctx, name: &str) -> Result<Option<TargetObject>, crate::EngineError> {
    let keyed = |s: &GlobalInitScript| Some((s.name.clone()?, s.script_id.clone()?));
    let id = match ctx
        .cache
        .first_lookup(NAME, name, || async {
            Ok(listing(ctx, false)
                .await?
                .iter()
                .filter_map(keyed)
                .collect())
        })
        .await?
    {
        Lookup::Id(id) => Some(id),
        Lookup::Absent => None,
        Lookup::Ask => listing(ctx, false)
            .await?
            .iter()
            .filter_map(keyed)
            .find(|(k, _)| k == name)
            .map(|(_, id)| id),
    };
    match id {
        Some(id) => get(ctx, &id).await,
        None => Ok(None),
    }
}

impl Kind for GlobalInitScripts {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        1
    }
    fn references(&self) -> &'static [Reference] {
        REFS
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, detail: Detail) -> ObjectStream<'a> {
        super::batch_stream(Box::pin(list_source(ctx, detail)))
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(find(ctx, &obj.key))
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
        _: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async move {
            let id = ctx.target.init_scripts().create(&request(desired)).await?;
            Ok(Created { id, key: None })
        })
    }

    fn update<'a>(
        &'a self,
        ctx: &'a Ctx,
        _: &'a SourceObject,
        t: &'a TargetObject,
        desired: &'a Value,
    ) -> KindFuture<'a, ()> {
        Box::pin(async move {
            Ok(ctx
                .target
                .init_scripts()
                .update(&t.id, &request(desired))
                .await?)
        })
    }

    fn compare(&self, _: &SourceObject, desired: &Value, target: &TargetObject) -> Vec<String> {
        let mut own = desired.clone();
        if let Value::Object(m) = &mut own {
            m.remove(AFTER);
        }
        crate::json::subset_diff(&own, &target.body)
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        super::delete_by(async move { ctx.target.init_scripts().delete(target.id).await })
    }
}
