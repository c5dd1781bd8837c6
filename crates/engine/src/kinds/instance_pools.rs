//! Instance pools: every writable field. Natural key: instance_pool_name. Clusters and job
//! clusters reference them by id.

use brickport_api::types::pools::InstancePool;
use serde_json::Value;

use super::snapshot::find_listed;
use super::{Created, Ctx, Kind, KindFuture, SourceObject, TargetObject, from_json, to_json};
use super::{Deleted, InTarget};
use super::{Detail, ObjectStream};
use crate::Check;
use crate::json::pick;

/// The kind's name.
pub const NAME: &str = "instance_pools";

/// Instance pools.
pub struct InstancePools;

const WRITABLE: &[&str] = &[
    "instance_pool_name",
    "node_type_id",
    "min_idle_instances",
    "max_capacity",
    "idle_instance_autotermination_minutes",
    "custom_tags",
    "enable_elastic_disk",
    "disk_spec",
    "preloaded_spark_versions",
    "preloaded_docker_images",
    "aws_attributes",
    "azure_attributes",
    "gcp_attributes",
    "node_type_flexibility",
    "enable_auto_alternate_node_types",
    "remote_disk_throughput",
    "total_initial_remote_disk_size",
];

/// The fields `edit` accepts (the others are fixed at creation).
const EDITABLE: &[&str] = &[
    "instance_pool_name",
    "node_type_id",
    "min_idle_instances",
    "max_capacity",
    "idle_instance_autotermination_minutes",
    "custom_tags",
    "enable_auto_alternate_node_types",
    "remote_disk_throughput",
    "total_initial_remote_disk_size",
];

fn spec(p: &InstancePool) -> Result<Value, crate::EngineError> {
    let v = to_json(NAME, p.instance_pool_name.as_deref().unwrap_or(""), p)?;
    Ok(pick(&v, WRITABLE))
}

fn target(p: InstancePool) -> Result<Option<TargetObject>, crate::EngineError> {
    let body = spec(&p)?;
    Ok(TargetObject::from_parts(
        p.instance_pool_id,
        p.instance_pool_name,
        body,
    ))
}

async fn all(ctx: &Ctx, source: bool) -> Result<Vec<InstancePool>, crate::EngineError> {
    let (client, _) = ctx.side(source);
    Ok(client.pools().list().await?)
}

impl Kind for InstancePools {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        1
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, _: Detail) -> ObjectStream<'a> {
        super::batch_stream(Box::pin(async move {
            let mut out = Vec::new();
            for p in all(ctx, true).await? {
                let (Some(id), Some(name)) =
                    (p.instance_pool_id.clone(), p.instance_pool_name.clone())
                else {
                    continue;
                };
                let mut obj =
                    SourceObject::new(id, name.clone(), to_json(NAME, &name, &p)?, spec(&p)?);
                let whose = format!("instance pool `{name}`");
                super::compute::translate(ctx, &mut obj, super::compute::Shape::Pool, &whose).await;
                out.push(obj);
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
            |p| {
                if p.state.as_deref() == Some("DELETED") {
                    return None;
                }
                Some((p.instance_pool_name.clone()?, p.instance_pool_id.clone()?))
            },
            target,
        ))
    }

    fn get<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: &'a str,
    ) -> Option<KindFuture<'a, Option<TargetObject>>> {
        Some(super::get_by_id(
            async move { ctx.target.pools().get(id).await },
            |p| {
                // A deleted pool can still be read for a while, in state DELETED.
                if p.state.as_deref() == Some("DELETED") {
                    return Ok(None);
                }
                target(p)
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
            let p: InstancePool = from_json(NAME, &obj.key, desired)?;
            let id = ctx.target.pools().create(&p).await?;
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
            let mut p: InstancePool = from_json(NAME, &obj.key, &pick(desired, EDITABLE))?;
            p.instance_pool_id = Some(t.id.clone());
            Ok(ctx.target.pools().edit(&p).await?)
        })
    }

    fn prechecks<'a>(&'a self, ctx: &'a Ctx) -> KindFuture<'a, Vec<Check>> {
        Box::pin(async move {
            let source_pools = all(ctx, true).await?;
            let source: Vec<String> = source_pools
                .iter()
                .filter_map(|p| p.instance_pool_name.clone())
                .collect();
            let target: Vec<String> = all(ctx, false)
                .await?
                .into_iter()
                .filter_map(|p| p.instance_pool_name)
                .collect();
            let mut checks = vec![super::collision_check(ctx, NAME, &source, &target)?];
            checks.push(node_types_check(ctx, &source_pools).await);
            Ok(checks)
        })
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        super::delete_by(async move { ctx.target.pools().delete(target.id).await })
    }
}

/// What the target makes of every node type the source's pools use.
async fn node_types_check(ctx: &Ctx, pools: &[InstancePool]) -> Check {
    let wanted: Vec<(String, String)> = pools
        .iter()
        .filter_map(|p| {
            let name = p.instance_pool_name.as_deref().unwrap_or("");
            Some((p.node_type_id.clone()?, format!("pool `{name}`")))
        })
        .collect();
    if wanted.is_empty() {
        return Check::pass(
            "pool node types",
            "target",
            "no instance pool in the source",
        );
    }
    super::clusters::catalogue_check(ctx, "pool node types", &wanted, false).await
}
