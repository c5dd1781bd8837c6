//! Workspace object handlers: list, get-status, mkdirs, export, import, delete.

use base64::Engine;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::list_of;
use crate::types::workspace::{ExportFormat, Exported, Import, ObjectInfo};
use crate::{ApiError, WorkspaceClient};

const BASE: &str = "/api/2.0/workspace";

/// `/api/2.0/workspace/*`.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub(crate) client: WorkspaceClient,
}

#[derive(Deserialize)]
struct ExportResponse {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    file_type: Option<String>,
}

impl Workspace {
    /// Direct children of `path` (not recursive; an empty folder gives an empty list).
    pub async fn list(&self, path: &str) -> Result<Vec<ObjectInfo>, ApiError> {
        let p = format!("{BASE}/list");
        let answer = self.client.get_t(&p, &[("path", path.to_string())]).await?;
        list_of(&self.client, &p, answer, "objects")
    }

    /// Metadata of one object.
    pub async fn get_status(&self, path: &str) -> Result<ObjectInfo, ApiError> {
        self.client
            .get_t(&format!("{BASE}/get-status"), &[("path", path.to_string())])
            .await
    }

    /// Creates a folder and its parents (idempotent).
    pub async fn mkdirs(&self, path: &str) -> Result<(), ApiError> {
        self.client
            .void(
                Method::POST,
                &format!("{BASE}/mkdirs"),
                &json!({ "path": path }),
            )
            .await
    }

    /// Exports an object; the content comes back decoded.
    pub async fn export(&self, path: &str, format: ExportFormat) -> Result<Exported, ApiError> {
        let p = format!("{BASE}/export");
        let r: ExportResponse = self
            .client
            .get_t(
                &p,
                &[
                    ("path", path.to_string()),
                    ("format", format.as_str().to_string()),
                ],
            )
            .await?;
        let content = base64::engine::general_purpose::STANDARD
            .decode(r.content.unwrap_or_default().trim())
            .map_err(|e| ApiError::Decode {
                request: format!("GET {}{p}", self.client.host()),
                path: "content".into(),
                message: format!("not base64: {e}"),
            })?;
        Ok(Exported {
            content,
            file_type: r.file_type,
        })
    }

    /// Imports an object (the parent folder must exist).
    pub async fn import(&self, import: &Import) -> Result<(), ApiError> {
        let mut body = json!({
            "path": import.path,
            "format": import.format.as_str(),
            "content": base64::engine::general_purpose::STANDARD.encode(&import.content),
            "overwrite": import.overwrite,
        });
        if let Some(language) = &import.language {
            body["language"] = json!(language);
        }
        self.client
            .void(Method::POST, &format!("{BASE}/import"), &body)
            .await
    }

    /// Deletes an object (`recursive` for non-empty folders).
    pub async fn delete(&self, path: &str, recursive: bool) -> Result<(), ApiError> {
        self.client
            .void(
                Method::POST,
                &format!("{BASE}/delete"),
                &json!({ "path": path, "recursive": recursive }),
            )
            .await
    }
}
