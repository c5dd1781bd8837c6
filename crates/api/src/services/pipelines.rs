//! Pipeline handlers (`/api/2.0/pipelines`): create, get, list (paged by `page_token`, up to
//! 100 a page, with the service's `filter`), edit (a full replacement), delete and stop.
//! Starting an update is deliberately not here: nothing in brickport runs a pipeline.

use futures::TryStreamExt;
use reqwest::Method;
use serde_json::json;

use super::policies::missing;
use super::seg;
use crate::paginate::{self, TokenStyle};
use crate::types::pipelines::{
    CreatePipeline, CreatePipelineResponse, EditPipeline, Pipeline, PipelineListQuery,
    PipelineStateInfo,
};
use crate::{ApiError, ApiStream, WorkspaceClient};

const BASE: &str = "/api/2.0/pipelines";

/// The most pipelines a page may hold (the service refuses more).
pub const MAX_PAGE: u32 = 100;

/// `/api/2.0/pipelines`.
#[derive(Debug, Clone)]
pub struct Pipelines {
    pub(crate) client: WorkspaceClient,
}

impl Pipelines {
    fn item(id: &str) -> String {
        format!("{BASE}/{}", seg(id))
    }

    /// The pipelines matching `query` (no settings: `get` has them), paged by `page_token`.
    pub fn list(&self, query: &PipelineListQuery) -> ApiStream<PipelineStateInfo> {
        let size = query.max_results.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
        let mut q = vec![("max_results".to_string(), size.to_string())];
        if let Some(f) = &query.filter {
            q.push(("filter".into(), f.clone()));
        }
        if let Some(o) = &query.order_by {
            q.push(("order_by".into(), o.clone()));
        }
        paginate::tokens(
            self.client.clone(),
            BASE.into(),
            q,
            "statuses",
            TokenStyle::PageToken,
        )
    }

    /// The pipelines named exactly `name` (one `name LIKE` listing, names compared here).
    pub async fn named(&self, name: &str) -> Result<Vec<PipelineStateInfo>, ApiError> {
        self.list(&PipelineListQuery::name_like(name))
            .try_filter(|p| std::future::ready(p.name.as_deref() == Some(name)))
            .try_collect()
            .await
    }

    /// One pipeline, with its settings.
    pub async fn get(&self, id: &str) -> Result<Pipeline, ApiError> {
        self.client.get_t(&Self::item(id), &[]).await
    }

    /// Creates a pipeline; returns its id. A continuous one starts at once.
    pub async fn create(&self, pipeline: &CreatePipeline) -> Result<String, ApiError> {
        let r: CreatePipelineResponse = self.client.body_t(Method::POST, BASE, pipeline).await?;
        r.pipeline_id
            .ok_or_else(|| missing("pipelines create", "pipeline_id"))
    }

    /// Replaces a pipeline's settings (every field: what is left out is removed).
    pub async fn edit(&self, id: &str, pipeline: &EditPipeline) -> Result<(), ApiError> {
        self.client
            .void(Method::PUT, &Self::item(id), pipeline)
            .await
    }

    /// Stops the running update, if any (a no-op otherwise); does not wait for IDLE.
    pub async fn stop(&self, id: &str) -> Result<(), ApiError> {
        self.client
            .void(
                Method::POST,
                &format!("{}/stop", Self::item(id)),
                &json!({}),
            )
            .await
    }

    /// Deletes a pipeline. The service's default cascades to the tables it published.
    pub async fn delete(&self, id: &str) -> Result<(), ApiError> {
        self.client.delete_void(&Self::item(id), &[]).await
    }
}
