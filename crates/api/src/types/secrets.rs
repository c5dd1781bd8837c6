//! Secret scopes, secrets (metadata only — values travel as [`Secret`]) and scope ACLs.

use serde::Serialize;

use crate::Secret;

record! {
    /// A secret scope.
    pub struct SecretScope {
        /// Scope name.
        name: String,
        /// `DATABRICKS` or `AZURE_KEYVAULT`.
        backend_type: String,
        /// Key Vault details for AKV-backed scopes.
        keyvault_metadata: serde_json::Value,
    }
}

record! {
    /// Body of `scopes/create`.
    pub struct CreateScope {
        /// Scope name.
        scope: String,
        /// Only `users` is accepted.
        initial_manage_principal: String,
        /// `DATABRICKS` or `AZURE_KEYVAULT`.
        scope_backend_type: String,
        /// `{resource_id, dns_name}` for AKV scopes.
        backend_azure_keyvault: serde_json::Value,
    }
}

record! {
    /// A secret's metadata (values are never listed).
    pub struct SecretMetadata {
        /// Key.
        key: String,
        /// Last update (ms).
        last_updated_timestamp: i64,
    }
}

record! {
    /// An ACL entry of a scope.
    pub struct AclItem {
        /// User email, group name or SP application id.
        principal: String,
        /// READ, WRITE or MANAGE.
        permission: String,
    }
}

/// A secret value to store.
#[derive(Debug, Clone, PartialEq)]
pub enum SecretValue {
    /// Stored as `string_value`.
    String(Secret),
    /// Raw bytes, sent base64-encoded as `bytes_value` (the base64 text is kept in a
    /// [`Secret`] too).
    Bytes(Secret),
}

impl SecretValue {
    /// A byte value (base64-encodes it).
    pub fn from_bytes(bytes: &[u8]) -> Self {
        use base64::Engine;
        SecretValue::Bytes(Secret::new(
            base64::engine::general_purpose::STANDARD.encode(bytes),
        ))
    }
}

/// Body of `secrets/put`.
#[derive(Serialize)]
pub(crate) struct PutSecret<'a> {
    pub scope: &'a str,
    pub key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub string_value: Option<&'a Secret>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes_value: Option<&'a Secret>,
}
