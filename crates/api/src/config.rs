//! Workspace resolution: which host and which credentials, from profiles and environment.
//!
//! Precedence, highest first: an explicit profile (a section of `~/.databrickscfg`, whose path
//! `DATABRICKS_CONFIG_FILE` overrides) → explicit host/credentials → environment variables
//! (`DATABRICKS_HOST`, `DATABRICKS_TOKEN`, `DATABRICKS_CLIENT_ID`, `DATABRICKS_CLIENT_SECRET`)
//! → the profile named by `DATABRICKS_CONFIG_PROFILE`, else `DEFAULT`. Credentials come from
//! the same layer as the host, or from explicit arguments: a token from the environment is
//! never paired with a host from a profile (or an explicit host), because with two workspaces
//! in play that token most likely belongs to the other one.
//!
//! The environment is injectable ([`ResolveRequest::env`]) so tests need not touch the
//! process environment.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::{ApiError, Secret, normalize_host};

/// How the client authenticates.
#[derive(Debug, Clone, PartialEq)]
pub enum Credentials {
    /// A personal access token, sent as `Authorization: Bearer`.
    Pat(Secret),
    /// OAuth machine-to-machine: a service principal's client id and secret, exchanged at
    /// `<host>/oidc/v1/token` for a short-lived bearer token.
    OAuthM2m {
        /// The service principal's application (client) id.
        client_id: String,
        /// The OAuth secret.
        client_secret: Secret,
    },
}

impl Credentials {
    /// A short name for messages: `"personal access token"` or `"OAuth M2M"`.
    pub fn kind(&self) -> &'static str {
        match self {
            Credentials::Pat(_) => "personal access token",
            Credentials::OAuthM2m { .. } => "OAuth M2M (client id/secret)",
        }
    }
}

/// A resolved workspace: a normalised host and its credentials.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkspaceConfig {
    /// `https://host` (or `http://127.0.0.1:port` for loopback), no trailing slash.
    pub host: String,
    /// How to authenticate.
    pub credentials: Credentials,
    /// The profile the values came from, if any.
    pub profile: Option<String>,
    /// Where the host came from, for messages (`"profile prod in /home/x/.databrickscfg"`,
    /// `"environment (DATABRICKS_HOST)"`, `"explicit arguments"`).
    pub source: String,
}

impl WorkspaceConfig {
    /// A workspace with a personal access token (the host is normalised and checked).
    pub fn with_token(host: &str, token: impl Into<Secret>) -> Result<Self, ApiError> {
        Ok(WorkspaceConfig {
            host: normalize_host(host)?,
            credentials: Credentials::Pat(token.into()),
            profile: None,
            source: "explicit arguments".into(),
        })
    }

    /// A workspace with OAuth M2M credentials (the host is normalised and checked).
    pub fn with_oauth(
        host: &str,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
    ) -> Result<Self, ApiError> {
        Ok(WorkspaceConfig {
            host: normalize_host(host)?,
            credentials: Credentials::OAuthM2m {
                client_id: client_id.into(),
                client_secret: client_secret.into(),
            },
            profile: None,
            source: "explicit arguments".into(),
        })
    }
}

/// What the caller knows; [`resolve_workspace`] fills in the rest.
#[derive(Clone, Default)]
pub struct ResolveRequest {
    /// An explicit profile name (beats everything else).
    pub profile: Option<String>,
    /// An explicit host.
    pub host: Option<String>,
    /// An explicit personal access token.
    pub token: Option<Secret>,
    /// An explicit OAuth client id.
    pub client_id: Option<String>,
    /// An explicit OAuth client secret.
    pub client_secret: Option<Secret>,
    /// The config file (beats `DATABRICKS_CONFIG_FILE` and `~/.databrickscfg`).
    pub config_file: Option<PathBuf>,
    /// The environment to read; `None` reads the process environment.
    pub env: Option<HashMap<String, String>>,
    /// Where the explicit host was read, in the caller's words (`BRICKPORT_SOURCE_HOST`,
    /// `brickport.toml [source]`), for messages and [`WorkspaceConfig::source`]; `None`
    /// says "explicit arguments".
    pub host_origin: Option<String>,
    /// Where the explicit credentials were read, in the caller's words, for messages
    /// (`"the variables BRICKPORT_SOURCE_TOKEN / …"`); `None` says "the explicit arguments".
    pub credentials_origin: Option<String>,
    /// How to give credentials next to the explicit host, when it has none (`"set
    /// BRICKPORT_SOURCE_TOKEN"`); `None` gives a generic hint.
    pub credentials_fix: Option<String>,
}

