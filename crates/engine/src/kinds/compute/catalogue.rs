//! What the two workspaces offer for compute, read once per run: the target's node types and
//! Spark versions (what a spec may use there), the source's node types (what a node type the
//! target lacks is: its cores, memory, GPUs, category), and the target's cloud.
//!
//! A list that cannot be read (an endpoint answering NOT_IMPLEMENTED, a replayed bundle
//! without it) is `None`: nothing is translated on its account — only the operator's maps
//! apply — and the pre-check says the list could not be read.
//!
//! The target's cloud is told from its node type ids, which follow each cloud's own naming
//! (`Standard_E4ds_v5` on Azure, `i3.xlarge` on AWS, `n2-highmem-4` on GCP) — what a
//! workspace offers is exactly what it can run, whatever its host is called; the host's
//! domain (`azuredatabricks.net`, `gcp.databricks.com`, `cloud.databricks.com`) decides
//! when there is no node type list.

use std::collections::BTreeMap;

use brickport_api::WorkspaceClient;
use brickport_api::types::clusters::{NodeType, SparkVersion};
use serde_json::Value;

/// One of the clouds a workspace runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Cloud {
    Aws,
    Azure,
    Gcp,
}

impl Cloud {
    /// `aws`, `azure`, `gcp`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Azure => "azure",
            Cloud::Gcp => "gcp",
        }
    }

    /// The cluster-spec block of this cloud's attributes.
    pub(crate) fn block(self) -> &'static str {
        match self {
            Cloud::Aws => "aws_attributes",
            Cloud::Azure => "azure_attributes",
            Cloud::Gcp => "gcp_attributes",
        }
    }

    /// The cloud a node type id is named for, if its form says.
    fn of_node_id(id: &str) -> Option<Cloud> {
        if id.starts_with("Standard_") || id.starts_with("Basic_") {
            Some(Cloud::Azure)
        } else if id.contains('.') {
            Some(Cloud::Aws)
        } else if id.contains('-')
            && id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            Some(Cloud::Gcp)
        } else {
            None
        }
    }

    /// The cloud of a host, by its domain.
    fn of_host(host: &str) -> Option<Cloud> {
        let h = host.to_ascii_lowercase();
        if h.contains("azuredatabricks.net") {
            Some(Cloud::Azure)
        } else if h.contains("gcp.databricks.com") {
            Some(Cloud::Gcp)
        } else if h.contains("cloud.databricks.com") {
            Some(Cloud::Aws)
        } else {
            None
        }
    }
}

/// A node type as the translation compares them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub id: String,
    pub cores: f64,
    pub memory_mb: i64,
    pub gpus: i64,
    pub category: String,
    /// Deprecated, hidden, or not available in the region or subscription.
    pub unusable: bool,
    pub photon_worker: bool,
    pub photon_driver: bool,
}

impl Node {
    fn of(n: &NodeType) -> Option<Node> {
        let status_unavailable = n
            .node_info
            .as_ref()
            .and_then(|i| i.get("status"))
            .and_then(Value::as_array)
            .is_some_and(|s| !s.is_empty());
        Some(Node {
            id: n.node_type_id.clone()?,
            cores: n.num_cores.unwrap_or(0.0),
            memory_mb: n.memory_mb.unwrap_or(0),
            gpus: n.num_gpus.unwrap_or(0),
            category: n.category.clone().unwrap_or_default(),
            unusable: n.is_deprecated == Some(true)
                || n.is_hidden == Some(true)
                || status_unavailable,
            photon_worker: n.photon_worker_capable == Some(true),
            photon_driver: n.photon_driver_capable == Some(true),
        })
    }

    /// "4 cores, 31232 MB, Storage Optimized" (and the GPUs when there are).
    pub(crate) fn size(&self) -> String {
        let gpus = if self.gpus > 0 {
            format!(", {} GPUs", self.gpus)
        } else {
            String::new()
        };
        format!(
            "{} cores, {} MB{gpus}, {}",
            self.cores, self.memory_mb, self.category
        )
    }
}

/// A Spark version the target offers.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Version {
    pub key: String,
    pub lts: bool,
}

