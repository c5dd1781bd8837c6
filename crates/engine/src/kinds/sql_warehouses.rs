//! SQL warehouses: every writable field, tags and channel included. Natural key: name. A new
//! warehouse starts when created; it is stopped right away (no cost until cut-over).

use brickport_api::types::warehouses::Warehouse;
use futures::TryStreamExt;
use serde_json::Value;

use super::snapshot::find_listed;
use super::{Created, Ctx, Kind, KindFuture, SourceObject, TargetObject, from_json, to_json};
use super::{Deleted, InTarget};
use super::{Detail, ObjectStream};
use crate::Check;
use crate::json::pick;

/// The kind's name.
pub const NAME: &str = "sql_warehouses";

/// SQL warehouses.
pub struct SqlWarehouses;

const WRITABLE: &[&str] = &[
    "name",
    "cluster_size",
    "min_num_clusters",
    "max_num_clusters",
    "auto_stop_mins",
    "enable_photon",
    "enable_serverless_compute",
    "warehouse_type",
    "spot_instance_policy",
    "channel",
    "tags",
    "instance_profile_arn",
];

fn spec(w: &Warehouse) -> Result<Value, crate::EngineError> {
    let v = to_json(NAME, w.name.as_deref().unwrap_or(""), w)?;
    Ok(pick(&v, WRITABLE))
}

fn target(w: Warehouse) -> Result<Option<TargetObject>, crate::EngineError> {
    let body = spec(&w)?;
    Ok(TargetObject::from_parts(w.id, w.name, body))
}

async fn all(ctx: &Ctx, source: bool) -> Result<Vec<Warehouse>, crate::EngineError> {
    let (client, _) = ctx.side(source);
    let list: Vec<Warehouse> = client.warehouses().list().try_collect().await?;
    Ok(list
        .into_iter()
        .filter(|w| !matches!(w.state.as_deref(), Some("DELETED" | "DELETING")))
        .collect())
}

impl Kind for SqlWarehouses {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        1
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, _: Detail) -> ObjectStream<'a> {
        super::batch_stream(Box::pin(async move {
            let mut out = Vec::new();
            for w in all(ctx, true).await? {
                let (Some(id), Some(name)) = (w.id.clone(), w.name.clone()) else {
                    continue;
                };
                out.push(SourceObject::new(
                    id,
                    name.clone(),
                    to_json(NAME, &name, &w)?,
                    spec(&w)?,
                ));
            }
            Ok(out)
        }))
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(find_listed(
            ctx,
            self,
            &obj.key,
            || all(ctx, false),
            |w| Some((w.name.clone()?, w.id.clone()?)),
            target,
        ))
    }

    fn get<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: &'a str,
    ) -> Option<KindFuture<'a, Option<TargetObject>>> {
        Some(super::get_by_id(
            async move { ctx.target.warehouses().get(id).await },
            |w| {
                if matches!(w.state.as_deref(), Some("DELETED" | "DELETING")) {
                    return Ok(None);
                }
                target(w)
            },
        ))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async move {
            let w: Warehouse = from_json(NAME, &obj.key, desired)?;
            let wh = ctx.target.warehouses();
            let id = wh.create(&w).await?;
            // Created warehouses start; stop it so it costs nothing until cut-over. `stop`
            // is idempotent, so a retry after a lost answer is harmless.
            wh.stop(&id).await?;
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
            let w: Warehouse = from_json(NAME, &obj.key, desired)?;
            Ok(ctx.target.warehouses().edit(&t.id, &w).await?)
        })
    }

    fn prechecks<'a>(&'a self, ctx: &'a Ctx) -> KindFuture<'a, Vec<Check>> {
        Box::pin(async move {
            let source: Vec<String> = all(ctx, true)
                .await?
                .into_iter()
                .filter_map(|w| w.name)
                .collect();
            let target: Vec<String> = all(ctx, false)
                .await?
                .into_iter()
                .filter_map(|w| w.name)
                .collect();
            Ok(vec![super::collision_check(ctx, NAME, &source, &target)?])
        })
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        super::delete_by(async move { ctx.target.warehouses().delete(target.id).await })
    }
}
