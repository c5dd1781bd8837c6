//! The config file: `brickport.toml`, or the seed's `config.json` (the same keys, in JSON).
//!
//! The file is read strictly: an unknown key, a wrong type or a bad value is an error that
//! names the file, the line and the key, because a silently ignored typo in a migration
//! config (`exlude = [...]`) would migrate what the operator meant to leave behind. Tokens are
//! not allowed in the file at all: it is the kind of file that ends up in a repository.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use brickport_api::Family;
use serde::de::{self, Deserializer, IgnoredAny};
use serde::{Deserialize, Serialize};

use crate::cli::ConflictArg;

pub(crate) mod translate;
pub use translate::TranslateBlock;
mod wait;
pub use wait::OutageWait;

/// The whole file. Every key is optional; flags override it.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    /// The workspace to copy from.
    pub source: Option<WorkspaceBlock>,
    /// The workspace to copy to.
    pub target: Option<WorkspaceBlock>,
    /// Kinds to migrate (default: all).
    pub kinds: Option<Vec<String>>,
    /// Workspace path prefixes to migrate (default: everything).
    #[serde(default)]
    pub include: Vec<PathPrefix>,
    /// Workspace path prefixes to leave behind.
    #[serde(default)]
    pub exclude: Vec<PathPrefix>,
    /// Run directory (ledger, backups, reports).
    pub run_dir: Option<PathBuf>,
    /// What to do with an object that exists in the target and differs.
    pub conflict: Option<ConflictArg>,
    /// Value written into target secrets (and destinations' non-URL write-only parts) whose
    /// real value was not supplied.
    pub secret_placeholder: Option<String>,
    /// Objects migrated at the same time, across all kinds.
    pub concurrency: Option<Concurrency>,
    /// Stop at the first failed object.
    pub fail_fast: Option<bool>,
    /// How long a workspace may stay unreachable before a run stops (default 15m).
    pub outage_wait: Option<OutageWait>,
    /// Request budgets per API family (`[throttle.scim]`, `[throttle.jobs]`, …).
    #[serde(default)]
    pub throttle: BTreeMap<FamilyKey, ThrottleBlock>,
    /// Names rewritten on the way to the target (`[translate.catalogs]`).
    #[serde(default)]
    pub translate: TranslateBlock,
}

/// An API family named in `[throttle.<family>]`. Read from a string (not with `Family`'s own
/// `Deserialize`) so that an error under it still names the key path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct FamilyKey(pub Family);

impl<'de> Deserialize<'de> for FamilyKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match Family::ALL.iter().find(|f| f.as_str() == s) {
            Some(f) => Ok(FamilyKey(*f)),
            None => {
                let names: Vec<&str> = Family::ALL.iter().map(|f| f.as_str()).collect();
                Err(de::Error::custom(format!(
                    "unknown API family `{s}`, expected one of: {}",
                    names.join(", ")
                )))
            }
        }
    }
}

/// `[source]` / `[target]`: a profile, or a host with credentials taken from the environment.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceBlock {
    /// A section of `~/.databrickscfg`.
    pub profile: Option<String>,
    /// The workspace URL, e.g. `https://adb-123.4.azuredatabricks.net`.
    pub host: Option<String>,
    /// Name of the environment variable holding a personal access token.
    pub token_env: Option<String>,
    /// OAuth M2M: the service principal's application id (not a secret).
    pub client_id: Option<String>,
    /// OAuth M2M: name of the environment variable holding the client secret.
    pub client_secret_env: Option<String>,
    /// Refused with a message saying where the token goes instead (never holds a value).
    #[serde(default, rename = "token")]
    pub _token: Option<Refused>,
    /// Refused with a message saying where the secret goes instead (never holds a value).
    #[serde(default, rename = "client_secret")]
    pub _client_secret: Option<Refused>,
}

/// `[throttle.<family>]`.
#[derive(Debug, Default, Clone, Copy, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ThrottleBlock {
    /// Requests per second.
    pub rps: Option<Rate>,
    /// Requests in flight at once.
    pub concurrency: Option<Concurrency>,
    /// Job creations per rolling hour (only under `[throttle.jobs]`): the workspace's quota,
    /// 10,000 unless the workspace has another.
    pub jobs_created_per_hour: Option<HourlyQuota>,
}

/// A key whose presence is an error (a literal credential). Deserialising it always fails,
/// with a message that does not repeat the value.
#[derive(Debug, Clone)]
pub struct Refused;

impl<'de> Deserialize<'de> for Refused {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        IgnoredAny::deserialize(d)?;
        Err(de::Error::custom(
            "credentials are not allowed in the config file (it tends to end up in a repository): \
             use `profile = \"NAME\"` (a ~/.databrickscfg section) or `token_env = \"VAR\"` / \
             `client_secret_env = \"VAR\"` (an environment variable name)",
        ))
    }
}

