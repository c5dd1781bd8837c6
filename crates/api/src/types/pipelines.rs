//! Lakeflow Declarative Pipelines (`/api/2.0/pipelines`). Create and edit take the spec's
//! fields at the top level of the body, beside a few request fields (`allow_duplicate_names`,
//! `run_as`, `parameters`, …); `get` answers the spec under `spec`, with the state and the
//! output-only fields around it. Libraries, clusters and the other nested parts stay JSON, so
//! a migration rewrites the paths and ids inside them by path.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

record! {
    /// A pipeline's settings (PipelineSpec): GET's `spec`, and the top level of create/edit.
    pub struct PipelineSpec {
        /// The pipeline's id (output only: an echo of `pipeline_id`).
        id: String,
        /// Name (unique unless `allow_duplicate_names`).
        name: String,
        /// `[{notebook: {path}} | {file: {path}} | {glob: {include}} | {jar} | {whl} | {maven}]`.
        libraries: Vec<Value>,
        /// Pipeline clusters (`label` `default` / `maintenance`, policy, pools, init scripts…).
        clusters: Vec<Value>,
        /// Unity Catalog catalog it publishes to.
        catalog: String,
        /// Schema it publishes to (with `catalog`).
        schema: String,
        /// Legacy name of `schema` (Hive metastore pipelines).
        target: String,
        /// DBFS storage root (Hive metastore pipelines; immutable).
        storage: String,
        /// Key/value settings, read by the pipeline's code.
        configuration: Map<String, Value>,
        /// Runs continuously (starts when created or switched on) instead of when triggered.
        continuous: bool,
        /// Development mode.
        development: bool,
        /// Photon.
        photon: bool,
        /// Serverless compute.
        serverless: bool,
        /// `CURRENT` or `PREVIEW` (the runtime channel).
        channel: String,
        /// `CORE`, `PRO` or `ADVANCED`.
        edition: String,
        /// `[{email_recipients, alerts}]`.
        notifications: Vec<Value>,
        /// Tags (at most 25), forwarded to the clusters.
        tags: Map<String, Value>,
        /// Root folder of the pipeline's source code in the workspace.
        root_path: String,
        /// Serverless environment (`dependencies`, `environment_version`).
        environment: Value,
        /// Where the event log is published (`catalog`, `schema`, `name`).
        event_log: Value,
        /// Which packages of a JAR library are included (`include`, `exclude`).
        filters: Value,
        /// When it may restart (`start_hour`, `days_of_week`, `time_zone_id`).
        restart_window: Value,
        /// Deprecated trigger settings (use `continuous`).
        trigger: Value,
        /// Set by Databricks Asset Bundles (`kind: BUNDLE`, `metadata_file_path`, …).
        deployment: Value,
        /// Managed ingestion (a connection's tables), instead of libraries.
        ingestion_definition: Value,
        /// Managed ingestion gateway.
        gateway_definition: Value,
        /// Serverless budget policy.
        budget_policy_id: String,
    }
}

record! {
    /// The principal a pipeline runs as: exactly one of the two fields.
    pub struct RunAs {
        /// A user's userName.
        user_name: String,
        /// A service principal's application id.
        service_principal_name: String,
    }
}

/// The body of create: the spec at the top level, and the request's own fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreatePipeline {
    /// The settings.
    #[serde(flatten)]
    pub spec: PipelineSpec,
    /// Skip the name-uniqueness check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_duplicate_names: Option<bool>,
    /// Validate only: answer the effective settings, create nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<bool>,
    /// The principal it runs as (default: its creator, who owns it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as: Option<RunAs>,
    /// Default parameters of its updates (string to string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Map<String, Value>>,
}

/// The body of edit (`PUT`): a full replacement of the settings, and the request's fields.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EditPipeline {
    /// The settings (every field: what is left out is removed).
    #[serde(flatten)]
    pub spec: PipelineSpec,
    /// Skip the name-uniqueness check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_duplicate_names: Option<bool>,
    /// Refuse the edit when the pipeline was modified after this time (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_last_modified: Option<i64>,
    /// The principal it runs as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as: Option<RunAs>,
    /// Default parameters of its updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<Map<String, Value>>,
}

record! {
    /// Answer of create.
    pub struct CreatePipelineResponse {
        /// The new pipeline's id (absent on a dry run).
        pipeline_id: String,
        /// The settings as the service would take them (dry run only).
        effective_settings: Value,
    }
}

record! {
    /// A pipeline as `get` answers it (GetPipelineResponse).
    pub struct Pipeline {
        /// Id (a UUID).
        pipeline_id: String,
        /// Name (a copy of `spec.name`).
        name: String,
        /// The settings.
        spec: PipelineSpec,
        /// DEPLOYING, STARTING, RUNNING, STOPPING, DELETED, RECOVERING, FAILED, RESETTING, IDLE.
        state: String,
        /// HEALTHY or UNHEALTHY.
        health: String,
        /// Why it is in its state.
        cause: String,
        /// The cluster an update runs on.
        cluster_id: String,
        /// Creator.
        creator_user_name: String,
        /// Who it runs as, explicit or not (derived from the owner).
        run_as_user_name: String,
        /// `run_as` as set explicitly (absent otherwise).
        run_as: RunAs,
        /// Default parameters of its updates.
        parameters: Map<String, Value>,
        /// Last change of its settings (ms).
        last_modified: i64,
        /// Its latest updates, newest first.
        latest_updates: Vec<Value>,
    }
}

record! {
    /// A pipeline as `list` gives it (PipelineStateInfo): no settings.
    pub struct PipelineStateInfo {
        /// Id.
        pipeline_id: String,
        /// Name.
        name: String,
        /// State (as in [`Pipeline::state`]).
        state: String,
        /// HEALTHY or UNHEALTHY.
        health: String,
        /// The cluster an update runs on.
        cluster_id: String,
        /// Creator.
        creator_user_name: String,
        /// Who it runs as.
        run_as_user_name: String,
        /// Its latest updates, newest first.
        latest_updates: Vec<Value>,
    }
}

/// What `list` is asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PipelineListQuery {
    /// `name LIKE '<pattern>'` or `notebook='<path>'` (nothing else, no composites); see
    /// [`PipelineListQuery::name_like`].
    pub filter: Option<String>,
    /// Page size (1 to 100; default 100 here, 25 on the service).
    pub max_results: Option<u32>,
    /// `id asc` (the service's default), `id desc`, `name asc` or `name desc`.
    pub order_by: Option<String>,
}

impl PipelineListQuery {
    /// The pipelines whose name matches `name` as a LIKE pattern: every pipeline named
    /// exactly `name` is among them, and so may be others (`_` and `%` in a name are
    /// wildcards; the filter has no escape for them), so the caller compares names.
    pub fn name_like(name: &str) -> Self {
        PipelineListQuery {
            // A quote inside the string is written twice.
            filter: Some(format!("name LIKE '{}'", name.replace('\'', "''"))),
            ..PipelineListQuery::default()
        }
    }
}
