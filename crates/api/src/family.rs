//! [`Family`]: the API family a request belongs to, the unit of throttling and statistics.
//!
//! Databricks rate-limits per API family (SCIM, jobs, permissions, …), not per token, so the
//! client paces and counts requests per family. The family is derived from the request path.

use serde::{Deserialize, Serialize};

/// A group of endpoints that the platform rate-limits together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// `/api/2.0/preview/scim/v2/*` (users, groups, service principals).
    Scim,
    /// `/api/2.x/clusters/*` and `/api/2.0/libraries/*`.
    Clusters,
    /// `/api/2.0/instance-pools/*`.
    Pools,
    /// `/api/2.0/policies/*` and `/api/2.0/policy-families`.
    Policies,
    /// `/api/2.x/jobs/*`.
    Jobs,
    /// `/api/2.0/workspace/*`.
    Workspace,
    /// `/api/2.0/permissions/*`.
    Permissions,
    /// `/api/2.0/secrets/*`.
    Secrets,
    /// `/api/2.0/sql/*` (warehouses).
    Sql,
    /// `/api/2.0/repos` and `/api/2.0/git-credentials`.
    Repos,
    /// `/api/2.0/notification-destinations/*`.
    NotificationDestinations,
    /// `/api/2.0/pipelines/*` (Lakeflow Declarative Pipelines).
    Pipelines,
    /// `/api/2.0/lakeview/*` (AI/BI dashboards, their schedules and subscriptions).
    Lakeview,
    /// `/api/2.0/genie/*` (Genie spaces).
    Genie,
    /// Everything else (global init scripts, token endpoints, …).
    Other,
}

impl Family {
    /// Every family, in a fixed order (used to index per-family tables).
    pub const ALL: [Family; 15] = [
        Family::Scim,
        Family::Clusters,
        Family::Pools,
        Family::Policies,
        Family::Jobs,
        Family::Workspace,
        Family::Permissions,
        Family::Secrets,
        Family::Sql,
        Family::Repos,
        Family::NotificationDestinations,
        Family::Pipelines,
        Family::Lakeview,
        Family::Genie,
        Family::Other,
    ];

    /// Position of this family in [`Family::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// Short lowercase name (`"scim"`, `"jobs"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Scim => "scim",
            Family::Clusters => "clusters",
            Family::Pools => "pools",
            Family::Policies => "policies",
            Family::Jobs => "jobs",
            Family::Workspace => "workspace",
            Family::Permissions => "permissions",
            Family::Secrets => "secrets",
            Family::Sql => "sql",
            Family::Repos => "repos",
            Family::NotificationDestinations => "notification_destinations",
            Family::Pipelines => "pipelines",
            Family::Lakeview => "lakeview",
            Family::Genie => "genie",
            Family::Other => "other",
        }
    }

    /// The family of a request path such as `/api/2.2/jobs/list`.
    pub fn from_path(path: &str) -> Family {
        // Skip "/api/<version>/" and optional "preview/" to reach the service segment.
        let mut segments = path.trim_start_matches('/').split('/');
        let first = segments.next().unwrap_or_default();
        let mut service = if first == "api" {
            segments.next();
            segments.next().unwrap_or_default()
        } else {
            first
        };
        if service == "preview" {
            service = segments.next().unwrap_or_default();
        }
        match service {
            "scim" => Family::Scim,
            "clusters" | "libraries" => Family::Clusters,
            "instance-pools" => Family::Pools,
            "policies" | "policy-families" => Family::Policies,
            "jobs" => Family::Jobs,
            "workspace" => Family::Workspace,
            "permissions" => Family::Permissions,
            "secrets" => Family::Secrets,
            "sql" => Family::Sql,
            "repos" | "git-credentials" => Family::Repos,
            "notification-destinations" => Family::NotificationDestinations,
            "pipelines" => Family::Pipelines,
            "lakeview" => Family::Lakeview,
            "genie" => Family::Genie,
            _ => Family::Other,
        }
    }
}

impl std::str::FromStr for Family {
    type Err = crate::ApiError;

    /// Parses a short name (`"scim"`, `"jobs"`, …), case-insensitively.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_ascii_lowercase();
        Family::ALL
            .iter()
            .copied()
            .find(|f| f.as_str() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Family::ALL.iter().map(|f| f.as_str()).collect();
                crate::ApiError::Config(format!(
                    "unknown API family `{s}` (known: {})",
                    names.join(", ")
                ))
            })
    }
}

impl std::fmt::Display for Family {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::Family;

    #[test]
    fn family_from_path() {
        assert_eq!(
            Family::from_path("/api/2.0/preview/scim/v2/Users"),
            Family::Scim
        );
        assert_eq!(Family::from_path("/api/2.2/jobs/list"), Family::Jobs);
        assert_eq!(Family::from_path("/api/2.1/clusters/get"), Family::Clusters);
        assert_eq!(
            Family::from_path("/api/2.0/libraries/install"),
            Family::Clusters
        );
        assert_eq!(
            Family::from_path("/api/2.0/policy-families"),
            Family::Policies
        );
        assert_eq!(
            Family::from_path("/api/2.0/sql/warehouses/abc/start"),
            Family::Sql
        );
        assert_eq!(Family::from_path("/api/2.0/git-credentials"), Family::Repos);
        assert_eq!(
            Family::from_path("/api/2.0/pipelines/p-1/stop"),
            Family::Pipelines
        );
        assert_eq!(
            Family::from_path("/api/2.0/lakeview/dashboards/0a1b/schedules"),
            Family::Lakeview
        );
        assert_eq!(Family::from_path("/api/2.0/genie/spaces"), Family::Genie);
        assert_eq!(
            Family::from_path("/api/2.0/global-init-scripts"),
            Family::Other
        );
        assert_eq!(
            Family::from_path("/api/2.0/notification-destinations/0d1a"),
            Family::NotificationDestinations
        );
        for (i, f) in Family::ALL.iter().enumerate() {
            assert_eq!(f.index(), i);
            assert_eq!(f.as_str().parse::<Family>().unwrap(), *f);
        }
        let err = "nope".parse::<Family>().unwrap_err().to_string();
        assert!(err.contains("known: scim, clusters"), "{err}");
    }
}
