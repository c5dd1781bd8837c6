//! The permissions endpoints: GET, PUT (replaces direct grants), PATCH (merges) on
//! `/permissions/{type}/{id}`, and `/permissionLevels`.
//!
//! A response lists direct grants (`inherited: false`) and what the real service shows as
//! inherited: the `admins` group's CAN_MANAGE on every object (from the type's root object),
//! and, for notebooks, files and folders, the grants of every folder above (the root folder
//! `/directories/0` holds `admins` CAN_MANAGE directly).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::{Extension, Json};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::types::{self, ObjectType};
use super::{Grant, Principal};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Caller, Knobs, State as Ws};

fn check_enabled(emu: &AppState) -> ApiResult<()> {
    if Knobs::get(&emu.knobs.permissions_disabled) {
        // match cloud behaviour: workspaces without the feature answer FEATURE_DISABLED.
        return Err(ApiError::feature_disabled(
            "Permissions are not enabled for this workspace (they need the Premium plan).",
        ));
    }
    Ok(())
}

/// The type, after checking that the object exists.
fn resolve(st: &Ws, type_name: &str, id: &str) -> ApiResult<&'static ObjectType> {
    let t = types::lookup(type_name).ok_or_else(|| {
        ApiError::invalid(format!(
            "Object type '{type_name}' is not supported by this workspace emulator."
        ))
    })?;
    let exists = match t.request {
        "clusters" => st.clusters.contains(id),
        "cluster-policies" => st.policies.contains(id),
        "instance-pools" => st.pools.contains(id),
        "jobs" => st.jobs.contains(id),
        "warehouses" => st.warehouses.contains(id),
        "repos" => st.repos.contains(id),
        "notebooks" => st.workspace.object_kind(id) == Some("NOTEBOOK"),
        "directories" => st.workspace.object_kind(id) == Some("DIRECTORY"),
        "files" => st.workspace.object_kind(id) == Some("FILE"),
        "authorization" => id == "tokens" || id == "passwords",
        "pipelines" => st.pipelines.contains(id),
        "queries" => st.sql.has_active_query(id),
        "alerts" => st.sql.has_active_alert(id),
        "alertsv2" => st.sql.alerts_v2.get(id).is_some_and(|a| !a.trashed),
        "dbsql-dashboards" => st
            .sql
            .legacy_dashboards
            .get(id)
            .is_some_and(|d| !d.is_archived),
        "dashboards" => st.lakeview.has_active(id),
        "genie" => st.genie.spaces.contains_key(id),
        _ => false,
    };
    if !exists && t.request == "pipelines" {
        // match cloud behaviour: the recorded message for a missing pipeline.
        return Err(ApiError::not_found(format!(
            "Pipeline '{id}' does not exist."
        )));
    }
    if !exists {
        return Err(ApiError::not_found(format!(
            "{} {id} does not exist.",
            t.response
        )));
    }
    Ok(t)
}

fn is_root_dir(t: &ObjectType, id: &str) -> bool {
    t.request == "directories" && id == "0"
}

/// Direct grants, with the root folder's built-in `admins` CAN_MANAGE.
fn direct(st: &Ws, t: &ObjectType, id: &str) -> Vec<Grant> {
    let mut g = st.permissions.direct(t.request, id).to_vec();
    if is_root_dir(t, id)
        && !g
            .iter()
            .any(|x| x.principal == Principal::GroupName("admins".into()))
    {
        g.push(Grant {
            principal: Principal::GroupName("admins".into()),
            permission_level: "CAN_MANAGE".into(),
        });
    }
    g
}

/// Inherited grants with the object they come from.
fn inherited(st: &Ws, t: &ObjectType, id: &str) -> Vec<(Grant, String)> {
    let workspace = matches!(t.request, "notebooks" | "directories" | "files");
    if !workspace {
        return vec![(
            Grant {
                principal: Principal::GroupName("admins".into()),
                permission_level: t.admin_level().into(),
            },
            t.prefix.to_string(),
        )];
    }
    let Ok(oid) = id.parse::<i64>() else {
        return Vec::new();
    };
    let dirs = types::lookup("directories");
    let mut out = Vec::new();
    for anc in st.workspace.ancestors(oid) {
        if let Some(d) = dirs {
            for g in direct(st, d, &anc.to_string()) {
                out.push((g, format!("/directories/{anc}")));
            }
        }
    }
    out
}

fn principal_json(st: &Ws, p: &Principal, m: &mut Map<String, Value>) {
    match p {
        Principal::UserName(n) => {
            m.insert("user_name".into(), json!(n));
            if let Some(d) = st.scim.user_by_name(n).and_then(|u| u.display_name.clone()) {
                m.insert("display_name".into(), json!(d));
            }
        }
        Principal::GroupName(n) => {
            m.insert("group_name".into(), json!(n));
        }
        Principal::ServicePrincipalName(n) => {
            m.insert("service_principal_name".into(), json!(n));
            if let Some(d) = st.scim.sp_by_app_id(n).and_then(|s| s.display_name.clone()) {
                m.insert("display_name".into(), json!(d));
            }
        }
    }
}

