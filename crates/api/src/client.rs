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
use crate::body::{Body, encode};
use crate::error_body::parse_error_body;
use crate::gate::{Gate, Outage, OutageOptions};
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
    /// How an outage of the workspace is waited out (see `gate`).
    pub outage: OutageOptions,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            retry: RetryOptions::default(),
            throttle: ThrottleOptions::default(),
            outage: OutageOptions::default(),
        }
    }
}

impl ClientOptions {
    /// Options suited to a local emulator or tests: no throttling, short waits and a retry
    /// budget of `budget` (also the longest wait for a workspace that stopped answering).
    pub fn fast(budget: Duration) -> Self {
        ClientOptions {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(2),
            retry: RetryOptions::fast(budget),
            throttle: ThrottleOptions::unlimited(),
            outage: OutageOptions {
                wait: budget,
                probe_every: Duration::from_millis(200),
                first_probe: Duration::from_millis(20),
            },
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
    gate: Gate,
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

/// How many times one call is sent again after waiting out an outage at the gate; past
/// that its failures count as usual (retry budget, connect attempts).
const OUTAGE_RETRIES: u32 = 10;

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
                http,
                retry: options.retry,
                throttle: Throttle::new(&options.throttle),
                stats: StatsCounters::new(),
                gate: Gate::new(&host, options.outage),
                host,
            }),
        })
    }

    /// The workspace URL, e.g. `https://adb-1.2.azuredatabricks.net`.
    pub fn host(&self) -> &str {
        &self.inner.host
    }

    /// The workspace's availability as this client sees it, as it changes: an outage is
    /// waited out inside the client (see `gate`); this is for showing it.
    pub fn outages(&self) -> tokio::sync::watch::Receiver<Outage> {
        self.inner.gate.watch()
    }

    /// How long requests wait for a workspace that stopped answering before they fail with
    /// [`ApiError::Unreachable`] (the `outage_wait` setting).
    pub fn set_outage_wait(&self, wait: Duration) {
        self.inner.gate.set_wait(wait);
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

    /// The request path with the outage gate, throttling and retries; returns the success
    /// answer's body.
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
        // Sends of this call waited out at the gate: capped, so that one request that always
        // loses its answer (while the probes get theirs) cannot go round for ever.
        let mut waited_out: u32 = 0;
        loop {
            // Time spent waiting out an outage is charged to no retry budget (the gate has
            // its own wait).
            clock.queued(inner.gate.pass(|| self.probe()).await?);
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
                    inner.gate.answered();
                    inner.throttle.on_success(family, lane);
                    return Ok(value);
                }
                Err(AttemptError::Answer(error)) => {
                    if self.outage_answer(&error) && waited_out < OUTAGE_RETRIES {
                        if is_read || error.status() == Some(503) {
                            waited_out += 1;
                            // Safe to send again (a read; or the server says it did nothing):
                            // once the workspace answers.
                            attempt += 1;
                            continue;
                        }
                        // A write answered by a failing workspace may or may not have been
                        // applied: the caller looks it up first, as after a lost answer.
                        let detail = format!("{error}, while the workspace was failing");
                        return Err(ApiError::OutcomeUnknown { request, detail });
                    }
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
                    if transient && inner.gate.no_answer() && waited_out < OUTAGE_RETRIES {
                        // The workspace answered before: an outage, waited out at the gate.
                        waited_out += 1;
                        attempt += 1;
                        continue;
                    }
                    connect_failures += 1;
                    if !transient || connect_failures >= inner.retry.max_connect_attempts {
                        return Err(error);
                    }
                    (error, None)
                }
                Err(AttemptError::Lost(error, detail)) => {
                    let outage = inner.gate.no_answer();
                    if !is_read {
                        // Never replayed, outage or not: the caller looks the object up
                        // (which waits at the gate until the workspace answers).
                        return Err(ApiError::OutcomeUnknown { request, detail });
                    }
                    if outage && waited_out < OUTAGE_RETRIES {
                        waited_out += 1;
                        attempt += 1;
                        continue;
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

    /// Tells the gate of an error answer; true when it is part of an outage (a burst of 5xx
    /// answers across requests, see `gate`), false for an answer of a working workspace
    /// (any 4xx; a 5xx naming a request limit; one object's 500).
    fn outage_answer(&self, error: &ApiError) -> bool {
        let gate = &self.inner.gate;
        let failing = error.status().is_some_and(|s| s >= 500)
            && (error.status() == Some(503) || !is_retryable_answer(error));
        if !failing {
            gate.answered();
            return false;
        }
        // One object's 500 is its own failure; it becomes an outage only in a burst.
        gate.server_error()
    }

    /// The gate's probe: a cheap read of the caller's identity. Any answer below 500 means
    /// the workspace is back (even a 401: it answers; the request will say the rest).
    async fn probe(&self) -> bool {
        let url = self.url("/api/2.0/preview/scim/v2/Me");
        let request = format!("GET {url}");
        match self.attempt(&Method::GET, &url, &request, &[], None).await {
            Ok(_) => true,
            Err(AttemptError::Answer(e)) => e.status().is_some_and(|s| s < 500),
            Err(_) => false,
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

/// JSON → `T`, naming the failing path.
pub(crate) fn decode<T: DeserializeOwned>(request: &str, value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value)
        .map_err(|e| ApiError::decode(request, e.path().to_string(), e.inner().to_string()))
}
