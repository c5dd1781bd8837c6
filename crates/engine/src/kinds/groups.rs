//! Groups: workspace-local groups with entitlements, roles and members (users, service
//! principals, nested groups). Members are a deferred reference: every group is created first,
//! then memberships are set, so any nesting order works. `admins` is merged (its source members
//! are added, none removed); `users` is never touched (it holds every user implicitly); account
//! groups (`meta.resourceType: Group`) are managed by the account and only mapped, once
//! `account_group_assignments` has assigned them to the target.

use brickport_api::ApiResultExt;
use std::collections::BTreeSet;

use brickport_api::types::scim::{Group, PatchOp, PatchOperation, ScimQuery};
use futures::TryStreamExt;
use serde_json::{Value, json};

use super::Detail;
use super::scim::{complex, value_list, values};
use super::snapshot::Lookup;
use super::{
    Created, Ctx, Kind, KindFuture, Mode, ObjectStream, RefBy, Reference, SourceObject,
    TargetObject, to_json,
};
use super::{Deleted, InTarget, Needed};
use crate::EngineError;
use crate::ledger::SkipReason;

/// The kind's name.
pub const NAME: &str = "groups";

/// Workspace groups.
pub struct Groups;

const REFS: &[Reference] = &[Reference {
    path: "members[].value",
    kinds: &[super::users::NAME, super::service_principals::NAME, NAME],
    by: RefBy::Id,
    required: false,
    deferred: true,
}];

fn spec(g: &Group) -> Value {
    json!({
        "displayName": g.display_name,
        "entitlements": values(&g.entitlements),
        "roles": values(&g.roles),
        "members": values(&g.members),
    })
}

fn target(g: Group) -> Option<TargetObject> {
    Some(TargetObject {
        id: g.id.clone()?,
        key: g.display_name.clone()?,
        body: spec(&g),
        facts: Default::default(),
    })
}

async fn find_by_name(
    ctx: &Ctx,
    name: &str,
    fresh: bool,
) -> Result<Option<Group>, crate::EngineError> {
    let groups = ctx.target.scim().groups();
    // The first lookup of a run comes from one listing of the target's groups (SCIM reads
    // are the slowest family); later ones ask the API. An account group asks at once: this
    // run may have assigned it after that listing.
    let listed = if fresh {
        Lookup::Ask
    } else {
        ctx.cache
            .first_lookup(NAME, name, || async {
                let all: Vec<Group> = groups
                    .list(&ScimQuery {
                        attributes: Some("id,displayName".into()),
                        ..ScimQuery::default()
                    })
                    .try_collect()
                    .await?;
                Ok(all
                    .into_iter()
                    .filter_map(|g| Some((g.display_name?, g.id?)))
                    .collect())
            })
            .await?
    };
    let id = match listed {
        Lookup::Id(id) => Some(id),
        Lookup::Absent => None,
        Lookup::Ask => groups
            .find_eq("displayName", name)
            .await?
            .into_iter()
            .next()
            .and_then(|g| g.id),
    };
    match id {
        Some(id) => Ok(groups.get(&id).await.found()?),
        None => Ok(None),
    }
}

/// An account group needs its assignment to the target (by the group's name).
const ASSIGNMENT: Needed = Needed {
    kind: super::account_group_assignments::NAME,
    by: RefBy::Key,
    what: "the account group's assignment to the target",
};

