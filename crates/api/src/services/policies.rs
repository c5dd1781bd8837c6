//! Cluster policy and policy family handlers.

use reqwest::Method;
use serde_json::json;

use super::list_of;
use crate::paginate::{self, TokenStyle};
use crate::types::policies::{CreatePolicyResponse, Policy, PolicyFamily};
use crate::{ApiError, ApiStream, WorkspaceClient};

const BASE: &str = "/api/2.0/policies/clusters";

/// `/api/2.0/policies/clusters/*` and `/api/2.0/policy-families`.
#[derive(Debug, Clone)]
pub struct Policies {
    pub(crate) client: WorkspaceClient,
}

impl Policies {
    /// All policies (the platform does not page this list).
    pub async fn list(&self) -> Result<Vec<Policy>, ApiError> {
        let path = format!("{BASE}/list");
        let answer = self.client.get_t(&path, &[]).await?;
        list_of(&self.client, &path, answer, "policies")
    }

    /// One policy.
    pub async fn get(&self, policy_id: &str) -> Result<Policy, ApiError> {
        self.client
            .get_t(
                &format!("{BASE}/get"),
                &[("policy_id", policy_id.to_string())],
            )
            .await
    }

    /// Creates a policy; returns its id.
    pub async fn create(&self, policy: &Policy) -> Result<String, ApiError> {
        let r: CreatePolicyResponse = self
            .client
            .body_t(Method::POST, &format!("{BASE}/create"), policy)
            .await?;
        r.policy_id
            .ok_or_else(|| missing("policies/clusters/create", "policy_id"))
    }

    /// Replaces a policy (`policy.policy_id` must be set).
    pub async fn edit(&self, policy: &Policy) -> Result<(), ApiError> {
        self.client
            .void(Method::POST, &format!("{BASE}/edit"), policy)
            .await
    }

    /// Deletes a policy.
    pub async fn delete(&self, policy_id: &str) -> Result<(), ApiError> {
        self.client
            .void(
                Method::POST,
                &format!("{BASE}/delete"),
                &json!({ "policy_id": policy_id }),
            )
            .await
    }

    /// All policy families (paged by `page_token`).
    pub fn list_families(&self) -> ApiStream<PolicyFamily> {
        paginate::tokens(
            self.client.clone(),
            "/api/2.0/policy-families".into(),
            Vec::new(),
            "policy_families",
            TokenStyle::PageToken,
        )
    }
}

/// A create answer without the id it should carry.
pub(crate) fn missing(endpoint: &str, field: &str) -> ApiError {
    ApiError::Decode {
        request: endpoint.to_string(),
        path: field.to_string(),
        message: "the answer has no id".into(),
    }
}
