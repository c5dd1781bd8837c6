//! Users: userName, displayName, active, entitlements, roles (instance profiles). Natural key:
//! userName. Group membership is carried by the groups kind.

use brickport_api::ApiResultExt;
use brickport_api::types::scim::{ScimQuery, User};
use futures::TryStreamExt;
use serde_json::{Value, json};

use super::Detail;
use super::scim::{complex, find_patiently, values};
use super::snapshot::Lookup;
use super::{Created, Ctx, Kind, KindFuture, ObjectStream, SourceObject, TargetObject, to_json};
use super::{Deleted, InTarget};
use crate::{Check, EngineError};

/// The kind's name.
pub const NAME: &str = "users";

/// Workspace users.
pub struct Users;

fn spec(u: &User) -> Value {
    json!({
        "userName": u.user_name,
        "displayName": u.display_name,
        "active": u.active.unwrap_or(true),
        "entitlements": values(&u.entitlements),
        "roles": values(&u.roles),
    })
}

fn target(u: User) -> Option<TargetObject> {
    Some(TargetObject {
        id: u.id.clone()?,
        key: u.user_name.clone()?,
        body: spec(&u),
        facts: Default::default(),
    })
}

fn request(desired: &Value) -> User {
    User {
        user_name: desired["userName"].as_str().map(str::to_string),
        display_name: desired["displayName"].as_str().map(str::to_string),
        active: desired["active"].as_bool(),
        entitlements: complex(desired.get("entitlements")),
        roles: complex(desired.get("roles")),
        schemas: Some(vec!["urn:ietf:params:scim:schemas:core:2.0:User".into()]),
        ..User::default()
    }
}

/// `validate`'s check that the principal maps (`[translate.users]`, `[translate.user_domains]`,
/// `[translate.service_principals]`) give every source principal a target name of its own:
/// two merged into one would share one's grants, home folder and group memberships.
async fn merged_principals(ctx: &Ctx) -> Result<Vec<Check>, EngineError> {
    let maps = &ctx.opts.principals;
    if maps.is_empty() {
        return Ok(Vec::new());
    }
    let only = |attributes: &str| ScimQuery {
        attributes: Some(attributes.into()),
        ..ScimQuery::default()
    };
    let users: Vec<String> = (ctx.source.scim().users().list(&only("id,userName")))
        .try_filter_map(|u| std::future::ready(Ok(u.user_name)))
        .try_collect()
        .await?;
    let sps: Vec<String> = (ctx.source.scim().service_principals())
        .list(&only("id,applicationId"))
        .try_filter_map(|s| std::future::ready(Ok(s.application_id)))
        .try_collect()
        .await?;
    let mut merged = maps.merged_users(&users);
    merged.extend(maps.merged_sps(&sps));
    let name = "principal renames";
    Ok(vec![if merged.is_empty() {
        let n = (users.len(), sps.len());
        Check::pass(
            name,
            "source",
            format!(
                "{} users and {} service principals, each keeps a name of its own",
                n.0, n.1
            ),
        )
    } else {
        Check::fail(
            name,
            "source",
            merged.join("; "),
            "change [translate.users], [translate.user_domains] or [translate.service_principals] so that no two source principals get the same target name",
        )
    }])
}

impl Kind for Users {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        1
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, _: Detail) -> ObjectStream<'a> {
        // Page by page: a big workspace's users are never all in memory as read.
        let listed = async move {
            let caller = super::shared::target_caller(ctx).await?;
            Ok::<_, EngineError>(
                ctx.source
                    .scim()
                    .users()
                    .list(&ScimQuery::default())
                    .map_err(EngineError::from)
                    .try_filter_map(move |u| {
                        let caller = caller.clone();
                        async move {
                            let (Some(id), Some(name)) = (u.id.clone(), u.user_name.clone()) else {
                                return Ok(None);
                            };
                            let raw = to_json(NAME, &name, &u)?;
                            let mut obj = SourceObject::new(id, name, raw, spec(&u));
                            if caller.as_deref()
                                == Some(
                                    super::shared::target_name(ctx, &obj.key, |p, k| {
                                        p.rename_user(k)
                                    })
                                    .as_str(),
                                )
                            {
                                obj.mode = super::Mode::MapOnly(super::SkipReason::Caller);
                            }
                            Ok(Some(obj))
                        }
                    }),
            )
        };
        Box::pin(futures::stream::once(listed).try_flatten())
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(async move {
            let users = ctx.target.scim().users();
            // The first lookup of a run comes from one listing of the target's users (SCIM
            // reads are the slowest family); later ones ask the API.
            let listed = ctx
                .cache
                .first_lookup(NAME, &obj.key, || async {
                    let all: Vec<User> = users
                        .list(&ScimQuery {
                            attributes: Some("id,userName".into()),
                            ..ScimQuery::default()
                        })
                        .try_collect()
                        .await?;
                    Ok(all
                        .into_iter()
                        .filter_map(|u| Some((u.user_name?, u.id?)))
                        .collect())
                })
                .await?;
            let id = match listed {
                Lookup::Id(id) => Some(id),
                Lookup::Absent => None,
                Lookup::Ask => find_patiently(|| users.find_eq("userName", &obj.key), false)
                    .await?
                    .into_iter()
                    .next()
                    .and_then(|u| u.id),
            };
            match id {
                // The list may leave attributes out; the object itself is authoritative.
                Some(id) => Ok(users.get(&id).await.found()?.and_then(target)),
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
            async move { ctx.target.scim().users().get(id).await },
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
            let u = ctx.target.scim().users().create(&request(desired)).await?;
            Ok(Created {
                id: u.id.unwrap_or_default(),
                key: u.user_name,
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
            // PUT replaces the writable attributes; group membership is not one of them.
            ctx.target
                .scim()
                .users()
                .replace(&t.id, &request(desired))
                .await?;
            Ok(())
        })
    }

    fn prechecks<'a>(&'a self, ctx: &'a Ctx) -> KindFuture<'a, Vec<Check>> {
        Box::pin(merged_principals(ctx))
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        let delete = async move { ctx.target.scim().users().delete(target.id).await };
        Some(Box::pin(super::scim::delete_principal(
            ctx, target.key, delete,
        )))
    }
}