/// Requests per second: a finite number greater than zero.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate(pub f64);

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = f64::deserialize(d)?;
        if !v.is_finite() || v <= 0.0 {
            return Err(de::Error::custom(format!(
                "a rate must be a number of requests per second greater than 0, got {v}"
            )));
        }
        Ok(Rate(v))
    }
}

/// A count of things at once: an integer from 1 to 1024.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Concurrency(pub u32);

impl<'de> Deserialize<'de> for Concurrency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize(d)?;
        if !(1..=1024).contains(&v) {
            return Err(de::Error::custom(format!(
                "a concurrency must be an integer from 1 to 1024, got {v}"
            )));
        }
        Ok(Concurrency(v as u32))
    }
}

/// A number of creations per hour: an integer from 1 to 1,000,000,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HourlyQuota(pub u64);

impl<'de> Deserialize<'de> for HourlyQuota {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize(d)?;
        if !(1..=1_000_000_000).contains(&v) {
            return Err(de::Error::custom(format!(
                "a quota per hour must be an integer from 1 to 1000000000, got {v}"
            )));
        }
        Ok(HourlyQuota(v as u64))
    }
}

/// A workspace path prefix: absolute, e.g. `/Users/` or `/Shared/project`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PathPrefix(pub String);

impl<'de> Deserialize<'de> for PathPrefix {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = String::deserialize(d)?;
        if !v.starts_with('/') {
            return Err(de::Error::custom(format!(
                "a workspace path prefix must start with `/`, got {v:?}"
            )));
        }
        Ok(PathPrefix(v))
    }
}

impl fmt::Display for PathPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where the config came from, and what it says.
#[derive(Debug, Default)]
pub struct LoadedConfig {
    /// The file, when there is one.
    pub path: Option<PathBuf>,
    /// Its contents (all defaults when there is no file).
    pub file: FileConfig,
}

/// The default file name looked for in the current directory.
pub const DEFAULT_FILE: &str = "brickport.toml";

/// Loads `explicit` (an error if missing), else `./brickport.toml` if present, else nothing.
pub fn load(explicit: Option<&Path>) -> Result<LoadedConfig> {
    let path = match explicit {
        Some(p) => {
            if !p.is_file() {
                bail!(
                    "config file {} not found: check the --config path, or run `brickport init` to write one",
                    p.display()
                );
            }
            p.to_path_buf()
        }
        None => {
            let p = PathBuf::from(DEFAULT_FILE);
            if !p.is_file() {
                return Ok(LoadedConfig::default());
            }
            p
        }
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read config file {}", path.display()))?;
    let file = parse(&path, &text)?;
    Ok(LoadedConfig {
        path: Some(path),
        file,
    })
}

/// Parses a config file's text; JSON when the name ends in `.json`, TOML otherwise.
pub fn parse(path: &Path, text: &str) -> Result<FileConfig> {
    let is_json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let file = if is_json {
        parse_json(path, text)?
    } else {
        parse_toml(path, text)?
    };
    check_quota_family(path, text, &file)?;
    Ok(file)
}

/// `jobs_created_per_hour` is a quota of the jobs API: under another family it would
/// silently do nothing, so it is refused there.
fn check_quota_family(path: &Path, text: &str, file: &FileConfig) -> Result<()> {
    for (family, block) in &file.throttle {
        if family.0 != Family::Jobs && block.jobs_created_per_hour.is_some() {
            let name = family.0.as_str();
            let line = text
                .find("jobs_created_per_hour")
                .map(|offset| line_of(text, offset));
            bail!(where_what(
                path,
                line,
                Some(&format!("throttle.{name}.jobs_created_per_hour")),
                "the job-creation quota belongs under [throttle.jobs], not under another family"
            ));
        }
    }
    Ok(())
}

fn parse_toml(path: &Path, text: &str) -> Result<FileConfig> {
    let de = toml::de::Deserializer::parse(text)
        .map_err(|e| anyhow::anyhow!(locate_toml(path, text, None, &e)))?;
    serde_path_to_error::deserialize(de).map_err(|e| {
        let key = e.path().to_string();
        anyhow::anyhow!(locate_toml(path, text, Some(&key), e.inner()))
    })
}

/// `FILE line N, key `a.b`: message` from a toml error and its span.
fn locate_toml(path: &Path, text: &str, key: Option<&str>, e: &toml::de::Error) -> String {
    let line = e.span().map(|s| line_of(text, s.start));
    where_what(path, line, key, e.message().trim())
}

fn parse_json(path: &Path, text: &str) -> Result<FileConfig> {
    let mut de = serde_json::Deserializer::from_str(text);
    let file = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let key = e.path().to_string();
        let inner = e.inner();
        anyhow::anyhow!(where_what(
            path,
            Some(inner.line()),
            Some(&key),
            &json_message(inner)
        ))
    })?;
    de.end()
        .map_err(|e| anyhow::anyhow!(where_what(path, Some(e.line()), None, &json_message(&e))))?;
    Ok(file)
}

