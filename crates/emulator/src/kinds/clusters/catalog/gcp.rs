//! The GCP catalogue: Compute Engine machine types (n1, n2, c2, c2d, g2 and a2 GPU types),
//! runtimes, and the zones of `us-central1`. Every AWS type of the `typical` seed has a current
//! type here with the same cores and GPUs and memory within a factor of 2 (i3.xlarge and
//! r5d.xlarge → n2-highmem-4, m5d.large → n2-standard-2, m5d.xlarge → n2-standard-4,
//! c5d.xlarge → c2d-highcpu-4, g4dn.xlarge → g2-standard-4).

use super::{COMPUTE, GENERAL, GPU, MEMORY, Row};

/// What `list-node-types` answers on a fresh GCP workspace.
pub(super) const NODE_TYPES: &[Row] = &[
    Row::new("n1-standard-4", 4, 15360, GENERAL),
    Row::new("n1-standard-8", 8, 30720, GENERAL),
    Row::new("n1-highmem-4", 4, 26624, MEMORY),
    Row::new("n1-highmem-8", 8, 53248, MEMORY),
    Row::new("n2-standard-2", 2, 8192, GENERAL),
    Row::new("n2-standard-4", 4, 16384, GENERAL),
    Row::new("n2-standard-8", 8, 32768, GENERAL),
    Row::new("n2-highmem-4", 4, 32768, MEMORY),
    Row::new("n2-highmem-8", 8, 65536, MEMORY),
    Row::new("n2-highcpu-4", 4, 4096, COMPUTE),
    Row::new("c2d-highcpu-4", 4, 8192, COMPUTE),
    Row::new("c2-standard-4", 4, 16384, COMPUTE),
    Row::new("c2-standard-8", 8, 32768, COMPUTE),
    Row::new("c2-standard-16", 16, 65536, COMPUTE),
    Row::new("g2-standard-4", 4, 16384, GPU).ssd(1, 375).gpus(1),
    Row::new("g2-standard-8", 8, 32768, GPU).ssd(1, 375).gpus(1),
    Row::new("a2-highgpu-1g", 12, 87040, GPU).gpus(1),
    Row::new("a2-highgpu-4g", 48, 348160, GPU).gpus(4),
    // A previous generation, still accepted, hidden from new clusters.
    Row::new("n1-highcpu-8", 8, 7373, COMPUTE).deprecated(),
];

/// What `spark-versions` answers on a fresh GCP workspace (no 15.3, no 16.2, no photon 14.3).
pub(super) const SPARK_VERSIONS: &[&str] = &[
    "16.4.x-scala2.12",
    "16.4.x-cpu-ml-scala2.12",
    "16.4.x-gpu-ml-scala2.12",
    "16.4.x-photon-scala2.12",
    "15.4.x-scala2.12",
    "15.4.x-cpu-ml-scala2.12",
    "15.4.x-gpu-ml-scala2.12",
    "15.4.x-photon-scala2.12",
    "14.3.x-scala2.12",
    "14.3.x-cpu-ml-scala2.12",
    "14.3.x-gpu-ml-scala2.12",
    "13.3.x-scala2.12",
    "12.2.x-scala2.12",
];

/// The zones of `us-central1`; the first is `default_zone`. Besides these, `gcp_attributes.
/// zone_id` takes `HA` and `AUTO`.
pub(super) const ZONES: &[&str] = &[
    "us-central1-a",
    "us-central1-b",
    "us-central1-c",
    "us-central1-f",
];
