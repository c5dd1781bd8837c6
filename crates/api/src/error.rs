//! [`ApiError`]: the one error type of this crate.
//!
//! Every failure a caller can meet — an error answer from the workspace, a lost answer to a
//! write, a transport failure, an undecodable body, a bad configuration, a retry budget used
//! up — is one variant here, with a message written for the person running the tool. No
//! variant ever carries a token: requests are described by method, host and path only.

use std::time::Duration;

/// An error from the Databricks client.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The workspace answered with an error status.
    #[error("{}", api_message(.request, *.status, .error_code, .message))]
    Api {
        /// HTTP status code.
        status: u16,
        /// Platform error code (`RESOURCE_DOES_NOT_EXIST`, `SCIM_409`, `403`, …).
        error_code: String,
        /// Human-readable message from the platform.
        message: String,
        /// Server-requested wait (`Retry-After`), when present.
        retry_after: Option<Duration>,
        /// The request, as `METHOD https://host/path` (never a token).
        request: String,
    },
    /// A write was sent but no answer came back: it may or may not have been applied. Look
    /// the object up before creating it again.
    #[error(
        "{request}: the request was sent but no answer came back ({detail}); it may or may not \
         have been applied — look the object up before trying again"
    )]
    OutcomeUnknown {
        /// The request, as `METHOD https://host/path`.
        request: String,
        /// What happened to the connection.
        detail: String,
    },
    /// The request could not be sent or its answer could not be read (connection refused,
    /// DNS, TLS, timeout on a read, …).
    #[error("{message}")]
    Transport {
        /// The request, as `METHOD https://host/path`.
        request: String,
        /// A sentence explaining the failure and what to check.
        message: String,
    },
    /// The answer was not the JSON this client expected.
    #[error("{request}: cannot decode the response at `{path}`: {message}")]
    Decode {
        /// The request, as `METHOD https://host/path`.
        request: String,
        /// JSON path of the failing value (`.` for the whole document).
        path: String,
        /// What was wrong.
        message: String,
    },
    /// Bad configuration or input (missing host, unknown profile, malformed config file, …).
    #[error("{0}")]
    Config(String),
    /// The workspace stopped answering and stayed unreachable longer than the client waits
    /// for it (`OutageOptions::wait`). Nothing is known to have failed: the work was not done.
    #[error(
        "{host} has been unreachable since {} UTC (waited {}s for it)",
        crate::gate::clock_utc(*.since),
        .waited.as_secs()
    )]
    Unreachable {
        /// The workspace URL.
        host: String,
        /// When the first request failed.
        since: std::time::SystemTime,
        /// How long requests waited before giving up.
        waited: Duration,
    },
    /// Retries were attempted until the overall budget ran out.
    #[error("{request}: giving up after {attempts} attempts over {:.1}s: {last}", .elapsed.as_secs_f64())]
    RetryBudgetExhausted {
        /// The request, as `METHOD https://host/path`.
        request: String,
        /// Attempts made.
        attempts: u32,
        /// Time spent, including waits.
        elapsed: Duration,
        /// The last error seen.
        last: Box<ApiError>,
    },
}

fn api_message(request: &str, status: u16, code: &str, message: &str) -> String {
    if status == 401 || status == 403 {
        let host = host_of(request);
        let looks_like_auth = status == 401
            || message.to_ascii_lowercase().contains("token")
            || message.to_ascii_lowercase().contains("credential")
            || code == "403"
            || code == "UNAUTHENTICATED";
        if looks_like_auth {
            return format!(
                "the workspace at {host} rejected the credentials ({status} {message}) — check the \
                 token (or client id/secret) and that it belongs to this workspace"
            );
        }
        return format!(
            "{request}: permission denied ({status} {code}: {message}) — the credentials are \
             valid but lack the rights for this call (workspace admin is usually needed)"
        );
    }
    format!("{request}: HTTP {status} {code}: {message}")
}

