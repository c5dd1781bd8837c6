//! SCIM identities (`/api/2.0/preview/scim/v2/{Users,Groups,ServicePrincipals,Me}`): the
//! store, and each resource rendered the way the real service returns it (reference §4).
//!
//! Memberships are stored once, on the group (`members`); `groups[]` on users, service
//! principals and groups is derived on read. The built-in `users` group contains every user
//! and service principal implicitly.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::indexed::{IndexKeys, Indexed};
use crate::state::{State, now_ms};

pub(crate) mod handlers;
pub(crate) mod list;
mod patch;
pub mod query;

/// Schema URNs.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The workspace extension schema on users.
pub const USER_EXT_SCHEMA: &str = "urn:ietf:params:scim:schemas:extension:workspace:2.0:User";
/// Group schema.
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// Service principal schema.
pub const SP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal";
/// List response schema.
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// A user.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct User {
    /// SCIM id (an int64 as a string).
    pub id: String,
    /// The email-like login; immutable.
    pub user_name: String,
    /// Display name.
    pub display_name: Option<String>,
    /// `name{givenName, familyName}` as sent.
    pub name: Option<Value>,
    /// Whether the user is active.
    pub active: bool,
    /// Entitlement values.
    pub entitlements: Vec<String>,
    /// Role values (instance-profile ARNs).
    pub roles: Vec<String>,
    /// externalId.
    pub external_id: Option<String>,
    /// When created (ms), for the eventual-consistency window.
    pub created_ms: i64,
}

/// A service principal.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ServicePrincipal {
    /// SCIM id.
    pub id: String,
    /// The application id (a UUID).
    pub application_id: String,
    /// Display name.
    pub display_name: Option<String>,
    /// Whether active.
    pub active: bool,
    /// Entitlement values.
    pub entitlements: Vec<String>,
    /// Role values.
    pub roles: Vec<String>,
    /// externalId.
    pub external_id: Option<String>,
    /// When created (ms).
    pub created_ms: i64,
}

/// A group.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Group {
    /// SCIM id.
    pub id: String,
    /// The group's name.
    pub display_name: String,
    /// Member ids (users, service principals, groups).
    pub members: Vec<String>,
    /// Entitlement values.
    pub entitlements: Vec<String>,
    /// Role values.
    pub roles: Vec<String>,
    /// externalId.
    pub external_id: Option<String>,
    /// An account group (`meta.resourceType` `Group`) rather than a workspace-local one.
    pub account_group: bool,
    /// When created (ms).
    pub created_ms: i64,
}

/// The SCIM store. Each collection is indexed by its lower-cased name (userName,
/// applicationId, displayName); groups also by member id, which gives every principal's
/// `groups[]` without a scan (see [`Indexed`]).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ScimState {
    /// Users by id.
    pub users: Indexed<User>,
    /// Service principals by id.
    pub service_principals: Indexed<ServicePrincipal>,
    /// Groups by id.
    pub groups: Indexed<Group>,
}

/// The index of names (lower-cased) in every collection.
const BY_NAME: usize = 0;
/// The index of member ids in groups.
const BY_MEMBER: usize = 1;

impl IndexKeys for User {
    const INDEXES: usize = 1;
    fn index_keys(&self, out: &mut Vec<(usize, String)>) {
        out.push((BY_NAME, self.user_name.to_lowercase()));
    }
}

impl IndexKeys for ServicePrincipal {
    const INDEXES: usize = 1;
    fn index_keys(&self, out: &mut Vec<(usize, String)>) {
        out.push((BY_NAME, self.application_id.to_lowercase()));
    }
}

impl IndexKeys for Group {
    const INDEXES: usize = 2;
    fn index_keys(&self, out: &mut Vec<(usize, String)>) {
        out.push((BY_NAME, self.display_name.to_lowercase()));
        out.extend(self.members.iter().map(|m| (BY_MEMBER, m.clone())));
    }
}

