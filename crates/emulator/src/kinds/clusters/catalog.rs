//! The workspace's compute catalogue: the Spark versions and node types it offers, and its
//! availability zones — one catalogue per cloud (`catalog/aws.rs`, `azure.rs`, `gcp.rs`).
//!
//! The versions and node types live in the clusters store (not in code) so that a test or a
//! seed can make one workspace lack a version or a node type the other has — exactly what a
//! migration meets when the target runs in another region or cloud. The per-cloud tables are
//! only what a fresh workspace starts with. They are built so that every node type the AWS
//! `typical` seed uses has an Azure and a GCP type of the same cores and GPUs and memory within
//! a factor of 2 (what a translator looks for), and one AWS type (`p3.8xlarge`) has none.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::cloud::Cloud;

mod aws;
mod azure;
mod gcp;

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

/// Categories, as the node-types list names them.
pub(crate) const GENERAL: &str = "General Purpose";
pub(crate) const MEMORY: &str = "Memory Optimized";
pub(crate) const STORAGE: &str = "Storage Optimized";
pub(crate) const COMPUTE: &str = "Compute Optimized";
pub(crate) const GPU: &str = "GPU Accelerated";

/// One row of a cloud's node-type table (the compact form the per-cloud files write).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    /// `node_type_id`.
    pub id: &'static str,
    /// Cores.
    pub cores: u32,
    /// Memory in MB.
    pub memory_mb: u64,
    /// UI category.
    pub category: &'static str,
    /// GPUs.
    pub gpus: u32,
    /// Local disks and the size of each (NVMe on AWS and GCP `-lssd`, temp SSD on Azure).
    pub disks: (u32, u32),
    /// Whether the disks are NVMe (AWS `d` types, i3) rather than plain local SSDs.
    pub nvme: bool,
    /// Hidden from new clusters.
    pub deprecated: bool,
    /// ARM.
    pub graviton: bool,
}

impl Row {
    /// A current (not deprecated), x86 type without local disks or GPUs.
    pub(crate) const fn new(
        id: &'static str,
        cores: u32,
        memory_mb: u64,
        cat: &'static str,
    ) -> Row {
        Row {
            id,
            cores,
            memory_mb,
            category: cat,
            gpus: 0,
            disks: (0, 0),
            nvme: false,
            deprecated: false,
            graviton: false,
        }
    }
    /// With `n` local NVMe disks of `gb` each.
    pub(crate) const fn nvme(mut self, n: u32, gb: u32) -> Row {
        self.disks = (n, gb);
        self.nvme = true;
        self
    }
    /// With `n` local (non-NVMe) SSDs of `gb` each.
    pub(crate) const fn ssd(mut self, n: u32, gb: u32) -> Row {
        self.disks = (n, gb);
        self
    }
    /// With `n` GPUs.
    pub(crate) const fn gpus(mut self, n: u32) -> Row {
        self.gpus = n;
        self
    }
    /// Deprecated (still accepted on create, hidden in the UI).
    pub(crate) const fn deprecated(mut self) -> Row {
        self.deprecated = true;
        self
    }
    /// An ARM (Graviton) type.
    pub(crate) const fn graviton(mut self) -> Row {
        self.graviton = true;
        self
    }

    fn node_type(self) -> NodeType {
        let (disks, gb) = self.disks;
        let (local, local_gb, nvme, nvme_gb) = if self.nvme {
            (0, 0, disks, gb)
        } else {
            (disks, gb, 0, 0)
        };
        // match cloud behaviour: Photon runs on neither GPU nor deprecated (previous
        // generation) types; the Delta cache needs local SSDs.
        let photon = self.gpus == 0 && !self.deprecated;
        NodeType {
            node_type_id: self.id.to_string(),
            memory_mb: self.memory_mb,
            num_cores: f64::from(self.cores),
            description: self.id.to_string(),
            instance_type_id: self.id.to_string(),
            category: self.category.to_string(),
            num_gpus: self.gpus,
            is_deprecated: self.deprecated,
            is_io_cache_enabled: disks > 0,
            photon_worker_capable: photon,
            photon_driver_capable: photon,
            support_port_forwarding: true,
            is_graviton: self.graviton,
            node_instance_type: NodeInstanceType {
                instance_type_id: self.id.to_string(),
                local_disks: local,
                local_disk_size_gb: local_gb,
                local_nvme_disks: nvme,
                local_nvme_disk_size_gb: nvme_gb,
            },
        }
    }
}

