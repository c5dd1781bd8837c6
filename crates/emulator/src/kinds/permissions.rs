//! Permissions (`/api/2.0/permissions/{type}/{id}`): direct grants on every object type, plus
//! the inherited entries the real service shows (reference §5).
//!
//! Other kinds call [`PermissionsState::init_object`] when they create an object and
//! [`PermissionsState::remove_object`] when they delete one; the handlers in `handlers` check
//! that the object exists by asking each kind's store (`contains`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub(crate) mod handlers;
pub mod types;

/// Who a grant is for, serialised the way the API names it (`{"user_name": "…"}`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Principal {
    /// A user, by userName.
    UserName(String),
    /// A group, by displayName.
    GroupName(String),
    /// A service principal, by applicationId.
    ServicePrincipalName(String),
}

impl Principal {
    /// The principal a creator name stands for: an applicationId (a UUID) is a service
    /// principal, anything else a user.
    pub fn for_creator(name: &str) -> Principal {
        if uuid::Uuid::parse_str(name).is_ok() {
            Principal::ServicePrincipalName(name.to_string())
        } else {
            Principal::UserName(name.to_string())
        }
    }
}

/// One direct grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Who.
    #[serde(flatten)]
    pub principal: Principal,
    /// `CAN_MANAGE`, `IS_OWNER`, ….
    pub permission_level: String,
}

/// The permissions store: direct grants by `"{type}/{id}"` (type = canonical request type).
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct PermissionsState {
    /// Direct grants per object.
    pub objects: BTreeMap<String, Vec<Grant>>,
}

/// The store key of an object, with the type canonicalised (`sql/warehouses` → `warehouses`).
pub fn key(object_type: &str, id: &str) -> String {
    let t = types::lookup(object_type).map_or(object_type, |t| t.request);
    format!("{t}/{id}")
}

impl PermissionsState {
    /// Records a new object's initial grants. `object_type` is the permissions API type
    /// (`clusters`, `cluster-policies`, `instance-pools`, `warehouses`, `jobs`, `repos`,
    /// `notebooks`, `directories`, `files`); `owner` is the creator's userName (or an SP's
    /// applicationId).
    ///
    /// match cloud behaviour: the creator of a job or warehouse is its IS_OWNER; the creator of
    /// anything else gets a direct CAN_MANAGE (none on cluster policies, whose only level is
    /// CAN_USE).
    pub fn init_object(&mut self, object_type: &str, id: &str, owner: Option<&str>) {
        let mut grants = Vec::new();
        if let (Some(owner), Some(t)) = (owner, types::lookup(object_type))
            && let Some(level) = t.creator_level()
        {
            grants.push(Grant {
                principal: Principal::for_creator(owner),
                permission_level: level.to_string(),
            });
        }
        self.objects.insert(key(object_type, id), grants);
    }

    /// Forgets an object's grants (on delete).
    pub fn remove_object(&mut self, object_type: &str, id: &str) {
        self.objects.remove(&key(object_type, id));
    }

    /// The direct grants of an object (empty when none were recorded).
    pub fn direct(&self, object_type: &str, id: &str) -> &[Grant] {
        self.objects
            .get(&key(object_type, id))
            .map_or(&[], Vec::as_slice)
    }

    /// The current owner of an object, if any.
    pub fn owner(&self, object_type: &str, id: &str) -> Option<&Principal> {
        self.direct(object_type, id)
            .iter()
            .find(|g| g.permission_level == "IS_OWNER")
            .map(|g| &g.principal)
    }

    /// Replaces the direct grants of an object (no validation: the handlers validate).
    pub fn set_direct(&mut self, object_type: &str, id: &str, grants: Vec<Grant>) {
        self.objects.insert(key(object_type, id), grants);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creator_grants_follow_the_type() {
        let mut p = PermissionsState::default();
        p.init_object("jobs", "1", Some("a@x.com"));
        p.init_object("clusters", "c", Some("a@x.com"));
        p.init_object("cluster-policies", "P", Some("a@x.com"));
        p.init_object(
            "sql/warehouses",
            "w",
            Some("7d1c0a55-6f47-4b4e-9c1c-2b8f7a4c1e11"),
        );
        assert_eq!(p.direct("jobs", "1")[0].permission_level, "IS_OWNER");
        assert_eq!(p.direct("clusters", "c")[0].permission_level, "CAN_MANAGE");
        assert!(p.direct("cluster-policies", "P").is_empty());
        assert!(matches!(
            p.owner("warehouses", "w"),
            Some(Principal::ServicePrincipalName(_))
        ));
        let json = serde_json::to_value(&p.direct("jobs", "1")[0]).unwrap();
        assert_eq!(json["user_name"], "a@x.com");
        p.remove_object("jobs", "1");
        assert!(p.direct("jobs", "1").is_empty());
    }
}
