//! Cluster library handlers (`/api/2.0/libraries/*`).

use reqwest::Method;
use serde_json::{Value, json};

use crate::types::clusters::ClusterLibraryStatuses;
use crate::{ApiError, WorkspaceClient};

/// `/api/2.0/libraries/*`.
#[derive(Debug, Clone)]
pub struct Libraries {
    pub(crate) client: WorkspaceClient,
}

impl Libraries {
    /// Libraries of a cluster and their status.
    pub async fn cluster_status(
        &self,
        cluster_id: &str,
    ) -> Result<ClusterLibraryStatuses, ApiError> {
        self.client
            .get_t(
                "/api/2.0/libraries/cluster-status",
                &[("cluster_id", cluster_id.to_string())],
            )
            .await
    }

    /// Installs libraries (`{"pypi": {...}}`, `{"jar": "..."}`, …) on a cluster.
    pub async fn install(&self, cluster_id: &str, libraries: &[Value]) -> Result<(), ApiError> {
        let body = json!({ "cluster_id": cluster_id, "libraries": libraries });
        self.client
            .void(Method::POST, "/api/2.0/libraries/install", &body)
            .await
    }
}
