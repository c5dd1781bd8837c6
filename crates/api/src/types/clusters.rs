//! Clusters (`/api/2.1/clusters/*`) and cluster libraries (`/api/2.0/libraries/*`).
//!
//! One [`Cluster`] struct serves both as the `get`/`list` answer and as the `create`/`edit`
//! body: the caller strips read-only fields before re-creating (see reference §6).

use serde_json::Value;

use super::JsonObject;

record! {
    /// A cluster: its spec plus, when read, its state and read-only fields.
    pub struct Cluster {
        /// Cluster id (read-only; required by `edit`).
        cluster_id: String,
        /// Name (not unique).
        cluster_name: String,
        /// Runtime version key (`15.4.x-scala2.12`).
        spark_version: String,
        /// Worker node type.
        node_type_id: String,
        /// Driver node type.
        driver_node_type_id: String,
        /// Fixed worker count.
        num_workers: i64,
        /// `{min_workers, max_workers}`.
        autoscale: Value,
        /// Pool for workers.
        instance_pool_id: String,
        /// Pool for the driver.
        driver_instance_pool_id: String,
        /// Governing policy.
        policy_id: String,
        /// Fill policy defaults on create.
        apply_policy_default_values: bool,
        /// Idle minutes before termination (0 = never).
        autotermination_minutes: i64,
        /// Spark configuration.
        spark_conf: JsonObject,
        /// Environment variables.
        spark_env_vars: JsonObject,
        /// Tags.
        custom_tags: JsonObject,
        /// Init scripts.
        init_scripts: Vec<Value>,
        /// Access mode.
        data_security_mode: String,
        /// Single user (dedicated access mode).
        single_user_name: String,
        /// `STANDARD` or `PHOTON`.
        runtime_engine: String,
        /// State (read-only): PENDING, RUNNING, TERMINATED, …
        state: String,
        /// Why the state is what it is (read-only).
        state_message: String,
        /// UI, API, JOB, PIPELINE, … (read-only).
        cluster_source: String,
        /// Creator (read-only).
        creator_user_name: String,
        /// Platform tags (read-only).
        default_tags: JsonObject,
    }
}

record! {
    /// Answer of `clusters/create`.
    pub struct CreateClusterResponse {
        /// The new cluster's id.
        cluster_id: String,
    }
}

record! {
    /// A runtime version (`spark-versions`).
    pub struct SparkVersion {
        /// Key to use as `spark_version`.
        key: String,
        /// Display name.
        name: String,
    }
}

record! {
    /// A node type (`list-node-types`).
    pub struct NodeType {
        /// Id to use as `node_type_id`.
        node_type_id: String,
        /// Memory in MB.
        memory_mb: i64,
        /// Cores.
        num_cores: f64,
        /// Description.
        description: String,
        /// The cloud's instance type.
        instance_type_id: String,
        /// `General Purpose`, `Memory Optimized`, `GPU Accelerated`, …
        category: String,
        /// GPUs per node.
        num_gpus: i64,
        /// No longer offered for new clusters.
        is_deprecated: bool,
        /// Hidden from the UI.
        is_hidden: bool,
        /// Can run Photon workers.
        photon_worker_capable: bool,
        /// Can run a Photon driver.
        photon_driver_capable: bool,
        /// `{status: [NotAvailableInRegion | NotEnabledOnSubscription]}` when not available.
        node_info: Value,
    }
}

record! {
    /// One library's status on a cluster.
    pub struct LibraryFullStatus {
        /// The library spec (`{"pypi": {...}}`, `{"jar": "..."}`, …).
        library: Value,
        /// INSTALLED, PENDING, FAILED, …
        status: String,
        /// Messages.
        messages: Vec<String>,
        /// Installed on all clusters (legacy).
        is_library_for_all_clusters: bool,
    }
}

record! {
    /// Answer of `libraries/cluster-status`.
    pub struct ClusterLibraryStatuses {
        /// The cluster.
        cluster_id: String,
        /// Libraries and their status.
        library_statuses: Vec<LibraryFullStatus>,
    }
}
