//! The replay: a read-only loopback HTTP server answering a checked bundle's recorded
//! requests, and a normal [`WorkspaceClient`] pointing at it — the source of `import`,
//! `plan --from` and `verify --from`, so the engine runs unchanged with no source credentials.
//!
//! It answers only its own client: each replay makes a random bearer token, and any other
//! caller on the machine gets a 401 (the bundle's contents never leave through it). A request
//! the bundle has no answer for, or any write, is answered with an error naming it *and*
//! recorded as the replay's failure: [`Replay::guard`] stops the command at once with
//! [`BundleError::NotRecorded`] or [`BundleError::ReadOnly`], whatever the engine would have
//! made of the error (a permissions read that fails is only a skip to it).

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::Response;
use brickport_api::{ClientOptions, Family, FamilyLimit, Secret, WorkspaceClient, WorkspaceConfig};
use tokio::sync::watch;

use crate::BundleError;
use crate::format::{BRICKPORT, Bundle, Manifest};
use crate::key::RequestKey;
use crate::record::{error_answer, respond};
use crate::store::Reader;

/// A bundle being served.
pub struct Replay {
    client: WorkspaceClient,
    serving: Arc<Serving>,
    failed: watch::Receiver<bool>,
    task: tokio::task::JoinHandle<()>,
}

struct Serving {
    dir: PathBuf,
    manifest: Manifest,
    reader: Reader,
    token: String,
    failure: Mutex<Option<Failure>>,
    failed: watch::Sender<bool>,
}

/// Why the replay could not serve a request (kept to be turned into the command's error).
#[derive(Debug, Clone)]
enum Failure {
    NotRecorded(String),
    ReadOnly(String),
    /// An answer that could not be read back (its own message names the file).
    Unreadable(String),
}

impl Replay {
    /// Serves `bundle` (already checked by [`Bundle::open`]) on 127.0.0.1, port 0.
    pub async fn start(bundle: &Bundle) -> Result<Replay, BundleError> {
        let reader = Reader::open(&bundle.answers())?;
        let token = format!("{:032x}", rand::random::<u128>());
        let (tx, failed) = watch::channel(false);
        let serving = Arc::new(Serving {
            dir: bundle.dir.clone(),
            manifest: bundle.manifest.clone(),
            reader,
            token: token.clone(),
            failure: Mutex::default(),
            failed: tx,
        });
        let app = Router::new().fallback(answer).with_state(serving.clone());
        let (url, task) = crate::serve_loopback(app).await?;
        let config = WorkspaceConfig::with_token(&url, Secret::from(token))
            .map_err(|e| BundleError::Serve(e.to_string()))?;
        let options = replay_options();
        let client =
            WorkspaceClient::new(config, options).map_err(|e| BundleError::Serve(e.to_string()))?;
        Ok(Replay {
            client,
            serving,
            failed,
            task,
        })
    }

    /// The source client: reads answered from the bundle.
    pub fn client(&self) -> &WorkspaceClient {
        &self.client
    }

    /// The bundle's directory.
    pub fn dir(&self) -> &std::path::Path {
        &self.serving.dir
    }

    /// The bundle's manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.serving.manifest
    }

    /// The first request the replay could not serve, as the error to stop with.
    pub fn failure(&self) -> Option<BundleError> {
        let s = &self.serving;
        let failure = s
            .failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()?;
        Some(match failure {
            Failure::NotRecorded(request) => BundleError::NotRecorded {
                dir: s.dir.clone(),
                request,
                hint: hint(&s.manifest),
            },
            Failure::ReadOnly(request) => BundleError::ReadOnly {
                dir: s.dir.clone(),
                request,
            },
            Failure::Unreadable(message) => BundleError::Replay(message),
        })
    }

    /// Runs `work` (a command reading its source from the replay) and stops it the moment a
    /// request cannot be served, with that request's error; a failure at its very end counts
    /// too.
    pub async fn guard<T>(&self, work: impl Future<Output = T>) -> Result<T, BundleError> {
        let mut failed = self.failed.clone();
        let failure = async move {
            if failed.wait_for(|f| *f).await.is_err() {
                // The sender lives as long as `self`: never reached.
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            biased;
            () = failure => Err(self.failure().unwrap_or_else(|| BundleError::Serve("the replay stopped".into()))),
            out = work => match self.failure() {
                Some(e) => Err(e),
                None => Ok(out),
            },
        }
    }
}