/// Finds a resource by a case-insensitive name (ASCII case, as before the index existed): the
/// first in id order.
fn find_by<'a, T: IndexKeys + Clone>(
    map: &'a Indexed<T>,
    name_of: fn(&T) -> &str,
    name: &str,
) -> Option<&'a T> {
    map.lookup(BY_NAME, &name.to_lowercase())
        .iter()
        .filter_map(|id| map.get(id))
        .find(|t| name_of(t).eq_ignore_ascii_case(name))
}

/// The ids whose name (lower-cased) is exactly `lower`: what a SCIM `eq` filter on the name
/// attribute matches.
pub(crate) fn ids_named<T: IndexKeys + Clone>(map: &Indexed<T>, lower: &str) -> Vec<String> {
    map.lookup(BY_NAME, lower)
}

/// Member id → ids of the groups listing it.
pub type ParentIndex = std::collections::HashMap<String, Vec<String>>;

/// The built-in groups every workspace has.
pub const BUILTIN_GROUPS: &[&str] = &["admins", "users"];

impl ScimState {
    /// A user by userName (case-insensitive).
    pub fn user_by_name(&self, user_name: &str) -> Option<&User> {
        find_by(&self.users, |u| &u.user_name, user_name)
    }
    /// A service principal by applicationId.
    pub fn sp_by_app_id(&self, app_id: &str) -> Option<&ServicePrincipal> {
        find_by(&self.service_principals, |s| &s.application_id, app_id)
    }
    /// A group by displayName (case-insensitive).
    pub fn group_by_name(&self, name: &str) -> Option<&Group> {
        find_by(&self.groups, |g| &g.display_name, name)
    }
    /// Whether an id is any principal.
    pub fn exists(&self, id: &str) -> bool {
        self.users.contains_key(id)
            || self.service_principals.contains_key(id)
            || self.groups.contains_key(id)
    }
    /// Whether `user_name` (a userName or an SP applicationId) is in `admins`, directly or
    /// through nested groups.
    pub fn is_admin(&self, name: &str) -> bool {
        let id = self
            .user_by_name(name)
            .map(|u| u.id.clone())
            .or_else(|| self.sp_by_app_id(name).map(|s| s.id.clone()));
        match (id, self.group_by_name("admins")) {
            (Some(id), Some(admins)) => self.in_group(&id, admins, 0),
            _ => false,
        }
    }
    fn in_group(&self, id: &str, g: &Group, depth: usize) -> bool {
        depth < 10
            && g.members.iter().any(|m| {
                m == id
                    || self
                        .groups
                        .get(m)
                        .is_some_and(|sub| self.in_group(id, sub, depth + 1))
            })
    }

    /// The groups that list `id` directly, in id order (from the member index, no scan).
    pub fn groups_of(&self, id: &str) -> Vec<&Group> {
        self.groups
            .lookup(BY_MEMBER, id)
            .iter()
            .filter_map(|gid| self.groups.get(gid))
            .collect()
    }

    /// `{value, display, $ref}` for a member id.
    fn member_ref(&self, id: &str) -> Value {
        let (display, coll) = if let Some(u) = self.users.get(id) {
            (
                u.display_name.clone().unwrap_or(u.user_name.clone()),
                "Users",
            )
        } else if let Some(s) = self.service_principals.get(id) {
            (
                s.display_name.clone().unwrap_or(s.application_id.clone()),
                "ServicePrincipals",
            )
        } else if let Some(g) = self.groups.get(id) {
            (g.display_name.clone(), "Groups")
        } else {
            (String::new(), "Users")
        };
        json!({"value": id, "display": display, "$ref": format!("{coll}/{id}")})
    }

    /// The members of a group, as ids (`users` = every user and SP, implicitly).
    pub fn member_ids(&self, g: &Group) -> Vec<String> {
        if g.display_name == "users" && !g.account_group {
            // match cloud behaviour: every user and SP is in `users`.
            let mut all: Vec<String> = self.users.keys().cloned().collect();
            all.extend(self.service_principals.keys().cloned());
            all
        } else {
            g.members.clone()
        }
    }

