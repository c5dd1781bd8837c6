//! What the themes share: two emulators on loopback (different id ranges, so a missed remap
//! shows), two clients, a run directory; seeds of a source, and reads of a workspace made
//! independently of the engine (no ledger) to check what a run did.

pub mod check;
pub mod jobs;
pub mod seed;
pub mod seed23;
pub mod view;

use std::time::Duration;

use brickport_api::{ClientOptions, WorkspaceClient, WorkspaceConfig};
use brickport_emulator::{EmulatorOptions, RateLimitSpec, RunningEmulator};
use brickport_engine::EngineOptions;

pub struct Pair {
    pub src: RunningEmulator,
    pub dst: RunningEmulator,
    pub source: WorkspaceClient,
    pub target: WorkspaceClient,
    pub dir: tempfile::TempDir,
}

pub fn client(url: &str) -> WorkspaceClient {
    let cfg = WorkspaceConfig::with_token(url, TOKEN).unwrap();
    WorkspaceClient::new(cfg, ClientOptions::fast(Duration::from_secs(60))).unwrap()
}

/// The bearer token every test client sends.
const TOKEN: &str = "test-token";

/// An independent reader of the workspace `c` talks to (raw HTTP, not `c` itself).
pub fn walk(c: &WorkspaceClient) -> brickport_testkit::Workspace {
    brickport_testkit::Workspace::new(c.host(), TOKEN)
}

/// An empty workspace without rate limits, its ids drawn from `id_seed` (any token is
/// accepted as `admin@example.com`, a workspace admin).
pub fn options(id_seed: u64) -> EmulatorOptions {
    EmulatorOptions {
        id_seed,
        rate_limits: RateLimitSpec::Off,
        ..EmulatorOptions::default()
    }
}

pub async fn start(opts: EmulatorOptions) -> RunningEmulator {
    brickport_emulator::start(opts).await.unwrap()
}

/// A source and a target with different id ranges.
pub async fn pair() -> Pair {
    Pair::of(options(1), options(2)).await
}

impl Pair {
    /// A source and a target started with these options.
    pub async fn of(src: EmulatorOptions, dst: EmulatorOptions) -> Pair {
        let (src, dst) = (start(src).await, start(dst).await);
        Pair {
            source: client(src.url()),
            target: client(dst.url()),
            src,
            dst,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Every phase over this pair's run directory, `max_concurrency` at a time.
    pub fn options(&self, max_concurrency: usize) -> EngineOptions {
        let mut o = EngineOptions::new(self.dir.path().join("run"));
        o.max_concurrency = max_concurrency;
        o
    }

    /// Phase 1 options over this pair's run directory.
    pub fn opts(&self) -> EngineOptions {
        let mut o = self.options(6);
        o.phase = Some(1);
        o
    }

    /// Writes the target emulator has answered so far.
    pub fn target_writes(&self) -> u64 {
        self.dst.stats().writes
    }
}
