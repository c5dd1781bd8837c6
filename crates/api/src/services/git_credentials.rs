//! Git credential handlers (`/api/2.0/git-credentials`): list only (tokens are never
//! returned, so they cannot be migrated).

use super::list_of;
use crate::types::repos::GitCredential;
use crate::{ApiError, WorkspaceClient};

/// `/api/2.0/git-credentials`.
#[derive(Debug, Clone)]
pub struct GitCredentials {
    pub(crate) client: WorkspaceClient,
}

impl GitCredentials {
    /// The caller's Git credentials.
    pub async fn list(&self) -> Result<Vec<GitCredential>, ApiError> {
        let path = "/api/2.0/git-credentials";
        let answer = self.client.get_t(path, &[]).await?;
        list_of(&self.client, path, answer, "credentials")
    }
}
