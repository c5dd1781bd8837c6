//! The front layer: what happens to every request before and after its handler.
//!
//! In order: strip `/api/2.x` to `/api` (the version goes into an [`ApiVersion`] extension),
//! count the request, authenticate it ([`Caller`] extension; 401/403 in the platform's shapes),
//! apply the family's rate limit (429 + `Retry-After`), roll the fault dice, wait the configured
//! latency, run the handler (a panic becomes a plain 500, never a Rust message), then drop the
//! connection if the fault was "lost", rewrite any non-JSON error into the standard error body,
//! and mark the state dirty after a successful write.

use std::panic::AssertUnwindSafe;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::FutureExt;
use serde_json::json;

use crate::auth::{Auth, AuthFailure};
use crate::error::ApiError;
use crate::faults::{Fault, FaultSpec, Faults};
use crate::ids::splitmix64;
use crate::options::Latency;
use crate::ratelimit::{self, Limiter};
use crate::server::ConnHandle;
use crate::state::{ApiVersion, AppState, Knobs};

/// The request's path as the client sent it (before the version was stripped).
#[derive(Debug, Clone)]
pub struct OriginalPath(pub String);

/// The front layer's configuration and dice.
#[derive(Debug)]
pub struct Front {
    /// Tokens.
    pub auth: Auth,
    /// Rate-limit buckets.
    pub limiter: Limiter,
    /// Fault dice.
    pub faults: Faults,
    /// Added latency.
    pub latency: Latency,
    jitter_rng: Mutex<u64>,
}

impl Default for Front {
    fn default() -> Self {
        Front::new(
            Auth::default(),
            Limiter::new(Default::default()),
            Faults::new(FaultSpec::default(), 0),
            Latency::default(),
        )
    }
}

impl Front {
    /// A front layer from its parts.
    pub fn new(auth: Auth, limiter: Limiter, faults: Faults, latency: Latency) -> Self {
        Front {
            auth,
            limiter,
            faults,
            latency,
            jitter_rng: Mutex::new(0x1a7e_5c1e),
        }
    }

    fn delay(&self) -> Duration {
        let jitter = self.latency.jitter.as_micros() as u64;
        let extra = if jitter == 0 {
            0
        } else {
            let mut rng = self.jitter_rng.lock().unwrap_or_else(|p| p.into_inner());
            splitmix64(&mut rng) % (jitter + 1)
        };
        self.latency.fixed + Duration::from_micros(extra)
    }
}

/// Splits `2.1/clusters/get` into (2.1, `clusters/get`).
fn split_version(rest: &str) -> Option<(ApiVersion, &str)> {
    let (v, tail) = rest.split_once('/')?;
    let (major, minor) = v.split_once('.')?;
    let version = ApiVersion {
        major: major.parse().ok()?,
        minor: minor.parse().ok()?,
    };
    (version.major == 2).then_some((version, tail))
}

fn standard(status: StatusCode, code: &str, message: &str) -> Response {
    ApiError::new(status, code, message).into_response()
}

