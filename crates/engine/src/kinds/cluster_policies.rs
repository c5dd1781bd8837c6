//! Cluster policies: name, definition, description, family + overrides, max clusters per
//! user, libraries. Natural key: name. Default (Databricks-managed, `is_default`) policies
//! exist in every workspace: they are matched by name and mapped, never created.

use brickport_api::types::policies::Policy;
use serde_json::Value;

use super::snapshot::find_listed;
use super::{Created, Ctx, Kind, KindFuture, Mode, SourceObject, TargetObject, from_json, to_json};
use super::{Deleted, InTarget};
use super::{Detail, ObjectStream};
use crate::Check;
use crate::json::pick;

/// The kind's name.
pub const NAME: &str = "cluster_policies";

/// Cluster policies.
pub struct ClusterPolicies;

/// A policy definition is a JSON document inside a string: compare and hash it by meaning.
fn canonical_doc(s: &str) -> String {
    match serde_json::from_str::<Value>(s) {
        Ok(v) => crate::json::canonical(&v).to_string(),
        Err(_) => s.to_string(),
    }
}

fn spec(p: &Policy) -> Result<Value, crate::EngineError> {
    let v = to_json(NAME, p.name.as_deref().unwrap_or(""), p)?;
    let mut s = pick(
        &v,
        &[
            "name",
            "definition",
            "description",
            "max_clusters_per_user",
            "policy_family_id",
            "policy_family_definition_overrides",
            "libraries",
        ],
    );
    if let Value::Object(m) = &mut s {
        // With a family, the definition is derived from family + overrides.
        if m.contains_key("policy_family_id") {
            m.remove("definition");
        }
        for f in ["definition", "policy_family_definition_overrides"] {
            if let Some(Value::String(d)) = m.get(f) {
                let c = canonical_doc(d);
                m.insert(f.into(), Value::String(c));
            }
        }
    }
    Ok(s)
}

fn target(p: Policy) -> Result<Option<TargetObject>, crate::EngineError> {
    let body = spec(&p)?;
    Ok(TargetObject::from_parts(p.policy_id, p.name, body))
}

async fn all(ctx: &Ctx, source: bool) -> Result<Vec<Policy>, crate::EngineError> {
    let (client, _) = ctx.side(source);
    Ok(client.policies().list().await?)
}

impl Kind for ClusterPolicies {
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
                let (Some(id), Some(name)) = (p.policy_id.clone(), p.name.clone()) else {
                    continue;
                };
                let mut obj =
                    SourceObject::new(id, name.clone(), to_json(NAME, &name, &p)?, spec(&p)?);
                if p.is_default == Some(true) {
                    obj.mode = Mode::MapOnly(super::SkipReason::DefaultPolicy);
                }
                let whose = format!("cluster policy `{name}`");
                super::compute::translate(ctx, &mut obj, super::compute::Shape::Policy, &whose)
                    .await;
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
            |p| Some((p.name.clone()?, p.policy_id.clone()?)),
            target,
        ))
    }

    fn get<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: &'a str,
    ) -> Option<KindFuture<'a, Option<TargetObject>>> {
        Some(super::get_by_id(
            async move { ctx.target.policies().get(id).await },
            target,
        ))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async move {
            let p: Policy = from_json(NAME, &obj.key, desired)?;
            let id = ctx.target.policies().create(&p).await?;
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
            let mut p: Policy = from_json(NAME, &obj.key, desired)?;
            p.policy_id = Some(t.id.clone());
            Ok(ctx.target.policies().edit(&p).await?)
        })
    }

    fn prechecks<'a>(&'a self, ctx: &'a Ctx) -> KindFuture<'a, Vec<Check>> {
        Box::pin(async move {
            let source: Vec<String> = all(ctx, true)
                .await?
                .into_iter()
                .filter(|p| p.is_default != Some(true))
                .filter_map(|p| p.name)
                .collect();
            let target: Vec<String> = all(ctx, false)
                .await?
                .into_iter()
                .filter_map(|p| p.name)
                .collect();
            Ok(vec![super::collision_check(ctx, NAME, &source, &target)?])
        })
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        // Deleting a policy leaves the clusters it governed running (their own, deleted first).
        super::delete_by(async move { ctx.target.policies().delete(target.id).await })
    }
}