/// `https://host` out of `METHOD https://host/path`.
fn host_of(request: &str) -> &str {
    let url = request.split_once(' ').map(|(_, u)| u).unwrap_or(request);
    let after_scheme = url.find("://").map(|i| i + 3).unwrap_or(0);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

impl ApiError {
    /// HTTP status of an [`ApiError::Api`] (also through `RetryBudgetExhausted`).
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Api { status, .. } => Some(*status),
            ApiError::RetryBudgetExhausted { last, .. } => last.status(),
            _ => None,
        }
    }

    /// Platform error code of an [`ApiError::Api`] (also through `RetryBudgetExhausted`).
    pub fn error_code(&self) -> Option<&str> {
        match self {
            ApiError::Api { error_code, .. } => Some(error_code),
            ApiError::RetryBudgetExhausted { last, .. } => last.error_code(),
            _ => None,
        }
    }

    fn message_lower(&self) -> String {
        match self {
            ApiError::Api { message, .. } => message.to_ascii_lowercase(),
            ApiError::RetryBudgetExhausted { last, .. } => last.message_lower(),
            _ => String::new(),
        }
    }

    /// The object does not exist. The platform is inconsistent: besides 404 and
    /// `RESOURCE_DOES_NOT_EXIST`, clusters and jobs answer 400 `INVALID_PARAMETER_VALUE`
    /// "… does not exist".
    pub fn is_not_found(&self) -> bool {
        let code = self.error_code().unwrap_or_default();
        if matches!(code, "RESOURCE_DOES_NOT_EXIST" | "NOT_FOUND" | "SCIM_404") {
            return true;
        }
        if self.status() == Some(404) && code != "FEATURE_DISABLED" && code != "ENDPOINT_NOT_FOUND"
        {
            return true;
        }
        code == "INVALID_PARAMETER_VALUE" && {
            let m = self.message_lower();
            m.contains("does not exist") || m.contains("not found")
        }
    }

    /// The object already exists (usually 400 `RESOURCE_ALREADY_EXISTS`; SCIM answers 409;
    /// a pipeline's name taken: "The pipeline name '…' is already used by another pipeline",
    /// the recorded words, whose status and code are not known for sure).
    pub fn is_already_exists(&self) -> bool {
        let code = self.error_code().unwrap_or_default();
        matches!(
            code,
            "RESOURCE_ALREADY_EXISTS" | "ALREADY_EXISTS" | "SCIM_409"
        ) || (self.status() == Some(409) && self.message_lower().contains("already exists"))
            || self
                .message_lower()
                .contains("is already used by another pipeline")
    }

    /// The server throttled the request (429, or a code naming a request limit).
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429)
            || matches!(
                self.error_code().unwrap_or_default(),
                "REQUEST_LIMIT_EXCEEDED" | "RESOURCE_EXHAUSTED"
            )
    }

    /// The credentials were rejected (401) or lack the rights (403).
    pub fn is_permission_denied(&self) -> bool {
        matches!(self.status(), Some(401) | Some(403))
            || matches!(
                self.error_code().unwrap_or_default(),
                "PERMISSION_DENIED" | "UNAUTHENTICATED" | "CUSTOMER_UNAUTHORIZED"
            )
    }

    /// The object is in a state that forbids the operation (`INVALID_STATE`).
    pub fn is_invalid_state(&self) -> bool {
        self.error_code() == Some("INVALID_STATE")
    }

    /// The request was malformed or a value was rejected (400 that is none of the above).
    pub fn is_bad_request(&self) -> bool {
        self.status() == Some(400) && !self.is_not_found() && !self.is_already_exists()
    }

    /// A write whose outcome is unknown: look the object up before retrying.
    pub fn is_outcome_unknown(&self) -> bool {
        matches!(self, ApiError::OutcomeUnknown { .. })
    }

    /// The workspace stayed unreachable past the client's wait ([`ApiError::Unreachable`]).
    pub fn is_unreachable(&self) -> bool {
        matches!(self, ApiError::Unreachable { .. })
    }

    /// `Retry-After` sent with an [`ApiError::Api`].
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ApiError::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// A decode error for `request` with the failing JSON `path`.
    pub(crate) fn decode(
        request: &str,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let path = path.into();
        ApiError::Decode {
            request: request.to_string(),
            path: if path.is_empty() {
                ".".to_string()
            } else {
                path
            },
            message: message.into(),
        }
    }
}

/// What callers of the typed handlers do with an answer, in one place instead of in each
/// caller: a lookup that may find nothing.
pub trait ApiResultExt<T> {
    /// `Ok(None)` when the platform answered "not found" ([`ApiError::is_not_found`]), the
    /// value otherwise; any other error as it is.
    fn found(self) -> Result<Option<T>, ApiError>;
}

impl<T> ApiResultExt<T> for Result<T, ApiError> {
    fn found(self) -> Result<Option<T>, ApiError> {
        match self {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, code: &str, message: &str) -> ApiError {
        ApiError::Api {
            status,
            error_code: code.into(),
            message: message.into(),
            retry_after: None,
            request: "GET https://h.example/api/2.0/x".into(),
        }
    }

    #[test]
    fn classification_helpers() {
        assert!(api(404, "RESOURCE_DOES_NOT_EXIST", "x").is_not_found());
        assert!(api(400, "INVALID_PARAMETER_VALUE", "Cluster 1 does not exist").is_not_found());
        assert!(!api(400, "INVALID_PARAMETER_VALUE", "bad value").is_not_found());
        assert!(api(400, "RESOURCE_ALREADY_EXISTS", "x").is_already_exists());
        assert!(api(409, "SCIM_409", "x").is_already_exists());
        let taken = "The pipeline name 'etl' is already used by another pipeline. This check can be skipped by setting `allow_duplicate_names = true` in the request.";
        assert!(api(409, "RESOURCE_CONFLICT", taken).is_already_exists());
        assert!(api(429, "X", "x").is_rate_limited());
        assert!(api(403, "403", "Invalid access token.").is_permission_denied());
    }

    #[test]
    fn auth_message_names_host() {
        let e = api(403, "403", "Invalid access token.");
        assert_eq!(
            e.to_string(),
            "the workspace at https://h.example rejected the credentials (403 Invalid access \
             token.) — check the token (or client id/secret) and that it belongs to this workspace"
        );
    }
}
