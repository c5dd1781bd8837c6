//! The front layer: what happens to every request before and after its handler.
//!
//! In order: drop a trailing slash, strip `/api/2.x` to `/api` (the version goes into an
//! [`ApiVersion`] extension), count the request, authenticate it ([`Caller`] extension;
//! 401/403 in the platform's shapes), apply the family's rate limit (429 + `Retry-After`),
//! apply a matching fault rule or else roll the fault dice, wait the configured
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
use crate::fault_rules::{FaultRules, RuleAction};
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
    /// Fault rules per route.
    pub rules: FaultRules,
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
            rules: FaultRules::default(),
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

/// What the request is, as the steps after the version strip need it.
struct Seen {
    method: String,
    /// As the client sent it (version included, trailing slash removed).
    original: String,
    family: &'static str,
    is_write: bool,
    is_scim: bool,
    conn: Option<ConnHandle>,
}

/// The middleware function (see the module doc).
pub async fn layer(State(emu): State<AppState>, mut req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_string();
    let original = without_trailing_slash(&mut req);
    let path = match strip_version(&mut req, &original) {
        Ok(path) => path,
        Err(()) => {
            emu.stats.request(&method, &original, "api");
            let resp = ApiError::endpoint_not_found(&method, &original).into_response();
            emu.stats.status(resp.status().as_u16());
            return resp;
        }
    };
    let family = ratelimit::family(&method, &path);
    // The emulator's own endpoints are not workspace traffic: they are not counted.
    let counted = !path.starts_with("/_emulator/");
    if counted {
        emu.stats.request(&method, &path, family);
    }
    let seen = Seen {
        is_write: method != "GET" && method != "HEAD",
        is_scim: path.contains("/scim/"),
        conn: req
            .extensions()
            .get::<ConnectInfo<ConnHandle>>()
            .map(|c| c.0.clone()),
        method,
        original,
        family,
    };
    let is_api = family != "emulator";
    let (resp, lost) = if is_api {
        answer(&emu, &seen, req, next).await
    } else {
        (run(next, req).await, false)
    };
    let ok = resp.status().is_success();
    if lost
        && ok
        && let Some(c) = &seen.conn
    {
        c.kill();
    }
    let resp = normalise_error(resp, &seen.method, &seen.original).await;
    if counted {
        emu.stats.status(resp.status().as_u16());
    }
    if is_api && seen.is_write && ok {
        emu.mark_dirty();
    }
    resp
}

/// Removes a trailing slash from the path (older clients send `.../{id}/`) and returns the
/// path as sent, without it.
fn without_trailing_slash(req: &mut Request) -> String {
    let path = req.uri().path();
    // match cloud behaviour: the platform serves `/api/2.0/preview/permissions/clusters/{id}/`
    // like the same path without the slash (databrickslabs/migrate sends it and works).
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() || trimmed.len() == path.len() {
        return path.to_string();
    }
    let trimmed = trimmed.to_string();
    set_path(req, &trimmed);
    trimmed
}

/// Rewrites `/api/2.x/...` to `/api/...` (the version into an [`ApiVersion`] extension, the
/// original into [`OriginalPath`]); other paths stay. `Err` for an `/api/` path without a
/// version this workspace serves.
fn strip_version(req: &mut Request, original: &str) -> Result<String, ()> {
    let Some(rest) = original.strip_prefix("/api/") else {
        return Ok(original.to_string());
    };
    let (version, tail) = split_version(rest).ok_or(())?;
    let path = format!("/api/{tail}");
    set_path(req, &path);
    req.extensions_mut().insert(version);
    req.extensions_mut()
        .insert(OriginalPath(original.to_string()));
    Ok(path)
}

/// Replaces the request's path, keeping its query.
fn set_path(req: &mut Request, path: &str) {
    let pq = match req.uri().query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_string(),
    };
    if let Ok(uri) = pq.parse::<Uri>() {
        *req.uri_mut() = uri;
    }
}

