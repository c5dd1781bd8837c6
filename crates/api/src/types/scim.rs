//! SCIM identities: users, groups, service principals, and the PATCH operation body.
//!
//! JSON names are camelCase as on the wire (`userName`, `displayName`, `applicationId`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

record! {
    /// A `{value, display, primary, type, $ref}` entry (members, groups, entitlements, roles,
    /// emails).
    pub struct ComplexValue {
        /// The referenced id or the value itself (`allow-cluster-create`, an email, …).
        value: String,
        /// Display name of the referenced object.
        display: String,
        /// Whether this is the primary value (emails).
        primary: bool,
        /// Kind of value (`work`, `direct`, …).
        #[serde(rename = "type")]
        kind: String,
        /// Reference such as `Users/123`.
        #[serde(rename = "$ref")]
        reference: String,
    }
}

impl ComplexValue {
    /// An entry with only `value` set.
    pub fn value(value: impl Into<String>) -> Self {
        ComplexValue {
            value: Some(value.into()),
            ..Default::default()
        }
    }
}

record! {
    /// A user's name parts.
    pub struct Name {
        /// Given name.
        #[serde(rename = "givenName")]
        given_name: String,
        /// Family name.
        #[serde(rename = "familyName")]
        family_name: String,
    }
}

record! {
    /// `meta` of a SCIM resource.
    pub struct Meta {
        /// `WorkspaceGroup` (workspace-local) or `Group` (account group), …
        #[serde(rename = "resourceType")]
        resource_type: String,
    }
}

record! {
    /// A workspace user (`/Users`).
    pub struct User {
        /// SCIM id (an int64 serialised as a string).
        id: String,
        /// Login (an email); immutable.
        #[serde(rename = "userName")]
        user_name: String,
        /// Display name.
        #[serde(rename = "displayName")]
        display_name: String,
        /// Name parts.
        name: Name,
        /// Emails.
        emails: Vec<ComplexValue>,
        /// Whether the user is active.
        active: bool,
        /// Entitlements.
        entitlements: Vec<ComplexValue>,
        /// Groups the user belongs to (read side; membership is managed on the group).
        groups: Vec<ComplexValue>,
        /// Roles (instance profiles).
        roles: Vec<ComplexValue>,
        /// External id.
        #[serde(rename = "externalId")]
        external_id: String,
        /// SCIM schemas.
        schemas: Vec<String>,
    }
}

record! {
    /// A group (`/Groups`).
    pub struct Group {
        /// SCIM id.
        id: String,
        /// Group name.
        #[serde(rename = "displayName")]
        display_name: String,
        /// Members (users, service principals, groups) by id.
        members: Vec<ComplexValue>,
        /// Parent groups.
        groups: Vec<ComplexValue>,
        /// Entitlements.
        entitlements: Vec<ComplexValue>,
        /// Roles.
        roles: Vec<ComplexValue>,
        /// External id.
        #[serde(rename = "externalId")]
        external_id: String,
        /// `meta.resourceType` tells workspace groups from account groups.
        meta: Meta,
        /// SCIM schemas.
        schemas: Vec<String>,
    }
}

impl Group {
    /// True for an account-level group (`meta.resourceType == "Group"`), which workspace SCIM
    /// cannot modify.
    pub fn is_account_group(&self) -> bool {
        self.meta.as_ref().and_then(|m| m.resource_type.as_deref()) == Some("Group")
    }
}

record! {
    /// A service principal (`/ServicePrincipals`).
    pub struct ServicePrincipal {
        /// SCIM id.
        id: String,
        /// Application (client) id, a UUID.
        #[serde(rename = "applicationId")]
        application_id: String,
        /// Display name.
        #[serde(rename = "displayName")]
        display_name: String,
        /// Whether it is active.
        active: bool,
        /// Entitlements.
        entitlements: Vec<ComplexValue>,
        /// Groups it belongs to (read side).
        groups: Vec<ComplexValue>,
        /// Roles.
        roles: Vec<ComplexValue>,
        /// External id.
        #[serde(rename = "externalId")]
        external_id: String,
        /// SCIM schemas.
        schemas: Vec<String>,
    }
}