/// serde_json appends " at line L column C" to its messages; the location is given once, in
/// front, so strip it.
fn json_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

fn where_what(path: &Path, line: Option<usize>, key: Option<&str>, msg: &str) -> String {
    let mut out = format!("config file {}", path.display());
    if let Some(line) = line {
        out.push_str(&format!(" line {line}"));
    }
    if let Some(key) = key.filter(|k| !k.is_empty() && *k != ".") {
        out.push_str(&format!(", key `{key}`"));
    }
    // One line: toml messages may span several.
    let msg = msg.split_whitespace().collect::<Vec<_>>().join(" ");
    out.push_str(&format!(": {msg}"));
    out
}

fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toml_err(text: &str) -> String {
        parse(Path::new("b.toml"), text).unwrap_err().to_string()
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let e = toml_err("conflict = \"skip\"\n\n[source]\nprofile = \"a\"\nprofle = \"b\"\n");
        assert!(e.contains("b.toml line 5"), "{e}");
        assert!(e.contains("profle"), "{e}");
    }

    #[test]
    fn negative_rate_is_refused_with_its_key() {
        let e = toml_err("[throttle.scim]\nrps = -1\n");
        assert!(e.contains("line 2"), "{e}");
        assert!(e.contains("throttle.scim.rps"), "{e}");
        assert!(e.contains("greater than 0"), "{e}");
    }

    #[test]
    fn unknown_family_and_wrong_type() {
        let e = toml_err("[throttle.scm]\nrps = 1\n");
        assert!(e.contains("scm"), "{e}");
        let e = toml_err("concurrency = \"many\"\n");
        assert!(e.contains("line 1") && e.contains("concurrency"), "{e}");
    }

    #[test]
    fn literal_token_is_refused_without_echo() {
        let e = toml_err("[source]\nhost = \"https://x\"\ntoken = \"dapi-SECRET123\"\n");
        assert!(e.contains("line 3"), "{e}");
        assert!(e.contains("token_env"), "{e}");
        assert!(!e.contains("SECRET123"), "{e}");
    }

    #[test]
    fn json_has_the_same_meaning() {
        let f = parse(
            Path::new("config.json"),
            r#"{"source": {"profile": "a"}, "throttle": {"jobs": {"rps": 2.5, "concurrency": 3}}}"#,
        )
        .unwrap();
        assert_eq!(f.source.unwrap().profile.as_deref(), Some("a"));
        assert_eq!(f.throttle[&FamilyKey(Family::Jobs)].rps, Some(Rate(2.5)));
        assert_eq!(
            f.throttle[&FamilyKey(Family::Jobs)].jobs_created_per_hour,
            None
        );
        let e = parse(
            Path::new("config.json"),
            "{\n  \"source\": {\"profile\": \"a\"},\n  \"exlude\": []\n}",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("config.json line 3") && e.contains("exlude"),
            "{e}"
        );
    }

    #[test]
    fn job_creation_quota_under_jobs_only() {
        let f = parse(
            Path::new("b.toml"),
            "[throttle.jobs]\nrps = 5\njobs_created_per_hour = 2000\n",
        )
        .unwrap();
        let jobs = f.throttle[&FamilyKey(Family::Jobs)];
        assert_eq!(jobs.jobs_created_per_hour, Some(HourlyQuota(2000)));
        assert_eq!(jobs.rps, Some(Rate(5.0)));
        let e = toml_err("[throttle.jobs]\njobs_created_per_hour = 0\n");
        assert!(e.contains("line 2"), "{e}");
        assert!(e.contains("throttle.jobs.jobs_created_per_hour"), "{e}");
        assert!(e.contains("from 1 to"), "{e}");
        let e = toml_err("[throttle.scim]\nrps = 2\njobs_created_per_hour = 100\n");
        assert!(e.contains("line 3"), "{e}");
        assert!(e.contains("throttle.scim.jobs_created_per_hour"), "{e}");
        assert!(e.contains("[throttle.jobs]"), "{e}");
        let e = parse(
            Path::new("c.json"),
            r#"{"throttle": {"sql": {"jobs_created_per_hour": 5}}}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("throttle.sql.jobs_created_per_hour"), "{e}");
    }
}
