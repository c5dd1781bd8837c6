//! An in-memory Databricks workspace that speaks the same REST API as the real one.
//!
//! It knows nothing of migration: it is a workspace, with the real quirks (error codes and
//! statuses, pagination, id formats, state transitions, size limits) plus the knobs a test
//! needs (latency, per-family rate limits, injected faults, seeding, stats).
//!
//! Entry point: [`start`] with [`EmulatorOptions`] → a [`RunningEmulator`] (its `url()`,
//! `stats()`, runtime knobs, `shutdown()`).
#![deny(missing_docs)]

pub mod account;
pub mod auth;
pub mod body;
pub mod cloud;
pub mod error;
pub mod fault_rules;
pub mod faults;
pub mod front;
pub mod ids;
pub mod indexed;
pub mod kinds;
pub mod meta;
pub mod options;
pub mod persist;
pub mod ratelimit;
pub mod routes;
pub mod seed;
pub mod server;
pub mod state;
pub mod stats;
pub mod store;

pub use cloud::Cloud;
pub use error::EmulatorError;
pub use fault_rules::{FaultRule, RuleAction};
pub use faults::FaultSpec;
pub use options::{EmulatorOptions, Latency, OAuthClient, TokenSpec};
pub use ratelimit::RateLimitSpec;
pub use seed::SeedSpec;
pub use server::{RunningEmulator, start};
pub use stats::StatsSnapshot;