impl Kind for Groups {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        1
    }
    fn references(&self) -> &'static [Reference] {
        REFS
    }
    fn needs(&self) -> &'static [Needed] {
        &[ASSIGNMENT]
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, _: Detail) -> ObjectStream<'a> {
        // Page by page: a big workspace's groups (and their member lists) are never all in
        // memory as read.
        Box::pin(
            ctx.source
                .scim()
                .groups()
                .list(&ScimQuery::default())
                .map_err(EngineError::from)
                .try_filter_map(|g| async move {
                    let (Some(id), Some(name)) = (g.id.clone(), g.display_name.clone()) else {
                        return Ok(None);
                    };
                    let raw = to_json(NAME, &name, &g)?;
                    let mut obj = SourceObject::new(id, name.clone(), raw, spec(&g));
                    obj.mode = if name == "users" {
                        Mode::MapOnly(SkipReason::UsersGroup)
                    } else if g.is_account_group() {
                        // Assigned to the target first (`account_group_assignments`): a
                        // refused assignment leaves it, and what names it, out, saying why.
                        obj.facts
                            .need(ASSIGNMENT.kind, [name.clone()], "displayName");
                        Mode::MapOnly(SkipReason::AccountGroup)
                    } else if name == "admins" {
                        Mode::Merge
                    } else {
                        Mode::Migrate
                    };
                    Ok(Some(obj))
                }),
        )
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        let fresh = obj.mode == Mode::MapOnly(SkipReason::AccountGroup);
        Box::pin(async move { Ok(find_by_name(ctx, &obj.key, fresh).await?.and_then(target)) })
    }

    fn get<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: &'a str,
    ) -> Option<KindFuture<'a, Option<TargetObject>>> {
        Some(super::get_by_id(
            async move { ctx.target.scim().groups().get(id).await },
            |x| Ok(target(x)),
        ))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async move {
            let req = Group {
                display_name: Some(obj.key.clone()),
                entitlements: complex(desired.get("entitlements")),
                roles: complex(desired.get("roles")),
                members: desired
                    .get("members")
                    .map(|m| complex(Some(m)).unwrap_or_default()),
                schemas: Some(vec!["urn:ietf:params:scim:schemas:core:2.0:Group".into()]),
                ..Group::default()
            };
            let g = ctx.target.scim().groups().create(&req).await?;
            Ok(Created {
                id: g.id.unwrap_or_default(),
                key: g.display_name,
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
            let mut ops = Vec::new();
            for attr in ["entitlements", "roles"] {
                let want: BTreeSet<String> = value_list(desired.get(attr)).into_iter().collect();
                let have: BTreeSet<String> = value_list(t.body.get(attr)).into_iter().collect();
                let add: Vec<Value> = want
                    .difference(&have)
                    .map(|v| json!({ "value": v }))
                    .collect();
                if !add.is_empty() {
                    ops.push(PatchOperation::add(attr, Value::Array(add)));
                }
                if obj.mode != Mode::Merge {
                    for v in have.difference(&want) {
                        ops.push(PatchOperation::remove(format!("{attr}[value eq \"{v}\"]")));
                    }
                }
            }
            // Members only once the second pass has mapped them (absent in the first pass).
            if desired.get("members").is_some() {
                let want: BTreeSet<String> =
                    value_list(desired.get("members")).into_iter().collect();
                let have: BTreeSet<String> =
                    value_list(t.body.get("members")).into_iter().collect();
                let add: Vec<Value> = want
                    .difference(&have)
                    .map(|v| json!({ "value": v }))
                    .collect();
                if !add.is_empty() {
                    ops.push(PatchOperation::add("members", Value::Array(add)));
                }
                if obj.mode != Mode::Merge {
                    for v in have.difference(&want) {
                        ops.push(PatchOperation::remove(format!("members[value eq \"{v}\"]")));
                    }
                }
            }
            if ops.is_empty() {
                return Ok(());
            }
            Ok(ctx
                .target
                .scim()
                .groups()
                .patch(&t.id, &PatchOp::new(ops))
                .await?)
        })
    }

    fn compare(&self, obj: &SourceObject, desired: &Value, t: &TargetObject) -> Vec<String> {
        if obj.mode != Mode::Merge {
            return crate::json::subset_diff(desired, &t.body);
        }
        // A merged built-in only has to contain what the source has.
        let mut diffs = Vec::new();
        for attr in ["entitlements", "roles", "members"] {
            if desired.get(attr).is_none() {
                continue;
            }
            let have: BTreeSet<String> = value_list(t.body.get(attr)).into_iter().collect();
            if value_list(desired.get(attr))
                .iter()
                .any(|v| !have.contains(v))
            {
                diffs.push(attr.to_string());
            }
        }
        diffs
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        super::delete_by(async move { ctx.target.scim().groups().delete(target.id).await })
    }
}
