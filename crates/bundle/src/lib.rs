//! `brickport-bundle`: a migration's source in a directory, for workspaces that cannot both
//! be reached from one machine (two private networks, an air gap).
//!
//! `export` ([`export()`]) makes every read of the source a migration makes — through the
//! engine itself, unchanged — with a recorder ([`record`]) standing between the client and
//! the source: each request's answer is filed under its method, path and query in
//! `answers.sqlite` ([`store`]). `import`, `plan --from` and `verify --from` check the bundle
//! ([`Bundle::open`]: the manifest's version, each file's size and SHA-256), then serve it on
//! 127.0.0.1 ([`Replay`]) and hand the engine a normal client pointing there as its source.
//! The engine, its ledger, resume and reports work exactly as with a live source.
//!
//! **Invariant:** nothing here knows clap or the terminal; the cli prints.
//! **Invariant:** a token never enters a bundle (the recorder keys on method, path and query,
//! and keeps bodies only — the secrets API never answers a value), and an export never writes
//! to the source (the recorder refuses every write but the OAuth token exchange).
//! **Invariant:** a bundle is never wholly in memory: answers go to disk one at a time, and
//! the replay reads one row per request.
#![deny(missing_docs)]

mod error;
pub mod export;
pub mod files;
pub mod format;
pub mod key;
pub mod record;
pub mod replay;
pub mod store;

pub use error::BundleError;
pub use export::{ExportRequest, ExportSummary, KindExported, export};
pub use format::{Bundle, Manifest};
pub use replay::Replay;

/// Serves `app` on 127.0.0.1, a port the system picks; returns its URL and the server's task.
pub(crate) async fn serve_loopback(
    app: axum::Router,
) -> Result<(String, tokio::task::JoinHandle<()>), BundleError> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| BundleError::Serve(e.to_string()))?;
    let addr = listener
        .local_addr()
        .map_err(|e| BundleError::Serve(e.to_string()))?;
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::warn!(error = %e, "the bundle's loopback server stopped");
        }
    });
    Ok((format!("http://{addr}"), task))
}
