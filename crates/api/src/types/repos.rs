//! Git folders (`/api/2.0/repos`) and Git credentials (`/api/2.0/git-credentials`).

use serde_json::Value;

record! {
    /// A Git folder.
    pub struct Repo {
        /// Id (read-only).
        id: i64,
        /// Workspace path (`/Repos/{folder}/{name}`).
        path: String,
        /// Remote URL.
        url: String,
        /// gitHub, gitLab, azureDevOpsServices, …
        provider: String,
        /// Checked-out branch.
        branch: String,
        /// Head commit (read-only).
        head_commit_id: String,
        /// `{patterns: [...]}` (fixed at creation).
        sparse_checkout: Value,
        /// Credential to use (create only).
        git_credential_id: i64,
    }
}

record! {
    /// Body of repo PATCH.
    pub struct UpdateRepo {
        /// Branch to check out.
        branch: String,
        /// Tag to check out (detached HEAD).
        tag: String,
        /// Sparse checkout patterns.
        sparse_checkout: Value,
        /// Credential.
        git_credential_id: i64,
    }
}

record! {
    /// A Git credential (the token is never returned).
    pub struct GitCredential {
        /// Id.
        credential_id: i64,
        /// Provider.
        git_provider: String,
        /// User name.
        git_username: String,
        /// Email.
        git_email: String,
        /// Name.
        name: String,
        /// Default for its provider.
        is_default_for_provider: bool,
    }
}
