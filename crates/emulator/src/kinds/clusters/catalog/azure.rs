//! The Azure catalogue: `Standard_*` VM sizes (local temp SSDs; the Lsv2 family with NVMe),
//! runtimes, and no zones (Azure clusters do not choose one). Every AWS type of the `typical`
//! seed has a current size here with the same cores and GPUs and memory within a factor of 2
//! (i3.xlarge → Standard_E4ds_v4, m5d.large → Standard_D2ds_v5, m5d.xlarge →
//! Standard_D4ds_v5, r5d.xlarge → Standard_E4ds_v4, c5d.xlarge → Standard_F4s, g4dn.xlarge →
//! Standard_NC4as_T4_v3); Standard_L4s would be closer for i3.xlarge but is deprecated.

use super::{COMPUTE, GENERAL, GPU, MEMORY, Row, STORAGE};

/// What `list-node-types` answers on a fresh Azure workspace.
pub(super) const NODE_TYPES: &[Row] = &[
    Row::new("Standard_DS3_v2", 4, 14336, GENERAL).ssd(1, 28),
    Row::new("Standard_DS4_v2", 8, 28672, GENERAL).ssd(1, 56),
    Row::new("Standard_D2ds_v5", 2, 8192, GENERAL).ssd(1, 75),
    Row::new("Standard_D4ds_v5", 4, 16384, GENERAL).ssd(1, 150),
    Row::new("Standard_D8ds_v5", 8, 32768, GENERAL).ssd(1, 300),
    Row::new("Standard_E4ds_v4", 4, 32768, MEMORY).ssd(1, 150),
    Row::new("Standard_E8ds_v4", 8, 65536, MEMORY).ssd(1, 300),
    Row::new("Standard_L8s_v2", 8, 65536, STORAGE).nvme(1, 1788),
    Row::new("Standard_F4s", 4, 8192, COMPUTE).ssd(1, 16),
    Row::new("Standard_F8s", 8, 16384, COMPUTE).ssd(1, 32),
    Row::new("Standard_F16s", 16, 32768, COMPUTE).ssd(1, 64),
    Row::new("Standard_NC4as_T4_v3", 4, 28672, GPU)
        .ssd(1, 180)
        .gpus(1),
    Row::new("Standard_NC8as_T4_v3", 8, 57344, GPU)
        .ssd(1, 360)
        .gpus(1),
    Row::new("Standard_NC6s_v3", 6, 114688, GPU)
        .ssd(1, 736)
        .gpus(1),
    Row::new("Standard_NC24s_v3", 24, 458752, GPU)
        .ssd(1, 2948)
        .gpus(4),
    // Previous generations, still accepted, hidden from new clusters.
    Row::new("Standard_L4s", 4, 32768, STORAGE)
        .ssd(1, 678)
        .deprecated(),
    Row::new("Standard_D3_v2", 4, 14336, GENERAL)
        .ssd(1, 200)
        .deprecated(),
    Row::new("Standard_NC6", 6, 57344, GPU)
        .ssd(1, 340)
        .gpus(1)
        .deprecated(),
];

/// What `spark-versions` answers on a fresh Azure workspace (no 15.3: retired here).
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
    "14.3.x-scala2.12",
    "14.3.x-cpu-ml-scala2.12",
    "14.3.x-gpu-ml-scala2.12",
    "14.3.x-photon-scala2.12",
    "13.3.x-scala2.12",
    "12.2.x-scala2.12",
];

/// [UNVERIFIED] Azure answers list-zones without zones (nothing in azure_attributes picks one).
pub(super) const ZONES: &[&str] = &[];
