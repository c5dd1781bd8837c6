//! SQL warehouse handlers.

use reqwest::Method;
use serde_json::json;

use super::policies::missing;
use super::seg;
use crate::paginate::{self, TokenStyle};
use crate::types::warehouses::{CreateWarehouseResponse, Warehouse};
use crate::{ApiError, ApiStream, WorkspaceClient};

const BASE: &str = "/api/2.0/sql/warehouses";

/// `/api/2.0/sql/warehouses`.
#[derive(Debug, Clone)]
pub struct Warehouses {
    pub(crate) client: WorkspaceClient,
}

impl Warehouses {
    fn item(id: &str) -> String {
        format!("{BASE}/{}", seg(id))
    }

    /// All warehouses (paged by `page_token`).
    pub fn list(&self) -> ApiStream<Warehouse> {
        paginate::tokens(
            self.client.clone(),
            BASE.into(),
            Vec::new(),
            "warehouses",
            TokenStyle::PageToken,
        )
    }

    /// One warehouse.
    pub async fn get(&self, id: &str) -> Result<Warehouse, ApiError> {
        self.client.get_t(&Self::item(id), &[]).await
    }

    /// Creates a warehouse (it starts); returns its id.
    pub async fn create(&self, warehouse: &Warehouse) -> Result<String, ApiError> {
        let r: CreateWarehouseResponse = self.client.body_t(Method::POST, BASE, warehouse).await?;
        r.id.ok_or_else(|| missing("sql/warehouses create", "id"))
    }

    /// Edits a warehouse.
    pub async fn edit(&self, id: &str, warehouse: &Warehouse) -> Result<(), ApiError> {
        self.client
            .void(Method::POST, &format!("{}/edit", Self::item(id)), warehouse)
            .await
    }

    /// Starts a warehouse.
    pub async fn start(&self, id: &str) -> Result<(), ApiError> {
        self.client
            .void(
                Method::POST,
                &format!("{}/start", Self::item(id)),
                &json!({}),
            )
            .await
    }

    /// Stops a warehouse.
    pub async fn stop(&self, id: &str) -> Result<(), ApiError> {
        self.client
            .void(
                Method::POST,
                &format!("{}/stop", Self::item(id)),
                &json!({}),
            )
            .await
    }

    /// Deletes a warehouse.
    pub async fn delete(&self, id: &str) -> Result<(), ApiError> {
        self.client.delete_void(&Self::item(id), &[]).await
    }
}
