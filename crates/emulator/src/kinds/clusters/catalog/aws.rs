//! The AWS catalogue: EC2-backed node types (the `d` types and i3 with local NVMe), runtimes,
//! and the zones of `us-east-1`. Rows mirror `list-node-types` of a real AWS workspace (ids,
//! cores, memory); the first eight are the emulator's historic list, unchanged.

use super::{COMPUTE, GENERAL, GPU, MEMORY, Row, STORAGE};

/// What `list-node-types` answers on a fresh AWS workspace.
pub(super) const NODE_TYPES: &[Row] = &[
    Row::new("i3.xlarge", 4, 31232, STORAGE).nvme(1, 950),
    Row::new("i3.2xlarge", 8, 62464, STORAGE).nvme(1, 1900),
    Row::new("m5d.large", 2, 8192, GENERAL).nvme(1, 75),
    Row::new("m5d.xlarge", 4, 16384, GENERAL).nvme(1, 150),
    Row::new("r5d.xlarge", 4, 32768, MEMORY).nvme(1, 150),
    Row::new("c5d.xlarge", 4, 8192, COMPUTE).nvme(1, 100),
    Row::new("m5.xlarge", 4, 16384, GENERAL),
    Row::new("g4dn.xlarge", 4, 16384, GPU).nvme(1, 125).gpus(1),
    Row::new("m5d.2xlarge", 8, 32768, GENERAL).nvme(1, 300),
    Row::new("r5d.2xlarge", 8, 65536, MEMORY).nvme(1, 300),
    Row::new("c5d.2xlarge", 8, 16384, COMPUTE).nvme(1, 200),
    Row::new("c5d.4xlarge", 16, 32768, COMPUTE).nvme(1, 400),
    Row::new("m6gd.xlarge", 4, 16384, GENERAL)
        .nvme(1, 237)
        .graviton(),
    Row::new("g4dn.2xlarge", 8, 32768, GPU).nvme(1, 225).gpus(1),
    Row::new("p3.2xlarge", 8, 62464, GPU).gpus(1),
    // No Azure or GCP type has 32 cores and 4 GPUs: the one a translation cannot place.
    Row::new("p3.8xlarge", 32, 249856, GPU).gpus(4),
    // Previous generations, still accepted, hidden from new clusters.
    Row::new("m4.large", 2, 8192, GENERAL).deprecated(),
    Row::new("r3.xlarge", 4, 31232, MEMORY)
        .ssd(1, 80)
        .deprecated(),
    Row::new("c4.2xlarge", 8, 15360, COMPUTE).deprecated(),
];

/// What `spark-versions` answers on a fresh AWS workspace. 15.3 (not LTS) is offered here
/// only: the other clouds' catalogues have retired it.
pub(super) const SPARK_VERSIONS: &[&str] = &[
    "16.4.x-scala2.12",
    "16.4.x-cpu-ml-scala2.12",
    "16.4.x-gpu-ml-scala2.12",
    "16.4.x-photon-scala2.12",
    "16.2.x-scala2.12",
    "15.4.x-scala2.12",
    "15.4.x-cpu-ml-scala2.12",
    "15.4.x-gpu-ml-scala2.12",
    "15.4.x-photon-scala2.12",
    "15.3.x-scala2.12",
    "15.3.x-cpu-ml-scala2.12",
    "14.3.x-scala2.12",
    "14.3.x-cpu-ml-scala2.12",
    "14.3.x-gpu-ml-scala2.12",
    "14.3.x-photon-scala2.12",
    "13.3.x-scala2.12",
    "12.2.x-scala2.12",
];

/// The availability zones of the workspace's region; the first is `default_zone`.
pub(super) const ZONES: &[&str] = &["us-east-1a", "us-east-1b", "us-east-1c"];
