//! The generated workspace on each cloud: the node types its objects use and the cloud
//! attributes some of them carry.
//!
//! The generators are written with AWS node types; [`node`] turns each into the cloud's
//! equivalent (same cores and GPUs, memory within a factor of 2), so an Azure or GCP seed is
//! the same workspace on other machines. Attributes come in three flavours, the same on every
//! cloud in spirit: spot with on-demand fallback (first node on demand, zone chosen by the
//! platform, EBS volumes and an instance profile on AWS), on demand in a fixed zone, and a
//! pool's spot instances. On AWS the instance profiles the clusters name are registered by
//! [`register_profiles`].

use serde_json::{Value, json};

use crate::cloud::Cloud;
use crate::kinds::instance_profiles::InstanceProfile;
use crate::state::State;

/// The instance profile the seeded AWS clusters and job clusters use.
pub const PROFILE_ARN: &str = "arn:aws:iam::123456789012:instance-profile/databricks-etl";
/// A second registered profile no object uses (with a role of another name, and meta).
pub const SPARE_PROFILE_ARN: &str = "arn:aws:iam::123456789012:instance-profile/databricks-ml";

/// The cloud's node type for an AWS node type the generators name.
pub fn node(cloud: Cloud, aws: &'static str) -> &'static str {
    let (azure, gcp) = match aws {
        "i3.xlarge" => ("Standard_E4ds_v4", "n2-highmem-4"),
        "m5d.large" => ("Standard_D2ds_v5", "n2-standard-2"),
        "m5d.xlarge" => ("Standard_D4ds_v5", "n2-standard-4"),
        "r5d.xlarge" => ("Standard_E4ds_v4", "n1-highmem-4"),
        "c5d.xlarge" => ("Standard_F4s", "c2d-highcpu-4"),
        "g4dn.xlarge" => ("Standard_NC4as_T4_v3", "g2-standard-4"),
        _ => ("Standard_DS3_v2", "n1-standard-4"),
    };
    match cloud {
        Cloud::Aws => aws,
        Cloud::Azure => azure,
        Cloud::Gcp => gcp,
    }
}

/// How a cluster's nodes are bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavour {
    /// Spot (preemptible) with on-demand fallback, the first node on demand, zone chosen by
    /// the platform; AWS adds EBS volumes and the instance profile.
    SpotWithFallback,
    /// On demand in a fixed zone (AWS: throughput-optimised EBS; GCP: a larger boot disk).
    OnDemandInZone,
    /// A pool-backed cluster: only what is per cluster (AWS: the instance profile; GCP: the
    /// service account; Azure: nothing).
    Pooled,
}

/// The cloud's attributes block for a cluster of `flavour`: the field and its value.
pub fn cluster_attributes(cloud: Cloud, flavour: Flavour) -> Option<(&'static str, Value)> {
    let v = match (cloud, flavour) {
        (Cloud::Aws, Flavour::SpotWithFallback) => json!({
            "availability": "SPOT_WITH_FALLBACK", "first_on_demand": 1, "zone_id": "auto",
            "spot_bid_price_percent": 100, "instance_profile_arn": PROFILE_ARN,
            "ebs_volume_type": "GENERAL_PURPOSE_SSD", "ebs_volume_count": 1, "ebs_volume_size": 100}),
        (Cloud::Aws, Flavour::OnDemandInZone) => json!({
            "availability": "ON_DEMAND", "first_on_demand": 1, "zone_id": "us-east-1b",
            "ebs_volume_type": "THROUGHPUT_OPTIMIZED_HDD", "ebs_volume_count": 3, "ebs_volume_size": 500}),
        (Cloud::Aws, Flavour::Pooled) => json!({"instance_profile_arn": PROFILE_ARN}),
        (Cloud::Azure, Flavour::SpotWithFallback) => json!({
            "availability": "SPOT_WITH_FALLBACK_AZURE", "first_on_demand": 1, "spot_bid_max_price": -1}),
        (Cloud::Azure, Flavour::OnDemandInZone) => json!({
            "availability": "ON_DEMAND_AZURE", "first_on_demand": 1}),
        (Cloud::Azure, Flavour::Pooled) => return None,
        (Cloud::Gcp, Flavour::SpotWithFallback) => json!({
            "availability": "PREEMPTIBLE_WITH_FALLBACK_GCP", "first_on_demand": 1, "zone_id": "HA",
            "local_ssd_count": 1,
            "google_service_account": "databricks-etl@example-project.iam.gserviceaccount.com"}),
        (Cloud::Gcp, Flavour::OnDemandInZone) => json!({
            "availability": "ON_DEMAND_GCP", "first_on_demand": 1, "zone_id": "us-central1-b",
            "boot_disk_size": 100}),
        (Cloud::Gcp, Flavour::Pooled) => json!({
            "google_service_account": "databricks-etl@example-project.iam.gserviceaccount.com"}),
    };
    Some((cloud.attributes_field(), v))
}

/// The cloud's attributes block for a pool of spot (preemptible) instances.
pub fn pool_attributes(cloud: Cloud) -> (&'static str, Value) {
    let v = match cloud {
        Cloud::Aws => {
            json!({"availability": "SPOT", "zone_id": "us-east-1a", "spot_bid_price_percent": 100})
        }
        Cloud::Azure => json!({"availability": "SPOT_AZURE", "spot_bid_max_price": -1}),
        Cloud::Gcp => json!({"gcp_availability": "PREEMPTIBLE_GCP", "zone_id": "us-central1-a"}),
    };
    (cloud.attributes_field(), v)
}

/// `body` with the cluster attributes of `flavour` added (a body that is not an object, or a
/// flavour with nothing on this cloud, stays as it is).
pub fn with_cluster_attributes(mut body: Value, cloud: Cloud, flavour: Flavour) -> Value {
    if let (Some(m), Some((field, v))) = (body.as_object_mut(), cluster_attributes(cloud, flavour))
    {
        m.insert(field.into(), v);
    }
    body
}

/// Registers the instance profiles the seed's clusters name (AWS only).
pub fn register_profiles(st: &mut State) {
    if st.clusters.cloud != Cloud::Aws {
        return;
    }
    st.instance_profiles.insert(InstanceProfile {
        instance_profile_arn: PROFILE_ARN.into(),
        iam_role_arn: None,
        is_meta_instance_profile: false,
    });
    st.instance_profiles.insert(InstanceProfile {
        instance_profile_arn: SPARE_PROFILE_ARN.into(),
        iam_role_arn: Some("arn:aws:iam::123456789012:role/databricks-ml-role".into()),
        is_meta_instance_profile: true,
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::clusters::catalog;

    #[test]
    fn every_mapped_node_type_is_offered_with_the_same_shape() {
        let aws = catalog::node_types(Cloud::Aws);
        for id in [
            "i3.xlarge",
            "m5d.large",
            "m5d.xlarge",
            "r5d.xlarge",
            "c5d.xlarge",
            "g4dn.xlarge",
        ] {
            let from = aws.iter().find(|n| n.node_type_id == id).unwrap();
            for cloud in [Cloud::Azure, Cloud::Gcp] {
                let to = node(cloud, id);
                let list = catalog::node_types(cloud);
                let n = list.iter().find(|n| n.node_type_id == to).unwrap();
                assert_eq!(
                    (n.num_cores, n.num_gpus),
                    (from.num_cores, from.num_gpus),
                    "{to}"
                );
                assert!(n.memory_mb * 2 >= from.memory_mb && n.memory_mb <= from.memory_mb * 2);
                assert!(!n.is_deprecated, "{to}");
            }
        }
    }
}