/// The PatchOp message schema.
pub const PATCH_OP_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// A SCIM PATCH body: `{"schemas": [PatchOp], "Operations": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOp {
    /// Always `[PATCH_OP_SCHEMA]`.
    pub schemas: Vec<String>,
    /// The operations, applied in order.
    #[serde(rename = "Operations")]
    pub operations: Vec<PatchOperation>,
}

impl PatchOp {
    /// A PatchOp with the given operations.
    pub fn new(operations: Vec<PatchOperation>) -> Self {
        PatchOp {
            schemas: vec![PATCH_OP_SCHEMA.to_string()],
            operations,
        }
    }

    /// Adds members (by SCIM id) to a group.
    pub fn add_members<S: Into<String>>(ids: impl IntoIterator<Item = S>) -> Self {
        let value = ids
            .into_iter()
            .map(|id| serde_json::json!({ "value": id.into() }))
            .collect();
        PatchOp::new(vec![PatchOperation::add("members", Value::Array(value))])
    }

    /// Removes one member (by SCIM id) from a group.
    pub fn remove_member(id: &str) -> Self {
        PatchOp::new(vec![PatchOperation::remove(format!(
            "members[value eq \"{id}\"]"
        ))])
    }
}

/// One PATCH operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatchOperation {
    /// `add`, `remove` or `replace`.
    pub op: String,
    /// Attribute path (`members`, `entitlements`, `members[value eq "1"]`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The value (absent for removes by filter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
}

impl PatchOperation {
    /// `{"op": "add", "path": path, "value": value}`.
    pub fn add(path: impl Into<String>, value: Value) -> Self {
        PatchOperation {
            op: "add".into(),
            path: Some(path.into()),
            value: Some(value),
        }
    }

    /// `{"op": "replace", "path": path, "value": value}`.
    pub fn replace(path: impl Into<String>, value: Value) -> Self {
        PatchOperation {
            op: "replace".into(),
            path: Some(path.into()),
            value: Some(value),
        }
    }

    /// `{"op": "remove", "path": path}`.
    pub fn remove(path: impl Into<String>) -> Self {
        PatchOperation {
            op: "remove".into(),
            path: Some(path.into()),
            value: None,
        }
    }
}

/// Query of a SCIM list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScimQuery {
    /// Filter such as `userName eq "a@b.com"`.
    pub filter: Option<String>,
    /// Attributes to return (comma-separated).
    pub attributes: Option<String>,
    /// Attributes to leave out (comma-separated).
    pub excluded_attributes: Option<String>,
    /// Sort attribute.
    pub sort_by: Option<String>,
    /// `ascending` or `descending`.
    pub sort_order: Option<String>,
}

impl ScimQuery {
    /// A query with a filter, e.g. `ScimQuery::filter(r#"userName eq "a@b.com""#)`.
    pub fn filter(filter: impl Into<String>) -> Self {
        ScimQuery {
            filter: Some(filter.into()),
            ..Default::default()
        }
    }

    /// `attr eq "value"` with the value's quotes and backslashes escaped.
    pub fn eq(attribute: &str, value: &str) -> Self {
        let escaped = value.replace('\\', "\\\\").replace('"', "\\\"");
        ScimQuery::filter(format!("{attribute} eq \"{escaped}\""))
    }

    pub(crate) fn to_query(&self) -> Vec<(String, String)> {
        let mut q = Vec::new();
        let pairs = [
            ("filter", &self.filter),
            ("attributes", &self.attributes),
            ("excludedAttributes", &self.excluded_attributes),
            ("sortBy", &self.sort_by),
            ("sortOrder", &self.sort_order),
        ];
        for (k, v) in pairs {
            if let Some(v) = v {
                q.push((k.to_string(), v.clone()));
            }
        }
        q
    }
}
