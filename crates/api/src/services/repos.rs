//! Git folder handlers (`/api/2.0/repos`).

use reqwest::Method;

use super::seg;
use crate::paginate::{self, TokenStyle};
use crate::types::repos::{Repo, UpdateRepo};
use crate::{ApiError, ApiStream, WorkspaceClient};

const BASE: &str = "/api/2.0/repos";

/// `/api/2.0/repos`.
#[derive(Debug, Clone)]
pub struct Repos {
    pub(crate) client: WorkspaceClient,
}

impl Repos {
    fn item(id: i64) -> String {
        format!("{BASE}/{}", seg(&id.to_string()))
    }

    /// Git folders under `path_prefix` (all when `None`); the query parameter carrying the
    /// page token is itself named `next_page_token`.
    pub fn list(&self, path_prefix: Option<&str>) -> ApiStream<Repo> {
        let query = path_prefix
            .map(|p| vec![("path_prefix".to_string(), p.to_string())])
            .unwrap_or_default();
        paginate::tokens(
            self.client.clone(),
            BASE.into(),
            query,
            "repos",
            TokenStyle::NextPageTokenQuery,
        )
    }

    /// One Git folder.
    pub async fn get(&self, id: i64) -> Result<Repo, ApiError> {
        self.client.get_t(&Self::item(id), &[]).await
    }

    /// Creates a Git folder (`url`, `provider`, `path`); returns it.
    pub async fn create(&self, repo: &Repo) -> Result<Repo, ApiError> {
        self.client.body_t(Method::POST, BASE, repo).await
    }

    /// Checks out a branch/tag or changes sparse checkout.
    pub async fn update(&self, id: i64, update: &UpdateRepo) -> Result<(), ApiError> {
        self.client
            .void(Method::PATCH, &Self::item(id), update)
            .await
    }

    /// Deletes a Git folder.
    pub async fn delete(&self, id: i64) -> Result<(), ApiError> {
        self.client.delete_void(&Self::item(id), &[]).await
    }
}
