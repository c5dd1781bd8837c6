//! `brickport import --from DIR`: `migrate` into the target with the source read from a
//! bundle (`brickport export`) — the same pre-check, engine, ledger, resume and reports, and
//! no source credentials. The bundle is checked whole (manifest version, each file's size
//! and SHA-256) before anything is sent to the target; a read the bundle has no answer to
//! stops the run at once, naming it.

use anyhow::Result;

use crate::cli::ImportArgs;
use crate::commands::migrate;
use crate::connect;
use crate::output::Outcome;
use crate::settings::Settings;

/// `brickport import`.
pub async fn run(settings: &Settings, args: &ImportArgs) -> Result<Outcome> {
    let connected = connect::connect(settings, Some(&args.from)).await?;
    migrate::run_on(settings, &args.migrate, &connected).await
}
