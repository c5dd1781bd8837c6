//! Workspace permission assignments (`/api/2.0/preview/permissionassignments`): list; assign
//! by user name, group name or application id (POST); by principal id (PUT); remove (DELETE).
//! Not in the SDKs' workspace client (Terraform's `databricks_permission_assignment` uses it);
//! an item the platform refuses comes back with `error` inside a 200, turned here into an
//! [`ApiError::Api`] like any refusal.

use reqwest::Method;
use serde_json::{Value, json};

use crate::types::permission_assignments::{
    PermissionAssignment, PermissionAssignments, PrincipalName,
};
use crate::{ApiError, WorkspaceClient};

const BASE: &str = "/api/2.0/preview/permissionassignments";

/// `/api/2.0/preview/permissionassignments/*`.
#[derive(Debug, Clone)]
pub struct PermissionAssignmentsApi {
    pub(crate) client: WorkspaceClient,
}

impl PermissionAssignmentsApi {
    /// Every assignment of the workspace (one unpaged answer).
    pub async fn list(&self) -> Result<Vec<PermissionAssignment>, ApiError> {
        let answer: PermissionAssignments = self.client.get_t(BASE, &[]).await?;
        Ok(answer.permission_assignments.unwrap_or_default())
    }

    /// Assigns one principal by name with `permissions` (the platform grants only `USER` by
    /// name: `ADMIN` goes through [`Self::assign_id`] once the id is known).
    pub async fn assign(
        &self,
        who: &PrincipalName,
        permissions: &[&str],
    ) -> Result<PermissionAssignment, ApiError> {
        let (field, name) = who.field();
        let body = json!({"permission_assignments": [{field: name, "permissions": permissions}]});
        let answer: PermissionAssignments = self.client.body_t(Method::POST, BASE, &body).await?;
        let item = answer
            .permission_assignments
            .unwrap_or_default()
            .into_iter()
            .next()
            .ok_or_else(|| super::policies::missing(BASE, "permission_assignments"))?;
        refused(&self.client, Method::POST, BASE, item)
    }

    /// Creates or changes the assignment of the principal with this (account-level) id. An
    /// empty `permissions` removes it (the platform's rule).
    pub async fn assign_id(
        &self,
        principal_id: i64,
        permissions: &[&str],
    ) -> Result<PermissionAssignment, ApiError> {
        let path = format!("{BASE}/principals/{principal_id}");
        let item: PermissionAssignment = self
            .client
            .body_t(Method::PUT, &path, &json!({ "permissions": permissions }))
            .await?;
        refused(&self.client, Method::PUT, &path, item)
    }

    /// Removes the assignment of the principal with this id.
    pub async fn remove(&self, principal_id: i64) -> Result<(), ApiError> {
        let path = format!("{BASE}/principals/{principal_id}");
        let _: Value = self
            .client
            .send(Method::DELETE, &path, &[], None::<&Value>)
            .await?;
        Ok(())
    }
}

/// An item's `error` (`CODE: message`, in a 200) as the refusal it is: status 400, or 404 for
/// a principal the account does not know, so `is_not_found` reads it like any other.
fn refused(
    client: &WorkspaceClient,
    method: Method,
    path: &str,
    item: PermissionAssignment,
) -> Result<PermissionAssignment, ApiError> {
    let Some(error) = item.error.as_deref().filter(|e| !e.is_empty()) else {
        return Ok(item);
    };
    let (code, message) = match error.split_once(": ") {
        Some((c, m)) if !c.is_empty() && c.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') => {
            (c.to_string(), m.to_string())
        }
        _ => ("ASSIGNMENT_REFUSED".to_string(), error.to_string()),
    };
    let status = if code == "RESOURCE_DOES_NOT_EXIST" {
        404
    } else {
        400
    };
    Err(ApiError::Api {
        status,
        error_code: code,
        message,
        retry_after: None,
        request: format!("{method} {}{path}", client.host()),
    })
}