    /// The groups that list `id` directly (never the implicit `users`).
    fn parents(&self, id: &str, index: Option<&ParentIndex>) -> Vec<Value> {
        let make = |g: &Group| {
            json!({"value": g.id, "display": g.display_name, "type": "direct",
                   "$ref": format!("Groups/{}", g.id)})
        };
        match index {
            Some(ix) => ix
                .get(id)
                .map(|gids| {
                    gids.iter()
                        .filter_map(|gid| self.groups.get(gid))
                        .map(make)
                        .collect()
                })
                .unwrap_or_default(),
            None => self
                .groups
                .lookup(BY_MEMBER, id)
                .iter()
                .filter_map(|gid| self.groups.get(gid))
                .map(make)
                .collect(),
        }
    }

    /// Member id → ids of the groups that list it, built once to render many resources.
    pub fn parent_index(&self) -> ParentIndex {
        let mut ix = ParentIndex::new();
        for g in self.groups.values() {
            for m in &g.members {
                ix.entry(m.clone()).or_default().push(g.id.clone());
            }
        }
        ix
    }

    /// A user as the API returns it.
    pub fn user_json(&self, u: &User) -> Value {
        self.user_json_with(u, None)
    }

    /// A user, with a prebuilt [`ParentIndex`].
    pub fn user_json_with(&self, u: &User, index: Option<&ParentIndex>) -> Value {
        let mut m = Map::new();
        m.insert("schemas".into(), json!([USER_SCHEMA, USER_EXT_SCHEMA]));
        m.insert("id".into(), json!(u.id));
        m.insert("userName".into(), json!(u.user_name));
        if let Some(d) = &u.display_name {
            m.insert("displayName".into(), json!(d));
        }
        if let Some(n) = &u.name {
            m.insert("name".into(), n.clone());
        }
        // match cloud behaviour: emails is derived from userName.
        m.insert(
            "emails".into(),
            json!([{"value": u.user_name, "type": "work", "primary": true}]),
        );
        m.insert("active".into(), json!(u.active));
        common_fields(&mut m, &u.entitlements, &u.roles, &u.external_id);
        let groups = self.parents(&u.id, index);
        if !groups.is_empty() {
            m.insert("groups".into(), Value::Array(groups));
        }
        m.insert("meta".into(), json!({"resourceType": "User"}));
        Value::Object(m)
    }

    /// A service principal as the API returns it.
    pub fn sp_json(&self, s: &ServicePrincipal) -> Value {
        self.sp_json_with(s, None)
    }

    /// A service principal, with a prebuilt [`ParentIndex`].
    pub fn sp_json_with(&self, s: &ServicePrincipal, index: Option<&ParentIndex>) -> Value {
        let mut m = Map::new();
        m.insert("schemas".into(), json!([SP_SCHEMA]));
        m.insert("id".into(), json!(s.id));
        m.insert("applicationId".into(), json!(s.application_id));
        if let Some(d) = &s.display_name {
            m.insert("displayName".into(), json!(d));
        }
        m.insert("active".into(), json!(s.active));
        common_fields(&mut m, &s.entitlements, &s.roles, &s.external_id);
        let groups = self.parents(&s.id, index);
        if !groups.is_empty() {
            m.insert("groups".into(), Value::Array(groups));
        }
        m.insert("meta".into(), json!({"resourceType": "ServicePrincipal"}));
        Value::Object(m)
    }

    /// A group as the API returns it.
    pub fn group_json(&self, g: &Group) -> Value {
        self.group_json_with(g, None)
    }

    /// A group, with a prebuilt [`ParentIndex`].
    pub fn group_json_with(&self, g: &Group, index: Option<&ParentIndex>) -> Value {
        let mut m = Map::new();
        m.insert("schemas".into(), json!([GROUP_SCHEMA]));
        m.insert("id".into(), json!(g.id));
        m.insert("displayName".into(), json!(g.display_name));
        let members: Vec<Value> = self
            .member_ids(g)
            .iter()
            .map(|id| self.member_ref(id))
            .collect();
        if !members.is_empty() {
            m.insert("members".into(), Value::Array(members));
        }
        common_fields(&mut m, &g.entitlements, &g.roles, &g.external_id);
        let groups = self.parents(&g.id, index);
        if !groups.is_empty() {
            m.insert("groups".into(), Value::Array(groups));
        }
        let rt = if g.account_group {
            "Group"
        } else {
            "WorkspaceGroup"
        };
        m.insert("meta".into(), json!({"resourceType": rt}));
        Value::Object(m)
    }

