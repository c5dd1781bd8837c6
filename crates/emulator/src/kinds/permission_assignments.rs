//! Workspace permission assignments (`/api/2.0/preview/permissionassignments`): which of the
//! account's principals (users, service principals, account groups) are assigned to this
//! workspace, as `USER` or `ADMIN` — the workspace-level twin of the account API's workspace
//! assignment (reference more §7.2; shapes from the SDK's `PermissionAssignment(s)` and
//! Terraform's `databricks_permission_assignment`).
//!
//! Nothing is stored twice: an assignment *is* the principal's presence in the workspace's
//! SCIM (an account group assigned shows in `Groups` as `meta.resourceType: Group`, as on the
//! platform), and `ADMIN` is a direct membership of `admins`. What the workspace cannot know
//! is the account's directory: every emulator stands for a workspace of the same emulated
//! account, whose groups are the ones the seeds hand out (`acct-all-employees`, and
//! `acct-group-NNNNN` at scale) with fixed ids, plus whatever this workspace holds; a
//! principal unassigned here is remembered ([`AccountState`]) so it can be assigned again.
//! Any other name is unknown to the account and refused with the platform's words.

use std::collections::BTreeMap;

use axum::extract::{Path, State};
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::kinds::scim::{Group, ServicePrincipal, User, created_now};
use crate::state::{AppState, Caller, State as St, caller_of};

/// What the workspace remembers of the account beyond its SCIM: principals whose assignment
/// was removed (by id), so assigning them again restores the same principal.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AccountState {
    /// Unassigned principals, by id.
    pub removed: BTreeMap<String, Remembered>,
}

impl AccountState {
    /// Nothing remembered (kept out of the state file, so seeded states hash as before).
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty()
    }
}

/// A principal of the account that is not (or no longer) in this workspace.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Remembered {
    /// A user.
    User(User),
    /// A service principal.
    ServicePrincipal(ServicePrincipal),
    /// An account group.
    Group(Group),
}

/// The id of the emulated account's first directory group; group `k` is this + k. Far above
/// every id generator's range (at most 8·10¹⁸ + 9·10¹⁴), so it never meets a workspace's id.
const DIRECTORY_BASE: i64 = 9_000_000_000_000_000_000;
/// The typical seed's account group (directory group 0).
const ALL_EMPLOYEES: &str = "acct-all-employees";

/// The account directory's group of this name, as (id, name): the seeds' account groups.
fn directory_group(name: &str) -> Option<(String, String)> {
    let k: i64 = if name.eq_ignore_ascii_case(ALL_EMPLOYEES) {
        0
    } else {
        let digits = name.strip_prefix("acct-group-")?;
        if digits.len() != 5 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().filter(|k| *k > 0)?
    };
    Some(((DIRECTORY_BASE + k).to_string(), directory_name(k)))
}

fn directory_name(k: i64) -> String {
    if k == 0 {
        ALL_EMPLOYEES.to_string()
    } else {
        format!("acct-group-{k:05}")
    }
}

/// The account directory's group with this id.
fn directory_group_by_id(id: &str) -> Option<String> {
    let k = id.parse::<i64>().ok()?.checked_sub(DIRECTORY_BASE)?;
    (0..100_000).contains(&k).then(|| directory_name(k))
}

/// An account principal and whether it is in the workspace now.
struct Found {
    id: String,
    assigned: bool,
    /// The principal as it would be put back (not assigned).
    restore: Option<Remembered>,
}

/// Looks a principal up by the field that names it (`user_name`, `group_name`,
/// `service_principal_name`): this workspace, then what it remembers, then the directory.
fn by_name(st: &St, field: &str, name: &str) -> Result<Found, String> {
    let scim = &st.scim;
    let here = match field {
        "user_name" => scim.user_by_name(name).map(|u| u.id.clone()),
        "service_principal_name" => scim.sp_by_app_id(name).map(|s| s.id.clone()),
        _ => match scim.group_by_name(name) {
            Some(g) if !g.account_group => {
                // [UNVERIFIED] the words; the platform refuses an account group whose name
                // a workspace-local group holds.
                return Err(format!(
                    "RESOURCE_CONFLICT: A workspace-local group named {name} already exists; \
                     rename or delete it before assigning the account group."
                ));
            }
            g => g.map(|g| g.id.clone()),
        },
    };
    if let Some(id) = here {
        return Ok(Found {
            id,
            assigned: true,
            restore: None,
        });
    }
    let remembered = st.account.removed.iter().find(|(_, r)| match (field, r) {
        ("user_name", Remembered::User(u)) => u.user_name.eq_ignore_ascii_case(name),
        ("service_principal_name", Remembered::ServicePrincipal(s)) => {
            s.application_id.eq_ignore_ascii_case(name)
        }
        ("group_name", Remembered::Group(g)) => g.display_name.eq_ignore_ascii_case(name),
        _ => false,
    });
    if let Some((id, r)) = remembered {
        return Ok(Found {
            id: id.clone(),
            assigned: false,
            restore: Some(r.clone()),
        });
    }
    match (field, directory_group(name)) {
        ("group_name", Some((id, name))) => Ok(Found {
            restore: Some(Remembered::Group(new_account_group(&id, &name))),
            id,
            assigned: false,
        }),
        // match cloud behaviour: an unknown principal is an error inside a 200 answer (the
        // words are Terraform's fixture for the platform's answer).
        _ => Err("RESOURCE_DOES_NOT_EXIST: Principal not found in account.".into()),
    }
}

