//! [`WorkspaceClient`]: the one request path every call goes through.
//!
//! A call is: throttle (family slot + rate) → bearer token → HTTP request with a JSON body →
//! JSON answer (whatever the Content-Type; an empty body is `{}`) or a parsed platform error →
//! retry decision ([`crate::retry`]) → typed decoding that names the failing JSON path. The
//! client is `Clone` (an `Arc` inside) and holds no globals, so a source and a target client
//! live side by side.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::Authenticator;
use crate::error_body::parse_error_body;
use crate::retry::{CallClock, is_quota_refusal, is_retryable_answer, parse_retry_after};
use crate::stats::StatsCounters;
use crate::throttle::Throttle;
use crate::transport::{Failure, classify, innermost};
use crate::{
    ApiError, Family, RetryOptions, Stats, ThrottleOptions, WorkspaceConfig, normalize_host,
};

/// Tuning of a [`WorkspaceClient`].
#[derive(Debug, Clone, PartialEq)]
pub struct ClientOptions {
    /// Timeout of one HTTP attempt, from sending to the end of the answer (default 60 s).
    pub timeout: Duration,
    /// Timeout for opening a connection (default 10 s).
    pub connect_timeout: Duration,
    /// Retry policy.
    pub retry: RetryOptions,
    /// Per-family throttling.
    pub throttle: ThrottleOptions,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            retry: RetryOptions::default(),
            throttle: ThrottleOptions::default(),
        }
    }
}

impl ClientOptions {
    /// Options suited to a local emulator or tests: no throttling, short waits and a retry
    /// budget of `budget`.
    pub fn fast(budget: Duration) -> Self {
        ClientOptions {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(2),
            retry: RetryOptions::fast(budget),
            throttle: ThrottleOptions::unlimited(),
        }
    }
}

/// A client for one workspace. Cheap to clone.
#[derive(Clone)]
pub struct WorkspaceClient {
    inner: Arc<Inner>,
}

struct Inner {
    host: String,
    http: reqwest::Client,
    auth: Authenticator,
    retry: RetryOptions,
    throttle: Throttle,
    stats: StatsCounters,
}

impl std::fmt::Debug for WorkspaceClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkspaceClient")
            .field("host", &self.inner.host)
            .finish_non_exhaustive()
    }
}

/// Why one attempt failed, as far as retrying is concerned.
enum AttemptError {
    /// Nothing reached the server (connection not opened, or no token): safe to repeat when
    /// `transient`.
    NotSent(ApiError, bool),
    /// The request went out but no answer came back.
    Lost(ApiError, String),
    /// The server answered with an error.
    Answer(ApiError),
}

/// The `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("brickport/", env!("CARGO_PKG_VERSION"));

