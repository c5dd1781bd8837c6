//! A generated workspace as plain data, before it goes into the stores: every object with its
//! final id, and every reference between objects already resolved to those ids.
//!
//! The core generators (`identities`, `tree`, `compute`, `jobs`, `acls`) fill a [`Plan`];
//! `install` copies it into a [`crate::state::State`]. Keeping the two apart keeps the wiring
//! (which job uses which cluster, which grant names which group) readable and testable on its
//! own.
//!
//! The kinds seeded as parts (`seed/parts/`) keep their plan data in their own file. A part
//! gets a field here only when other generated objects reference its objects' ids (a job
//! naming a pipeline, say); such a field says so in its doc comment.

use serde_json::{Map, Value};

use crate::cloud::Cloud;
use crate::kinds::permissions::Grant;

/// The fixed clock of generated objects: 2026-01-08T10:30:00Z, in ms since the epoch. Every
/// creation time is derived from it, so two seeded workspaces are identical.
pub const SEED_EPOCH_MS: i64 = 1_767_868_200_000;

/// A workspace user.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// SCIM id (an int64 as a string).
    pub id: String,
    /// The login e-mail.
    pub user_name: String,
    /// Full name (some are non-ASCII).
    pub display_name: String,
    /// Deactivated users stay listed with `active: false`.
    pub active: bool,
    /// `workspace-access`, `databricks-sql-access`, `allow-cluster-create`, ….
    pub entitlements: Vec<String>,
}

/// A service principal.
#[derive(Debug, Clone, PartialEq)]
pub struct ServicePrincipal {
    /// SCIM id.
    pub id: String,
    /// The UUID that names it in ACLs, `run_as` and tokens.
    pub application_id: String,
    /// Display name.
    pub display_name: String,
    /// Entitlements.
    pub entitlements: Vec<String>,
}

/// A member of a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Member {
    /// A user, by index in [`Plan::users`].
    User(usize),
    /// A service principal, by index in [`Plan::service_principals`].
    ServicePrincipal(usize),
    /// A group, by index in [`Plan::groups`] (a nested group).
    Group(usize),
}

/// A group: workspace-local, or an account group visible in the workspace.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// SCIM id.
    pub id: String,
    /// The unique name.
    pub display_name: String,
    /// `true` for an account group (`meta.resourceType: Group`), which a migrator must not
    /// recreate; `false` for a workspace group (`WorkspaceGroup`).
    pub account: bool,
    /// Entitlements.
    pub entitlements: Vec<String>,
    /// Direct members.
    pub members: Vec<Member>,
}

/// Notebook languages, as the workspace API names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    /// `PYTHON`.
    Python,
    /// `SQL`.
    Sql,
    /// `SCALA`.
    Scala,
    /// `R`.
    R,
}

impl Language {
    /// The API name (`PYTHON`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Python => "PYTHON",
            Language::Sql => "SQL",
            Language::Scala => "SCALA",
            Language::R => "R",
        }
    }
    /// The line comment that starts a SOURCE-format notebook.
    pub fn comment(self) -> &'static str {
        match self {
            Language::Python | Language::R => "#",
            Language::Sql => "--",
            Language::Scala => "//",
        }
    }
}

/// A workspace object (folder, notebook or file).
#[derive(Debug, Clone, PartialEq)]
pub struct Object {
    /// Workspace `object_id`.
    pub object_id: i64,
    /// Absolute path (no `/Workspace` prefix).
    pub path: String,
    /// The language, for notebooks.
    pub language: Option<Language>,
    /// The SOURCE-format text of a notebook, or a file's bytes; empty for folders.
    pub content: Vec<u8>,
}

/// A Git folder.
#[derive(Debug, Clone, PartialEq)]
pub struct Repo {
    /// Repo id (also its workspace object id).
    pub id: i64,
    /// `/Repos/{folder}/{name}`.
    pub path: String,
    /// Remote URL.
    pub url: String,
    /// Provider, as the API spells it (`gitHub`, …).
    pub provider: String,
    /// Checked-out branch.
    pub branch: String,
    /// 40 hex characters.
    pub head_commit_id: String,
}