impl std::fmt::Debug for ResolveRequest {
    /// Prints the environment's variable names only: its values may hold tokens.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let env_keys = self.env.as_ref().map(|e| {
            let mut keys: Vec<&String> = e.keys().collect();
            keys.sort();
            keys
        });
        f.debug_struct("ResolveRequest")
            .field("profile", &self.profile)
            .field("host", &self.host)
            .field("token", &self.token)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("config_file", &self.config_file)
            .field("env_keys", &env_keys)
            .field("host_origin", &self.host_origin)
            .field("credentials_origin", &self.credentials_origin)
            .field("credentials_fix", &self.credentials_fix)
            .finish()
    }
}

/// One source of values, in precedence order.
struct Layer {
    host: Option<String>,
    credentials: Option<Credentials>,
    profile: Option<String>,
    source: String,
    /// How to give credentials in this layer, for the message when its host has none.
    fix: String,
}

/// Resolves a workspace from a profile, explicit values and the environment (see module doc).
pub fn resolve_workspace(req: ResolveRequest) -> Result<WorkspaceConfig, ApiError> {
    let env = match req.env.clone() {
        Some(env) => env,
        None => std::env::vars().collect(),
    };
    let get = |k: &str| {
        env.get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let config_path = req
        .config_file
        .clone()
        .or_else(|| get("DATABRICKS_CONFIG_FILE").map(PathBuf::from))
        .or_else(|| {
            get("HOME")
                .or_else(|| get("USERPROFILE"))
                .map(|h| Path::new(&h).join(".databrickscfg"))
        });

    if let Some(profile) = req.profile.as_deref().filter(|p| !p.trim().is_empty()) {
        let layer = profile_layer(config_path.as_deref(), profile.trim(), true)?
            .unwrap_or_else(|| empty_layer("nothing"));
        return finish(vec![layer]);
    }

    let mut layers = vec![Layer {
        host: req.host.clone().filter(|h| !h.trim().is_empty()),
        credentials: credentials(
            req.token.clone(),
            req.client_id.clone(),
            req.client_secret.clone(),
            req.credentials_origin
                .as_deref()
                .unwrap_or("the explicit arguments"),
        )?,
        profile: None,
        source: req
            .host_origin
            .clone()
            .unwrap_or_else(|| "explicit arguments".into()),
        fix: req.credentials_fix.clone().unwrap_or_else(|| {
            "give a token, or an OAuth client id and secret, with the host".into()
        }),
    }];
    layers.push(Layer {
        host: get("DATABRICKS_HOST"),
        credentials: credentials(
            get("DATABRICKS_TOKEN").map(Secret::new),
            get("DATABRICKS_CLIENT_ID"),
            get("DATABRICKS_CLIENT_SECRET").map(Secret::new),
            "the environment (DATABRICKS_TOKEN / DATABRICKS_CLIENT_ID / DATABRICKS_CLIENT_SECRET)",
        )?,
        profile: None,
        source: "environment (DATABRICKS_HOST)".into(),
        fix: "set DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET) next \
              to DATABRICKS_HOST, or give credentials explicitly"
            .into(),
    });
    if layers.iter().all(|l| l.host.is_none()) {
        let (name, required) = match get("DATABRICKS_CONFIG_PROFILE") {
            Some(p) => (p, true),
            None => ("DEFAULT".to_string(), false),
        };
        if let Some(layer) = profile_layer(config_path.as_deref(), &name, required)? {
            layers.push(layer);
        }
    }
    finish(layers)
}

fn empty_layer(source: &str) -> Layer {
    Layer {
        host: None,
        credentials: None,
        profile: None,
        source: source.into(),
        fix: String::new(),
    }
}

/// Host from the first layer that has one; credentials from that layer or the explicit one
/// (layer 0).
fn finish(layers: Vec<Layer>) -> Result<WorkspaceConfig, ApiError> {
    let Some(host_at) = layers.iter().position(|l| l.host.is_some()) else {
        return Err(ApiError::Config(
            "no workspace host: pass a host (or a profile), set DATABRICKS_HOST, or add a \
             [DEFAULT] section with `host` and `token` to ~/.databrickscfg"
                .into(),
        ));
    };
    let layer = &layers[host_at];
    let raw_host = layer.host.clone().unwrap_or_default();
    let host = normalize_host(&raw_host)?;
    let explicit = if host_at > 0 {
        layers[0].credentials.clone()
    } else {
        None
    };
    let Some(credentials) = explicit.or_else(|| layer.credentials.clone()) else {
        return Err(ApiError::Config(format!(
            "the workspace host {host} (from {}) has no credentials: {}",
            layer.source, layer.fix
        )));
    };
    Ok(WorkspaceConfig {
        host,
        credentials,
        profile: layer.profile.clone(),
        source: layer.source.clone(),
    })
}

fn credentials(
    token: Option<Secret>,
    client_id: Option<String>,
    client_secret: Option<Secret>,
    origin: &str,
) -> Result<Option<Credentials>, ApiError> {
    let token = token.filter(|t| !t.expose().trim().is_empty());
    let client_id = client_id.filter(|c| !c.trim().is_empty());
    let client_secret = client_secret.filter(|s| !s.expose().trim().is_empty());
    match (token, client_id, client_secret) {
        (Some(_), Some(_), _) | (Some(_), _, Some(_)) => Err(ApiError::Config(format!(
            "{origin} give both a token and OAuth client credentials — keep only one"
        ))),
        (Some(t), None, None) => Ok(Some(Credentials::Pat(t))),
        (None, Some(id), Some(secret)) => Ok(Some(Credentials::OAuthM2m {
            client_id: id,
            client_secret: secret,
        })),
        (None, Some(_), None) => Err(ApiError::Config(format!(
            "{origin} give an OAuth client id without its client secret"
        ))),
        (None, None, Some(_)) => Err(ApiError::Config(format!(
            "{origin} give an OAuth client secret without its client id"
        ))),
        (None, None, None) => Ok(None),
    }
}

/// Reads one profile. `Ok(None)` when the profile is optional and absent.
fn profile_layer(
    path: Option<&Path>,
    name: &str,
    required: bool,
) -> Result<Option<Layer>, ApiError> {
    let Some(path) = path else {
        return if required {
            Err(ApiError::Config(format!(
                "profile `{name}` requested but no config file location is known (set \
                 DATABRICKS_CONFIG_FILE or HOME)"
            )))
        } else {
            Ok(None)
        };
    };
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => return Ok(None),
        Err(e) => {
            return Err(ApiError::Config(format!(
                "profile `{name}` requested but the config file {} cannot be read: {e}",
                path.display()
            )));
        }
    };
    check_syntax(path, &text)?;
    let ini = ini::Ini::load_from_str_noescape(&text).map_err(|e| {
        // The parser's own wording is Rust debug output (`expecting "[Some(']')]"`): the
        // position is kept, the wording is ours.
        ApiError::Config(format!(
            "cannot parse {} at line {}, column {}: this is not a valid INI file — fix the file \
             ({SHAPE})",
            path.display(),
            e.line,
            e.col,
        ))
    })?;
    let Some(section) = ini.section(Some(name)) else {
        if !required {
            return Ok(None);
        }
        let names: Vec<&str> = ini.sections().flatten().collect();
        let list = if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        };
        return Err(ApiError::Config(format!(
            "profile `{name}` is not in {} (profiles there: {list})",
            path.display()
        )));
    };
    let field = |k: &str| {
        section
            .get(k)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let source = format!("profile {name} in {}", path.display());
    let host = field("host");
    if host.is_none() && required {
        return Err(ApiError::Config(format!("{source} has no `host`")));
    }
    let creds = credentials(
        field("token").map(Secret::new),
        field("client_id"),
        field("client_secret").map(Secret::new),
        &source,
    )?;
    Ok(Some(Layer {
        host,
        credentials: creds,
        profile: Some(name.to_string()),
        fix: match field("auth_type") {
            // What the Databricks CLI and SDKs support beyond these (databricks-cli's U2M
            // token cache, azure-cli, metadata services…), brickport does not: said so, since
            // "add a token" would read as if the profile were merely incomplete.
            Some(t) if !matches!(t.as_str(), "pat" | "oauth-m2m") => format!(
                "profile {name} uses auth_type = {t}, which brickport does not support; use a \
                 PAT (`token = …`) or OAuth M2M (`client_id` and `client_secret`) in {}",
                path.display()
            ),
            _ => format!(
                "add `token = …` (or `client_id` and `client_secret`) to the profile {name} in {}",
                path.display()
            ),
        },
        source,
    }))
}

/// What a config file's lines look like, for messages.
const SHAPE: &str = "sections look like [name], values like `host = https://…`, comments start \
                     with ; or #";

/// Checks every line of `~/.databrickscfg` before the INI parser sees it: the parser reads a
/// line without `=` as the start of a key running on into the next lines, so a stray line
/// would silently swallow the section after it and surface later as "profile not found".
/// The line's text is never echoed: it may hold a token.
fn check_syntax(path: &Path, text: &str) -> Result<(), ApiError> {
    let mut in_section = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        let problem = if line.starts_with('[') {
            in_section = true;
            if line.contains(']') {
                continue;
            }
            "opens a section with `[` but has no closing `]`".to_string()
        } else if line.contains('=') || line.contains(':') {
            continue;
        } else if in_section {
            "is neither a [section] header nor a `key = value` line".to_string()
        } else {
            "comes before the first [section] and is neither a [section] header nor a \
             `key = value` line"
                .to_string()
        };
        return Err(ApiError::Config(format!(
            "cannot parse {} at line {}: the line {problem} — fix the file ({SHAPE})",
            path.display(),
            i + 1
        )));
    }
    Ok(())
}
