//! Job handlers (`/api/2.2/jobs/*`), including 2.2's paged arrays inside `get`.

use reqwest::Method;
use serde_json::json;

use super::policies::missing;
use crate::paginate::{self, TokenStyle};
use crate::types::jobs::{CreateJobResponse, Job, JobListQuery, JobSettings, ResetJob, UpdateJob};
use crate::{ApiError, ApiStream, WorkspaceClient};

const BASE: &str = "/api/2.2/jobs";

/// Arrays of `settings` that 2.2 pages (100 elements per answer).
pub const PAGED_ARRAYS: [&str; 4] = ["tasks", "job_clusters", "parameters", "environments"];

/// `/api/2.2/jobs/*`.
#[derive(Debug, Clone)]
pub struct Jobs {
    pub(crate) client: WorkspaceClient,
}

impl Jobs {
    /// Jobs matching `query`, paged by `page_token` (`limit` ≤ 100).
    pub fn list(&self, query: &JobListQuery) -> ApiStream<Job> {
        let mut q = vec![(
            "limit".to_string(),
            query.limit.unwrap_or(100).clamp(1, 100).to_string(),
        )];
        if let Some(name) = &query.name {
            q.push(("name".into(), name.clone()));
        }
        if query.expand_tasks {
            q.push(("expand_tasks".into(), "true".into()));
        }
        paginate::tokens(
            self.client.clone(),
            format!("{BASE}/list"),
            q,
            "jobs",
            TokenStyle::PageToken,
        )
    }

    /// One job, with every page of its tasks, job clusters, parameters and environments.
    pub async fn get(&self, job_id: i64) -> Result<Job, ApiError> {
        let path = format!("{BASE}/get");
        let value = paginate::follow_array_pages(
            &self.client,
            &path,
            vec![("job_id".into(), job_id.to_string())],
            "settings",
            &PAGED_ARRAYS,
        )
        .await?;
        crate::client::decode(&format!("GET {}{path}", self.client.host()), value)
    }

    /// Creates a job; returns its id.
    pub async fn create(&self, settings: &JobSettings) -> Result<i64, ApiError> {
        let r: CreateJobResponse = self
            .client
            .body_t(Method::POST, &format!("{BASE}/create"), settings)
            .await?;
        r.job_id.ok_or_else(|| missing("jobs/create", "job_id"))
    }

    /// Replaces all settings of a job.
    pub async fn reset(&self, job_id: i64, settings: &JobSettings) -> Result<(), ApiError> {
        let body = ResetJob {
            job_id,
            new_settings: settings.clone(),
        };
        self.client
            .void(Method::POST, &format!("{BASE}/reset"), &body)
            .await
    }

    /// Partially updates a job (tasks and job clusters merge by key).
    pub async fn update(&self, update: &UpdateJob) -> Result<(), ApiError> {
        self.client
            .void(Method::POST, &format!("{BASE}/update"), update)
            .await
    }

    /// Deletes a job.
    pub async fn delete(&self, job_id: i64) -> Result<(), ApiError> {
        self.client
            .void(
                Method::POST,
                &format!("{BASE}/delete"),
                &json!({ "job_id": job_id }),
            )
            .await
    }
}
