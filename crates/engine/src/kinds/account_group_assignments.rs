//! Account group assignments: the source's account groups (`meta.resourceType: Group`,
//! managed in the Databricks account) assigned to the target workspace through the
//! workspace-level permission-assignments API, with the level they hold in the source (`USER`,
//! or `ADMIN`). A workspace admin may do this without the account console; the assignment is
//! what makes the group a SCIM group of the target, which the `groups` kind then maps.
//!
//! Natural key: the group's name; target id: its account-level principal id. Created (by
//! name: the platform assigns only `USER` by name, so an `ADMIN` one is then raised by id),
//! recorded, and taken back by `rollback` (the assignment removed). When the target refuses
//! (not allowed, or the account does not know the group) the object fails with a manual action
//! naming the group and the account console's page; the run goes on, and only the group's
//! dependents (the groups kind's line for it, the memberships and grants naming it) are left
//! out, saying why.

use std::collections::BTreeMap;

use brickport_api::ApiError;
use brickport_api::types::permission_assignments::{PermissionAssignment, PrincipalName};
use brickport_api::types::scim::ScimQuery;
use futures::TryStreamExt;
use serde_json::{Value, json};

use super::{
    Action, Category, Created, Ctx, Deleted, Detail, InTarget, Kind, KindFuture, ObjectStream,
    SourceObject, TargetObject,
};
use crate::{Check, EngineError};

/// The kind's name.
pub const NAME: &str = "account_group_assignments";

/// Account groups assigned to the target.
pub struct AccountGroupAssignments;

/// The level an assignment carries: `ADMIN` when it has it, else `USER`.
fn level(a: &PermissionAssignment) -> &'static str {
    let admin = a.permissions.iter().flatten().any(|p| p == "ADMIN");
    if admin { "ADMIN" } else { "USER" }
}

fn spec(name: &str, level: &str) -> Value {
    json!({"group_name": name, "permissions": [level]})
}

/// Whether an answer says the API is not there or not for this caller (an older workspace,
/// a gateway in front of it): the source's levels are then unknown, and `USER` is assumed.
fn unavailable(e: &ApiError) -> bool {
    e.is_not_found() || e.is_permission_denied() || e.status() == Some(501)
}

/// The source's account groups' levels, by name (empty when the source cannot say).
async fn source_levels(ctx: &Ctx) -> Result<BTreeMap<String, &'static str>, EngineError> {
    match ctx.source.permission_assignments().list().await {
        Ok(all) => Ok(all
            .iter()
            .filter_map(|a| Some((a.principal.as_ref()?.group_name.clone()?, level(a))))
            .collect()),
        Err(e) if unavailable(&e) => Ok(BTreeMap::new()),
        Err(e) => Err(EngineError::api(
            "listing permission assignments in the source".to_string(),
            e,
        )),
    }
}

async fn list_source(ctx: &Ctx) -> Result<Vec<SourceObject>, EngineError> {
    let levels = source_levels(ctx).await?;
    // Page by page, keeping only the account groups: a big workspace's groups with their
    // members are tens of MB.
    let groups: Vec<(String, String)> = ctx
        .source
        .scim()
        .groups()
        .list(&ScimQuery {
            attributes: Some("id,displayName,meta".into()),
            ..ScimQuery::default()
        })
        .try_filter_map(|g| async move {
            let account = g.is_account_group();
            Ok(account.then(|| Some((g.id?, g.display_name?))).flatten())
        })
        .try_collect()
        .await?;
    let mut out = Vec::with_capacity(groups.len());
    for (id, name) in groups {
        let level = levels.get(&name).copied().unwrap_or("USER");
        let raw = json!({"id": id, "displayName": name, "permissions": [level]});
        out.push(SourceObject::new(id, name.clone(), raw, spec(&name, level)));
    }
    Ok(out)
}

/// The target's assignment of the group named `name`, if any.
async fn find(ctx: &Ctx, name: &str) -> Result<Option<TargetObject>, EngineError> {
    let all = ctx.target.permission_assignments().list().await?;
    Ok(all.into_iter().find_map(|a| {
        let p = a.principal.as_ref()?;
        let group = p.group_name.as_deref()?;
        if !group.eq_ignore_ascii_case(name) {
            return None;
        }
        Some(TargetObject {
            id: p.principal_id?.to_string(),
            key: group.to_string(),
            body: spec(group, level(&a)),
            facts: Default::default(),
        })
    }))
}