    /// Removes `id` from every group's members.
    pub fn forget_member(&mut self, id: &str) {
        for gid in self.groups.lookup(BY_MEMBER, id) {
            if let Some(g) = self.groups.get_mut(&gid) {
                g.members.retain(|m| m != id);
            }
        }
    }
}

fn common_fields(
    m: &mut Map<String, Value>,
    entitlements: &[String],
    roles: &[String],
    external_id: &Option<String>,
) {
    let values = |v: &[String]| Value::Array(v.iter().map(|x| json!({"value": x})).collect());
    if !entitlements.is_empty() {
        m.insert("entitlements".into(), values(entitlements));
    }
    if !roles.is_empty() {
        m.insert("roles".into(), values(roles));
    }
    if let Some(e) = external_id {
        m.insert("externalId".into(), json!(e));
    }
}

/// Creates `admins` and `users` when missing.
pub fn ensure_builtins(st: &mut State) {
    for name in BUILTIN_GROUPS {
        if st.scim.group_by_name(name).is_none() {
            let id = st.ids.scim_id();
            let entitlements = if *name == "users" {
                vec!["workspace-access".into(), "databricks-sql-access".into()]
            } else {
                Vec::new()
            };
            st.scim.groups.insert(
                id.clone(),
                Group {
                    id,
                    display_name: name.to_string(),
                    entitlements,
                    created_ms: 0,
                    ..Group::default()
                },
            );
        }
    }
}

/// Makes sure a token's principal exists (a user, or an SP when `is_sp`), in `admins` when
/// `is_admin`.
pub fn ensure_principal(st: &mut State, name: &str, is_admin: bool, is_sp: bool) {
    ensure_builtins(st);
    let existing = if is_sp {
        st.scim.sp_by_app_id(name).map(|s| s.id.clone())
    } else {
        st.scim.user_by_name(name).map(|u| u.id.clone())
    };
    let id = match existing {
        Some(id) => id,
        None => {
            let id = st.ids.scim_id();
            if is_sp {
                st.scim.service_principals.insert(
                    id.clone(),
                    ServicePrincipal {
                        id: id.clone(),
                        application_id: name.to_string(),
                        display_name: Some(name.to_string()),
                        active: true,
                        ..Default::default()
                    },
                );
            } else {
                st.scim.users.insert(
                    id.clone(),
                    User {
                        id: id.clone(),
                        user_name: name.to_string(),
                        display_name: Some(name.split('@').next().unwrap_or(name).to_string()),
                        active: true,
                        ..Default::default()
                    },
                );
            }
            crate::kinds::workspace::ensure_home(st, name);
            id
        }
    };
    let admins_id = st
        .scim
        .groups
        .values()
        .find(|g| g.display_name == "admins")
        .map(|g| g.id.clone());
    if is_admin
        && let Some(admins) = admins_id.and_then(|a| st.scim.groups.get_mut(&a))
        && !admins.members.contains(&id)
    {
        admins.members.push(id);
    }
}

/// Now, for `created_ms`.
pub(crate) fn created_now() -> i64 {
    now_ms()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_lookups_survive_direct_edits() {
        let mut st = State::fresh(3);
        ensure_principal(&mut st, "a@x.com", false, false);
        let id = st.scim.user_by_name("A@x.com").unwrap().id.clone();
        // Someone edits the map directly: the cached id now holds another user.
        let u = st.scim.users.get_mut(&id).unwrap();
        u.user_name = "b@x.com".into();
        assert!(st.scim.user_by_name("a@x.com").is_none());
        assert_eq!(st.scim.user_by_name("b@x.com").unwrap().id, id);
        st.scim.users.remove(&id);
        assert!(st.scim.user_by_name("b@x.com").is_none());
        assert!(st.scim.group_by_name("ADMINS").is_some());
        assert!(!st.scim.is_admin("b@x.com"));
    }
}
