//! `brickport-api`: a typed client for the Databricks workspace REST API.
//!
//! The client is built in layers, one module each: [`config`] resolves a workspace (profiles,
//! environment, precedence) → `auth` turns credentials into a bearer token → `gate` waits
//! out a workspace that stopped answering (one per client, see [`Outage`]) → [`retry`]
//! decides what may be retried → [`throttle`] paces requests per API [`Family`] (and keeps
//! job creations within the hourly quota) → [`client`]
//! is the one request path → [`paginate`] turns paged lists into streams → [`services`] are
//! the typed handlers (`client.jobs().list(..)`) over the request/response structs in
//! [`types`]. Every typed struct keeps the fields it does not model in a flattened `extra`
//! map, so an object read from one workspace can be re-created in another without loss.
//!
//! The client knows nothing of migration or storage; it only speaks HTTP to one workspace.
//! Outside this crate a request is only ever made through a typed handler, so the engine never
//! builds a URL: the untyped `get_json`/`post_json` exist only with the cargo feature `raw`,
//! which tests enable (the api's and the cli's dev-dependencies) and the engine never does —
//! `.ci/run` builds the engine on its own and fails if anything enables `raw` for it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), brickport_api::ApiError> {
//! use brickport_api::types::jobs::JobListQuery;
//! use brickport_api::{ClientOptions, ResolveRequest, WorkspaceClient, resolve_workspace};
//! use futures::TryStreamExt;
//!
//! let request = ResolveRequest { profile: Some("prod".into()), ..Default::default() };
//! let client = WorkspaceClient::new(resolve_workspace(request)?, ClientOptions::default())?;
//! let jobs: Vec<_> = client.jobs().list(&JobListQuery::default()).try_collect().await?;
//! match client.clusters().get("0923-164208-meows279").await {
//!     Err(e) if e.is_not_found() => println!("gone"),
//!     other => println!("{:?}", other?.state),
//! }
//! println!("{} jobs, {} requests", jobs.len(), client.stats().total_requests());
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod auth;
mod body;
pub mod client;
pub mod config;
mod error;
mod error_body;
mod family;
mod gate;
mod host;
mod pacer;
pub mod paginate;
mod quota;
#[cfg(feature = "raw")]
mod raw;
pub mod retry;
mod secret;
pub mod services;
mod stats;
pub mod throttle;
mod transport;
pub mod types;

pub use client::{ClientOptions, WorkspaceClient};
pub use config::{Credentials, ResolveRequest, WorkspaceConfig, resolve_workspace};
pub use error::{ApiError, ApiResultExt};
pub use family::Family;
pub use gate::{Outage, OutageOptions, clock_utc};
pub use host::normalize_host;
pub use paginate::ApiStream;
pub use retry::RetryOptions;
pub use secret::Secret;
pub use stats::{FamilyStats, Stats};
pub use throttle::{CreationQuota, FamilyLimit, ThrottleOptions};
