//! The resolved configuration: flags, environment and config file merged once, at start.
//!
//! Precedence, highest first: command-line flags → `BRICKPORT_SOURCE_*` / `BRICKPORT_TARGET_*`
//! environment variables → the config file. A workspace is named by exactly one of those
//! layers and takes its credentials from that same layer, so a token meant for one workspace
//! is never paired with another's host. The plain `DATABRICKS_HOST`/`DATABRICKS_TOKEN`
//! variables are deliberately ignored: they name one workspace, and brickport needs two.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use brickport_api::{
    CreationQuota, Family, ResolveRequest, Secret, WorkspaceConfig, resolve_workspace,
};

use crate::cli::GlobalArgs;
use crate::config::{self, FamilyKey, FileConfig, WorkspaceBlock};

/// How much goes to stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verbosity {
    /// Only the error line.
    Quiet,
    /// Progress and warnings.
    Normal,
    /// Progress plus log lines (count of `-v`).
    Verbose(u8),
}

/// Which workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The workspace copied from.
    Source,
    /// The workspace copied to.
    Target,
}

impl Side {
    /// `"source"` / `"target"`.
    pub fn name(self) -> &'static str {
        match self {
            Side::Source => "source",
            Side::Target => "target",
        }
    }

    fn env_prefix(self) -> &'static str {
        match self {
            Side::Source => "BRICKPORT_SOURCE_",
            Side::Target => "BRICKPORT_TARGET_",
        }
    }
}

/// Everything a command needs, resolved once.
#[derive(Debug)]
pub struct Settings {
    /// How much goes to stderr.
    pub verbosity: Verbosity,
    /// The config file read, if any.
    pub config_path: Option<PathBuf>,
    /// Its contents (defaults when there is none).
    pub file: FileConfig,
    source_profile: Option<String>,
    target_profile: Option<String>,
    run_dir: Option<PathBuf>,
    env: HashMap<String, String>,
}

impl Settings {
    /// Merges the global flags with the config file and the process environment.
    pub fn resolve(global: &GlobalArgs) -> Result<Settings> {
        let loaded = config::load(global.config.as_deref())?;
        let verbosity = if global.quiet {
            Verbosity::Quiet
        } else if global.verbose > 0 {
            Verbosity::Verbose(global.verbose)
        } else {
            Verbosity::Normal
        };
        Ok(Settings {
            verbosity,
            config_path: loaded.path,
            file: loaded.file,
            source_profile: global.source_profile.clone(),
            target_profile: global.target_profile.clone(),
            run_dir: global.run_dir.clone(),
            // `vars()` would panic on a variable that is not UTF-8; such a variable cannot be
            // one of ours, so it is skipped.
            env: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        })
    }

