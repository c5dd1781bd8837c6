//! Databricks SQL object handlers: queries with their visualizations
//! (`/api/2.0/sql/queries`, `/api/2.0/sql/visualizations`), alerts (`/api/2.0/sql/alerts`),
//! alerts v2 (`/api/2.0/alerts`), and the legacy lists (`/api/2.0/preview/sql/{queries,dashboards}`), read only.
//!
//! Three API families: queries with visualizations ([`crate::Family::SqlQueries`]), alerts
//! current and v2 ([`crate::Family::SqlAlerts`]) and the legacy API
//! ([`crate::Family::SqlLegacy`]). No rate is published for them; the SDK warns that 10 or
//! more concurrent lists of queries, alerts or legacy dashboards may be throttled or banned
//! for a while, so each family runs fewer than 10 requests at once (and each list is one
//! sequential stream of pages).

use reqwest::Method;

use super::policies::missing;
use super::seg;
use crate::paginate::{self, TokenStyle};
use crate::types::sql_queries::{
    Alert, AlertV2, CreateAlert, CreateQuery, CreateVisualization, LegacyDashboard, LegacyQuery,
    Query, UpdateAlert, UpdateQuery, UpdateVisualization, Visualization,
};
use crate::{ApiError, ApiStream, WorkspaceClient};

const QUERIES: &str = "/api/2.0/sql/queries";
const VISUALIZATIONS: &str = "/api/2.0/sql/visualizations";
const ALERTS: &str = "/api/2.0/sql/alerts";
const ALERTS_V2: &str = "/api/2.0/alerts";
const LEGACY_QUERIES: &str = "/api/2.0/preview/sql/queries";
const LEGACY_DASHBOARDS: &str = "/api/2.0/preview/sql/dashboards";

/// Items a page of the current lists asks for [UNVERIFIED maximum; the SDK sends none].
const PAGE: u32 = 100;

/// Items a page of the legacy lists asks for (their documented default is 25).
const LEGACY_PAGE: usize = 100;

fn paged<T: serde::de::DeserializeOwned + Send + 'static>(
    client: &WorkspaceClient,
    path: String,
) -> ApiStream<T> {
    paginate::tokens(
        client.clone(),
        path,
        vec![("page_size".into(), PAGE.to_string())],
        "results",
        TokenStyle::PageToken,
    )
}

/// `/api/2.0/sql/queries` and `/api/2.0/sql/visualizations`.
#[derive(Debug, Clone)]
pub struct SqlQueries {
    pub(crate) client: WorkspaceClient,
}

impl SqlQueries {
    fn item(id: &str) -> String {
        format!("{QUERIES}/{}", seg(id))
    }

    /// Every query the caller may see (no `parent_path`: `get` has it), paged by
    /// `page_token` under `results`. Trashed ones are not listed.
    pub fn list(&self) -> ApiStream<Query> {
        paged(&self.client, QUERIES.into())
    }

    /// One query.
    pub async fn get(&self, id: &str) -> Result<Query, ApiError> {
        self.client.get_t(&Self::item(id), &[]).await
    }

    /// Creates a query; returns it, with its id.
    pub async fn create(&self, request: &CreateQuery) -> Result<Query, ApiError> {
        let q: Query = self.client.body_t(Method::POST, QUERIES, request).await?;
        if q.id.is_none() {
            return Err(missing("sql/queries create", "id"));
        }
        Ok(q)
    }

    /// Changes the fields `request.update_mask` names.
    pub async fn update(&self, id: &str, request: &UpdateQuery) -> Result<Query, ApiError> {
        self.client
            .body_t(Method::PATCH, &Self::item(id), request)
            .await
    }

    /// Moves a query to the trash.
    pub async fn delete(&self, id: &str) -> Result<(), ApiError> {
        self.client.delete_void(&Self::item(id), &[]).await
    }

    /// The visualizations of query `id`, paged like the queries.
    pub fn visualizations(&self, id: &str) -> ApiStream<Visualization> {
        paged(&self.client, format!("{}/visualizations", Self::item(id)))
    }

    /// Adds a visualization to the query its `query_id` names; returns it, with its id.
    pub async fn create_visualization(
        &self,
        request: &CreateVisualization,
    ) -> Result<Visualization, ApiError> {
        let v: Visualization = self
            .client
            .body_t(Method::POST, VISUALIZATIONS, request)
            .await?;
        if v.id.is_none() {
            return Err(missing("sql/visualizations create", "id"));
        }
        Ok(v)
    }

    /// Changes the fields `request.update_mask` names.
    pub async fn update_visualization(
        &self,
        id: &str,
        request: &UpdateVisualization,
    ) -> Result<Visualization, ApiError> {
        let path = format!("{VISUALIZATIONS}/{}", seg(id));
        self.client.body_t(Method::PATCH, &path, request).await
    }

    /// Removes a visualization.
    pub async fn delete_visualization(&self, id: &str) -> Result<(), ApiError> {
        let path = format!("{VISUALIZATIONS}/{}", seg(id));
        self.client.delete_void(&path, &[]).await
    }
}

