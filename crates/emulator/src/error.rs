//! The platform's error bodies, as the real service sends them.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer in one of the shapes the real workspace uses.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// `{"error_code": "...", "message": "..."}` with the given HTTP status.
    Standard {
        /// HTTP status.
        status: StatusCode,
        /// Platform error code, e.g. `RESOURCE_DOES_NOT_EXIST`.
        code: String,
        /// Human message.
        message: String,
    },
    /// The SCIM error body (`schemas`, `detail`, `status`, optional `scimType`).
    Scim {
        /// HTTP status.
        status: StatusCode,
        /// `scimType`, when the real service sends one.
        scim_type: Option<String>,
        /// `detail`.
        detail: String,
    },
}

impl ApiError {
    /// A standard error.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        ApiError::Standard {
            status,
            code: code.to_string(),
            message: message.into(),
        }
    }
    /// 404 RESOURCE_DOES_NOT_EXIST.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "RESOURCE_DOES_NOT_EXIST", message)
    }
    /// 400 INVALID_PARAMETER_VALUE.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_PARAMETER_VALUE", message)
    }
    /// 400 RESOURCE_ALREADY_EXISTS (match cloud behaviour: 400, not 409).
    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "RESOURCE_ALREADY_EXISTS", message)
    }
    /// 400 INVALID_STATE.
    pub fn invalid_state(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "INVALID_STATE", message)
    }
    /// 403 PERMISSION_DENIED.
    pub fn permission_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "PERMISSION_DENIED", message)
    }
    /// 400 MALFORMED_REQUEST.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "MALFORMED_REQUEST", message)
    }
    /// A SCIM error body.
    pub fn scim(status: StatusCode, scim_type: Option<&str>, detail: impl Into<String>) -> Self {
        ApiError::Scim {
            status,
            scim_type: scim_type.map(str::to_string),
            detail: detail.into(),
        }
    }
    /// 404 FEATURE_DISABLED.
    pub fn feature_disabled(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "FEATURE_DISABLED", message)
    }
    /// 404 ENDPOINT_NOT_FOUND (no such route).
    pub fn endpoint_not_found(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ENDPOINT_NOT_FOUND",
            format!("No API found for '{method} {path}'"),
        )
    }
    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Standard { status, .. } | ApiError::Scim { status, .. } => *status,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Standard {
                status,
                code,
                message,
            } => (
                status,
                axum::Json(json!({"error_code": code, "message": message})),
            )
                .into_response(),
            ApiError::Scim {
                status,
                scim_type,
                detail,
            } => {
                let mut body = json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                    "detail": detail,
                    "status": status.as_u16().to_string(),
                });
                if let Some(t) = scim_type {
                    body["scimType"] = json!(t);
                }
                (status, axum::Json(body)).into_response()
            }
        }
    }
}

/// The result type of every handler.
pub type ApiResult<T> = Result<T, ApiError>;

/// Why the emulator could not start, load or save.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    /// An option value could not be parsed.
    #[error("invalid {option} '{value}': {reason}")]
    Option {
        /// Which option (`--faults`, `--seed`, …).
        option: &'static str,
        /// The value given.
        value: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// A state, seed or rate-limit file could not be read or written.
    #[error("{what} {path}: {source}")]
    File {
        /// What was being done (`cannot read state file`).
        what: &'static str,
        /// The file.
        path: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A state, seed or rate-limit file is not valid JSON of the expected shape.
    #[error("{path} is not a valid {what}: {reason}")]
    Format {
        /// The file.
        path: std::path::PathBuf,
        /// What it should have been.
        what: &'static str,
        /// The parser's message.
        reason: String,
    },
    /// A seed that is not available in this build.
    #[error("seed '{0}' is not available yet: use `none` or a state JSON file")]
    SeedUnavailable(String),
}
