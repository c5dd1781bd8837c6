//! Genie space handlers (`/api/2.0/genie/spaces`): create, get (with its serialized space
//! when asked), paged list, update (`PATCH`), trash. Conversations are not here: they are
//! private to their owners. No figure is published for the family's rate
//! ([`crate::Family::Genie`]): it is paced at the platform's usual 30/s.

use reqwest::Method;

use super::policies::missing;
use super::seg;
use crate::paginate::{self, TokenStyle};
use crate::types::genie::{GenieSpace, GenieSpaceRequest};
use crate::{ApiError, ApiStream, WorkspaceClient};

const BASE: &str = "/api/2.0/genie/spaces";

/// The page size asked for (the service's maximum is not documented).
pub const PAGE_SIZE: u32 = 100;

/// `/api/2.0/genie/spaces`.
#[derive(Debug, Clone)]
pub struct Genie {
    pub(crate) client: WorkspaceClient,
}

impl Genie {
    fn item(id: &str) -> String {
        format!("{BASE}/{}", seg(id))
    }

    /// Every space (no `serialized_space`: `get` has it), paged by `page_token`.
    pub fn list(&self) -> ApiStream<GenieSpace> {
        paginate::tokens(
            self.client.clone(),
            BASE.into(),
            vec![("page_size".to_string(), PAGE_SIZE.to_string())],
            "spaces",
            TokenStyle::PageToken,
        )
    }

    /// One space; with `serialized`, its serialized space and etag too (needs CAN EDIT).
    pub async fn get(&self, id: &str, serialized: bool) -> Result<GenieSpace, ApiError> {
        let query = [("include_serialized_space", serialized.to_string())];
        self.client.get_t(&Self::item(id), &query).await
    }

    /// Creates a space (`warehouse_id` and `serialized_space` required); returns it, with its
    /// id.
    pub async fn create(&self, request: &GenieSpaceRequest) -> Result<GenieSpace, ApiError> {
        let created: GenieSpace = self.client.body_t(Method::POST, BASE, request).await?;
        if created.space_id.is_none() {
            return Err(missing("genie create space", "space_id"));
        }
        Ok(created)
    }

    /// Updates a space (`PATCH`: the fields sent; `serialized_space` replaces the whole space).
    pub async fn update(
        &self,
        id: &str,
        request: &GenieSpaceRequest,
    ) -> Result<GenieSpace, ApiError> {
        self.client
            .body_t(Method::PATCH, &Self::item(id), request)
            .await
    }

    /// Moves a space to the trash (its conversations are lost).
    pub async fn trash(&self, id: &str) -> Result<(), ApiError> {
        self.client.delete_void(&Self::item(id), &[]).await
    }
}
