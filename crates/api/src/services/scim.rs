//! SCIM handlers: `client.scim().users()`, `.groups()`, `.service_principals()`, `.me()`.
//!
//! The three collections behave alike, so one generic [`ScimCollection`] serves them all.

use std::marker::PhantomData;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::seg;
use crate::paginate;
use crate::types::scim::{Group, PatchOp, ScimQuery, ServicePrincipal, User};
use crate::{ApiError, ApiStream, WorkspaceClient};

const BASE: &str = "/api/2.0/preview/scim/v2";

/// Entry point of the SCIM API.
#[derive(Debug, Clone)]
pub struct Scim {
    client: WorkspaceClient,
}

impl Scim {
    pub(crate) fn new(client: WorkspaceClient) -> Self {
        Scim { client }
    }

    /// `/Users`.
    pub fn users(&self) -> ScimCollection<User> {
        ScimCollection::new(self.client.clone(), "Users")
    }

    /// `/Groups`.
    pub fn groups(&self) -> ScimCollection<Group> {
        ScimCollection::new(self.client.clone(), "Groups")
    }

    /// `/ServicePrincipals`.
    pub fn service_principals(&self) -> ScimCollection<ServicePrincipal> {
        ScimCollection::new(self.client.clone(), "ServicePrincipals")
    }

    /// `GET /Me`: the caller.
    pub async fn me(&self) -> Result<User, ApiError> {
        self.client.get_t(&format!("{BASE}/Me"), &[]).await
    }
}

/// One SCIM collection of resources of type `T`.
#[derive(Debug, Clone)]
pub struct ScimCollection<T> {
    client: WorkspaceClient,
    path: String,
    _kind: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + Serialize + Send + 'static> ScimCollection<T> {
    fn new(client: WorkspaceClient, collection: &str) -> Self {
        ScimCollection {
            client,
            path: format!("{BASE}/{collection}"),
            _kind: PhantomData,
        }
    }

    fn item(&self, id: &str) -> String {
        format!("{}/{}", self.path, seg(id))
    }

    /// Every resource matching `query` (paged by `startIndex`/`count`).
    pub fn list(&self, query: &ScimQuery) -> ApiStream<T> {
        paginate::scim(self.client.clone(), self.path.clone(), query.to_query())
    }

    /// All resources whose `attribute` equals `value` (e.g. `userName`, `displayName`,
    /// `applicationId`), collected.
    pub async fn find_eq(&self, attribute: &str, value: &str) -> Result<Vec<T>, ApiError> {
        use futures::TryStreamExt;
        self.list(&ScimQuery::eq(attribute, value))
            .try_collect()
            .await
    }

    /// `GET /{id}`.
    pub async fn get(&self, id: &str) -> Result<T, ApiError> {
        self.client.get_t(&self.item(id), &[]).await
    }

    /// `POST`: creates and returns the resource.
    pub async fn create(&self, resource: &T) -> Result<T, ApiError> {
        self.client.body_t(Method::POST, &self.path, resource).await
    }

    /// `PUT /{id}`: replaces the resource.
    pub async fn replace(&self, id: &str, resource: &T) -> Result<T, ApiError> {
        self.client
            .body_t(Method::PUT, &self.item(id), resource)
            .await
    }

    /// `PATCH /{id}` with a PatchOp.
    pub async fn patch(&self, id: &str, patch: &PatchOp) -> Result<(), ApiError> {
        self.client.void(Method::PATCH, &self.item(id), patch).await
    }

    /// `DELETE /{id}`.
    pub async fn delete(&self, id: &str) -> Result<(), ApiError> {
        self.client.delete_void(&self.item(id), &[]).await
    }
}
