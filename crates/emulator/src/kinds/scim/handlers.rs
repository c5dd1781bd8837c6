//! The SCIM endpoints: list (filter, sort, 1-based paging with `count` capped at 100,
//! attribute projection, eventual consistency), get, create, replace, patch, delete, and `Me`.

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{Value, json};

use super::query;
use super::{Group, ParentIndex, ScimState, ServicePrincipal, User, created_now, patch};
use crate::body::{JsonBody, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::state::{AppState, Caller};

/// A SCIM collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coll {
    /// `/Users`.
    Users,
    /// `/Groups`.
    Groups,
    /// `/ServicePrincipals`.
    ServicePrincipals,
}

impl Coll {
    fn noun(self) -> &'static str {
        match self {
            Coll::Users => "User",
            Coll::Groups => "Group",
            Coll::ServicePrincipals => "Service principal",
        }
    }
}

/// 404 in the SCIM shape.
pub fn not_found(coll: Coll, id: &str) -> ApiError {
    ApiError::scim(
        StatusCode::NOT_FOUND,
        None,
        format!("{} with id {id} not found.", coll.noun()),
    )
}

/// 409 in the SCIM shape.
pub fn conflict(detail: String) -> ApiError {
    ApiError::scim(StatusCode::CONFLICT, Some("uniqueness"), detail)
}

fn require_admin(caller: &Caller) -> ApiResult<()> {
    if caller.is_admin {
        Ok(())
    } else {
        Err(ApiError::scim(
            StatusCode::FORBIDDEN,
            None,
            "Only workspace admins can change users, groups and service principals.",
        ))
    }
}

fn render(scim: &ScimState, coll: Coll, id: &str) -> Option<Value> {
    render_with(scim, coll, id, None)
}

pub(super) fn render_with(
    scim: &ScimState,
    coll: Coll,
    id: &str,
    ix: Option<&ParentIndex>,
) -> Option<Value> {
    match coll {
        Coll::Users => scim.users.get(id).map(|u| scim.user_json_with(u, ix)),
        Coll::Groups => scim.groups.get(id).map(|g| scim.group_json_with(g, ix)),
        Coll::ServicePrincipals => scim
            .service_principals
            .get(id)
            .map(|s| scim.sp_json_with(s, ix)),
    }
}

pub(crate) async fn get_one(
    State(emu): State<AppState>,
    Path(id): Path<String>,
    q: QueryMap,
    coll: Coll,
) -> ApiResult<Json<Value>> {
    let mut v = render(&emu.lock().scim, coll, &id).ok_or_else(|| not_found(coll, &id))?;
    query::project(&mut v, q.get("attributes"), q.get("excludedAttributes"));
    Ok(Json(v))
}

pub(crate) async fn me(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    q: QueryMap,
) -> ApiResult<Response> {
    let mut v = {
        let st = emu.lock();
        st.scim
            .user_by_name(&caller.user_name)
            .map(|u| st.scim.user_json(u))
            .or_else(|| {
                // match cloud behaviour: `Me` of a service principal carries its
                // applicationId as userName.
                st.scim.sp_by_app_id(&caller.user_name).map(|s| {
                    let mut v = st.scim.sp_json(s);
                    v["userName"] = json!(s.application_id);
                    v
                })
            })
            .ok_or_else(|| not_found(Coll::Users, &caller.user_name))?
    };
    query::project(&mut v, q.get("attributes"), q.get("excludedAttributes"));
    let mut resp = Json(v).into_response();
    // match cloud behaviour: `Me` carries the workspace id in a header.
    resp.headers_mut().insert(
        "X-Databricks-Org-Id",
        HeaderValue::from_static(crate::meta::WORKSPACE_ID),
    );
    Ok(resp)
}