/// The replay client's options: local answers need no pacing and no retries worth waiting
/// for, but a cap on requests in flight per family as a workspace's (unbounded, answers the
/// engine has asked for ahead of its use pile up in memory: import's peak RSS was 1.6× the
/// migration's without it).
fn replay_options() -> ClientOptions {
    // The replay answers on the engine's own thread: an answer late by more than a network
    // timeout means that thread was busy (or the machine loaded), never that the bundle is
    // gone, so a timeout would only fail a read that was about to succeed (seen at
    // scale:100000 on a loaded machine: a listing given up after 57 s). Ten minutes bounds a
    // replay that is truly stuck.
    let patience = std::time::Duration::from_secs(600);
    let mut options = ClientOptions::fast(patience);
    options.timeout = patience;
    for family in Family::ALL {
        options.throttle.set(
            family,
            FamilyLimit {
                max_concurrent: 32,
                requests_per_second: 1e6,
            },
        );
    }
    options
}

impl Drop for Replay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What to tell the operator about a request the bundle cannot answer.
fn hint(m: &Manifest) -> String {
    let mut selected = Vec::new();
    if !m.selection.only.is_empty() {
        selected.push(format!("--only {}", m.selection.only.join(",")));
    }
    if let Some(p) = m.selection.phase {
        selected.push(format!("--phase {p}"));
    }
    if !m.selection.include_paths.is_empty() || !m.selection.exclude_paths.is_empty() {
        selected.push("include/exclude paths from the config".into());
    }
    let selection = match selected.is_empty() {
        true => "every kind".to_string(),
        false => selected.join(", "),
    };
    format!(
        "it was exported by brickport {} with {selection}; a command reading more than was exported (another selection, or another brickport version: this is {BRICKPORT}) cannot run from it: export again with this brickport and the same selection",
        m.written_by
    )
}

impl Serving {
    fn fail(&self, failure: Failure) {
        self.failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert(failure);
        self.failed.send_replace(true);
    }

    fn authorised(&self, headers: &HeaderMap) -> bool {
        let bearer = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        bearer == Some(self.token.as_str())
    }
}

async fn answer(
    State(s): State<Arc<Serving>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if !s.authorised(&headers) {
        return error_answer(
            StatusCode::UNAUTHORIZED,
            "UNAUTHENTICATED",
            "this replay answers only the brickport process that started it".into(),
        );
    }
    let key = RequestKey::new(method.as_str(), uri.path(), uri.query());
    if method != Method::GET {
        let request = format!("{method} {}", uri.path());
        s.fail(Failure::ReadOnly(request.clone()));
        return error_answer(
            StatusCode::METHOD_NOT_ALLOWED,
            "BUNDLE_IS_READ_ONLY",
            format!("{request}: the source is a bundle, which is read-only"),
        );
    }
    // Read in place: one indexed row, well under a millisecond (a blocking-pool thread per
    // request cost more — each thread's allocator heap — than the read itself).
    match s.reader.get(&key) {
        Ok(Some(recorded)) => respond(recorded, None),
        Ok(None) => {
            s.fail(Failure::NotRecorded(key.to_string()));
            error_answer(
                StatusCode::BAD_REQUEST,
                "BUNDLE_HAS_NO_ANSWER",
                format!("the bundle has no answer to `{key}`"),
            )
        }
        Err(e) => {
            s.fail(Failure::Unreadable(e.to_string()));
            error_answer(
                StatusCode::BAD_REQUEST,
                "BUNDLE_DAMAGED",
                format!("the bundle's answer to `{key}` cannot be read"),
            )
        }
    }
}
