//! Per-family rate limits: one token bucket per API family, answering 429 with an integer
//! `Retry-After` (reference §3.1: limits are per workspace and per API family, not per token).
//!
//! Default rates are the published per-API numbers where there is one (SCIM GET 255/min,
//! permissions GET 100/s and PUT/PATCH 30/s, workspace export 60/s and import 30/s, secrets
//! 1100/min, jobs create 20/s), and 30/s for the rest (pipelines, notification destinations,
//! SQL queries and alerts, AI/BI dashboards, Genie spaces and the legacy SQL API included: no
//! figure is published for them; the SDK only warns that 10 or more concurrent query, alert or
//! legacy dashboard lists may be throttled). A rate-limit file is JSON mapping a
//! family to requests per second, either a number or `{"per_second": r, "burst": b}`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use serde::Deserialize;

use crate::error::EmulatorError;

/// Where the rate limits come from (`--rate-limits default|off|FILE`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum RateLimitSpec {
    /// The defaults below.
    #[default]
    Default,
    /// No rate limits.
    Off,
    /// A JSON file overriding some families' rates.
    File(PathBuf),
}

impl RateLimitSpec {
    /// Parses `default`, `off` or a file path.
    pub fn parse(s: &str) -> Result<Self, EmulatorError> {
        match s.trim() {
            "" => Err(EmulatorError::Option {
                option: "--rate-limits",
                value: s.into(),
                reason: "empty; use default, off or a JSON file".into(),
            }),
            "default" => Ok(RateLimitSpec::Default),
            "off" | "none" => Ok(RateLimitSpec::Off),
            p => Ok(RateLimitSpec::File(PathBuf::from(p))),
        }
    }
}

/// One family's limit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    /// Sustained requests per second.
    pub per_second: f64,
    /// Bucket size (requests allowed at once).
    pub burst: f64,
}

impl Rate {
    fn per_second(r: f64) -> Rate {
        Rate {
            per_second: r,
            burst: r.ceil().max(1.0),
        }
    }
}

/// The families and their default rates.
pub const FAMILIES: &[(&str, f64)] = &[
    ("scim.read", 255.0 / 60.0),
    ("scim.write", 30.0),
    ("permissions.read", 100.0),
    ("permissions.write", 30.0),
    ("workspace.export", 60.0),
    ("workspace.import", 30.0),
    ("workspace", 30.0),
    ("secrets", 1100.0 / 60.0),
    ("jobs.create", 20.0),
    ("jobs", 30.0),
    ("clusters", 30.0),
    ("libraries", 30.0),
    ("policies", 30.0),
    ("pools", 30.0),
    ("warehouses", 30.0),
    ("repos", 30.0),
    ("init_scripts", 30.0),
    ("pipelines", 30.0),
    ("notification_destinations", 30.0),
    ("queries", 30.0),
    ("alerts", 30.0),
    ("sql_legacy", 30.0),
    ("dashboards", 30.0),
    ("genie", 30.0),
    ("api", 30.0),
];