fn new_account_group(id: &str, name: &str) -> Group {
    Group {
        id: id.to_string(),
        display_name: name.to_string(),
        account_group: true,
        created_ms: created_now(),
        ..Group::default()
    }
}

/// Looks a principal up by its (account-level) id.
fn by_id(st: &St, id: &str) -> Option<Found> {
    if st.scim.users.contains_key(id)
        || st.scim.service_principals.contains_key(id)
        || st.scim.groups.get(id).is_some_and(|g| g.account_group)
    {
        return Some(Found {
            id: id.to_string(),
            assigned: true,
            restore: None,
        });
    }
    let restore = match st.account.removed.get(id) {
        Some(r) => r.clone(),
        None => Remembered::Group(new_account_group(id, &directory_group_by_id(id)?)),
    };
    Some(Found {
        id: id.to_string(),
        assigned: false,
        restore: Some(restore),
    })
}

/// `ADMIN` if asked, else `USER` if asked, else nothing (SDK: case-sensitive, ADMIN wins,
/// other values ignored, none at all removes the assignment).
fn level(permissions: Option<&Value>) -> Option<&'static str> {
    let asked: Vec<&str> = permissions
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    if asked.contains(&"ADMIN") {
        Some("ADMIN")
    } else if asked.contains(&"USER") {
        Some("USER")
    } else {
        None
    }
}

/// Puts `found` in the workspace (when it is not) with `level`, or takes it out (`None`).
fn apply(st: &mut St, found: Found, level: Option<&str>) -> Value {
    let Some(level) = level else {
        unassign(st, &found.id);
        return render(st, &found.id, Some(&found), Vec::new());
    };
    if let Some(r) = &found.restore {
        st.account.removed.remove(&found.id);
        match r.clone() {
            Remembered::User(u) => {
                crate::kinds::workspace::ensure_home(st, &u.user_name);
                st.scim.users.insert(u.id.clone(), u);
            }
            Remembered::ServicePrincipal(s) => {
                crate::kinds::workspace::ensure_home(st, &s.application_id);
                st.scim.service_principals.insert(s.id.clone(), s);
            }
            Remembered::Group(g) => {
                st.scim.groups.insert(g.id.clone(), g);
            }
        }
    }
    set_admin(st, &found.id, level == "ADMIN");
    render(st, &found.id, None, vec![level.to_string()])
}

/// `ADMIN` is a direct membership of `admins` (reference more §7.1).
fn set_admin(st: &mut St, id: &str, admin: bool) {
    let Some(admins) = st.scim.group_by_name("admins").map(|g| g.id.clone()) else {
        return;
    };
    if let Some(g) = st.scim.groups.get_mut(&admins) {
        let has = g.members.iter().any(|m| m == id);
        if admin && !has {
            g.members.push(id.to_string());
        } else if !admin && has {
            g.members.retain(|m| m != id);
        }
    }
}

/// Takes a principal out of the workspace, remembering it.
fn unassign(st: &mut St, id: &str) {
    let r = if let Some(u) = st.scim.users.remove(id) {
        Remembered::User(u)
    } else if let Some(s) = st.scim.service_principals.remove(id) {
        Remembered::ServicePrincipal(s)
    } else if let Some(g) = st.scim.groups.remove(id) {
        Remembered::Group(Group {
            members: Vec::new(),
            ..g
        })
    } else {
        return;
    };
    st.scim.forget_member(id);
    st.account.removed.insert(id.to_string(), r);
}

/// One assignment as the API shows it: `{permissions, principal{…}}`.
fn render(st: &St, id: &str, gone: Option<&Found>, permissions: Vec<String>) -> Value {
    let scim = &st.scim;
    let remembered = gone.and_then(|f| f.restore.as_ref());
    let principal = if let Some(u) = scim.users.get(id) {
        json!({"user_name": u.user_name, "display_name": u.display_name.clone().unwrap_or(u.user_name.clone())})
    } else if let Some(s) = scim.service_principals.get(id) {
        json!({"service_principal_name": s.application_id,
               "display_name": s.display_name.clone().unwrap_or(s.application_id.clone())})
    } else if let Some(g) = scim.groups.get(id) {
        json!({"group_name": g.display_name, "display_name": g.display_name})
    } else {
        match remembered.or_else(|| st.account.removed.get(id)) {
            Some(Remembered::User(u)) => json!({"user_name": u.user_name}),
            Some(Remembered::ServicePrincipal(s)) => {
                json!({"service_principal_name": s.application_id})
            }
            Some(Remembered::Group(g)) => json!({"group_name": g.display_name}),
            None => json!({}),
        }
    };
    let mut principal = principal;
    // match cloud behaviour: principal_id is an int64 number, not a string.
    principal["principal_id"] = id.parse::<i64>().map_or_else(|_| json!(id), |n| json!(n));
    json!({"permissions": permissions, "principal": principal})
}

