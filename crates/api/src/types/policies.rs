//! Cluster policies (`/api/2.0/policies/clusters/*`) and policy families.

use serde_json::Value;

record! {
    /// A cluster policy. `definition` is a JSON document encoded as a string.
    pub struct Policy {
        /// Id (read-only; required by `edit`).
        policy_id: String,
        /// Unique name.
        name: String,
        /// Policy definition (JSON text).
        definition: String,
        /// Description.
        description: String,
        /// Cap of clusters per user.
        max_clusters_per_user: i64,
        /// Family the policy derives from.
        policy_family_id: String,
        /// Overrides of the family definition (JSON text).
        policy_family_definition_overrides: String,
        /// Libraries installed on governed clusters.
        libraries: Vec<Value>,
        /// Creation time (ms, read-only).
        created_at_timestamp: i64,
        /// Creator (read-only).
        creator_user_name: String,
        /// Databricks-managed default policy (read-only; match by name instead of creating).
        is_default: bool,
    }
}

record! {
    /// Answer of `policies/clusters/create`.
    pub struct CreatePolicyResponse {
        /// The new policy's id.
        policy_id: String,
    }
}

record! {
    /// A policy family (read-only catalogue).
    pub struct PolicyFamily {
        /// Family id.
        policy_family_id: String,
        /// Name.
        name: String,
        /// Description.
        description: String,
        /// Definition (JSON text).
        definition: String,
    }
}