/// `ADMIN` or `USER`, as `desired` asks.
fn wanted(desired: &Value) -> &'static str {
    let admin = desired["permissions"]
        .as_array()
        .is_some_and(|p| p.iter().any(|v| v == "ADMIN"));
    if admin { "ADMIN" } else { "USER" }
}

/// A principal id as the ledger keeps it (text) back to the API's int64.
fn principal_id(id: &str, name: &str) -> Result<i64, EngineError> {
    id.parse().map_err(|_| EngineError::Shape {
        kind: NAME,
        key: name.to_string(),
        message: format!("principal id `{id}` is not an integer"),
    })
}

/// Which of the source's account groups the target lacks (assigned by the run), or that the
/// target's assignments cannot be read (*unknown*: the run tries, and a refusal is a manual
/// action then).
async fn precheck(ctx: &Ctx) -> Result<Check, EngineError> {
    const NAME: &str = "account groups";
    let wanted: Vec<String> = list_source(ctx).await?.into_iter().map(|o| o.key).collect();
    let assigned = match ctx.target.permission_assignments().list().await {
        Ok(all) => all,
        Err(e) if crate::check::could_not_run(&e) => {
            return Ok(Check::not_run(NAME, "target", "permission assignments", &e));
        }
        Err(e) => return Err(e.into()),
    };
    let have: Vec<String> = assigned
        .into_iter()
        .filter_map(|a| a.principal?.group_name)
        .map(|n| n.to_lowercase())
        .collect();
    let missing: Vec<String> = wanted
        .into_iter()
        .filter(|n| !have.contains(&n.to_lowercase()))
        .collect();
    Ok(Check::pass(
        NAME,
        "target",
        if missing.is_empty() {
            "every account group of the source is assigned to the target".to_string()
        } else {
            format!(
                "account groups the run assigns to the target: {}",
                missing.join(", ")
            )
        },
    ))
}

impl Kind for AccountGroupAssignments {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        1
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, _: Detail) -> ObjectStream<'a> {
        super::batch_stream(Box::pin(list_source(ctx)))
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(find(ctx, &obj.key))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async move {
            let api = ctx.target.permission_assignments();
            let who = PrincipalName::Group(obj.key.clone());
            let a = api.assign(&who, &["USER"]).await?;
            let p = a.principal.unwrap_or_default();
            let Some(id) = p.principal_id else {
                return Err(EngineError::Shape {
                    kind: NAME,
                    key: obj.key.clone(),
                    message: "the assignment's answer has no principal id".into(),
                });
            };
            if wanted(desired) == "ADMIN" {
                api.assign_id(id, &["ADMIN"]).await?;
            }
            Ok(Created {
                id: id.to_string(),
                key: p.group_name,
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
            let id = principal_id(&t.id, &obj.key)?;
            let api = ctx.target.permission_assignments();
            api.assign_id(id, &[wanted(desired)]).await?;
            Ok(())
        })
    }

    fn prechecks<'a>(&'a self, ctx: &'a Ctx) -> KindFuture<'a, Vec<Check>> {
        Box::pin(async move { Ok(vec![precheck(ctx).await?]) })
    }

    fn manual_on_failure(&self, obj: &SourceObject, error: &EngineError) -> Vec<Action> {
        let refused = match error {
            EngineError::Api { source, .. } => {
                source.is_permission_denied() || source.is_not_found() || source.is_bad_request()
            }
            _ => false,
        };
        if !refused {
            return Vec::new();
        }
        vec![Action::new(
            Category::Other,
            format!(
                "assign the account group `{}` to the target workspace by hand: account console \
                 → Workspaces → the target workspace → Permissions → Add permissions → `{}` \
                 (User{}), then run migrate again for its members and grants",
                obj.key,
                obj.key,
                if wanted(&obj.spec()) == "ADMIN" {
                    ", then Admin"
                } else {
                    ""
                }
            ),
        )]
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        Some(Box::pin(async move {
            let id = principal_id(target.id, target.key)?;
            ctx.target.permission_assignments().remove(id).await?;
            Ok(Deleted::Done)
        }))
    }
}