/// The level a principal in the workspace holds now.
fn held(st: &St, id: &str) -> &'static str {
    let admin = st
        .scim
        .group_by_name("admins")
        .is_some_and(|g| g.members.iter().any(|m| m == id));
    if admin { "ADMIN" } else { "USER" }
}

fn require_admin(caller: &Caller) -> ApiResult<()> {
    if caller.is_admin {
        return Ok(());
    }
    // [UNVERIFIED] the words; a workspace admin is needed to assign principals.
    Err(ApiError::permission_denied(
        "Only workspace admins can manage permission assignments.",
    ))
}

/// `GET /api/2.0/preview/permissionassignments`: every user, service principal and account
/// group of the workspace (one answer, unpaged, as the SDK reads it).
pub async fn list(State(emu): State<AppState>) -> Json<Value> {
    let st = emu.lock();
    let scim = &st.scim;
    let ids = scim
        .users
        .keys()
        .chain(scim.service_principals.keys())
        .chain(
            scim.groups
                .values()
                .filter(|g| g.account_group)
                .map(|g| &g.id),
        );
    let items: Vec<Value> = ids
        .map(|id| render(&st, id, None, vec![held(&st, id).to_string()]))
        .collect();
    Json(json!({ "permission_assignments": items }))
}

/// `POST /api/2.0/preview/permissionassignments`: assigns by name —
/// `{"permission_assignments": [{user_name | group_name | service_principal_name,
/// permissions}]}`. Each item answers on its own; a refused one carries `error` in a 200.
pub async fn assign_by_name(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    require_admin(&caller_of(caller))?;
    let Some(items) = body.get("permission_assignments").and_then(Value::as_array) else {
        return Err(ApiError::invalid(
            "permission_assignments is required: a list of {user_name | group_name | \
             service_principal_name, permissions}",
        ));
    };
    let mut st = emu.lock();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        out.push(assign_one(&mut st, item));
    }
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({ "permission_assignments": out })))
}

/// One item of a by-name assignment.
fn assign_one(st: &mut St, item: &Value) -> Value {
    let named = ["user_name", "group_name", "service_principal_name"]
        .into_iter()
        .find_map(|f| item.get(f).and_then(Value::as_str).map(|n| (f, n)));
    let Some((field, name)) = named else {
        return json!({"error": "INVALID_PARAMETER_VALUE: one of user_name, group_name or \
                                service_principal_name is required"});
    };
    let asked = level(item.get("permissions"));
    if asked == Some("ADMIN") {
        // match cloud behaviour: by name only USER is granted (Terraform assigns USER by name,
        // then ADMIN by principal id). [UNVERIFIED] the words.
        return json!({"principal": {field: name}, "error":
            "INVALID_PARAMETER_VALUE: ADMIN cannot be assigned by name; assign USER, then ADMIN \
             by principal id."});
    }
    match by_name(st, field, name) {
        Ok(found) => apply(st, found, asked),
        Err(error) => json!({"principal": {field: name}, "error": error}),
    }
}

/// `PUT /api/2.0/preview/permissionassignments/principals/{principal_id}` with
/// `{"permissions": [...]}`: creates or changes the assignment of an account principal.
pub async fn assign_by_id(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<Json<Value>> {
    require_admin(&caller_of(caller))?;
    let mut st = emu.lock();
    let found = principal_id(&st, &id)?;
    let answer = apply(&mut st, found, level(body.get("permissions")));
    drop(st);
    emu.mark_dirty();
    Ok(Json(answer))
}

/// `DELETE /api/2.0/preview/permissionassignments/principals/{principal_id}`: takes the
/// principal out of the workspace (an account group leaves its SCIM groups).
pub async fn remove(
    State(emu): State<AppState>,
    caller: Option<Extension<Caller>>,
    Path(id): Path<String>,
) -> ApiResult<Json<Value>> {
    require_admin(&caller_of(caller))?;
    let mut st = emu.lock();
    let found = principal_id(&st, &id)?;
    if !found.assigned {
        // [UNVERIFIED] status and words for a principal of the account not assigned here.
        return Err(ApiError::not_found(format!(
            "Principal {id} is not assigned to this workspace."
        )));
    }
    unassign(&mut st, &id);
    drop(st);
    emu.mark_dirty();
    Ok(Json(json!({})))
}

/// The principal of a path's id, or the platform's refusal.
fn principal_id(st: &St, id: &str) -> ApiResult<Found> {
    if id.parse::<i64>().is_err() {
        // [UNVERIFIED] the words; the id is an int64.
        return Err(ApiError::invalid(format!(
            "principal_id must be an integer, got '{id}'"
        )));
    }
    // [UNVERIFIED] 404 for an id the account does not know (by name the answer is a 200
    // with `error`).
    by_id(st, id)
        .ok_or_else(|| ApiError::not_found(format!("Principal {id} not found in account.")))
}