impl WorkspaceClient {
    /// A client for `config`. Fails on an invalid host (e.g. plain http to a non-loopback
    /// host) or when the HTTP stack cannot be set up.
    pub fn new(config: WorkspaceConfig, options: ClientOptions) -> Result<Self, ApiError> {
        let host = normalize_host(&config.host)?;
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .timeout(options.timeout)
            .connect_timeout(options.connect_timeout)
            // Drop idle connections before load balancers do (often at 60 s): a write sent on
            // a connection the far end already closed would come back as "outcome unknown".
            .pool_idle_timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| ApiError::Config(format!("cannot set up the HTTP client: {e}")))?;
        Ok(WorkspaceClient {
            inner: Arc::new(Inner {
                auth: Authenticator::new(&host, &config.credentials),
                host,
                http,
                retry: options.retry,
                throttle: Throttle::new(&options.throttle),
                stats: StatsCounters::new(),
            }),
        })
    }

    /// The workspace URL, e.g. `https://adb-1.2.azuredatabricks.net`.
    pub fn host(&self) -> &str {
        &self.inner.host
    }

    /// A snapshot of the request counters.
    pub fn stats(&self) -> Stats {
        self.inner
            .stats
            .snapshot(|f| self.inner.throttle.current_rate(f))
    }

    /// Typed request used by the services: encodes `body`, decodes the answer into `T`.
    pub(crate) async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Result<T, ApiError> {
        let url = self.url(path);
        let body = match body {
            Some(b) => Some(encode(&method, &url, b)?),
            None => None,
        };
        // Straight from the bytes: through a `Value` first, a big unpaginated answer (every
        // policy, a folder of 36,000 homes) held 5–7× its size at once.
        self.call(method, path, query, body).await?.decode()
    }

    fn url(&self, path: &str) -> String {
        format!("{}/{}", self.inner.host, path.trim_start_matches('/'))
    }

    /// The request path with throttling and retries; returns the success answer's body.
    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(String, String)],
        body: Option<Vec<u8>>,
    ) -> Result<Body, ApiError> {
        let inner = &self.inner;
        let family = Family::from_path(path);
        let url = self.url(path);
        let request = format!("{method} {url}");
        let is_read = method == Method::GET || method == Method::HEAD;
        let lane = crate::throttle::lane_of(family, is_read, path);
        let mut clock = CallClock::start();
        let mut attempt: u32 = 0;
        let mut connect_failures: u32 = 0;
        let mut reauthenticated = false;
        loop {
            let mut permit = inner.throttle.acquire(family, lane).await;
            clock.queued(permit.quota_wait());
            inner.stats.request(family);
            if attempt > 0 {
                inner.stats.retry(family);
            }
            let outcome = self
                .attempt(&method, &url, &request, query, body.as_deref())
                .await;
            if let Err(AttemptError::Answer(e)) = &outcome
                && e.status().is_some_and(|s| (400..500).contains(&s))
            {
                // A definite refusal: nothing was created, nothing counts against a quota.
                permit.refused();
            }
            drop(permit);
            let (error, hint) = match outcome {
                Ok(value) => {
                    inner.throttle.on_success(family, lane);
                    return Ok(value);
                }
                Err(AttemptError::Answer(error)) => {
                    if error.status() == Some(429) {
                        inner.stats.rate_limited(family);
                        inner.throttle.on_rate_limited(family, lane);
                    }
                    if error.status() == Some(401) && inner.auth.refreshable() && !reauthenticated {
                        // An OAuth token may have been revoked early: fetch a new one once.
                        inner.auth.invalidate().await;
                        reauthenticated = true;
                        attempt += 1;
                        continue;
                    }
                    if is_quota_refusal(&error) {
                        inner
                            .throttle
                            .on_quota_refused(lane, inner.retry.quota_pause);
                    }
                    if !is_retryable_answer(&error) {
                        return Err(error);
                    }
                    let hint = error.retry_after();
                    (error, hint)
                }
                Err(AttemptError::NotSent(error, transient)) => {
                    connect_failures += 1;
                    if !transient || connect_failures >= inner.retry.max_connect_attempts {
                        return Err(error);
                    }
                    (error, None)
                }
                Err(AttemptError::Lost(error, detail)) => {
                    if !is_read {
                        return Err(ApiError::OutcomeUnknown { request, detail });
                    }
                    (error, None)
                }
            };
            let Some(wait) = clock.next_wait(&inner.retry, attempt, hint, &error) else {
                return Err(ApiError::RetryBudgetExhausted {
                    request,
                    attempts: attempt + 1,
                    elapsed: clock.elapsed(),
                    last: Box::new(error),
                });
            };
            tracing::info!(%request, attempt, wait_ms = wait.as_millis() as u64, error = %error, "retrying");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    /// One HTTP exchange.
    async fn attempt(
        &self,
        method: &Method,
        url: &str,
        request: &str,
        query: &[(String, String)],
        body: Option<&[u8]>,
    ) -> Result<Body, AttemptError> {
        let inner = &self.inner;
        let token = inner
            .auth
            .bearer(&inner.http)
            .await
            .map_err(|f| AttemptError::NotSent(f.error, f.transient))?;
        let mut builder = inner
            .http
            .request(method.clone(), url)
            .bearer_auth(token.expose())
            .header(reqwest::header::ACCEPT, "application/json");
        if !query.is_empty() {
            builder = builder.query(query);
        }
        if let Some(body) = body {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        // `-vv`'s request line: method, URL without its query (where a secret's name or a
        // page token travels), status, time; never a header (where the token travels).
        let sent = std::time::Instant::now();
        let response = builder.send().await.map_err(|e| {
            let failed = self.send_error(request, e);
            tracing::debug!("{request} failed after {} ms", sent.elapsed().as_millis());
            failed
        })?;
        let status = response.status().as_u16();
        tracing::debug!("{request} {status} {} ms", sent.elapsed().as_millis());
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let retry_after = parse_retry_after(header("retry-after").as_deref());
        let reason = header("x-databricks-reason-phrase");
        let content_type = header("content-type").unwrap_or_default();
        let bytes = response.bytes().await.map_err(|e| {
            let detail = format!("the answer was cut off: {}", innermost(&e));
            AttemptError::Lost(
                ApiError::Transport {
                    request: request.to_string(),
                    message: format!("{request}: {detail}"),
                },
                detail,
            )
        })?;
        if (200..300).contains(&status) {
            return Ok(Body {
                request: request.to_string(),
                bytes: Vec::from(bytes),
                content_type,
            });
        }
        let parsed = parse_error_body(status, &bytes, reason.as_deref());
        Err(AttemptError::Answer(ApiError::Api {
            status,
            error_code: parsed.error_code,
            message: parsed.message,
            retry_after,
            request: request.to_string(),
        }))
    }

    fn send_error(&self, request: &str, e: reqwest::Error) -> AttemptError {
        let transport = |message| ApiError::Transport {
            request: request.to_string(),
            message,
        };
        match classify(&self.inner.host, &e) {
            Failure::NotConnected { message, permanent } => {
                AttemptError::NotSent(transport(message), !permanent)
            }
            Failure::Lost { detail } => {
                AttemptError::Lost(transport(format!("{request}: {detail}")), detail)
            }
        }
    }
}

fn encode(
    method: &Method,
    url: &str,
    body: &(impl Serialize + ?Sized),
) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(body).map_err(|e| {
        ApiError::decode(
            &format!("{method} {url}"),
            "(request body)",
            format!("cannot encode: {e}"),
        )
    })
}

/// A success answer's body, read as JSON whatever its Content-Type (empty ⇒ `{}`).
struct Body {
    request: String,
    bytes: Vec<u8>,
    content_type: String,
}

impl Body {
    fn text(&self) -> &[u8] {
        if self.bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            &self.bytes
        }
    }

    /// The body decoded into `T`, naming the failing path; a body that is not JSON at all
    /// says so, with its start.
    fn decode<T: DeserializeOwned>(self) -> Result<T, ApiError> {
        let text = self.text();
        let not_json = |e: &serde_json::Error| {
            let start = String::from_utf8_lossy(&text[..text.len().min(200)]).into_owned();
            ApiError::decode(
                &self.request,
                ".",
                format!(
                    "the body is not JSON ({e}; content-type `{}`): {start}",
                    self.content_type
                ),
            )
        };
        let mut de = serde_json::Deserializer::from_slice(text);
        let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            if e.inner().is_syntax() || e.inner().is_eof() {
                not_json(e.inner())
            } else {
                ApiError::decode(&self.request, e.path().to_string(), e.inner().to_string())
            }
        })?;
        de.end().map_err(|e| not_json(&e))?;
        Ok(value)
    }
}

/// JSON → `T`, naming the failing path.
pub(crate) fn decode<T: DeserializeOwned>(request: &str, value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value)
        .map_err(|e| ApiError::decode(request, e.path().to_string(), e.inner().to_string()))
}
