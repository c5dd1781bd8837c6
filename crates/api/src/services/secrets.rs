//! Secret scope, secret and ACL handlers. Values travel only as [`Secret`]s.

use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::list_of;
use crate::types::secrets::{
    AclItem, CreateScope, PutSecret, SecretMetadata, SecretScope, SecretValue,
};
use crate::{ApiError, Secret, WorkspaceClient};

const BASE: &str = "/api/2.0/secrets";

/// `/api/2.0/secrets/*`.
#[derive(Debug, Clone)]
pub struct Secrets {
    pub(crate) client: WorkspaceClient,
}

#[derive(Deserialize)]
struct GetSecretResponse {
    #[serde(default)]
    value: Option<Secret>,
}

impl Secrets {
    /// All scopes.
    pub async fn list_scopes(&self) -> Result<Vec<SecretScope>, ApiError> {
        let path = format!("{BASE}/scopes/list");
        let answer = self.client.get_t(&path, &[]).await?;
        list_of(&self.client, &path, answer, "scopes")
    }

    /// Creates a scope.
    pub async fn create_scope(&self, scope: &CreateScope) -> Result<(), ApiError> {
        self.client
            .void(Method::POST, &format!("{BASE}/scopes/create"), scope)
            .await
    }

    /// Deletes a scope.
    pub async fn delete_scope(&self, scope: &str) -> Result<(), ApiError> {
        self.client
            .void(
                Method::POST,
                &format!("{BASE}/scopes/delete"),
                &json!({ "scope": scope }),
            )
            .await
    }

    /// Secret keys of a scope (never values).
    pub async fn list_secrets(&self, scope: &str) -> Result<Vec<SecretMetadata>, ApiError> {
        let path = format!("{BASE}/list");
        let answer = self
            .client
            .get_t(&path, &[("scope", scope.to_string())])
            .await?;
        list_of(&self.client, &path, answer, "secrets")
    }

    /// Stores a value under `scope`/`key` (overwrites).
    pub async fn put_secret(
        &self,
        scope: &str,
        key: &str,
        value: &SecretValue,
    ) -> Result<(), ApiError> {
        let (string_value, bytes_value) = match value {
            SecretValue::String(s) => (Some(s), None),
            SecretValue::Bytes(b) => (None, Some(b)),
        };
        let body = PutSecret {
            scope,
            key,
            string_value,
            bytes_value,
        };
        self.client
            .void(Method::POST, &format!("{BASE}/put"), &body)
            .await
    }

    /// Reads a value (`secrets/get`; may be refused outside a cluster). Returns the decoded
    /// bytes wrapped in a [`Secret`] (lossy UTF-8 for binary values; use with care).
    pub async fn get_secret(&self, scope: &str, key: &str) -> Result<Secret, ApiError> {
        use base64::Engine;
        let path = format!("{BASE}/get");
        let r: GetSecretResponse = self
            .client
            .get_t(
                &path,
                &[("scope", scope.to_string()), ("key", key.to_string())],
            )
            .await?;
        let encoded = r.value.unwrap_or_default();
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.expose().trim())
            .map_err(|e| ApiError::Decode {
                request: format!("GET {}{path}", self.client.host()),
                path: "value".into(),
                message: format!("not base64: {e}"),
            })?;
        Ok(Secret::new(String::from_utf8_lossy(&bytes).into_owned()))
    }

    /// Deletes a secret.
    pub async fn delete_secret(&self, scope: &str, key: &str) -> Result<(), ApiError> {
        self.client
            .void(
                Method::POST,
                &format!("{BASE}/delete"),
                &json!({ "scope": scope, "key": key }),
            )
            .await
    }

    /// ACLs of a scope (answer key `items`).
    pub async fn list_acls(&self, scope: &str) -> Result<Vec<AclItem>, ApiError> {
        let path = format!("{BASE}/acls/list");
        let answer = self
            .client
            .get_t(&path, &[("scope", scope.to_string())])
            .await?;
        list_of(&self.client, &path, answer, "items")
    }

    /// One principal's ACL on a scope.
    pub async fn get_acl(&self, scope: &str, principal: &str) -> Result<AclItem, ApiError> {
        self.client
            .get_t(
                &format!("{BASE}/acls/get"),
                &[
                    ("scope", scope.to_string()),
                    ("principal", principal.to_string()),
                ],
            )
            .await
    }

    /// Grants `permission` (READ, WRITE, MANAGE) to `principal`.
    pub async fn put_acl(
        &self,
        scope: &str,
        principal: &str,
        permission: &str,
    ) -> Result<(), ApiError> {
        let body = json!({ "scope": scope, "principal": principal, "permission": permission });
        self.client
            .void(Method::POST, &format!("{BASE}/acls/put"), &body)
            .await
    }

    /// Removes `principal`'s ACL.
    pub async fn delete_acl(&self, scope: &str, principal: &str) -> Result<(), ApiError> {
        let body = json!({ "scope": scope, "principal": principal });
        self.client
            .void(Method::POST, &format!("{BASE}/acls/delete"), &body)
            .await
    }
}