/// The family of a request (version already stripped: `/api/clusters/create`). Paths outside
/// `/api/` are family `emulator` (never limited).
pub fn family(method: &str, path: &str) -> &'static str {
    let Some(rest) = path.strip_prefix("/api/") else {
        return "emulator";
    };
    let read = method == "GET" || method == "HEAD";
    // `/api/2.0/preview/permissions/…` (older clients) counts as the permissions it serves.
    let rest = match rest.strip_prefix("preview/") {
        Some(tail) if tail.starts_with("permissions/") => tail,
        _ => rest,
    };
    let first = rest.split('/').next().unwrap_or("");
    let second = rest.split('/').nth(1).unwrap_or("");
    match first {
        "preview" if second == "sql" => "sql_legacy",
        "preview" | "account" if rest.contains("scim/") => {
            if read {
                "scim.read"
            } else {
                "scim.write"
            }
        }
        "permissions" => {
            if read {
                "permissions.read"
            } else {
                "permissions.write"
            }
        }
        "workspace" if rest.starts_with("workspace/export") => "workspace.export",
        "workspace" if rest.starts_with("workspace/import") => "workspace.import",
        "workspace" => "workspace",
        "secrets" => "secrets",
        "jobs" if rest.starts_with("jobs/create") => "jobs.create",
        "jobs" => "jobs",
        "clusters" => "clusters",
        "libraries" => "libraries",
        "policies" | "policy-families" => "policies",
        "instance-pools" => "pools",
        "sql" if matches!(second, "queries" | "visualizations") => "queries",
        "sql" if second == "alerts" => "alerts",
        "sql" => "warehouses",
        "alerts" => "alerts",
        "lakeview" => "dashboards",
        "genie" => "genie",
        "repos" | "git-credentials" => "repos",
        "global-init-scripts" => "init_scripts",
        "pipelines" => "pipelines",
        "notification-destinations" => "notification_destinations",
        _ => "api",
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RateEntry {
    Number(f64),
    Full { per_second: f64, burst: Option<f64> },
}

/// The rate table: family → rate. Families absent from the table are not limited.
pub fn load(spec: &RateLimitSpec) -> Result<BTreeMap<String, Rate>, EmulatorError> {
    let mut table: BTreeMap<String, Rate> = FAMILIES
        .iter()
        .map(|(f, r)| (f.to_string(), Rate::per_second(*r)))
        .collect();
    match spec {
        RateLimitSpec::Default => Ok(table),
        RateLimitSpec::Off => Ok(BTreeMap::new()),
        RateLimitSpec::File(path) => {
            for (family, rate) in read_file(path)? {
                table.insert(family, rate);
            }
            Ok(table)
        }
    }
}

fn read_file(path: &Path) -> Result<BTreeMap<String, Rate>, EmulatorError> {
    let text = std::fs::read_to_string(path).map_err(|source| EmulatorError::File {
        what: "cannot read rate-limit file",
        path: path.to_path_buf(),
        source,
    })?;
    let format_err = |reason: String| EmulatorError::Format {
        path: path.to_path_buf(),
        what: "rate-limit file (JSON: {\"family\": per_second | {\"per_second\", \"burst\"}})",
        reason,
    };
    let raw: BTreeMap<String, RateEntry> =
        serde_json::from_str(&text).map_err(|e| format_err(e.to_string()))?;
    let mut out = BTreeMap::new();
    for (family, entry) in raw {
        if !FAMILIES.iter().any(|(f, _)| *f == family) {
            let known: Vec<&str> = FAMILIES.iter().map(|(f, _)| *f).collect();
            return Err(format_err(format!(
                "unknown family `{family}`; known: {}",
                known.join(", ")
            )));
        }
        let rate = match entry {
            RateEntry::Number(r) => Rate::per_second(r),
            RateEntry::Full { per_second, burst } => Rate {
                per_second,
                burst: burst.unwrap_or(per_second.ceil().max(1.0)),
            },
        };
        if !(rate.per_second > 0.0 && rate.burst >= 1.0) {
            return Err(format_err(format!(
                "`{family}`: per_second must be > 0 and burst ≥ 1"
            )));
        }
        out.insert(family, rate);
    }
    Ok(out)
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

/// The buckets.
#[derive(Debug)]
pub struct Limiter {
    table: BTreeMap<String, Rate>,
    buckets: Mutex<BTreeMap<String, Bucket>>,
}

impl Limiter {
    /// Buckets for a rate table (all full).
    pub fn new(table: BTreeMap<String, Rate>) -> Self {
        Limiter {
            table,
            buckets: Mutex::new(BTreeMap::new()),
        }
    }

    /// Takes one token from `family`'s bucket, rates multiplied by `scale`. `Err(seconds)`
    /// when the bucket is empty: how long until a token is back (rounded up, at least 1).
    pub fn check(&self, family: &str, scale: f64) -> Result<(), u64> {
        let Some(rate) = self.table.get(family) else {
            return Ok(());
        };
        let per_second = rate.per_second * scale;
        let burst = (rate.burst * scale).max(1.0);
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let b = buckets.entry(family.to_string()).or_insert(Bucket {
            tokens: burst,
            last: now,
        });
        let elapsed = now.duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * per_second).min(burst);
        b.last = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = (1.0 - b.tokens) / per_second;
            Err((wait.ceil() as u64).max(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families() {
        assert_eq!(family("GET", "/api/preview/scim/v2/Users"), "scim.read");
        assert_eq!(
            family("PATCH", "/api/preview/scim/v2/Groups/1"),
            "scim.write"
        );
        assert_eq!(
            family("PUT", "/api/permissions/jobs/1"),
            "permissions.write"
        );
        assert_eq!(family("POST", "/api/workspace/import"), "workspace.import");
        assert_eq!(family("POST", "/api/jobs/create"), "jobs.create");
        assert_eq!(family("GET", "/_emulator/stats"), "emulator");
        assert_eq!(family("POST", "/api/pipelines/p/stop"), "pipelines");
        assert_eq!(
            family("PATCH", "/api/notification-destinations/d"),
            "notification_destinations"
        );
        assert_eq!(
            family("GET", "/api/permissions/pipelines/p"),
            "permissions.read"
        );
        assert_eq!(
            family("PATCH", "/api/preview/permissions/clusters/x"),
            "permissions.write"
        );
        assert_eq!(family("PATCH", "/api/sql/queries/q"), "queries");
        assert_eq!(family("POST", "/api/sql/visualizations"), "queries");
        assert_eq!(family("GET", "/api/sql/alerts"), "alerts");
        assert_eq!(family("DELETE", "/api/alerts/a"), "alerts");
        assert_eq!(family("GET", "/api/sql/warehouses"), "warehouses");
        assert_eq!(family("GET", "/api/preview/sql/dashboards"), "sql_legacy");
        assert_eq!(
            family("POST", "/api/lakeview/dashboards/d/published"),
            "dashboards"
        );
        assert_eq!(family("GET", "/api/genie/spaces"), "genie");
        assert_eq!(
            family("GET", "/api/permissions/sql/queries/q"),
            "permissions.read"
        );
    }

    #[test]
    fn bucket_empties_then_says_when() {
        let mut t = BTreeMap::new();
        t.insert(
            "x".to_string(),
            Rate {
                per_second: 0.5,
                burst: 2.0,
            },
        );
        let l = Limiter::new(t);
        assert!(l.check("x", 1.0).is_ok());
        assert!(l.check("x", 1.0).is_ok());
        assert_eq!(l.check("x", 1.0), Err(2));
        assert!(l.check("other", 1.0).is_ok());
    }
}
