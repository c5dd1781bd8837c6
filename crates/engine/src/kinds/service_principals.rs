//! Service principals: applicationId, displayName, active, entitlements, roles. Matched in
//! the target by applicationId when the target has it, else by displayName. On AWS/GCP the
//! target assigns a new applicationId: the ledger keeps old → new (the target key), and
//! references by applicationId (ACLs, run_as) are remapped through it.

use brickport_api::ApiResultExt;
use brickport_api::types::scim::{ScimQuery, ServicePrincipal};
use futures::TryStreamExt;
use serde_json::{Value, json};

use super::scim::{complex, values};
use super::snapshot::Lookup;
use super::{Created, Ctx, Kind, KindFuture, SourceObject, TargetObject, to_json};
use super::{Deleted, InTarget};
use super::{Detail, ObjectStream};

/// The kind's name.
pub const NAME: &str = "service_principals";

/// Workspace service principals.
pub struct ServicePrincipals;

fn spec(sp: &ServicePrincipal) -> Value {
    json!({
        "applicationId": sp.application_id,
        "displayName": sp.display_name,
        "active": sp.active.unwrap_or(true),
        "entitlements": values(&sp.entitlements),
        "roles": values(&sp.roles),
    })
}

fn target(sp: ServicePrincipal) -> Option<TargetObject> {
    Some(TargetObject {
        id: sp.id.clone()?,
        key: sp.application_id.clone()?,
        body: spec(&sp),
        facts: Default::default(),
    })
}

fn request(desired: &Value, with_app_id: bool) -> ServicePrincipal {
    ServicePrincipal {
        application_id: if with_app_id {
            desired["applicationId"].as_str().map(str::to_string)
        } else {
            None
        },
        display_name: desired["displayName"].as_str().map(str::to_string),
        active: desired["active"].as_bool(),
        entitlements: complex(desired.get("entitlements")),
        roles: complex(desired.get("roles")),
        schemas: Some(vec![
            "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal".into(),
        ]),
        ..ServicePrincipal::default()
    }
}

/// The first lookup of a service principal this run, from one listing of the target's (SCIM
/// reads are the slowest family): by applicationId, else by a display name only one of them
/// has. [`Lookup::Ask`] when the API must be asked (a later lookup of the same principal).
async fn first_lookup(
    ctx: &Ctx,
    application_id: &str,
    display_name: Option<&str>,
) -> Result<Lookup, crate::EngineError> {
    let load = || async {
        let all: Vec<ServicePrincipal> = ctx
            .target
            .scim()
            .service_principals()
            .list(&ScimQuery {
                attributes: Some("id,applicationId,displayName".into()),
                ..ScimQuery::default()
            })
            .try_collect()
            .await?;
        let mut names = std::collections::HashMap::<String, Vec<String>>::new();
        let mut out = Vec::new();
        for sp in all {
            let Some(id) = sp.id else { continue };
            if let Some(name) = sp.display_name {
                names.entry(name).or_default().push(id.clone());
            }
            if let Some(app) = sp.application_id {
                out.push((format!("app:{app}"), id));
            }
        }
        // Only a display name held by a single principal identifies one.
        out.extend(
            names
                .into_iter()
                .filter(|(_, ids)| ids.len() == 1)
                .map(|(name, mut ids)| (format!("name:{name}"), ids.remove(0))),
        );
        Ok(out)
    };
    match ctx
        .cache
        .first_lookup(NAME, &format!("app:{application_id}"), load)
        .await?
    {
        Lookup::Absent => {}
        other => return Ok(other),
    }
    let Some(name) = display_name else {
        return Ok(Lookup::Absent);
    };
    ctx.cache
        .first_lookup(NAME, &format!("name:{name}"), load)
        .await
}

impl Kind for ServicePrincipals {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        1
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, _: Detail) -> ObjectStream<'a> {
        super::batch_stream(Box::pin(async move {
            let sps: Vec<ServicePrincipal> = ctx
                .source
                .scim()
                .service_principals()
                .list(&ScimQuery::default())
                .try_collect()
                .await?;
            let caller = super::shared::target_caller(ctx).await?;
            let mut out = Vec::new();
            for sp in sps {
                let Some(id) = sp.id.clone() else { continue };
                let key = sp.application_id.clone().unwrap_or_else(|| id.clone());
                let raw = to_json(NAME, &key, &sp)?;
                let mut obj = SourceObject::new(id, key, raw, spec(&sp));
                if caller.as_deref()
                    == Some(
                        super::shared::target_name(ctx, &obj.key, |p, k| p.rename_sp(k)).as_str(),
                    )
                {
                    obj.mode = super::Mode::MapOnly(super::SkipReason::Caller);
                }
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
        Box::pin(async move {
            let sps = ctx.target.scim().service_principals();
            let spec = obj.spec();
            let name = spec["displayName"].as_str();
            let found_id = match first_lookup(ctx, &obj.key, name).await? {
                Lookup::Id(id) => Some(id),
                Lookup::Absent => None,
                Lookup::Ask => {
                    let mut hits = sps.find_eq("applicationId", &obj.key).await?;
                    if hits.is_empty()
                        && let Some(name) = name
                    {
                        let by_name = sps.find_eq("displayName", name).await?;
                        // A display name is not unique: only a single match identifies it.
                        if by_name.len() == 1 {
                            hits = by_name;
                        }
                    }
                    hits.into_iter().next().and_then(|s| s.id)
                }
            };
            match found_id {
                Some(id) => Ok(sps.get(&id).await.found()?.and_then(target)),
                None => Ok(None),
            }
        })
    }

    fn get<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: &'a str,
    ) -> Option<KindFuture<'a, Option<TargetObject>>> {
        Some(super::get_by_id(
            async move { ctx.target.scim().service_principals().get(id).await },
            |x| Ok(target(x)),
        ))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a Ctx,
        _: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async move {
            let sp = ctx
                .target
                .scim()
                .service_principals()
                .create(&request(desired, true))
                .await?;
            Ok(Created {
                id: sp.id.unwrap_or_default(),
                key: sp.application_id,
            })
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
            let mut req = request(desired, false);
            req.application_id = Some(t.key.clone());
            ctx.target
                .scim()
                .service_principals()
                .replace(&t.id, &req)
                .await?;
            Ok(())
        })
    }

    fn compare(&self, _: &SourceObject, desired: &Value, t: &TargetObject) -> Vec<String> {
        // The applicationId may legitimately differ (assigned by the target's cloud).
        let mut d = desired.clone();
        if let Value::Object(m) = &mut d {
            m.remove("applicationId");
        }
        crate::json::subset_diff(&d, &t.body)
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        let delete = async move {
            ctx.target
                .scim()
                .service_principals()
                .delete(target.id)
                .await
        };
        Some(Box::pin(super::scim::delete_principal(
            ctx, target.key, delete,
        )))
    }
}