/// `/api/2.0/sql/alerts`.
#[derive(Debug, Clone)]
pub struct SqlAlerts {
    pub(crate) client: WorkspaceClient,
}

impl SqlAlerts {
    fn item(id: &str) -> String {
        format!("{ALERTS}/{}", seg(id))
    }

    /// Every alert (no `parent_path`: `get` has it), paged by `page_token` under `results`.
    pub fn list(&self) -> ApiStream<Alert> {
        paged(&self.client, ALERTS.into())
    }

    /// One alert.
    pub async fn get(&self, id: &str) -> Result<Alert, ApiError> {
        self.client.get_t(&Self::item(id), &[]).await
    }

    /// Creates an alert; returns it, with its id.
    pub async fn create(&self, request: &CreateAlert) -> Result<Alert, ApiError> {
        let a: Alert = self.client.body_t(Method::POST, ALERTS, request).await?;
        if a.id.is_none() {
            return Err(missing("sql/alerts create", "id"));
        }
        Ok(a)
    }

    /// Changes the fields `request.update_mask` names.
    pub async fn update(&self, id: &str, request: &UpdateAlert) -> Result<Alert, ApiError> {
        self.client
            .body_t(Method::PATCH, &Self::item(id), request)
            .await
    }

    /// Moves an alert to the trash.
    pub async fn delete(&self, id: &str) -> Result<(), ApiError> {
        self.client.delete_void(&Self::item(id), &[]).await
    }
}

/// `/api/2.0/alerts` (alerts v2): bodies unwrapped, the update mask in the query string.
#[derive(Debug, Clone)]
pub struct AlertsV2 {
    pub(crate) client: WorkspaceClient,
}

impl AlertsV2 {
    fn item(id: &str) -> String {
        format!("{ALERTS_V2}/{}", seg(id))
    }

    /// Every alert v2 (whole objects, `parent_path` included), paged under `alerts`.
    pub fn list(&self) -> ApiStream<AlertV2> {
        paginate::tokens(
            self.client.clone(),
            ALERTS_V2.into(),
            vec![("page_size".into(), PAGE.to_string())],
            "alerts",
            TokenStyle::PageToken,
        )
    }

    /// One alert v2.
    pub async fn get(&self, id: &str) -> Result<AlertV2, ApiError> {
        self.client.get_t(&Self::item(id), &[]).await
    }

    /// Creates an alert v2; returns it, with its id.
    pub async fn create(&self, alert: &AlertV2) -> Result<AlertV2, ApiError> {
        let a: AlertV2 = self.client.body_t(Method::POST, ALERTS_V2, alert).await?;
        if a.id.is_none() {
            return Err(missing("alerts create", "id"));
        }
        Ok(a)
    }

    /// Changes the fields `update_mask` names (comma-separated; `schedule.pause_status` names
    /// a part of a field).
    pub async fn update(
        &self,
        id: &str,
        update_mask: &str,
        alert: &AlertV2,
    ) -> Result<AlertV2, ApiError> {
        let query = vec![("update_mask".to_string(), update_mask.to_string())];
        self.client
            .send(Method::PATCH, &Self::item(id), &query, Some(alert))
            .await
    }

    /// Moves an alert v2 to the trash.
    pub async fn delete(&self, id: &str) -> Result<(), ApiError> {
        self.client.delete_void(&Self::item(id), &[]).await
    }
}

/// The legacy `/api/2.0/preview/sql/*` lists. brickport's engine never writes through the
/// legacy API (it lists legacy objects so the operator can convert them in the source); the
/// one write here, [`SqlLegacy::create_dashboard`], is for setting up a workspace (tests).
#[derive(Debug, Clone)]
pub struct SqlLegacy {
    pub(crate) client: WorkspaceClient,
}

impl SqlLegacy {
    /// Every query the legacy API lists, by page number.
    pub fn queries(&self) -> ApiStream<LegacyQuery> {
        paginate::numbered(self.client.clone(), LEGACY_QUERIES.into(), LEGACY_PAGE)
    }

    /// Every legacy dashboard, by page number.
    pub fn dashboards(&self) -> ApiStream<LegacyDashboard> {
        paginate::numbered(self.client.clone(), LEGACY_DASHBOARDS.into(), LEGACY_PAGE)
    }

    /// Creates a legacy dashboard (`name`, `parent`, `tags`; the current SDKs no longer offer
    /// it, Terraform still does). Not used by the migration: for setting up a workspace.
    pub async fn create_dashboard(
        &self,
        dashboard: &LegacyDashboard,
    ) -> Result<LegacyDashboard, ApiError> {
        let d: LegacyDashboard = self
            .client
            .body_t(Method::POST, LEGACY_DASHBOARDS, dashboard)
            .await?;
        if d.id.is_none() {
            return Err(missing("preview/sql/dashboards create", "id"));
        }
        Ok(d)
    }
}
