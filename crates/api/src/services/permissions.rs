//! Permission handlers for any `request_object_type` (`clusters`, `jobs`, `directories`, …).

use reqwest::Method;

use super::{list_of, seg};
use crate::types::permissions::{
    AccessControlRequest, ObjectPermissions, PermissionLevel, SetPermissions,
};
use crate::{ApiError, WorkspaceClient};

/// `/api/2.0/permissions/{request_object_type}/{id}`.
#[derive(Debug, Clone)]
pub struct Permissions {
    pub(crate) client: WorkspaceClient,
}

fn path(object_type: &str, id: &str) -> String {
    // The type may contain a slash (`sql/warehouses`), so it is not encoded as one segment.
    format!(
        "/api/2.0/permissions/{}/{}",
        object_type.trim_matches('/'),
        seg(id)
    )
}

impl Permissions {
    /// Current permissions (direct and inherited).
    pub async fn get(&self, object_type: &str, id: &str) -> Result<ObjectPermissions, ApiError> {
        self.client.get_t(&path(object_type, id), &[]).await
    }

    /// Replaces all direct permissions (`PUT`).
    pub async fn set(
        &self,
        object_type: &str,
        id: &str,
        acl: &[AccessControlRequest],
    ) -> Result<ObjectPermissions, ApiError> {
        let body = SetPermissions {
            access_control_list: acl.to_vec(),
        };
        self.client
            .body_t(Method::PUT, &path(object_type, id), &body)
            .await
    }

    /// Adds or changes the listed grants, keeping the others (`PATCH`).
    pub async fn update(
        &self,
        object_type: &str,
        id: &str,
        acl: &[AccessControlRequest],
    ) -> Result<ObjectPermissions, ApiError> {
        let body = SetPermissions {
            access_control_list: acl.to_vec(),
        };
        self.client
            .body_t(Method::PATCH, &path(object_type, id), &body)
            .await
    }

    /// Levels that can be granted on the object.
    pub async fn levels(
        &self,
        object_type: &str,
        id: &str,
    ) -> Result<Vec<PermissionLevel>, ApiError> {
        let p = format!("{}/permissionLevels", path(object_type, id));
        let answer = self.client.get_t(&p, &[]).await?;
        list_of(&self.client, &p, answer, "permission_levels")
    }
}
