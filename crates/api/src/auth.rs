//! Authentication: turns [`Credentials`] into a bearer token for each request.
//!
//! A personal access token is used as is. OAuth M2M exchanges the client id and secret at
//! `<host>/oidc/v1/token` (client-credentials grant, `scope=all-apis`, HTTP basic auth) and
//! caches the access token until shortly before it expires, so a long migration refreshes it
//! transparently. Tokens only ever live in [`Secret`]s.

use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::error_body::parse_error_body;
use crate::{ApiError, Credentials, Secret};

/// Produces the bearer token for requests to one workspace.
pub(crate) struct Authenticator {
    kind: Kind,
}

enum Kind {
    Pat(Secret),
    OAuth {
        client_id: String,
        client_secret: Secret,
        token_url: String,
        cache: tokio::sync::Mutex<Option<Cached>>,
    },
}

struct Cached {
    token: Secret,
    refresh_at: Instant,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: Secret,
    #[serde(default)]
    expires_in: Option<f64>,
}

/// Failure to obtain a token. A token request never changes anything, so it is always safe
/// to repeat; `transient` says whether repeating may help.
pub(crate) struct AuthFailure {
    pub error: ApiError,
    pub transient: bool,
}

impl Authenticator {
    pub(crate) fn new(host: &str, credentials: &Credentials) -> Self {
        let kind = match credentials {
            Credentials::Pat(token) => Kind::Pat(token.clone()),
            Credentials::OAuthM2m {
                client_id,
                client_secret,
            } => Kind::OAuth {
                client_id: client_id.clone(),
                client_secret: client_secret.clone(),
                token_url: format!("{host}/oidc/v1/token"),
                cache: tokio::sync::Mutex::new(None),
            },
        };
        Authenticator { kind }
    }

    /// The bearer token to send now (fetching or refreshing an OAuth token when needed).
    pub(crate) async fn bearer(&self, http: &reqwest::Client) -> Result<Secret, AuthFailure> {
        match &self.kind {
            Kind::Pat(token) => Ok(token.clone()),
            Kind::OAuth {
                client_id,
                client_secret,
                token_url,
                cache,
            } => {
                // Holding the lock while fetching makes concurrent requests share one fetch.
                let mut guard = cache.lock().await;
                if let Some(cached) = guard.as_ref()
                    && Instant::now() < cached.refresh_at
                {
                    return Ok(cached.token.clone());
                }
                let fresh = fetch_token(http, token_url, client_id, client_secret).await?;
                let token = fresh.token.clone();
                *guard = Some(fresh);
                Ok(token)
            }
        }
    }

    /// Forgets a cached OAuth token (after the workspace rejected it).
    pub(crate) async fn invalidate(&self) {
        if let Kind::OAuth { cache, .. } = &self.kind {
            *cache.lock().await = None;
        }
    }

    /// True for OAuth, where a rejected token may be cured by fetching a new one.
    pub(crate) fn refreshable(&self) -> bool {
        matches!(self.kind, Kind::OAuth { .. })
    }
}

async fn fetch_token(
    http: &reqwest::Client,
    token_url: &str,
    client_id: &str,
    client_secret: &Secret,
) -> Result<Cached, AuthFailure> {
    let request = format!("POST {token_url}");
    let body = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("grant_type", "client_credentials")
        .append_pair("scope", "all-apis")
        .finish();
    let started = Instant::now();
    let response = http
        .post(token_url)
        .basic_auth(client_id, Some(client_secret.expose()))
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .header(reqwest::header::ACCEPT, "application/json")
        .body(body)
        .send()
        .await
        .map_err(|e| AuthFailure {
            transient: e.is_connect() || e.is_timeout(),
            error: ApiError::Transport {
                request: request.clone(),
                message: format!(
                    "cannot fetch an OAuth token from {token_url}: {}",
                    crate::transport::describe_transport(&e)
                ),
            },
        })?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await.map_err(|e| AuthFailure {
        transient: true,
        error: ApiError::Transport {
            request: request.clone(),
            message: format!("the OAuth token answer from {token_url} was cut off: {e}"),
        },
    })?;
    if !(200..300).contains(&status) {
        let mut parsed = parse_error_body(status, &bytes, None);
        // OAuth servers answer {"error": "invalid_client", "error_description": "…"}.
        if let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(&bytes)
            && let Some(desc) = map.get("error_description").and_then(|v| v.as_str())
        {
            parsed.message = format!("{}: {desc}", parsed.message);
        }
        return Err(AuthFailure {
            transient: status == 429 || status == 503,
            error: ApiError::Api {
                status,
                error_code: parsed.error_code,
                message: format!("OAuth token request failed: {}", parsed.message),
                retry_after: None,
                request,
            },
        });
    }
    let parsed: TokenResponse = serde_json::from_slice(&bytes).map_err(|e| AuthFailure {
        transient: false,
        error: ApiError::decode(&request, "access_token", e.to_string()),
    })?;
    let lifetime = Duration::from_secs_f64(parsed.expires_in.unwrap_or(3600.0).max(0.0));
    // Refresh a little early (a tenth of the lifetime, at most a minute) so a token never
    // expires in flight.
    let margin = (lifetime / 10).min(Duration::from_secs(60));
    Ok(Cached {
        token: parsed.access_token,
        refresh_at: started + lifetime.saturating_sub(margin),
    })
}