/// ObjectPermissions as the API returns it.
fn render(st: &Ws, t: &ObjectType, id: &str) -> Value {
    let mut order: Vec<Principal> = Vec::new();
    let mut perms: BTreeMap<Principal, Vec<Value>> = BTreeMap::new();
    let mut add = |p: &Principal, v: Value| {
        if !perms.contains_key(p) {
            order.push(p.clone());
        }
        perms.entry(p.clone()).or_default().push(v);
    };
    for g in direct(st, t, id) {
        add(
            &g.principal,
            json!({"permission_level": g.permission_level, "inherited": false}),
        );
    }
    for (g, from) in inherited(st, t, id) {
        add(
            &g.principal,
            json!({"permission_level": g.permission_level, "inherited": true,
                   "inherited_from_object": [from]}),
        );
    }
    let acl: Vec<Value> = order
        .iter()
        .map(|p| {
            let mut m = Map::new();
            principal_json(st, p, &mut m);
            m.insert(
                "all_permissions".into(),
                Value::Array(perms.get(p).cloned().unwrap_or_default()),
            );
            Value::Object(m)
        })
        .collect();
    json!({
        "object_id": format!("{}{id}", t.prefix),
        "object_type": t.response,
        "access_control_list": acl,
    })
}

fn rank(t: &ObjectType, level: &str) -> usize {
    t.levels
        .iter()
        .position(|(l, _)| *l == level)
        .map_or(0, |p| p + 1)
}

