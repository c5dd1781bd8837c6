//! Building the two workspace clients from the resolved settings.
//!
//! Each side gets its own client (its own throttle budgets: the platform limits per
//! workspace). The `[throttle.<family>]` blocks of the config file override the api's
//! conservative defaults family by family; `[throttle.jobs] jobs_created_per_hour` sets the
//! hourly quota of job creations.

use anyhow::{Context, Result, bail};
use brickport_api::{
    ClientOptions, FamilyLimit, ThrottleOptions, WorkspaceClient, WorkspaceConfig,
};

use crate::settings::{Settings, Side};

/// Both workspaces, resolved and with a client each.
pub struct Pair {
    /// Where the objects come from.
    pub source: WorkspaceClient,
    /// Where they go.
    pub target: WorkspaceClient,
    /// The source's resolved config (host, profile).
    pub source_config: WorkspaceConfig,
    /// The target's resolved config (host, profile).
    pub target_config: WorkspaceConfig,
}

/// The client options the config file asks for.
pub fn client_options(settings: &Settings) -> ClientOptions {
    let mut throttle = ThrottleOptions::default();
    for (family, block) in &settings.file.throttle {
        let base = throttle.limit(family.0);
        throttle.set(
            family.0,
            FamilyLimit {
                max_concurrent: block
                    .concurrency
                    .map(|c| c.0 as usize)
                    .unwrap_or(base.max_concurrent),
                requests_per_second: block.rps.map(|r| r.0).unwrap_or(base.requests_per_second),
            },
        );
    }
    if let Some(quota) = settings.job_creation_quota() {
        throttle.job_creations = Some(quota);
    }
    ClientOptions {
        throttle,
        ..ClientOptions::default()
    }
}

/// Resolves both workspaces, refuses the same workspace twice, and builds their clients.
/// Nothing goes over the network here.
pub fn pair(settings: &Settings) -> Result<Pair> {
    let source_config = settings.workspace(Side::Source)?;
    let target_config = settings.workspace(Side::Target)?;
    if source_config.host == target_config.host {
        bail!(
            "source and target are the same workspace ({}): name two different workspaces",
            source_config.host
        );
    }
    let options = client_options(settings);
    let source =
        WorkspaceClient::new(source_config.clone(), options.clone()).context("source workspace")?;
    let target =
        WorkspaceClient::new(target_config.clone(), options).context("target workspace")?;
    Ok(Pair {
        source,
        target,
        source_config,
        target_config,
    })
}
