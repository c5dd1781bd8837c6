//! Two emulators, two clients, a run directory.

use std::time::Duration;

use brickport_api::{ClientOptions, WorkspaceClient, WorkspaceConfig};
use brickport_emulator::{EmulatorOptions, RateLimitSpec, RunningEmulator};
use brickport_engine::EngineOptions;

/// Whether the emulator serves secrets and workspace folders yet (being written in parallel).
pub const FULL: bool = true;

pub struct Pair {
    pub src: RunningEmulator,
    pub dst: RunningEmulator,
    pub source: WorkspaceClient,
    pub target: WorkspaceClient,
    pub dir: tempfile::TempDir,
}

pub fn client(url: &str) -> WorkspaceClient {
    let cfg = WorkspaceConfig::with_token(url, "test-token").unwrap();
    WorkspaceClient::new(cfg, ClientOptions::fast(Duration::from_secs(60))).unwrap()
}

async fn emulator(id_seed: u64) -> RunningEmulator {
    brickport_emulator::start(EmulatorOptions {
        id_seed,
        rate_limits: RateLimitSpec::Off,
        ..EmulatorOptions::default()
    })
    .await
    .unwrap()
}

/// A source and a target with different id ranges (so a missed remap shows).
pub async fn pair() -> Pair {
    let src = emulator(1).await;
    let dst = emulator(2).await;
    let source = client(src.url());
    let target = client(dst.url());
    Pair {
        src,
        dst,
        source,
        target,
        dir: tempfile::tempdir().unwrap(),
    }
}

impl Pair {
    /// Phase 1 options over this pair's run directory.
    pub fn opts(&self) -> EngineOptions {
        let mut o = EngineOptions::new(self.dir.path().join("run"));
        o.phase = Some(1);
        o.max_concurrency = 6;
        if !FULL {
            o.only = [
                "users",
                "service_principals",
                "groups",
                "cluster_policies",
                "instance_pools",
                "sql_warehouses",
            ]
            .map(String::from)
            .to_vec();
            o.phase = None;
        }
        o
    }

    /// Writes the target emulator has answered so far.
    pub fn target_writes(&self) -> u64 {
        self.dst.stats().writes
    }
}
