//! Typed handlers, one per API area: `client.jobs().list(..)`, `client.scim().users().get(..)`.
//!
//! A handler is a cheap view over a [`WorkspaceClient`] clone; it builds the path and query,
//! and decodes the answer into the structs of [`crate::types`]. Lists that page return an
//! [`crate::ApiStream`]; lists the platform returns whole return a `Vec`.

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::{ApiError, WorkspaceClient};

pub mod clusters;
pub mod genie;
pub mod git_credentials;
pub mod init_scripts;
pub mod instance_profiles;
pub mod jobs;
pub mod lakeview;
pub mod libraries;
pub mod notification_destinations;
pub mod permission_assignments;
pub mod permissions;
pub mod pipelines;
pub mod policies;
pub mod pools;
pub mod repos;
pub mod scim;
pub mod secrets;
pub mod sql_queries;
pub mod warehouses;
pub mod workspace;

pub use clusters::Clusters;
pub use genie::Genie;
pub use git_credentials::GitCredentials;
pub use init_scripts::InitScripts;
pub use instance_profiles::InstanceProfiles;
pub use jobs::Jobs;
pub use lakeview::Lakeview;
pub use libraries::Libraries;
pub use notification_destinations::NotificationDestinations;
pub use permission_assignments::PermissionAssignmentsApi;
pub use permissions::Permissions;
pub use pipelines::Pipelines;
pub use policies::Policies;
pub use pools::Pools;
pub use repos::Repos;
pub use scim::{Scim, ScimCollection};
pub use secrets::Secrets;
pub use sql_queries::{AlertsV2, SqlAlerts, SqlLegacy, SqlQueries};
pub use warehouses::Warehouses;
pub use workspace::Workspace;

impl WorkspaceClient {
    /// Users, groups, service principals, `Me`.
    pub fn scim(&self) -> Scim {
        Scim::new(self.clone())
    }
    /// Cluster policies and policy families.
    pub fn policies(&self) -> Policies {
        Policies {
            client: self.clone(),
        }
    }
    /// Instance profiles (AWS only).
    pub fn instance_profiles(&self) -> InstanceProfiles {
        InstanceProfiles {
            client: self.clone(),
        }
    }
    /// Instance pools.
    pub fn pools(&self) -> Pools {
        Pools {
            client: self.clone(),
        }
    }
    /// SQL warehouses.
    pub fn warehouses(&self) -> Warehouses {
        Warehouses {
            client: self.clone(),
        }
    }
    /// Secret scopes, secrets, ACLs.
    pub fn secrets(&self) -> Secrets {
        Secrets {
            client: self.clone(),
        }
    }
    /// Workspace objects (notebooks, files, folders).
    pub fn workspace(&self) -> Workspace {
        Workspace {
            client: self.clone(),
        }
    }
    /// Workspace permission assignments of the account's principals.
    pub fn permission_assignments(&self) -> PermissionAssignmentsApi {
        PermissionAssignmentsApi {
            client: self.clone(),
        }
    }
    /// Object permissions.
    pub fn permissions(&self) -> Permissions {
        Permissions {
            client: self.clone(),
        }
    }
    /// Clusters.
    pub fn clusters(&self) -> Clusters {
        Clusters {
            client: self.clone(),
        }
    }
    /// Cluster libraries.
    pub fn libraries(&self) -> Libraries {
        Libraries {
            client: self.clone(),
        }
    }
    /// Git folders.
    pub fn repos(&self) -> Repos {
        Repos {
            client: self.clone(),
        }
    }
    /// Git credentials.
    pub fn git_credentials(&self) -> GitCredentials {
        GitCredentials {
            client: self.clone(),
        }
    }
    /// Jobs.
    pub fn jobs(&self) -> Jobs {
        Jobs {
            client: self.clone(),
        }
    }
    /// Global init scripts.
    pub fn init_scripts(&self) -> InitScripts {
        InitScripts {
            client: self.clone(),
        }
    }
    /// Notification destinations.
    pub fn notification_destinations(&self) -> NotificationDestinations {
        NotificationDestinations {
            client: self.clone(),
        }
    }
    /// Lakeflow Declarative Pipelines.
    pub fn pipelines(&self) -> Pipelines {
        Pipelines {
            client: self.clone(),
        }
    }
    /// Databricks SQL queries and their visualizations.
    pub fn sql_queries(&self) -> SqlQueries {
        SqlQueries {
            client: self.clone(),
        }
    }
    /// Databricks SQL alerts.
    pub fn sql_alerts(&self) -> SqlAlerts {
        SqlAlerts {
            client: self.clone(),
        }
    }
    /// Databricks SQL alerts v2 (with their own schedule).
    pub fn alerts_v2(&self) -> AlertsV2 {
        AlertsV2 {
            client: self.clone(),
        }
    }
    /// The legacy Databricks SQL lists (read only).
    pub fn sql_legacy(&self) -> SqlLegacy {
        SqlLegacy {
            client: self.clone(),
        }
    }
    /// AI/BI (Lakeview) dashboards, their published copies, schedules and subscriptions.
    pub fn lakeview(&self) -> Lakeview {
        Lakeview {
            client: self.clone(),
        }
    }
    /// Genie spaces.
    pub fn genie(&self) -> Genie {
        Genie {
            client: self.clone(),
        }
    }

    pub(crate) async fn get_t<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, ApiError> {
        self.send(Method::GET, path, &owned(query), None::<&Value>)
            .await
    }

    pub(crate) async fn body_t<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &(impl Serialize + ?Sized),
    ) -> Result<T, ApiError> {
        self.send(method, path, &[], Some(body)).await
    }

    /// A write whose answer carries nothing of interest (`{}`).
    pub(crate) async fn void(
        &self,
        method: Method,
        path: &str,
        body: &(impl Serialize + ?Sized),
    ) -> Result<(), ApiError> {
        self.send::<Value>(method, path, &[], Some(body))
            .await
            .map(|_| ())
    }

    pub(crate) async fn delete_void(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(), ApiError> {
        self.send::<Value>(Method::DELETE, path, &owned(query), None::<&Value>)
            .await
            .map(|_| ())
    }
}

pub(crate) fn owned(query: &[(&str, String)]) -> Vec<(String, String)> {
    query
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

/// Takes the list under `key` out of a whole-list answer (absent ⇒ empty).
pub(crate) fn list_of<T: DeserializeOwned>(
    client: &WorkspaceClient,
    path: &str,
    mut answer: Value,
    key: &str,
) -> Result<Vec<T>, ApiError> {
    let request = format!("GET {}{path}", client.host());
    match answer.get_mut(key).map(Value::take) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(list) => serde_path_to_error::deserialize(list).map_err(|e| {
            ApiError::decode(
                &request,
                format!("{key}{}", bracket(&e.path().to_string())),
                e.inner().to_string(),
            )
        }),
    }
}

fn bracket(path: &str) -> String {
    if path == "." {
        String::new()
    } else if path.starts_with('[') {
        path.to_string()
    } else {
        format!(".{path}")
    }
}

/// Percent-encodes one path segment (ids are usually safe, but never trust them).
pub(crate) fn seg(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}
