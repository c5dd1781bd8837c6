//! The workspace's compute catalogue: the Spark versions and node types it offers.
//!
//! Both lists live in the clusters store (not in code) so that a test or a seed can make one
//! workspace lack a version or a node type the other has — exactly what a migration meets
//! when the target runs in another region or cloud.

use serde::{Deserialize, Serialize};

/// One entry of `GET /api/2.x/clusters/spark-versions`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SparkVersion {
    /// The value to put in `spark_version`, e.g. `15.4.x-scala2.12`.
    pub key: String,
    /// Human name, e.g. `15.4 LTS (includes Apache Spark 3.5.0, Scala 2.12)`.
    pub name: String,
}

/// One entry of `GET /api/2.x/clusters/list-node-types`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeType {
    /// The value to put in `node_type_id`, e.g. `i3.xlarge`.
    pub node_type_id: String,
    /// Memory in MB.
    pub memory_mb: u64,
    /// Number of cores (a float on the wire).
    pub num_cores: f64,
    /// Human description.
    pub description: String,
    /// The cloud instance type behind it.
    pub instance_type_id: String,
    /// UI category, e.g. `General Purpose`.
    pub category: String,
    /// GPUs per node.
    #[serde(default)]
    pub num_gpus: u32,
    /// Hidden from new clusters in the UI.
    #[serde(default)]
    pub is_deprecated: bool,
    /// Delta cache available.
    #[serde(default)]
    pub is_io_cache_enabled: bool,
    /// Can run Photon workers.
    #[serde(default)]
    pub photon_worker_capable: bool,
    /// Can run a Photon driver.
    #[serde(default)]
    pub photon_driver_capable: bool,
    /// Supports port forwarding.
    #[serde(default)]
    pub support_port_forwarding: bool,
    /// ARM instance.
    #[serde(default)]
    pub is_graviton: bool,
    /// The cloud instance's disks (the SDK's `select_node_type(local_disk=True)` reads it).
    #[serde(default)]
    pub node_instance_type: NodeInstanceType,
}

/// The `node_instance_type` block of a node type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NodeInstanceType {
    /// The cloud instance type.
    pub instance_type_id: String,
    /// Local (non-NVMe) disks.
    pub local_disks: u32,
    /// Their size.
    pub local_disk_size_gb: u32,
    /// Local NVMe disks.
    pub local_nvme_disks: u32,
    /// Their size.
    pub local_nvme_disk_size_gb: u32,
}

/// The Spark versions a fresh emulated workspace offers.
pub fn default_spark_versions() -> Vec<SparkVersion> {
    [
        (
            "16.4.x-scala2.12",
            "16.4 LTS (includes Apache Spark 3.5.2, Scala 2.12)",
        ),
        (
            "15.4.x-scala2.12",
            "15.4 LTS (includes Apache Spark 3.5.0, Scala 2.12)",
        ),
        (
            "15.4.x-cpu-ml-scala2.12",
            "15.4 LTS ML (includes Apache Spark 3.5.0, Scala 2.12)",
        ),
        (
            "14.3.x-scala2.12",
            "14.3 LTS (includes Apache Spark 3.5.0, Scala 2.12)",
        ),
        (
            "13.3.x-scala2.12",
            "13.3 LTS (includes Apache Spark 3.4.1, Scala 2.12)",
        ),
        (
            "12.2.x-scala2.12",
            "12.2 LTS (includes Apache Spark 3.3.2, Scala 2.12)",
        ),
    ]
    .into_iter()
    .map(|(key, name)| SparkVersion {
        key: key.to_string(),
        name: name.to_string(),
    })
    .collect()
}

/// The node types a fresh emulated workspace offers (AWS-flavoured names).
pub fn default_node_types() -> Vec<NodeType> {
    // (id, memory MB, cores, category, NVMe disks, NVMe GB per disk, GPUs)
    [
        ("i3.xlarge", 31232, 4.0, "Storage Optimized", 1, 950, 0),
        ("i3.2xlarge", 62464, 8.0, "Storage Optimized", 1, 1900, 0),
        ("m5d.large", 8192, 2.0, "General Purpose", 1, 75, 0),
        ("m5d.xlarge", 16384, 4.0, "General Purpose", 1, 150, 0),
        ("r5d.xlarge", 32768, 4.0, "Memory Optimized", 1, 150, 0),
        ("c5d.xlarge", 8192, 4.0, "Compute Optimized", 1, 100, 0),
        ("m5.xlarge", 16384, 4.0, "General Purpose", 0, 0, 0),
        ("g4dn.xlarge", 16384, 4.0, "GPU Accelerated", 1, 125, 1),
    ]
    .into_iter()
    .map(
        |(id, memory_mb, num_cores, category, nvme, nvme_gb, gpus)| NodeType {
            node_type_id: id.to_string(),
            memory_mb,
            num_cores,
            description: id.to_string(),
            instance_type_id: id.to_string(),
            category: category.to_string(),
            num_gpus: gpus,
            is_deprecated: false,
            is_io_cache_enabled: nvme > 0,
            photon_worker_capable: gpus == 0,
            photon_driver_capable: gpus == 0,
            support_port_forwarding: true,
            is_graviton: false,
            node_instance_type: NodeInstanceType {
                instance_type_id: id.to_string(),
                local_disks: 0,
                local_disk_size_gb: 0,
                local_nvme_disks: nvme,
                local_nvme_disk_size_gb: nvme_gb,
            },
        },
    )
    .collect()
}
