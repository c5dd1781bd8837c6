//! AI/BI (Lakeview) dashboard handlers (`/api/2.0/lakeview/dashboards`): the draft (create,
//! get, paged list, update, trash), the published copy (publish, get, unpublish), schedules
//! (create, paged list, update with their etag, delete) and their subscriptions (create,
//! paged list, delete; the service has no update for them). No figure is published for the
//! family's rate ([`crate::Family::Lakeview`]): it is paced at the platform's usual 30/s.

use reqwest::Method;

use super::policies::missing;
use super::seg;
use crate::paginate::{self, TokenStyle};
use crate::types::lakeview::{
    Dashboard, PublishRequest, PublishedDashboard, Schedule, Subscription,
};
use crate::{ApiError, ApiStream, WorkspaceClient};

const BASE: &str = "/api/2.0/lakeview/dashboards";

/// The page size asked for (the service's maximum is not documented; the Terraform provider
/// asks for 1000, a modest 100 is safe everywhere).
pub const PAGE_SIZE: u32 = 100;

/// `/api/2.0/lakeview/dashboards`.
#[derive(Debug, Clone)]
pub struct Lakeview {
    pub(crate) client: WorkspaceClient,
}

fn sized() -> Vec<(String, String)> {
    vec![("page_size".to_string(), PAGE_SIZE.to_string())]
}

impl Lakeview {
    fn item(id: &str) -> String {
        format!("{BASE}/{}", seg(id))
    }

    fn schedule(id: &str, schedule: &str) -> String {
        format!("{}/schedules/{}", Self::item(id), seg(schedule))
    }

    /// Every dashboard that is not in the trash (the list leaves out `serialized_dashboard`,
    /// `parent_path` and `etag`: `get` has them), paged by `page_token`.
    pub fn list(&self) -> ApiStream<Dashboard> {
        paginate::tokens(
            self.client.clone(),
            BASE.into(),
            sized(),
            "dashboards",
            TokenStyle::PageToken,
        )
    }

    /// One dashboard's draft, with its content and etag.
    pub async fn get(&self, id: &str) -> Result<Dashboard, ApiError> {
        self.client.get_t(&Self::item(id), &[]).await
    }

    /// Creates a draft (`display_name`, `parent_path`, `warehouse_id`,
    /// `serialized_dashboard`); returns it, with its id. A missing `parent_path` is a 404.
    pub async fn create(&self, dashboard: &Dashboard) -> Result<Dashboard, ApiError> {
        let created: Dashboard = self.client.body_t(Method::POST, BASE, dashboard).await?;
        if created.dashboard_id.is_none() {
            return Err(missing("lakeview create", "dashboard_id"));
        }
        Ok(created)
    }

    /// Updates a draft (`PATCH`: the fields sent; an `etag` sent guards the write).
    pub async fn update(&self, id: &str, dashboard: &Dashboard) -> Result<Dashboard, ApiError> {
        self.client
            .body_t(Method::PATCH, &Self::item(id), dashboard)
            .await
    }

    /// Moves a dashboard to the trash (it stays readable as TRASHED; its published copy goes).
    pub async fn trash(&self, id: &str) -> Result<(), ApiError> {
        self.client.delete_void(&Self::item(id), &[]).await
    }

    /// Publishes the current draft.
    pub async fn publish(
        &self,
        id: &str,
        request: &PublishRequest,
    ) -> Result<PublishedDashboard, ApiError> {
        let path = format!("{}/published", Self::item(id));
        self.client.body_t(Method::POST, &path, request).await
    }

    /// The published copy (not found: the dashboard is not published).
    pub async fn get_published(&self, id: &str) -> Result<PublishedDashboard, ApiError> {
        let path = format!("{}/published", Self::item(id));
        self.client.get_t(&path, &[]).await
    }

    /// Takes the published copy down (the draft stays).
    pub async fn unpublish(&self, id: &str) -> Result<(), ApiError> {
        let path = format!("{}/published", Self::item(id));
        self.client.delete_void(&path, &[]).await
    }

    /// The dashboard's schedules, paged by `page_token`.
    pub fn schedules(&self, id: &str) -> ApiStream<Schedule> {
        paginate::tokens(
            self.client.clone(),
            format!("{}/schedules", Self::item(id)),
            sized(),
            "schedules",
            TokenStyle::PageToken,
        )
    }

    /// Creates a schedule (without `etag`); returns it, with its id and etag.
    pub async fn create_schedule(&self, id: &str, s: &Schedule) -> Result<Schedule, ApiError> {
        let path = format!("{}/schedules", Self::item(id));
        let created: Schedule = self.client.body_t(Method::POST, &path, s).await?;
        if created.schedule_id.is_none() {
            return Err(missing("lakeview create schedule", "schedule_id"));
        }
        Ok(created)
    }

    /// Replaces a schedule (`PUT`; `s.etag` must be its current etag).
    pub async fn update_schedule(
        &self,
        id: &str,
        schedule: &str,
        s: &Schedule,
    ) -> Result<Schedule, ApiError> {
        self.client
            .body_t(Method::PUT, &Self::schedule(id, schedule), s)
            .await
    }

    /// Deletes a schedule (and its subscriptions).
    pub async fn delete_schedule(&self, id: &str, schedule: &str) -> Result<(), ApiError> {
        self.client
            .delete_void(&Self::schedule(id, schedule), &[])
            .await
    }

    /// A schedule's subscriptions, paged by `page_token`.
    pub fn subscriptions(&self, id: &str, schedule: &str) -> ApiStream<Subscription> {
        paginate::tokens(
            self.client.clone(),
            format!("{}/subscriptions", Self::schedule(id, schedule)),
            sized(),
            "subscriptions",
            TokenStyle::PageToken,
        )
    }

    /// Subscribes a user or a destination to a schedule; returns the subscription.
    pub async fn create_subscription(
        &self,
        id: &str,
        schedule: &str,
        s: &Subscription,
    ) -> Result<Subscription, ApiError> {
        let path = format!("{}/subscriptions", Self::schedule(id, schedule));
        self.client.body_t(Method::POST, &path, s).await
    }

    /// Deletes a subscription.
    pub async fn delete_subscription(
        &self,
        id: &str,
        schedule: &str,
        subscription: &str,
    ) -> Result<(), ApiError> {
        let path = format!(
            "{}/subscriptions/{}",
            Self::schedule(id, schedule),
            seg(subscription)
        );
        self.client.delete_void(&path, &[]).await
    }
}
