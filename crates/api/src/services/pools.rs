//! Instance pool handlers.

use reqwest::Method;
use serde_json::json;

use super::list_of;
use super::policies::missing;
use crate::types::pools::{CreatePoolResponse, InstancePool};
use crate::{ApiError, WorkspaceClient};

const BASE: &str = "/api/2.0/instance-pools";

/// `/api/2.0/instance-pools/*`.
#[derive(Debug, Clone)]
pub struct Pools {
    pub(crate) client: WorkspaceClient,
}

impl Pools {
    /// All pools (not paged by the platform).
    pub async fn list(&self) -> Result<Vec<InstancePool>, ApiError> {
        let path = format!("{BASE}/list");
        let answer = self.client.get_t(&path, &[]).await?;
        list_of(&self.client, &path, answer, "instance_pools")
    }

    /// One pool.
    pub async fn get(&self, instance_pool_id: &str) -> Result<InstancePool, ApiError> {
        self.client
            .get_t(
                &format!("{BASE}/get"),
                &[("instance_pool_id", instance_pool_id.to_string())],
            )
            .await
    }

    /// Creates a pool; returns its id.
    pub async fn create(&self, pool: &InstancePool) -> Result<String, ApiError> {
        let r: CreatePoolResponse = self
            .client
            .body_t(Method::POST, &format!("{BASE}/create"), pool)
            .await?;
        r.instance_pool_id
            .ok_or_else(|| missing("instance-pools/create", "instance_pool_id"))
    }

    /// Edits a pool (`instance_pool_id`, name and node type must be set).
    pub async fn edit(&self, pool: &InstancePool) -> Result<(), ApiError> {
        self.client
            .void(Method::POST, &format!("{BASE}/edit"), pool)
            .await
    }

    /// Deletes a pool.
    pub async fn delete(&self, instance_pool_id: &str) -> Result<(), ApiError> {
        self.client
            .void(
                Method::POST,
                &format!("{BASE}/delete"),
                &json!({ "instance_pool_id": instance_pool_id }),
            )
            .await
    }
}