/// An API request's answer through auth, rate limits, faults and latency; `true` when the
/// answer is to be lost (the connection dropped after the handler ran).
async fn answer(emu: &AppState, seen: &Seen, mut req: Request, next: Next) -> (Response, bool) {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok());
    match emu.front.auth.resolve(header) {
        Ok(caller) => {
            req.extensions_mut().insert(caller);
        }
        Err(AuthFailure::Missing) => {
            let message = "Credential was not sent or was of an unsupported type for this API.";
            return (unauthenticated(StatusCode::UNAUTHORIZED, message), false);
        }
        Err(AuthFailure::Invalid) => {
            // match cloud behaviour: a numeric error_code and the reason-phrase header.
            let resp = unauthenticated(StatusCode::FORBIDDEN, "Invalid access token.");
            return (resp, false);
        }
    }
    if let Some(resp) = rate_limited(emu, seen.family) {
        return (resp, false);
    }
    let lost = match injected(emu, seen) {
        Injected::Nothing => false,
        Injected::Lost => true,
        Injected::Answer(resp) => return (resp, false),
    };
    let delay = emu.front.delay();
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    (run(next, req).await, lost)
}

/// The 429 of an exhausted rate-limit bucket, if rate limits are on.
fn rate_limited(emu: &AppState, family: &str) -> Option<Response> {
    if !Knobs::get(&emu.knobs.rate_limits_enabled) {
        return None;
    }
    let secs = emu
        .front
        .limiter
        .check(family, emu.knobs.rate_limit_scale())
        .err()?;
    let mut r = standard(
        StatusCode::TOO_MANY_REQUESTS,
        "REQUEST_LIMIT_EXCEEDED",
        &format!("{family} RPC token bucket limit has been exceeded."),
    );
    if Knobs::get(&emu.knobs.retry_after) {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    Some(r)
}

/// What an injected fault does to one request.
enum Injected {
    Nothing,
    /// Handle it, then drop the connection.
    Lost,
    /// Answer this instead of handling it.
    Answer(Response),
}

/// The fault for this request: a matching rule's first, else the dice's.
fn injected(emu: &AppState, seen: &Seen) -> Injected {
    if !Knobs::get(&emu.knobs.faults_enabled) {
        return Injected::Nothing;
    }
    if let Some(action) = emu.front.rules.check(&seen.method, &seen.original) {
        return ruled(emu, seen, action);
    }
    let Some(fault) = emu.front.faults.roll(seen.is_write) else {
        return Injected::Nothing;
    };
    emu.stats.fault(fault.name());
    let answer = match fault {
        // match cloud behaviour: the "concurrent limit" 429 has no Retry-After.
        Fault::TooMany => standard(
            StatusCode::TOO_MANY_REQUESTS,
            "REQUEST_LIMIT_EXCEEDED",
            "Workspace exceeded the concurrent limit of 50 requests.",
        ),
        Fault::Unavailable => standard(
            StatusCode::SERVICE_UNAVAILABLE,
            "TEMPORARILY_UNAVAILABLE",
            "The service is temporarily unavailable. Please try again later.",
        ),
        // match cloud behaviour: SCIM answers throttling with a 500 naming the limit.
        Fault::LimitAs500 if seen.is_scim => ApiError::scim(
            StatusCode::INTERNAL_SERVER_ERROR,
            None,
            "Request rejected: REQUEST_LIMIT_EXCEEDED. Please retry later.",
        )
        .into_response(),
        Fault::LimitAs500 => standard(
            StatusCode::INTERNAL_SERVER_ERROR,
            "INTERNAL_ERROR",
            "REQUEST_LIMIT_EXCEEDED: too many requests, please retry later.",
        ),
        Fault::Reset => reset(seen),
        Fault::Lost => return Injected::Lost,
    };
    Injected::Answer(answer)
}

/// A fault rule's action on this request.
fn ruled(emu: &AppState, seen: &Seen, action: RuleAction) -> Injected {
    match action {
        RuleAction::Lost => {
            emu.stats.fault("rule:lost");
            Injected::Lost
        }
        RuleAction::Reset => {
            emu.stats.fault("rule:reset");
            Injected::Answer(reset(seen))
        }
        RuleAction::Error {
            status,
            error_code,
            message,
        } => {
            emu.stats.fault("rule:error");
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = message.unwrap_or_else(|| format!("Injected {error_code}."));
            Injected::Answer(standard(status, &error_code, &message))
        }
    }
}

/// Drops the connection before the request is handled (the 500 is never seen).
fn reset(seen: &Seen) -> Response {
    if let Some(c) = &seen.conn {
        c.kill();
    }
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
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