/// The middleware function (see the module doc).
pub async fn layer(State(emu): State<AppState>, mut req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_string();
    let original = req.uri().path().to_string();
    let mut path = original.clone();
    if let Some(rest) = original.strip_prefix("/api/") {
        let Some((version, tail)) = split_version(rest) else {
            emu.stats.request(&method, &original, "api");
            let resp = ApiError::endpoint_not_found(&method, &original).into_response();
            emu.stats.status(resp.status().as_u16());
            return resp;
        };
        path = format!("/api/{tail}");
        let pq = match req.uri().query() {
            Some(q) => format!("{path}?{q}"),
            None => path.clone(),
        };
        if let Ok(uri) = pq.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
        req.extensions_mut().insert(version);
        req.extensions_mut().insert(OriginalPath(original.clone()));
    }
    let family = ratelimit::family(&method, &path);
    // The emulator's own endpoints are not workspace traffic: they are not counted.
    let counted = !path.starts_with("/_emulator/");
    if counted {
        emu.stats.request(&method, &path, family);
    }
    let is_api = family != "emulator";
    let is_write = method != "GET" && method != "HEAD";
    let is_scim = path.contains("/scim/");
    let conn = req
        .extensions()
        .get::<ConnectInfo<ConnHandle>>()
        .map(|c| c.0.clone());

    let mut lost = false;
    let resp = 'answer: {
        if !is_api {
            break 'answer run(next, req).await;
        }
        let header = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok());
        match emu.front.auth.resolve(header) {
            Ok(caller) => {
                req.extensions_mut().insert(caller);
            }
            Err(AuthFailure::Missing) => {
                break 'answer unauthenticated(
                    StatusCode::UNAUTHORIZED,
                    "Credential was not sent or was of an unsupported type for this API.",
                );
            }
            Err(AuthFailure::Invalid) => {
                // match cloud behaviour: a numeric error_code and the reason-phrase header.
                break 'answer unauthenticated(StatusCode::FORBIDDEN, "Invalid access token.");
            }
        }
        if Knobs::get(&emu.knobs.rate_limits_enabled)
            && let Err(secs) = emu
                .front
                .limiter
                .check(family, emu.knobs.rate_limit_scale())
        {
            let mut r = standard(
                StatusCode::TOO_MANY_REQUESTS,
                "REQUEST_LIMIT_EXCEEDED",
                &format!("{family} RPC token bucket limit has been exceeded."),
            );
            if Knobs::get(&emu.knobs.retry_after) {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            break 'answer r;
        }
        if Knobs::get(&emu.knobs.faults_enabled)
            && let Some(fault) = emu.front.faults.roll(is_write)
        {
            emu.stats.fault(fault.name());
            match fault {
                // match cloud behaviour: the "concurrent limit" 429 has no Retry-After.
                Fault::TooMany => {
                    break 'answer standard(
                        StatusCode::TOO_MANY_REQUESTS,
                        "REQUEST_LIMIT_EXCEEDED",
                        "Workspace exceeded the concurrent limit of 50 requests.",
                    );
                }
                Fault::Unavailable => {
                    break 'answer standard(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "TEMPORARILY_UNAVAILABLE",
                        "The service is temporarily unavailable. Please try again later.",
                    );
                }
                // match cloud behaviour: SCIM answers throttling with a 500 naming the limit.
                Fault::LimitAs500 if is_scim => {
                    break 'answer ApiError::scim(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        None,
                        "Request rejected: REQUEST_LIMIT_EXCEEDED. Please retry later.",
                    )
                    .into_response();
                }
                Fault::LimitAs500 => {
                    break 'answer standard(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "INTERNAL_ERROR",
                        "REQUEST_LIMIT_EXCEEDED: too many requests, please retry later.",
                    );
                }
                Fault::Reset => {
                    if let Some(c) = &conn {
                        c.kill();
                    }
                    break 'answer StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
                Fault::Lost => lost = true,
            }
        }
        let delay = emu.front.delay();
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        run(next, req).await
    };
    let ok = resp.status().is_success();
    if lost
        && ok
        && let Some(c) = &conn
    {
        c.kill();
    }
    let resp = normalise_error(resp, &method, &original).await;
    if counted {
        emu.stats.status(resp.status().as_u16());
    }
    if is_api && is_write && ok {
        emu.mark_dirty();
    }
    resp
}

async fn run(next: Next, req: Request) -> Response {
    match AssertUnwindSafe(next.run(req)).catch_unwind().await {
        Ok(r) => r,
        Err(_) => standard(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "Internal error in the emulated workspace.",
        ),
    }
}

fn unauthenticated(status: StatusCode, message: &'static str) -> Response {
    let mut r = (
        status,
        axum::Json(json!({"error_code": status.as_u16(), "message": message})),
    )
        .into_response();
    r.headers_mut().insert(
        "X-Databricks-Reason-Phrase",
        HeaderValue::from_static(message),
    );
    r
}

/// Rewrites an error answer that is not JSON (axum's own rejections) into the standard body.
async fn normalise_error(resp: Response, method: &str, path: &str) -> Response {
    let status = resp.status();
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return resp;
    }
    let text = axum::body::to_bytes(resp.into_body(), 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    match status {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => {
            ApiError::endpoint_not_found(method, path).into_response()
        }
        StatusCode::PAYLOAD_TOO_LARGE => standard(
            status,
            "REQUEST_LIMIT_EXCEEDED",
            "The request body is too large.",
        ),
        s if s.is_server_error() => standard(s, "INTERNAL_ERROR", "Internal error."),
        s => {
            let msg = if text.is_empty() {
                "Invalid request.".to_string()
            } else {
                text
            };
            let mut r = standard(s, "INVALID_PARAMETER_VALUE", &msg);
            *r.status_mut() = s;
            r
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axum::Router;
    use axum::routing::get;

    use super::*;
    use crate::state::{Emulator, Settings, State as Ws};

    #[tokio::test]
    async fn a_panicking_handler_answers_a_plain_500() {
        let emu: AppState = Arc::new(Emulator::new(Ws::fresh(0), Settings::default()));
        let boom: Router = Router::new()
            .route(
                "/api/boom",
                get(|| async {
                    if true {
                        panic!("secret internal detail");
                    }
                    "unreachable"
                }),
            )
            .with_state(());
        let app = Router::new()
            .fallback_service(boom)
            .layer(axum::middleware::from_fn_with_state(emu.clone(), layer));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let resp = reqwest::Client::new()
            .get(format!("http://{addr}/api/2.0/boom"))
            .bearer_auth("any")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status().as_u16(), 500);
        let body = resp.text().await.unwrap();
        assert!(body.contains("INTERNAL_ERROR") && !body.contains("secret internal detail"));
        assert_eq!(emu.stats.snapshot().by_status["500"], 1);
    }
}
