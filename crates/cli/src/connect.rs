//! Building the two workspace clients from the resolved settings.
//!
//! Each side gets its own client (its own throttle budgets: the platform limits per
//! workspace). With `--from DIR` the source is a bundle instead ([`connect`]): checked whole
//! first, then served on 127.0.0.1 by a replay whose client stands in for the source's, so
//! no source credentials are needed. The `[throttle.<family>]` blocks of the config file override the api's
//! conservative defaults family by family; `[throttle.jobs] jobs_created_per_hour` sets the
//! hourly quota of job creations.

use std::future::Future;
use std::path::Path;

use anyhow::{Context, Result, bail};
use brickport_api::{
    ClientOptions, Credentials, FamilyLimit, Secret, ThrottleOptions, WorkspaceClient,
    WorkspaceConfig,
};
use brickport_bundle::{Bundle, Replay};

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
    let mut options = ClientOptions {
        throttle,
        ..ClientOptions::default()
    };
    if let Some(wait) = settings.file.outage_wait {
        options.outage.wait = wait.0;
    }
    options
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

/// Both workspaces, the source possibly read from a bundle.
pub struct Connected {
    /// The clients (with a bundle, the source's is the replay's, and its config names the
    /// exported workspace, for the run directory's name).
    pub pair: Pair,
    /// The bundle being served, when the source is one.
    pub replay: Option<Replay>,
}

impl Connected {
    /// With a bundle, what it is and where it is served (the engine's messages name the
    /// source by that loopback URL).
    pub fn bundle_label(&self) -> Option<String> {
        let replay = self.replay.as_ref()?;
        let m = replay.manifest();
        Some(format!(
            "source: the bundle {} (exported from {} at {}), served at {}",
            replay.dir().display(),
            m.source.host,
            m.exported_at,
            replay.client().host()
        ))
    }

    /// Runs `work` (reading the source); with a bundle, stops it the moment it asks the
    /// bundle for something it has no answer to, with that request's error.
    pub async fn guard<T>(&self, work: impl Future<Output = T>) -> Result<T> {
        match &self.replay {
            Some(replay) => Ok(replay.guard(work).await?),
            None => Ok(work.await),
        }
    }
}

/// The two workspaces: the source from the settings, or from the bundle at `from` — checked
/// (manifest version, each file's size and hash) before anything goes over the network.
pub async fn connect(settings: &Settings, from: Option<&Path>) -> Result<Connected> {
    let Some(dir) = from else {
        return Ok(Connected {
            pair: pair(settings)?,
            replay: None,
        });
    };
    let bundle = Bundle::open(dir)?;
    let exported = &bundle.manifest.source;
    let target_config = settings.workspace(Side::Target)?;
    if exported.host == target_config.host {
        bail!(
            "the bundle {} was exported from {}, the target: name another target workspace",
            dir.display(),
            exported.host
        );
    }
    let target = WorkspaceClient::new(target_config.clone(), client_options(settings))
        .context("target workspace")?;
    let replay = Replay::start(&bundle).await?;
    let source_config = WorkspaceConfig {
        host: exported.host.clone(),
        // Never used: the replay's client has its own; this config only names the source.
        credentials: Credentials::Pat(Secret::new("")),
        profile: exported.profile.clone(),
        source: format!("bundle {}", dir.display()),
    };
    Ok(Connected {
        pair: Pair {
            source: replay.client().clone(),
            target,
            source_config,
            target_config,
        },
        replay: Some(replay),
    })
}
