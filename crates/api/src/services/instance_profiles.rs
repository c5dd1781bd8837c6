//! Instance profile handlers (`/api/2.0/instance-profiles/*`, AWS only).

use reqwest::Method;
use serde_json::json;

use super::list_of;
use crate::types::instance_profiles::InstanceProfile;
use crate::{ApiError, WorkspaceClient};

const BASE: &str = "/api/2.0/instance-profiles";

/// `/api/2.0/instance-profiles/*`.
#[derive(Debug, Clone)]
pub struct InstanceProfiles {
    pub(crate) client: WorkspaceClient,
}

impl InstanceProfiles {
    /// Every registered profile (not paged by the platform).
    pub async fn list(&self) -> Result<Vec<InstanceProfile>, ApiError> {
        let path = format!("{BASE}/list");
        let answer = self.client.get_t(&path, &[]).await?;
        list_of(&self.client, &path, answer, "instance_profiles")
    }

    /// Registers a profile (admin only).
    pub async fn add(&self, profile: &InstanceProfile) -> Result<(), ApiError> {
        self.client
            .void(Method::POST, &format!("{BASE}/add"), profile)
            .await
    }

    /// Changes a profile's role ARN or meta flag (admin only).
    pub async fn edit(&self, profile: &InstanceProfile) -> Result<(), ApiError> {
        self.client
            .void(Method::POST, &format!("{BASE}/edit"), profile)
            .await
    }

    /// Unregisters a profile (admin only).
    pub async fn remove(&self, instance_profile_arn: &str) -> Result<(), ApiError> {
        self.client
            .void(
                Method::POST,
                &format!("{BASE}/remove"),
                &json!({ "instance_profile_arn": instance_profile_arn }),
            )
            .await
    }
}