/// What the run knows of both workspaces' compute (see the module doc), the target's zones
/// with it (a zone of the source's region means nothing in another region).
#[derive(Debug, Clone, Default)]
pub(crate) struct Catalogue {
    /// The target's node types by id (`None`: could not be read).
    pub target_nodes: Option<BTreeMap<String, Node>>,
    /// The source's node types by id (`None`: could not be read).
    pub source_nodes: Option<BTreeMap<String, Node>>,
    /// The target's Spark versions (`None`: could not be read).
    pub target_versions: Option<Vec<Version>>,
    /// The target's cloud, when it can be told.
    pub target_cloud: Option<Cloud>,
    /// The availability zones the target offers (`None`: could not be read).
    pub target_zones: Option<Vec<String>>,
}

async fn nodes(client: &WorkspaceClient) -> Option<BTreeMap<String, Node>> {
    let listed = client.clusters().list_node_types().await.ok()?;
    Some(
        listed
            .iter()
            .filter_map(Node::of)
            .map(|n| (n.id.clone(), n))
            .collect(),
    )
}

fn version(v: &SparkVersion) -> Option<Version> {
    Some(Version {
        key: v.key.clone()?,
        lts: v.name.as_deref().is_some_and(|n| n.contains("LTS")),
    })
}

/// The cloud most of `ids` are named for.
pub(crate) fn cloud_of_ids<'a>(ids: impl Iterator<Item = &'a str>) -> Option<Cloud> {
    let mut votes: BTreeMap<Cloud, usize> = BTreeMap::new();
    for c in ids.filter_map(Cloud::of_node_id) {
        *votes.entry(c).or_default() += 1;
    }
    votes.into_iter().max_by_key(|(_, n)| *n).map(|(c, _)| c)
}

impl Catalogue {
    /// Reads both workspaces' lists (three requests).
    pub(crate) async fn read(source: &WorkspaceClient, target: &WorkspaceClient) -> Catalogue {
        let clusters = target.clusters();
        let (target_nodes, source_nodes, versions, zones) = futures::join!(
            nodes(target),
            nodes(source),
            clusters.spark_versions(),
            clusters.list_zones()
        );
        let target_versions = versions
            .ok()
            .map(|v| v.iter().filter_map(version).collect());
        let target_cloud = target_nodes
            .as_ref()
            .and_then(|n| cloud_of_ids(n.keys().map(String::as_str)))
            .or_else(|| Cloud::of_host(target.host()));
        Catalogue {
            target_nodes,
            source_nodes,
            target_versions,
            target_cloud,
            target_zones: zones.ok(),
        }
    }

    /// The target's cloud's name when it is known and not AWS (where instance profiles have
    /// no meaning).
    pub(crate) fn target_cloud_off_aws(&self) -> Option<&'static str> {
        self.target_cloud
            .filter(|c| *c != Cloud::Aws)
            .map(Cloud::name)
    }

    /// Whether the target offers this node type (unknown: taken as offered).
    pub(crate) fn offers_node(&self, id: &str) -> bool {
        self.target_nodes
            .as_ref()
            .is_none_or(|n| n.contains_key(id))
    }

    /// Whether the target offers this Spark version (unknown: taken as offered).
    pub(crate) fn offers_version(&self, key: &str) -> bool {
        self.target_versions
            .as_ref()
            .is_none_or(|v| v.iter().any(|v| v.key == key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cloud_is_told_from_its_node_type_ids_and_its_host() {
        let aws = ["i3.xlarge", "m5d.large", "md-fleet.xlarge"];
        assert_eq!(cloud_of_ids(aws.into_iter()), Some(Cloud::Aws));
        let azure = ["Standard_DS3_v2", "Standard_E4ds_v4", "Standard_NC6"];
        assert_eq!(cloud_of_ids(azure.into_iter()), Some(Cloud::Azure));
        let gcp = ["n1-standard-4", "n2-highmem-8", "a2-highgpu-1g"];
        assert_eq!(cloud_of_ids(gcp.into_iter()), Some(Cloud::Gcp));
        assert_eq!(cloud_of_ids(std::iter::empty()), None);
        assert_eq!(
            Cloud::of_host("https://adb-1.2.azuredatabricks.net"),
            Some(Cloud::Azure)
        );
        assert_eq!(Cloud::of_host("http://127.0.0.1:1234"), None);
    }
}
