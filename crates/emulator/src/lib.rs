//! An in-memory Databricks workspace that speaks the same REST API as the real one.
//!
//! It knows nothing of migration: it is a workspace, with the real quirks (error codes and
//! statuses, pagination, id formats, state transitions, size limits) plus the knobs a test
//! needs (latency, per-family rate limits, injected faults, seeding, stats).
#![deny(missing_docs)]

pub mod body;
pub mod error;
pub mod ids;
pub mod kinds;
pub mod state;
pub mod stats;
