//! Clouds (`--cloud aws|azure|gcp`) over HTTP: each cloud's catalogue (node types, Spark
//! versions, zones), the instance-profiles API (AWS only), cloud attributes checked on every
//! write that carries a cluster spec, and the seed on each cloud.

use brickport_emulator::{Cloud, EmulatorOptions, SeedSpec};
use serde_json::Value;

use crate::common::{self, Emu};

mod attributes;
mod catalogue;
mod instance_profiles;
mod seeded;

/// An emulator on `cloud` with the common tokens (admin and a non-admin).
async fn on(cloud: Cloud) -> Emu {
    common::start_with(EmulatorOptions {
        cloud,
        ..common::options()
    })
    .await
}

/// An emulator on `cloud` holding `seed`.
async fn seeded(cloud: Cloud, seed: SeedSpec) -> Emu {
    common::start_with(EmulatorOptions {
        cloud,
        seed,
        ..common::options()
    })
    .await
}

fn assert_error(resp: &(u16, Value), status: u16, code: &str) {
    assert_eq!(resp.0, status, "{}", resp.1);
    assert_eq!(resp.1["error_code"], code, "{}", resp.1);
}
