//! The recorder: a loopback HTTP server in front of the source workspace for the length of an
//! export. The export's source client points at it; it forwards each read to the source as it
//! came (the client's own headers, token included, are passed on and never kept), files the
//! answer under the request's key, and hands it back unchanged.
//!
//! What is kept: every answer the client takes as final — a success, or a 4xx other than
//! 401/407/429 and the rate-limit refusals (a 404 for an object gone, a 403 the migration
//! would meet too). What is not: a 401 (the client fetches a new OAuth token and asks again),
//! a 429, a 5xx or a broken connection (the client retries). A request whose every answer
//! was of the second sort fails the export at its end ([`BundleError::Unanswered`]), since
//! the bundle could not answer it. The OAuth token exchange is forwarded, never kept. Any
//! other write is refused: an export only reads the source.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::BundleError;
use crate::key::RequestKey;
use crate::store::{Answer, Writer};

/// The header the platform carries its error code in, besides the body.
pub(crate) const REASON: &str = "x-databricks-reason-phrase";

/// The running recorder.
pub struct Recorder {
    url: String,
    state: Arc<Recording>,
    task: tokio::task::JoinHandle<()>,
}

struct Recording {
    upstream: String,
    http: reqwest::Client,
    store: Arc<Writer>,
    /// Requests whose last answer could not be kept, with what came back.
    unanswered: Mutex<BTreeMap<RequestKey, String>>,
    /// The first write refused.
    refused: Mutex<Option<String>>,
    /// Answers kept, and their bytes.
    kept: AtomicU64,
    bytes: AtomicU64,
}

/// What was recorded.
#[derive(Debug, Clone, Copy, Default)]
pub struct Recorded {
    /// Answers filed (a request answered twice counts twice).
    pub answers: u64,
    /// Their bytes.
    pub bytes: u64,
}

impl Recorder {
    /// Starts recording the answers of `upstream` (the source's URL) into `store`.
    pub async fn start(upstream: &str, store: Arc<Writer>) -> Result<Recorder, BundleError> {
        let http = reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| BundleError::Serve(format!("cannot set up the HTTP client: {e}")))?;
        let state = Arc::new(Recording {
            upstream: upstream.trim_end_matches('/').to_string(),
            http,
            store,
            unanswered: Mutex::default(),
            refused: Mutex::default(),
            kept: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        });
        let app = Router::new().fallback(forward).with_state(state.clone());
        let (url, task) = crate::serve_loopback(app).await?;
        Ok(Recorder { url, state, task })
    }

    /// Where the export's source client sends its requests.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stops the server; fails when a write was refused or a request was never answered in a
    /// way the bundle can keep.
    pub fn finish(self) -> Result<Recorded, BundleError> {
        self.task.abort();
        let s = &self.state;
        if let Some(request) = s.refused.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(BundleError::Source(format!(
                "brickport tried to write to the source while exporting (`{request}`, refused): export only reads; this is a bug"
            )));
        }
        let unanswered =
            std::mem::take(&mut *s.unanswered.lock().unwrap_or_else(|p| p.into_inner()));
        let mut missing = Vec::new();
        for (key, what) in unanswered {
            if !s.store.contains(&key)? {
                missing.push(format!("`{key}` ({what})"));
            }
        }
        if let Some(example) = missing.first() {
            return Err(BundleError::Unanswered {
                count: missing.len(),
                example: example.clone(),
            });
        }
        Ok(Recorded {
            answers: s.kept.load(Ordering::Relaxed),
            bytes: s.bytes.load(Ordering::Relaxed),
        })
    }
}

/// Whether the client takes this answer as final (see the module doc).
fn keepable(status: u16, body: &[u8]) -> bool {
    if (200..300).contains(&status) {
        return true;
    }
    if !(400..500).contains(&status) || matches!(status, 401 | 407 | 429) {
        return false;
    }
    let code = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["error_code"].as_str().map(str::to_string));
    code.as_deref() != Some("REQUEST_LIMIT_EXCEEDED")
}

