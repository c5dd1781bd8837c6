//! Compute and orchestration kinds over real HTTP: clusters, libraries, policies, pools,
//! warehouses, Git folders and credentials, jobs, global init scripts.
//!
//! Each test starts its own emulator on 127.0.0.1:0 and talks to it with a plain reqwest
//! client. Tests that need a transitional state (PENDING, TERMINATING) use a long start delay
//! so the state cannot pass while the test looks at it; tests that need RUNNING use a short
//! one and poll.

use std::time::Duration;

use brickport_emulator::EmulatorOptions;
use serde_json::{Value, json};

use crate::common::{self, Emu};

mod clusters;
mod init_scripts;
mod jobs;
mod policies;
mod repos;
mod unknown;
mod warehouses;

/// An emulator whose new clusters stay PENDING for `start_delay_ms`.
async fn start(start_delay_ms: u64) -> Emu {
    common::start_with(EmulatorOptions {
        cluster_start_delay: Duration::from_millis(start_delay_ms),
        ..common::options()
    })
    .await
}

fn spec(name: &str) -> Value {
    json!({"cluster_name": name, "spark_version": "15.4.x-scala2.12",
           "node_type_id": "i3.xlarge", "num_workers": 2})
}

fn assert_error(resp: &(u16, Value), status: u16, code: &str) {
    assert_eq!(resp.0, status, "{}", resp.1);
    assert_eq!(resp.1["error_code"], code, "{}", resp.1);
}
