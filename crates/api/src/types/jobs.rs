//! Jobs (`/api/2.2/jobs/*`). Task and cluster lists stay JSON so migrations can rewrite
//! references by path.

use serde::{Deserialize, Serialize};
use serde_json::Value;

record! {
    /// Job settings (the create body, `reset`'s `new_settings`, and `Job::settings`).
    pub struct JobSettings {
        /// Name (not unique).
        name: String,
        /// Description.
        description: String,
        /// Tasks.
        tasks: Vec<Value>,
        /// Shared job clusters.
        job_clusters: Vec<Value>,
        /// Job parameters.
        parameters: Vec<Value>,
        /// Serverless environments.
        environments: Vec<Value>,
        /// Concurrency cap.
        max_concurrent_runs: i64,
        /// Timeout.
        timeout_seconds: i64,
        /// Cron schedule (`pause_status` inside).
        schedule: Value,
        /// Trigger (`pause_status` inside).
        trigger: Value,
        /// Continuous mode (`pause_status` inside).
        continuous: Value,
        /// Email notifications.
        email_notifications: Value,
        /// Webhook notifications.
        webhook_notifications: Value,
        /// Notification settings.
        notification_settings: Value,
        /// Tags.
        tags: Value,
        /// Git source.
        git_source: Value,
        /// Run-as identity.
        run_as: Value,
        /// Queueing.
        queue: Value,
        /// Health rules.
        health: Value,
        /// Format (read as MULTI_TASK).
        format: String,
        /// UI_LOCKED or EDITABLE.
        edit_mode: String,
        /// Access control list (create only).
        access_control_list: Vec<Value>,
    }
}

record! {
    /// A job as returned by `get` (and, without `run_as_user_name`, by `list`).
    pub struct Job {
        /// Id.
        job_id: i64,
        /// Creator (absent when deleted).
        creator_user_name: String,
        /// Effective run-as user.
        run_as_user_name: String,
        /// Creation time (ms).
        created_time: i64,
        /// Settings.
        settings: JobSettings,
        /// More array elements (list with expand_tasks): call `get`.
        has_more: bool,
    }
}

record! {
    /// Answer of `jobs/create`.
    pub struct CreateJobResponse {
        /// The new job's id.
        job_id: i64,
    }
}

/// Body of `jobs/reset`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResetJob {
    /// Job.
    pub job_id: i64,
    /// Complete new settings.
    pub new_settings: JobSettings,
}

/// Body of `jobs/update`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpdateJob {
    /// Job.
    pub job_id: i64,
    /// Partial settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_settings: Option<JobSettings>,
    /// Top-level fields (or `tasks/<key>`) to remove.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields_to_remove: Vec<String>,
}

/// Query of `jobs/list`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct JobListQuery {
    /// Exact, case-insensitive name filter.
    pub name: Option<String>,
    /// Include tasks and job clusters (first 100 of each).
    pub expand_tasks: bool,
    /// Page size, 1–100 (default 100).
    pub limit: Option<u32>,
}
