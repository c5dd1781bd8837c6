//! Global init script handlers (`/api/2.0/global-init-scripts`).

use reqwest::Method;

use super::policies::missing;
use super::{list_of, seg};
use crate::types::init_scripts::{CreateInitScriptResponse, GlobalInitScript};
use crate::{ApiError, WorkspaceClient};

const BASE: &str = "/api/2.0/global-init-scripts";

/// `/api/2.0/global-init-scripts`.
#[derive(Debug, Clone)]
pub struct InitScripts {
    pub(crate) client: WorkspaceClient,
}

impl InitScripts {
    fn item(id: &str) -> String {
        format!("{BASE}/{}", seg(id))
    }

    /// All scripts, without content.
    pub async fn list(&self) -> Result<Vec<GlobalInitScript>, ApiError> {
        let answer = self.client.get_t(BASE, &[]).await?;
        list_of(&self.client, BASE, answer, "scripts")
    }

    /// One script, with content (base64 in `script`).
    pub async fn get(&self, script_id: &str) -> Result<GlobalInitScript, ApiError> {
        self.client.get_t(&Self::item(script_id), &[]).await
    }

    /// Creates a script (`name` and `script` required); returns its id.
    pub async fn create(&self, script: &GlobalInitScript) -> Result<String, ApiError> {
        let r: CreateInitScriptResponse = self.client.body_t(Method::POST, BASE, script).await?;
        r.script_id
            .ok_or_else(|| missing("global-init-scripts create", "script_id"))
    }

    /// Updates a script (`name` and `script` required).
    pub async fn update(&self, script_id: &str, script: &GlobalInitScript) -> Result<(), ApiError> {
        self.client
            .void(Method::PATCH, &Self::item(script_id), script)
            .await
    }

    /// Deletes a script.
    pub async fn delete(&self, script_id: &str) -> Result<(), ApiError> {
        self.client.delete_void(&Self::item(script_id), &[]).await
    }
}
