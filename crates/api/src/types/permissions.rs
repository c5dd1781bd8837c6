//! Object permissions (`/api/2.0/permissions/{request_object_type}/{id}`).

use serde::{Deserialize, Serialize};

record! {
    /// One permission held by a principal.
    pub struct Permission {
        /// CAN_MANAGE, CAN_USE, IS_OWNER, …
        permission_level: String,
        /// True when inherited (not to be replayed).
        inherited: bool,
        /// Objects it is inherited from.
        inherited_from_object: Vec<String>,
    }
}

record! {
    /// A principal's permissions in a GET answer.
    pub struct AccessControlResponse {
        /// User.
        user_name: String,
        /// Group.
        group_name: String,
        /// Service principal (application id).
        service_principal_name: String,
        /// Display name.
        display_name: String,
        /// Permissions held.
        all_permissions: Vec<Permission>,
    }
}

impl AccessControlResponse {
    /// The principal as (kind, name), kind being `user_name`, `group_name` or
    /// `service_principal_name`.
    pub fn principal(&self) -> Option<(&'static str, &str)> {
        if let Some(u) = &self.user_name {
            Some(("user_name", u))
        } else if let Some(g) = &self.group_name {
            Some(("group_name", g))
        } else {
            self.service_principal_name
                .as_deref()
                .map(|s| ("service_principal_name", s))
        }
    }

    /// The direct (not inherited) grants, as request entries to replay elsewhere.
    pub fn direct_grants(&self) -> Vec<AccessControlRequest> {
        let Some((kind, name)) = self.principal() else {
            return Vec::new();
        };
        self.all_permissions
            .iter()
            .flatten()
            .filter(|p| !p.inherited.unwrap_or(false))
            .filter_map(|p| p.permission_level.clone())
            .map(|level| AccessControlRequest::new(kind, name, &level))
            .collect()
    }
}

record! {
    /// Answer of permissions GET/PUT/PATCH.
    pub struct ObjectPermissions {
        /// `/clusters/…`, `/jobs/…`, …
        object_id: String,
        /// `cluster`, `job`, `notebook`, …
        object_type: String,
        /// Grants.
        access_control_list: Vec<AccessControlResponse>,
    }
}

record! {
    /// One grant in a PUT/PATCH body.
    pub struct AccessControlRequest {
        /// User.
        user_name: String,
        /// Group.
        group_name: String,
        /// Service principal (application id).
        service_principal_name: String,
        /// Level.
        permission_level: String,
    }
}

impl AccessControlRequest {
    /// A grant for principal `name` of `kind` (`user_name`, `group_name`,
    /// `service_principal_name`; anything else is treated as a group).
    pub fn new(kind: &str, name: &str, level: &str) -> Self {
        let mut r = AccessControlRequest {
            permission_level: Some(level.into()),
            ..Default::default()
        };
        match kind {
            "user_name" => r.user_name = Some(name.into()),
            "service_principal_name" => r.service_principal_name = Some(name.into()),
            _ => r.group_name = Some(name.into()),
        }
        r
    }
}

/// Body of permissions PUT/PATCH.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SetPermissions {
    /// Grants.
    pub access_control_list: Vec<AccessControlRequest>,
}

record! {
    /// One entry of `permissionLevels`.
    pub struct PermissionLevel {
        /// Level name.
        permission_level: String,
        /// Description.
        description: String,
    }
}