/// A JSON error answer in the platform's shape.
pub(crate) fn error_answer(status: StatusCode, code: &str, message: String) -> Response {
    (
        status,
        axum::Json(json!({"error_code": code, "message": message})),
    )
        .into_response()
}

async fn forward(
    State(s): State<Arc<Recording>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let key = RequestKey::new(method.as_str(), uri.path(), uri.query());
    let token_exchange = method == Method::POST && uri.path() == "/oidc/v1/token";
    if method != Method::GET && !token_exchange {
        let mut refused = s.refused.lock().unwrap_or_else(|p| p.into_inner());
        refused.get_or_insert_with(|| format!("{method} {}", uri.path()));
        return error_answer(
            StatusCode::METHOD_NOT_ALLOWED,
            "BAD_REQUEST",
            format!(
                "brickport export only reads the source: {method} {} refused",
                uri.path()
            ),
        );
    }
    let target = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let mut request = s.http.request(method, format!("{}{target}", s.upstream));
    for name in [
        header::AUTHORIZATION,
        header::ACCEPT,
        header::CONTENT_TYPE,
        header::USER_AGENT,
    ] {
        if let Some(v) = headers.get(&name) {
            request = request.header(name, v);
        }
    }
    if !body.is_empty() {
        request = request.body(body);
    }
    let answer = match request.send().await {
        Ok(response) => read_answer(response).await,
        Err(e) => Err(e),
    };
    let (answer, retry_after) = match answer {
        Ok(a) => a,
        Err(e) => {
            let what = format!("no answer: {e}");
            unanswered(&s, key, what.clone());
            // 503: the client retries it like any unavailable workspace.
            return error_answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "TEMPORARILY_UNAVAILABLE",
                what,
            );
        }
    };
    if !token_exchange {
        keep(&s, key, &answer);
    }
    respond(answer, retry_after)
}

/// The answer's status, headers the client reads, and body.
async fn read_answer(
    response: reqwest::Response,
) -> Result<(Answer, Option<HeaderValue>), reqwest::Error> {
    let status = response.status().as_u16();
    let text = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = text(header::CONTENT_TYPE.as_str());
    let reason = text(REASON);
    let retry_after = response.headers().get(header::RETRY_AFTER).cloned();
    let body = response.bytes().await?.to_vec();
    let answer = Answer {
        status,
        content_type,
        reason,
        body,
    };
    Ok((answer, retry_after))
}

/// Files `answer` when the client takes it as final; otherwise notes the request as not yet
/// answered. Written in place: one row, no fsync (a blocking-pool thread per answer cost
/// more — each thread's allocator heap — than the write itself).
fn keep(s: &Recording, key: RequestKey, answer: &Answer) {
    if !keepable(answer.status, &answer.body) {
        unanswered(s, key, format!("HTTP {}", answer.status));
        return;
    }
    match s.store.put(&key, answer) {
        Ok(()) => {
            s.kept.fetch_add(1, Ordering::Relaxed);
            s.bytes
                .fetch_add(answer.body.len() as u64, Ordering::Relaxed);
            s.unanswered
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&key);
        }
        Err(e) => unanswered(s, key, format!("not recorded: {e}")),
    }
}

fn unanswered(s: &Recording, key: RequestKey, what: String) {
    s.unanswered
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, what);
}

/// `answer` as an HTTP response (the replay serves recorded answers the same way).
pub(crate) fn respond(answer: Answer, retry_after: Option<HeaderValue>) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::BAD_GATEWAY);
    let mut response = (status, answer.body).into_response();
    let h = response.headers_mut();
    h.remove(header::CONTENT_TYPE);
    if let Some(v) = answer
        .content_type
        .and_then(|v| HeaderValue::from_str(&v).ok())
    {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Some(v) = answer.reason.and_then(|v| HeaderValue::from_str(&v).ok()) {
        h.insert(REASON, v);
    }
    if let Some(v) = retry_after {
        h.insert(header::RETRY_AFTER, v);
    }
    response
}
