//! Notification destination handlers (`/api/2.0/notification-destinations`).
//!
//! The platform rate-limits this API as a family of its own
//! ([`crate::Family::NotificationDestinations`]); no figure is published for it, so it is
//! paced at the platform's usual 30 requests/s.

use reqwest::Method;

use super::policies::missing;
use super::seg;
use crate::paginate::{self, TokenStyle};
use crate::types::notification_destinations::{DestinationRequest, NotificationDestination};
use crate::{ApiError, ApiStream, WorkspaceClient};

const BASE: &str = "/api/2.0/notification-destinations";

/// `/api/2.0/notification-destinations`. Create, update and delete need a workspace admin;
/// only an admin reads a destination's `config`.
#[derive(Debug, Clone)]
pub struct NotificationDestinations {
    pub(crate) client: WorkspaceClient,
}

impl NotificationDestinations {
    fn item(id: &str) -> String {
        format!("{BASE}/{}", seg(id))
    }

    /// Every destination (`id`, `display_name`, `destination_type`; no `config`), paged by
    /// `page_token` under `results`. `page_size`: `None` leaves the page size to the server.
    pub fn list(&self, page_size: Option<u32>) -> ApiStream<NotificationDestination> {
        let query = page_size
            .map(|n| vec![("page_size".to_string(), n.to_string())])
            .unwrap_or_default();
        paginate::tokens(
            self.client.clone(),
            BASE.into(),
            query,
            "results",
            TokenStyle::PageToken,
        )
    }

    /// One destination, with its `config` (write-only parts as `*_set` flags).
    pub async fn get(&self, id: &str) -> Result<NotificationDestination, ApiError> {
        self.client.get_t(&Self::item(id), &[]).await
    }

    /// Creates a destination (`display_name` and exactly one `config` member); returns it,
    /// with its id.
    pub async fn create(
        &self,
        request: &DestinationRequest,
    ) -> Result<NotificationDestination, ApiError> {
        let created: NotificationDestination =
            self.client.body_t(Method::POST, BASE, request).await?;
        if created.id.is_none() {
            return Err(missing("notification-destinations create", "id"));
        }
        Ok(created)
    }

    /// Updates a destination (`PATCH`: the fields sent; the type cannot change).
    pub async fn update(
        &self,
        id: &str,
        request: &DestinationRequest,
    ) -> Result<NotificationDestination, ApiError> {
        self.client
            .body_t(Method::PATCH, &Self::item(id), request)
            .await
    }

    /// Deletes a destination.
    pub async fn delete(&self, id: &str) -> Result<(), ApiError> {
        self.client.delete_void(&Self::item(id), &[]).await
    }
}
