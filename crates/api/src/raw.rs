//! Untyped `GET`/`POST` by path, for tests only: behind the cargo feature `raw`, which only the
//! api's and the cli's dev-dependencies enable. The engine never builds a URL: it reaches the
//! platform through the typed handlers in [`crate::services`], and these methods do not exist
//! in a build of the engine (`.ci/run` checks the engine alone and that nothing enables `raw`
//! for it).

use reqwest::Method;
use serde_json::Value;

use crate::{ApiError, WorkspaceClient};

impl WorkspaceClient {
    /// `GET path?query` → JSON.
    pub async fn get_json(&self, path: &str, query: &[(&str, &str)]) -> Result<Value, ApiError> {
        let query: Vec<(String, String)> = query
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.send(Method::GET, path, &query, None::<&Value>).await
    }

    /// `POST path` with a JSON body → JSON.
    pub async fn post_json(&self, path: &str, body: &Value) -> Result<Value, ApiError> {
        self.send(Method::POST, path, &[], Some(body)).await
    }
}
