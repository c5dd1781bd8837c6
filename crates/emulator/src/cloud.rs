//! The cloud an emulated workspace runs on (`--cloud aws|azure|gcp`): it decides the compute
//! catalogue (node types, Spark versions, zones), which cloud-attribute block a cluster spec may
//! carry, and whether the instance-profiles API exists.
//!
//! The cloud is part of the persisted state (it lives beside the catalogue in the clusters
//! store), so a workspace reloaded from `--state` keeps the cloud it was created on.

use serde::{Deserialize, Serialize};

use crate::error::EmulatorError;

/// One of the three clouds Databricks runs on.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cloud {
    /// Amazon Web Services (the default: the emulator was AWS-flavoured before clouds existed).
    #[default]
    Aws,
    /// Microsoft Azure.
    Azure,
    /// Google Cloud.
    Gcp,
}

impl Cloud {
    /// Every cloud, in a stable order.
    pub const ALL: [Cloud; 3] = [Cloud::Aws, Cloud::Azure, Cloud::Gcp];

    /// Parses `aws`, `azure` or `gcp` (case-insensitive).
    pub fn parse(s: &str) -> Result<Self, EmulatorError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "aws" => Ok(Cloud::Aws),
            "azure" => Ok(Cloud::Azure),
            "gcp" => Ok(Cloud::Gcp),
            _ => Err(EmulatorError::Option {
                option: "--cloud",
                value: s.to_string(),
                reason: "expected aws, azure or gcp".into(),
            }),
        }
    }

    /// `aws`, `azure`, `gcp`.
    pub fn as_str(self) -> &'static str {
        match self {
            Cloud::Aws => "aws",
            Cloud::Azure => "azure",
            Cloud::Gcp => "gcp",
        }
    }

    /// The name the platform's messages use: `AWS`, `Azure`, `GCP`.
    pub fn title(self) -> &'static str {
        match self {
            Cloud::Aws => "AWS",
            Cloud::Azure => "Azure",
            Cloud::Gcp => "GCP",
        }
    }

    /// The ClusterSpec field holding this cloud's attributes, e.g. `aws_attributes`.
    pub fn attributes_field(self) -> &'static str {
        match self {
            Cloud::Aws => "aws_attributes",
            Cloud::Azure => "azure_attributes",
            Cloud::Gcp => "gcp_attributes",
        }
    }

    /// Whether this is AWS (for `skip_serializing_if`: an AWS state keeps its old bytes).
    pub fn is_aws(&self) -> bool {
        *self == Cloud::Aws
    }
}

impl std::fmt::Display for Cloud {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_names() {
        assert_eq!(Cloud::parse("Azure").unwrap(), Cloud::Azure);
        assert_eq!(Cloud::parse(" gcp ").unwrap(), Cloud::Gcp);
        assert!(Cloud::parse("oracle").is_err());
        assert_eq!(Cloud::default(), Cloud::Aws);
        assert_eq!(Cloud::Gcp.attributes_field(), "gcp_attributes");
        assert_eq!(serde_json::to_string(&Cloud::Azure).unwrap(), "\"azure\"");
    }
}