    fn env_var(&self, name: &str) -> Option<String> {
        self.env
            .get(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }

    /// The environment handed to the api's resolver: only where `~/.databrickscfg` is, never
    /// `DATABRICKS_HOST`/`DATABRICKS_TOKEN` (see the module doc).
    fn resolver_env(&self) -> HashMap<String, String> {
        ["HOME", "USERPROFILE", "DATABRICKS_CONFIG_FILE"]
            .iter()
            .filter_map(|k| self.env.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect()
    }

    /// Resolves one workspace (host + credentials), or says precisely what is missing.
    pub fn workspace(&self, side: Side) -> Result<WorkspaceConfig> {
        self.workspace_request(side)
            .and_then(|req| resolve_workspace(req).map_err(anyhow::Error::from))
            .with_context(|| format!("{} workspace", side.name()))
    }

    fn workspace_request(&self, side: Side) -> Result<ResolveRequest> {
        let base = ResolveRequest {
            env: Some(self.resolver_env()),
            ..ResolveRequest::default()
        };
        let flag = match side {
            Side::Source => &self.source_profile,
            Side::Target => &self.target_profile,
        };
        if let Some(profile) = flag {
            return Ok(ResolveRequest {
                profile: Some(profile.clone()),
                ..base
            });
        }
        let p = side.env_prefix();
        let var = |k: &str| self.env_var(&format!("{p}{k}"));
        if let Some(profile) = var("PROFILE") {
            return Ok(ResolveRequest {
                profile: Some(profile),
                ..base
            });
        }
        if let Some(host) = var("HOST") {
            return Ok(ResolveRequest {
                host: Some(host),
                token: var("TOKEN").map(Secret::new),
                client_id: var("CLIENT_ID"),
                client_secret: var("CLIENT_SECRET").map(Secret::new),
                host_origin: Some(format!("{p}HOST")),
                credentials_origin: Some(format!(
                    "the environment ({p}TOKEN / {p}CLIENT_ID / {p}CLIENT_SECRET)"
                )),
                credentials_fix: Some(format!(
                    "set {p}TOKEN (or {p}CLIENT_ID and {p}CLIENT_SECRET) next to {p}HOST, or \
                     name the workspace by a profile with --{}-profile",
                    side.name()
                )),
                ..base
            });
        }
        let block = match side {
            Side::Source => self.file.source.as_ref(),
            Side::Target => self.file.target.as_ref(),
        };
        let Some(block) = block else {
            bail!(
                "no {s} workspace given: pass --{s}-profile NAME (a ~/.databrickscfg section), add a \
                 [{s}] block to brickport.toml (`brickport init` writes an example), or set \
                 {p}HOST and {p}TOKEN",
                s = side.name()
            );
        };
        self.block_request(side, block, base)
    }

    fn block_request(
        &self,
        side: Side,
        block: &WorkspaceBlock,
        base: ResolveRequest,
    ) -> Result<ResolveRequest> {
        let file = self.config_name();
        let s = side.name();
        match (&block.profile, &block.host) {
            (Some(_), Some(_)) => bail!(
                "{file} [{s}] gives both `profile` and `host`: keep one (the profile already has a host)"
            ),
            (Some(profile), None) => Ok(ResolveRequest {
                profile: Some(profile.clone()),
                ..base
            }),
            (None, None) => bail!(
                "{file} [{s}] has no `host` and no `profile`: add `profile = \"NAME\"` (a \
                 ~/.databrickscfg section) or `host = \"https://…\"` with `token_env = \"VAR\"`"
            ),
            (None, Some(host)) => {
                let from_env = |key: &str, var: &Option<String>| -> Result<Option<Secret>> {
                    let Some(var) = var else { return Ok(None) };
                    match self.env_var(var) {
                        Some(v) => Ok(Some(Secret::new(v))),
                        None => bail!(
                            "{file} [{s}] says `{key} = \"{var}\"`, but the environment variable \
                             {var} is not set (or empty): export it, or use a profile instead"
                        ),
                    }
                };
                Ok(ResolveRequest {
                    host: Some(host.clone()),
                    token: from_env("token_env", &block.token_env)?,
                    client_id: block.client_id.clone(),
                    client_secret: from_env("client_secret_env", &block.client_secret_env)?,
                    host_origin: Some(format!("{file} [{s}]")),
                    credentials_origin: Some(format!("{file} [{s}]")),
                    credentials_fix: Some(format!(
                        "add `token_env = \"VAR\"` (a variable holding the token), or \
                         `client_id` and `client_secret_env`, to [{s}] in {file}"
                    )),
                    ..base
                })
            }
        }
    }

    /// The job-creation quota `[throttle.jobs] jobs_created_per_hour` asks for, when it is
    /// set (else the client keeps the platform's 10,000 per hour).
    pub fn job_creation_quota(&self) -> Option<CreationQuota> {
        let per_hour = self
            .file
            .throttle
            .get(&FamilyKey(Family::Jobs))?
            .jobs_created_per_hour?;
        Some(CreationQuota {
            max: usize::try_from(per_hour.0).unwrap_or(usize::MAX),
            window: Duration::from_secs(3600),
        })
    }

    /// The config file's name for messages (`brickport.toml` when there is none).
    pub fn config_name(&self) -> String {
        self.config_path
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| config::DEFAULT_FILE.to_string())
    }

    /// The run directory: `--run-dir`, else the file's `run_dir`, else
    /// `./brickport-runs/<source>-to-<target>/`.
    pub fn run_dir(&self, source: &WorkspaceConfig, target: &WorkspaceConfig) -> PathBuf {
        if let Some(dir) = self.explicit_run_dir() {
            return dir;
        }
        PathBuf::from(RUNS_DIR).join(format!(
            "{}-to-{}",
            workspace_slug(source),
            workspace_slug(target)
        ))
    }

    /// The run directory when it is given without naming the workspaces (flag or file).
    pub fn explicit_run_dir(&self) -> Option<PathBuf> {
        self.run_dir.clone().or_else(|| self.file.run_dir.clone())
    }

    /// The run directory for commands that only read one (`status`): explicit, else the
    /// default derived from the workspaces when both can be resolved (the rule `migrate`
    /// uses), else the only run directory under `./brickport-runs/` (said on stderr).
    pub fn existing_run_dir(&self) -> Result<PathBuf> {
        if let Some(dir) = self.explicit_run_dir() {
            return Ok(dir);
        }
        if let (Ok(s), Ok(t)) = (self.workspace(Side::Source), self.workspace(Side::Target)) {
            return Ok(self.run_dir(&s, &t));
        }
        let found = run_dirs_in(Path::new(RUNS_DIR));
        if let [only] = found.as_slice() {
            if self.verbosity != Verbosity::Quiet {
                eprintln!(
                    "using {}, the only run directory in ./{RUNS_DIR}/ (pass --run-dir to choose another)",
                    only.display()
                );
            }
            return Ok(only.clone());
        }
        let seen = if found.is_empty() {
            format!("./{RUNS_DIR}/ holds none")
        } else {
            let names: Vec<String> = found.iter().map(|d| d.display().to_string()).collect();
            format!("found: {}", names.join(", "))
        };
        bail!(
            "no run directory given: pass --run-dir DIR (or `run_dir` in brickport.toml), or \
             name both workspaces so the default ./{RUNS_DIR}/<source>-to-<target>/ can be found \
             ({seen})"
        )
    }
}

/// Where run directories go by default (relative to the working directory).
const RUNS_DIR: &str = "brickport-runs";

/// The subdirectories of `dir`, sorted; none when it cannot be read.
fn run_dirs_in(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut dirs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// A short, filesystem-safe name for a workspace: its profile, else its host name.
pub fn workspace_slug(ws: &WorkspaceConfig) -> String {
    let raw = match &ws.profile {
        Some(p) => p.clone(),
        None => {
            // `adb-123.4.azuredatabricks.net` → `adb-123`; an address (the emulator's
            // `127.0.0.1:PORT`) is kept whole, since only the port tells two apart.
            let h = ws
                .host
                .split_once("://")
                .map(|(_, h)| h)
                .unwrap_or(&ws.host);
            let first = h.split('.').next().unwrap_or(h);
            let is_address = first.chars().all(|c| c.is_ascii_digit())
                || first.starts_with("localhost")
                || h.starts_with('[');
            if is_address {
                h.to_string()
            } else {
                first.to_string()
            }
        }
    };
    let slug: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if slug.is_empty() {
        "workspace".into()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(toml: &str) -> Settings {
        Settings {
            verbosity: Verbosity::Quiet,
            config_path: None,
            file: config::parse(Path::new("brickport.toml"), toml).unwrap(),
            source_profile: None,
            target_profile: None,
            run_dir: None,
            env: HashMap::new(),
        }
    }

    #[test]
    fn the_job_creation_quota_reaches_the_clients() {
        let s = settings("[throttle.jobs]\nconcurrency = 4\njobs_created_per_hour = 1234\n");
        let quota = CreationQuota {
            max: 1234,
            window: Duration::from_secs(3600),
        };
        assert_eq!(s.job_creation_quota(), Some(quota));
        let options = crate::connect::client_options(&s);
        assert_eq!(options.throttle.job_creations, Some(quota));
        assert_eq!(options.throttle.limit(Family::Jobs).max_concurrent, 4);
        // Unset: the platform's quota stays.
        let s = settings("[throttle.jobs]\nrps = 3\n");
        assert_eq!(s.job_creation_quota(), None);
        assert_eq!(
            crate::connect::client_options(&s).throttle.job_creations,
            Some(CreationQuota::JOBS_PER_HOUR)
        );
    }
}
