//! Integration tests of `brickport-api` against real HTTP servers on 127.0.0.1 (axum, plus a
//! raw TCP server for connections that die mid-request). One test binary (`autotests = false`):
//! its modules group the tests by theme; `server` holds the test servers they share.

mod aibi;
mod auth;
mod config;
mod destinations;
mod errors;
mod paging;
mod pipelines;
mod quota;
mod redaction;
mod retry;
mod server;
mod services;
mod throttle;