/// Whether the caller may read and change the object's permissions (CAN_MANAGE or owner).
fn require_manage(st: &Ws, t: &ObjectType, id: &str, caller: &Caller) -> ApiResult<()> {
    if caller.is_admin {
        return Ok(());
    }
    let me = Principal::for_creator(&caller.user_name);
    let my_id = st
        .scim
        .user_by_name(&caller.user_name)
        .map(|u| u.id.clone())
        .or_else(|| {
            st.scim
                .sp_by_app_id(&caller.user_name)
                .map(|s| s.id.clone())
        });
    let mut mine = vec![me, Principal::GroupName("users".into())];
    if let Some(my_id) = my_id {
        mine.extend(
            st.scim
                .groups_of(&my_id)
                .into_iter()
                .map(|g| Principal::GroupName(g.display_name.clone())),
        );
    }
    // Types without CAN_MANAGE (cluster policies) are managed by admins only.
    let manage = match rank(t, "CAN_MANAGE") {
        0 => usize::MAX,
        r => r,
    };
    let best = direct(st, t, id)
        .into_iter()
        .chain(inherited(st, t, id).into_iter().map(|(g, _)| g))
        .filter(|g| mine.contains(&g.principal))
        .map(|g| rank(t, &g.permission_level))
        .max()
        .unwrap_or(0);
    if best >= manage {
        Ok(())
    } else {
        Err(ApiError::permission_denied(format!(
            "User {} does not have CAN_MANAGE permission on {}{id}.",
            caller.user_name, t.prefix
        )))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AclBody {
    access_control_list: Vec<Value>,
}

/// Validates a request ACL into grants (dropping `admins` outside the root folder: its
/// CAN_MANAGE is inherited and cannot be changed).
fn parse_acl(st: &Ws, t: &ObjectType, id: &str, acl: &[Value]) -> ApiResult<Vec<Grant>> {
    let mut out: Vec<Grant> = Vec::new();
    for e in acl {
        let s = |k: &str| e.get(k).and_then(Value::as_str).map(str::to_string);
        let principal = match (s("user_name"), s("group_name"), s("service_principal_name")) {
            (Some(u), None, None) => Principal::UserName(u),
            (None, Some(g), None) => Principal::GroupName(g),
            (None, None, Some(sp)) => Principal::ServicePrincipalName(sp),
            _ => {
                return Err(ApiError::invalid(
                    "Each access control entry needs exactly one of user_name, group_name and service_principal_name.",
                ));
            }
        };
        let level = s("permission_level").unwrap_or_default();
        if !t.allows(&level) {
            let allowed: Vec<&str> = t.levels.iter().map(|(l, _)| *l).collect();
            return Err(ApiError::invalid(format!(
                "Permission level '{level}' is not valid for {}; valid levels: {}.",
                t.response,
                allowed.join(", ")
            )));
        }
        let exists = match &principal {
            Principal::UserName(u) => st.scim.user_by_name(u).is_some(),
            Principal::GroupName(g) => st.scim.group_by_name(g).is_some(),
            Principal::ServicePrincipalName(a) => st.scim.sp_by_app_id(a).is_some(),
        };
        if !exists {
            return Err(ApiError::invalid(format!(
                "Principal {principal:?} does not exist."
            )));
        }
        if level == "IS_OWNER" && matches!(principal, Principal::GroupName(_)) {
            return Err(ApiError::invalid(
                "A group cannot be the owner of an object.",
            ));
        }
        if principal == Principal::GroupName("admins".into()) && !is_root_dir(t, id) {
            continue;
        }
        let g = Grant {
            principal,
            permission_level: level,
        };
        if !out.contains(&g) {
            out.push(g);
        }
    }
    Ok(out)
}

/// Ownership and root-folder rules, on the grants about to be stored.
fn check_rules(t: &ObjectType, id: &str, grants: &[Grant]) -> ApiResult<()> {
    if is_root_dir(t, id)
        && !grants.iter().any(|g| {
            g.principal == Principal::GroupName("admins".into())
                && g.permission_level == "CAN_MANAGE"
        })
    {
        return Err(ApiError::invalid(
            "Cannot change permissions for group 'admins' to None.",
        ));
    }
    if t.has_owner {
        let owners = grants
            .iter()
            .filter(|g| g.permission_level == "IS_OWNER")
            .count();
        if owners > 1 {
            return Err(ApiError::invalid(format!(
                "{} {id} can only have one owner (IS_OWNER).",
                t.response
            )));
        }
        if owners == 0 {
            // match cloud behaviour: jobs and warehouses always have exactly one owner.
            return Err(ApiError::invalid(format!(
                "{} {id} with no existing owner must provide a new owner.",
                t.response
            )));
        }
    }
    Ok(())
}

pub(crate) async fn get_perms(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    type_name: String,
    id: String,
) -> ApiResult<Json<Value>> {
    check_enabled(&emu)?;
    let st = emu.lock();
    let t = resolve(&st, &type_name, &id)?;
    require_manage(&st, t, &id, &caller)?;
    Ok(Json(render(&st, t, &id)))
}

pub(crate) async fn put_perms(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    type_name: String,
    id: String,
    JsonBody(b): JsonBody<AclBody>,
) -> ApiResult<Json<Value>> {
    check_enabled(&emu)?;
    let mut st = emu.lock();
    let t = resolve(&st, &type_name, &id)?;
    require_manage(&st, t, &id, &caller)?;
    let mut grants = parse_acl(&st, t, &id, &b.access_control_list)?;
    // match cloud behaviour: a PUT that names no owner keeps the current one (jobs,
    // warehouses); on a pipeline it is refused, with the recorded message.
    let ownerless = !grants.iter().any(|g| g.permission_level == "IS_OWNER");
    if t.has_owner && !t.put_keeps_owner && ownerless {
        return Err(ApiError::invalid(
            "The pipeline must have exactly one owner.",
        ));
    }
    if t.has_owner
        && t.put_keeps_owner
        && !grants.iter().any(|g| g.permission_level == "IS_OWNER")
        && let Some(owner) = st.permissions.owner(t.request, &id).cloned()
    {
        grants.retain(|g| g.principal != owner);
        grants.push(Grant {
            principal: owner,
            permission_level: "IS_OWNER".into(),
        });
    }
    if is_root_dir(t, &id) {
        grants.retain(|g| {
            g.principal != Principal::GroupName("admins".into())
                || g.permission_level == "CAN_MANAGE"
        });
    }
    check_rules(t, &id, &grants)?;
    st.permissions.set_direct(t.request, &id, grants);
    Ok(Json(render(&st, t, &id)))
}

pub(crate) async fn patch_perms(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    type_name: String,
    id: String,
    JsonBody(b): JsonBody<AclBody>,
) -> ApiResult<Json<Value>> {
    check_enabled(&emu)?;
    let mut st = emu.lock();
    let t = resolve(&st, &type_name, &id)?;
    require_manage(&st, t, &id, &caller)?;
    let new = parse_acl(&st, t, &id, &b.access_control_list)?;
    let mut grants = direct(&st, t, &id);
    // A principal named in the PATCH gets exactly the levels the PATCH gives it.
    grants.retain(|g| !new.iter().any(|n| n.principal == g.principal));
    if new.iter().any(|g| g.permission_level == "IS_OWNER") {
        // A new owner replaces the old one.
        grants.retain(|g| g.permission_level != "IS_OWNER");
    }
    grants.extend(new);
    check_rules(t, &id, &grants)?;
    st.permissions.set_direct(t.request, &id, grants);
    Ok(Json(render(&st, t, &id)))
}

pub(crate) async fn levels(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    type_name: String,
    id: String,
) -> ApiResult<Json<Value>> {
    check_enabled(&emu)?;
    let st = emu.lock();
    let t = resolve(&st, &type_name, &id)?;
    require_manage(&st, t, &id, &caller)?;
    let levels: Vec<Value> = t
        .levels
        .iter()
        .map(|(l, d)| json!({"permission_level": l, "description": d}))
        .collect();
    Ok(Json(json!({ "permission_levels": levels })))
}