/// A secret scope with its secrets and ACLs.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    /// The scope name.
    pub name: String,
    /// `(key, value)` pairs; values are made-up, never real credentials.
    pub secrets: Vec<(String, Vec<u8>)>,
    /// `(principal, READ|WRITE|MANAGE)`: user names, group names or SP application ids.
    pub acls: Vec<(String, String)>,
}

/// An object created from a request-shaped body (policies, pools, warehouses, clusters).
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    /// Its id.
    pub id: String,
    /// The create body.
    pub body: Map<String, Value>,
    /// The userName (or SP application id) that created it.
    pub creator: String,
}

/// A cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    /// Id and ClusterSpec.
    pub spec: Spec,
    /// `UI`, `API` (all-purpose) or `JOB`.
    pub source: &'static str,
    /// RUNNING (else TERMINATED).
    pub running: bool,
    /// Pinned by its creator.
    pub pinned: bool,
}

/// A job.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    /// int64 job id.
    pub job_id: i64,
    /// Who created it (its IS_OWNER).
    pub creator: String,
    /// The JobSettings, as a 2.2 `create` body holds them.
    pub settings: Map<String, Value>,
    /// ms since the epoch.
    pub created_time: i64,
}

/// Direct grants on one object, as the permissions API types it (`clusters`, `notebooks`, …).
#[derive(Debug, Clone, PartialEq)]
pub struct Acl {
    /// Permissions API object type.
    pub object_type: &'static str,
    /// Object id (workspace objects: the `object_id` as a string).
    pub id: String,
    /// The direct grants, creator's included.
    pub grants: Vec<Grant>,
}

/// A whole generated workspace.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// Users; index 0 is `admin@example.com`.
    pub users: Vec<User>,
    /// Service principals.
    pub service_principals: Vec<ServicePrincipal>,
    /// Workspace groups, then account groups.
    pub groups: Vec<Group>,
    /// Members added to the built-in `admins` group.
    pub admins: Vec<Member>,
    /// Folders (parents before children; user homes first).
    pub folders: Vec<Object>,
    /// Notebooks.
    pub notebooks: Vec<Object>,
    /// Workspace files.
    pub files: Vec<Object>,
    /// Git folders.
    pub repos: Vec<Repo>,
    /// Secret scopes.
    pub scopes: Vec<Scope>,
    /// User-created cluster policies.
    pub policies: Vec<Spec>,
    /// Instance pools.
    pub pools: Vec<Spec>,
    /// SQL warehouses (all stopped).
    pub warehouses: Vec<Spec>,
    /// All-purpose clusters, then job clusters.
    pub clusters: Vec<Cluster>,
    /// Jobs, in creation order (a `run_job_task` names an earlier job).
    pub jobs: Vec<Job>,
    /// Direct grants.
    pub acls: Vec<Acl>,
    /// Referenced (by the jobs of the part `jobs with pipeline tasks`): the notification
    /// destinations' display names, set by their part, in its type order (e-mail, Slack,
    /// webhook, PagerDuty, again). Names, not ids: those parts draw ids when installed.
    pub destinations: Vec<String>,
    /// Referenced (by the jobs of the part `jobs with pipeline tasks`): the pipelines' names,
    /// set by their part, in creation order.
    pub pipelines: Vec<String>,
    /// Referenced (by alerts, legacy dashboards' widgets and the jobs of the part `jobs with
    /// SQL and dashboard tasks`): the SQL queries' display names, set by their part, in
    /// creation order (unique: the names, not the ids, are planned).
    pub queries: Vec<String>,
    /// Referenced (by the jobs with SQL tasks): the alerts' display names (current API), set
    /// by their part, in creation order.
    pub alerts: Vec<String>,
    /// Referenced (by the jobs with dashboard tasks): the AI/BI dashboards' display names,
    /// set by their part, in creation order.
    pub dashboards: Vec<String>,
    /// Referenced (by the jobs with SQL dashboard tasks): the legacy dashboards' names, set by
    /// their part, in creation order.
    pub legacy_dashboards: Vec<String>,
    /// The cloud the workspace is generated for (node types and cloud attributes; see
    /// `seed::clouds`), read by every generator and part that writes a cluster.
    pub cloud: Cloud,
}