fn str_field(body: &Value, key: &str) -> Option<String> {
    body.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn value_list(body: &Value, key: &str) -> Vec<String> {
    body.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("value").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

fn active_of(body: &Value) -> bool {
    match body.get("active") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => !s.eq_ignore_ascii_case("false"),
        _ => true,
    }
}

pub(crate) async fn create(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody<Value>,
    coll: Coll,
) -> ApiResult<Response> {
    require_admin(&caller)?;
    let mut st = emu.lock();
    let st = &mut *st;
    let id = match coll {
        Coll::Users => {
            let user_name = str_field(&body, "userName").ok_or_else(|| {
                ApiError::scim(
                    StatusCode::BAD_REQUEST,
                    Some("invalidValue"),
                    "userName is required.",
                )
            })?;
            if st.scim.user_by_name(&user_name).is_some() {
                return Err(conflict(format!(
                    "User with username {user_name} already exists."
                )));
            }
            let id = st.ids.scim_id();
            st.scim.users.insert(
                id.clone(),
                User {
                    id: id.clone(),
                    display_name: str_field(&body, "displayName"),
                    name: body.get("name").cloned().filter(Value::is_object),
                    active: active_of(&body),
                    entitlements: value_list(&body, "entitlements"),
                    roles: value_list(&body, "roles"),
                    external_id: str_field(&body, "externalId"),
                    created_ms: created_now(),
                    user_name: user_name.clone(),
                },
            );
            crate::kinds::workspace::ensure_home(st, &user_name);
            id
        }
        Coll::ServicePrincipals => {
            let app_id = str_field(&body, "applicationId").unwrap_or_else(|| st.ids.uuid());
            if st.scim.sp_by_app_id(&app_id).is_some() {
                return Err(conflict(format!(
                    "Service principal with application ID {app_id} already exists."
                )));
            }
            let id = st.ids.scim_id();
            st.scim.service_principals.insert(
                id.clone(),
                ServicePrincipal {
                    id: id.clone(),
                    application_id: app_id.clone(),
                    display_name: str_field(&body, "displayName"),
                    active: active_of(&body),
                    entitlements: value_list(&body, "entitlements"),
                    roles: value_list(&body, "roles"),
                    external_id: str_field(&body, "externalId"),
                    created_ms: created_now(),
                },
            );
            crate::kinds::workspace::ensure_home(st, &app_id);
            id
        }
        Coll::Groups => {
            let name = str_field(&body, "displayName").ok_or_else(|| {
                ApiError::scim(
                    StatusCode::BAD_REQUEST,
                    Some("invalidValue"),
                    "displayName is required.",
                )
            })?;
            if st.scim.group_by_name(&name).is_some() {
                return Err(conflict(format!("Group with name {name} already exists.")));
            }
            let members = value_list(&body, "members");
            if let Some(m) = members.iter().find(|m| !st.scim.exists(m)) {
                return Err(ApiError::scim(
                    StatusCode::NOT_FOUND,
                    None,
                    format!("Member {m} not found."),
                ));
            }
            let id = st.ids.scim_id();
            st.scim.groups.insert(
                id.clone(),
                Group {
                    id: id.clone(),
                    display_name: name,
                    members,
                    entitlements: value_list(&body, "entitlements"),
                    roles: value_list(&body, "roles"),
                    external_id: str_field(&body, "externalId"),
                    account_group: false,
                    created_ms: created_now(),
                },
            );
            id
        }
    };
    // Users and SPs may name groups to join on create.
    if coll != Coll::Groups {
        for gid in value_list(&body, "groups") {
            if let Some(g) = st.scim.groups.get_mut(&gid)
                && !g.members.contains(&id)
            {
                g.members.push(id.clone());
            }
        }
    }
    let v = render(&st.scim, coll, &id).unwrap_or(Value::Null);
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

pub(crate) async fn replace(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
    coll: Coll,
) -> ApiResult<Json<Value>> {
    require_admin(&caller)?;
    let mut st = emu.lock();
    let scim = &mut st.scim;
    match coll {
        // match cloud behaviour: userName and emails cannot change through PUT; ignored.
        Coll::Users => {
            let u = scim
                .users
                .get_mut(&id)
                .ok_or_else(|| not_found(coll, &id))?;
            u.display_name = str_field(&body, "displayName");
            u.name = body.get("name").cloned().filter(Value::is_object);
            u.active = active_of(&body);
            u.entitlements = value_list(&body, "entitlements");
            u.roles = value_list(&body, "roles");
            u.external_id = str_field(&body, "externalId");
        }
        Coll::ServicePrincipals => {
            let s = scim
                .service_principals
                .get_mut(&id)
                .ok_or_else(|| not_found(coll, &id))?;
            s.display_name = str_field(&body, "displayName");
            s.active = active_of(&body);
            s.entitlements = value_list(&body, "entitlements");
            s.roles = value_list(&body, "roles");
            s.external_id = str_field(&body, "externalId");
        }
        Coll::Groups => {
            let g = scim.groups.get(&id).ok_or_else(|| not_found(coll, &id))?;
            let name = str_field(&body, "displayName").unwrap_or(g.display_name.clone());
            let builtin = super::BUILTIN_GROUPS.contains(&g.display_name.as_str());
            if name != g.display_name && (builtin || g.account_group) {
                return Err(ApiError::scim(
                    StatusCode::BAD_REQUEST,
                    Some("mutability"),
                    format!("Group {} cannot be renamed.", g.display_name),
                ));
            }
            if scim.group_by_name(&name).is_some_and(|o| o.id != id) {
                return Err(conflict(format!("Group with name {name} already exists.")));
            }
            let members = value_list(&body, "members");
            if let Some(m) = members.iter().find(|m| !scim.exists(m) || **m == id) {
                return Err(ApiError::scim(
                    StatusCode::NOT_FOUND,
                    None,
                    format!("Member {m} not found."),
                ));
            }
            let keep_members = g.display_name == "users" || g.account_group;
            if let Some(g) = scim.groups.get_mut(&id) {
                g.display_name = name;
                if !keep_members {
                    g.members = members;
                }
                g.entitlements = value_list(&body, "entitlements");
                g.roles = value_list(&body, "roles");
                g.external_id = str_field(&body, "externalId");
            }
        }
    }
    Ok(Json(render(scim, coll, &id).unwrap_or(Value::Null)))
}

pub(crate) async fn patch_one(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
    coll: Coll,
) -> ApiResult<Response> {
    require_admin(&caller)?;
    let mut st = emu.lock();
    // A PATCH changes the target and group memberships only: keep those, so a failing
    // operation leaves everything as it was (the groups record only what they change).
    st.scim.groups.record();
    let user = st.scim.users.get(&id).cloned();
    let sp = st.scim.service_principals.get(&id).cloned();
    let exists = match coll {
        Coll::Users => user.is_some(),
        Coll::ServicePrincipals => sp.is_some(),
        Coll::Groups => st.scim.groups.contains_key(&id),
    };
    if !exists {
        st.scim.groups.commit();
        return Err(not_found(coll, &id));
    }
    if let Err(e) = patch::apply(&mut st.scim, coll, &id, &body) {
        st.scim.groups.rollback();
        if let Some(u) = user {
            st.scim.users.insert(id.clone(), u);
        }
        if let Some(s) = sp {
            st.scim.service_principals.insert(id.clone(), s);
        }
        return Err(e);
    }
    st.scim.groups.commit();
    // match cloud behaviour: a group PATCH answers 204; users and SPs answer the resource.
    Ok(match coll {
        Coll::Groups => StatusCode::NO_CONTENT.into_response(),
        _ => Json(render(&st.scim, coll, &id).unwrap_or(Value::Null)).into_response(),
    })
}

pub(crate) async fn delete(
    State(emu): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    coll: Coll,
) -> ApiResult<StatusCode> {
    require_admin(&caller)?;
    let mut st = emu.lock();
    let scim = &mut st.scim;
    let removed = match coll {
        Coll::Users => scim.users.remove(&id).is_some(),
        Coll::ServicePrincipals => scim.service_principals.remove(&id).is_some(),
        Coll::Groups => {
            if let Some(g) = scim.groups.get(&id)
                && super::BUILTIN_GROUPS.contains(&g.display_name.as_str())
            {
                return Err(ApiError::scim(
                    StatusCode::BAD_REQUEST,
                    None,
                    format!("Group {} cannot be deleted.", g.display_name),
                ));
            }
            scim.groups.remove(&id).is_some()
        }
    };
    if !removed {
        return Err(not_found(coll, &id));
    }
    scim.forget_member(&id);
    Ok(StatusCode::NO_CONTENT)
}
