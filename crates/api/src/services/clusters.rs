//! Cluster handlers (`/api/2.1/clusters/*`).

use reqwest::Method;
use serde_json::json;

use super::list_of;
use super::policies::missing;
use crate::paginate::{self, TokenStyle};
use crate::types::clusters::{Cluster, CreateClusterResponse, NodeType, SparkVersion};
use crate::{ApiError, ApiStream, WorkspaceClient};

const BASE: &str = "/api/2.1/clusters";

/// `/api/2.1/clusters/*`.
#[derive(Debug, Clone)]
pub struct Clusters {
    pub(crate) client: WorkspaceClient,
}

impl Clusters {
    async fn by_id(&self, op: &str, cluster_id: &str) -> Result<(), ApiError> {
        self.client
            .void(
                Method::POST,
                &format!("{BASE}/{op}"),
                &json!({ "cluster_id": cluster_id }),
            )
            .await
    }

    /// All clusters the list shows (pinned, active, recently terminated), paged by
    /// `page_token`.
    pub fn list(&self) -> ApiStream<Cluster> {
        paginate::tokens(
            self.client.clone(),
            format!("{BASE}/list"),
            vec![("page_size".into(), "100".into())],
            "clusters",
            TokenStyle::PageToken,
        )
    }

    /// One cluster.
    pub async fn get(&self, cluster_id: &str) -> Result<Cluster, ApiError> {
        self.client
            .get_t(
                &format!("{BASE}/get"),
                &[("cluster_id", cluster_id.to_string())],
            )
            .await
    }

    /// Creates (and starts) a cluster; returns its id.
    pub async fn create(&self, spec: &Cluster) -> Result<String, ApiError> {
        let r: CreateClusterResponse = self
            .client
            .body_t(Method::POST, &format!("{BASE}/create"), spec)
            .await?;
        r.cluster_id
            .ok_or_else(|| missing("clusters/create", "cluster_id"))
    }

    /// Replaces a cluster's spec (`spec.cluster_id` must be set).
    pub async fn edit(&self, spec: &Cluster) -> Result<(), ApiError> {
        self.client
            .void(Method::POST, &format!("{BASE}/edit"), spec)
            .await
    }

    /// Terminates a cluster (`clusters/delete`); it stays listed.
    pub async fn delete(&self, cluster_id: &str) -> Result<(), ApiError> {
        self.by_id("delete", cluster_id).await
    }

    /// Removes a cluster for good.
    pub async fn permanent_delete(&self, cluster_id: &str) -> Result<(), ApiError> {
        self.by_id("permanent-delete", cluster_id).await
    }

    /// Starts a terminated cluster.
    pub async fn start(&self, cluster_id: &str) -> Result<(), ApiError> {
        self.by_id("start", cluster_id).await
    }

    /// Pins a cluster.
    pub async fn pin(&self, cluster_id: &str) -> Result<(), ApiError> {
        self.by_id("pin", cluster_id).await
    }

    /// Unpins a cluster.
    pub async fn unpin(&self, cluster_id: &str) -> Result<(), ApiError> {
        self.by_id("unpin", cluster_id).await
    }

    /// Available runtime versions.
    pub async fn spark_versions(&self) -> Result<Vec<SparkVersion>, ApiError> {
        let path = format!("{BASE}/spark-versions");
        let answer = self.client.get_t(&path, &[]).await?;
        list_of(&self.client, &path, answer, "versions")
    }

    /// The availability zones clusters may name (`zones`; empty where a cloud has none to
    /// choose).
    pub async fn list_zones(&self) -> Result<Vec<String>, ApiError> {
        let path = format!("{BASE}/list-zones");
        let answer = self.client.get_t(&path, &[]).await?;
        list_of(&self.client, &path, answer, "zones")
    }

    /// Available node types.
    pub async fn list_node_types(&self) -> Result<Vec<NodeType>, ApiError> {
        let path = format!("{BASE}/list-node-types");
        let answer = self.client.get_t(&path, &[]).await?;
        list_of(&self.client, &path, answer, "node_types")
    }
}
