//! Instance pools (`/api/2.0/instance-pools/*`).

use serde_json::Value;

use super::JsonObject;

record! {
    /// An instance pool (get/list answer, and create/edit body).
    pub struct InstancePool {
        /// Id (read-only; required by `edit`).
        instance_pool_id: String,
        /// Name.
        instance_pool_name: String,
        /// Node type (cannot change on edit, but must be sent).
        node_type_id: String,
        /// Idle instances kept warm.
        min_idle_instances: i64,
        /// Capacity cap.
        max_capacity: i64,
        /// Idle minutes before an instance is released.
        idle_instance_autotermination_minutes: i64,
        /// Tags.
        custom_tags: JsonObject,
        /// Elastic disk.
        enable_elastic_disk: bool,
        /// Disk spec.
        disk_spec: Value,
        /// Preloaded runtimes (at most one).
        preloaded_spark_versions: Vec<String>,
        /// AWS attributes.
        aws_attributes: Value,
        /// Azure attributes.
        azure_attributes: Value,
        /// GCP attributes.
        gcp_attributes: Value,
        /// ACTIVE, STOPPED, DELETED (read-only).
        state: String,
        /// Platform tags (read-only).
        default_tags: JsonObject,
        /// Usage statistics (read-only).
        stats: Value,
        /// Status (read-only).
        status: Value,
    }
}

record! {
    /// Answer of `instance-pools/create`.
    pub struct CreatePoolResponse {
        /// The new pool's id.
        instance_pool_id: String,
    }
}