/// The node types a fresh workspace on `cloud` offers.
pub fn node_types(cloud: Cloud) -> Vec<NodeType> {
    let rows = match cloud {
        Cloud::Aws => aws::NODE_TYPES,
        Cloud::Azure => azure::NODE_TYPES,
        Cloud::Gcp => gcp::NODE_TYPES,
    };
    rows.iter().map(|r| r.node_type()).collect()
}

/// The Spark versions a fresh workspace on `cloud` offers (newest first, as the service lists
/// them). Keys are the same strings on every cloud; the set differs.
pub fn spark_versions(cloud: Cloud) -> Vec<SparkVersion> {
    let keys = match cloud {
        Cloud::Aws => aws::SPARK_VERSIONS,
        Cloud::Azure => azure::SPARK_VERSIONS,
        Cloud::Gcp => gcp::SPARK_VERSIONS,
    };
    keys.iter()
        .filter_map(|k| version_name(k).map(|name| (k, name)))
        .map(|(key, name)| SparkVersion {
            key: key.to_string(),
            name,
        })
        .collect()
}

/// The human name of a runtime key: `15.4.x-gpu-ml-scala2.12` → `15.4 LTS ML (includes Apache
/// Spark 3.5.0, GPU, Scala 2.12)`. LTS is only ever in the name (the SDK reads it there).
fn version_name(key: &str) -> Option<String> {
    let (release, rest) = key.split_once(".x-")?;
    let (spark, lts) = match release {
        "16.4" => ("3.5.2", true),
        "16.2" => ("3.5.2", false),
        "15.4" => ("3.5.0", true),
        "15.3" => ("3.5.0", false),
        "14.3" => ("3.5.0", true),
        "13.3" => ("3.4.1", true),
        "12.2" => ("3.3.2", true),
        _ => return None,
    };
    let scala = rest.rsplit_once("scala")?.1;
    let lts = if lts { " LTS" } else { "" };
    let (flavour, extra) = if rest.contains("gpu-ml") {
        (" ML", ", GPU")
    } else if rest.contains("cpu-ml") {
        (" ML", "")
    } else if rest.contains("photon") {
        (" Photon", "")
    } else {
        ("", "")
    };
    Some(format!(
        "{release}{lts}{flavour} (includes Apache Spark {spark}{extra}, Scala {scala})"
    ))
}

/// The Spark versions of a fresh AWS workspace (the emulator's default cloud).
pub fn default_spark_versions() -> Vec<SparkVersion> {
    spark_versions(Cloud::Aws)
}

/// The node types of a fresh AWS workspace (the emulator's default cloud).
pub fn default_node_types() -> Vec<NodeType> {
    node_types(Cloud::Aws)
}

/// The availability zones of the workspace's region, and the default one.
pub fn zones(cloud: Cloud) -> (&'static [&'static str], Option<&'static str>) {
    match cloud {
        Cloud::Aws => (aws::ZONES, aws::ZONES.first().copied()),
        Cloud::Azure => (azure::ZONES, None),
        Cloud::Gcp => (gcp::ZONES, gcp::ZONES.first().copied()),
    }
}

/// The `GET /api/2.0/clusters/list-zones` body.
pub fn zones_json(cloud: Cloud) -> Value {
    let (zones, default) = zones(cloud);
    match default {
        Some(d) => json!({"zones": zones, "default_zone": d}),
        // [UNVERIFIED] Azure clusters have no zone to choose (azure_attributes has no zone_id):
        // the list is empty and there is no default.
        None => json!({"zones": zones}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_lts_and_flavour() {
        assert_eq!(
            version_name("15.4.x-gpu-ml-scala2.12").unwrap(),
            "15.4 LTS ML (includes Apache Spark 3.5.0, GPU, Scala 2.12)"
        );
        assert_eq!(
            version_name("15.3.x-scala2.12").unwrap(),
            "15.3 (includes Apache Spark 3.5.0, Scala 2.12)"
        );
        for cloud in Cloud::ALL {
            let keys: Vec<String> = spark_versions(cloud).into_iter().map(|v| v.key).collect();
            let listed = match cloud {
                Cloud::Aws => aws::SPARK_VERSIONS.len(),
                Cloud::Azure => azure::SPARK_VERSIONS.len(),
                Cloud::Gcp => gcp::SPARK_VERSIONS.len(),
            };
            assert_eq!(keys.len(), listed, "{cloud}: every key has a name");
        }
    }
}
