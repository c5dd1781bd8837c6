//! SQL warehouses (`/api/2.0/sql/warehouses`).

use serde_json::Value;

record! {
    /// A SQL warehouse (get/list answer, and create/edit body).
    pub struct Warehouse {
        /// Id (read-only).
        id: String,
        /// Unique name.
        name: String,
        /// `2X-Small` … `5X-Large`.
        cluster_size: String,
        /// Minimum clusters.
        min_num_clusters: i64,
        /// Maximum clusters.
        max_num_clusters: i64,
        /// Idle minutes before stopping (0 = never).
        auto_stop_mins: i64,
        /// Photon.
        enable_photon: bool,
        /// Serverless.
        enable_serverless_compute: bool,
        /// `PRO` or `CLASSIC`.
        warehouse_type: String,
        /// Spot policy.
        spot_instance_policy: String,
        /// `{name, dbsql_version}`.
        channel: Value,
        /// `{custom_tags: [{key, value}]}`.
        tags: Value,
        /// Creator.
        creator_name: String,
        /// STARTING, RUNNING, STOPPING, STOPPED, DELETING, DELETED (read-only).
        state: String,
        /// Active clusters (read-only).
        num_clusters: i64,
        /// JDBC URL (read-only).
        jdbc_url: String,
        /// ODBC parameters (read-only).
        odbc_params: Value,
        /// Health (read-only).
        health: Value,
    }
}

record! {
    /// Answer of warehouse create.
    pub struct CreateWarehouseResponse {
        /// The new warehouse's id.
        id: String,
    }
}
