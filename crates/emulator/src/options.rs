//! The emulator's options, and parsers from the strings a command line gives, so the cli can
//! map its flags one to one (`--token`, `--seed`, `--latency`, `--rate-limits`, `--faults`, …).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::cloud::Cloud;
use crate::error::EmulatorError;
use crate::fault_rules::FaultRule;
use crate::faults::FaultSpec;
use crate::ratelimit::RateLimitSpec;
use crate::seed::SeedSpec;

/// Everything `start` needs. `Default` is an open, fault-free, seedless workspace on
/// `127.0.0.1:0` with the default rate limits.
#[derive(Debug, Clone)]
pub struct EmulatorOptions {
    /// Where to listen (`127.0.0.1:0` = any free port).
    pub addr: SocketAddr,
    /// Accepted tokens. Empty = any bearer token is accepted as `admin@example.com` (admin).
    pub tokens: Vec<TokenSpec>,
    /// OAuth M2M clients accepted by `POST /oidc/v1/token`.
    pub oauth_clients: Vec<OAuthClient>,
    /// What the workspace holds at start.
    pub seed: SeedSpec,
    /// Seed of the id generators (different seeds give different id ranges).
    pub id_seed: u64,
    /// Added to every API request.
    pub latency: Latency,
    /// Per-family rate limits.
    pub rate_limits: RateLimitSpec,
    /// Whether 429 answers carry `Retry-After` (the real service sometimes omits it).
    pub retry_after: bool,
    /// Injected faults.
    pub faults: FaultSpec,
    /// Seed of the fault dice.
    pub fault_seed: u64,
    /// Fault rules per route (applied before the dice).
    pub fault_rules: Vec<FaultRule>,
    /// Load the state from this file at start (if it exists), save it after writes and on
    /// shutdown.
    pub state_file: Option<PathBuf>,
    /// How often a changed state is saved to `state_file`.
    pub save_interval: Duration,
    /// How long a new cluster stays PENDING.
    pub cluster_start_delay: Duration,
    /// A principal created less than this long ago is missing from SCIM lists and filters.
    pub scim_visibility_delay: Duration,
    /// Answer FEATURE_DISABLED for the whole permissions API.
    pub permissions_disabled: bool,
    /// Job creations allowed per rolling hour (`None`: the platform's documented 10,000). A
    /// benchmark of a 100,000-job workspace lifts it; nothing else should.
    pub job_creations_per_hour: Option<usize>,
    /// The cloud the workspace runs on (its catalogue, cloud attributes, instance profiles).
    /// A state loaded from a file keeps the cloud it was saved with.
    pub cloud: Cloud,
}

impl Default for EmulatorOptions {
    fn default() -> Self {
        EmulatorOptions {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            tokens: Vec::new(),
            oauth_clients: Vec::new(),
            seed: SeedSpec::None,
            id_seed: 0,
            latency: Latency::default(),
            rate_limits: RateLimitSpec::Default,
            retry_after: true,
            faults: FaultSpec::default(),
            fault_seed: 0,
            fault_rules: Vec::new(),
            state_file: None,
            save_interval: Duration::from_millis(500),
            cluster_start_delay: Duration::from_millis(1000),
            scim_visibility_delay: Duration::ZERO,
            permissions_disabled: false,
            job_creations_per_hour: None,
            cloud: Cloud::Aws,
        }
    }
}

/// One accepted token and the user it belongs to. `Debug` never prints the token.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenSpec {
    /// The bearer token.
    pub token: String,
    /// The userName it authenticates as.
    pub user_name: String,
    /// Whether that user is in `admins`.
    pub is_admin: bool,
}

impl std::fmt::Debug for TokenSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSpec")
            .field("token", &"***")
            .field("user_name", &self.user_name)
            .field("is_admin", &self.is_admin)
            .finish()
    }
}

/// The user a token without a name authenticates as.
pub const DEFAULT_ADMIN: &str = "admin@example.com";
/// The user a non-admin token without a name authenticates as.
pub const DEFAULT_USER: &str = "user@example.com";

impl TokenSpec {
    /// Parses `TOKEN`, `TOKEN:ROLE`, `TOKEN:USER` or `TOKEN:USER:ROLE`, ROLE being `admin`
    /// (the default) or `nonadmin` (also `user`). Without a USER, an admin token is
    /// `admin@example.com` and a non-admin one `user@example.com`.
    pub fn parse(s: &str) -> Result<Self, EmulatorError> {
        let bad = |reason: &str| EmulatorError::Option {
            option: "--token",
            value: "***".into(),
            reason: reason.into(),
        };
        let role = |r: &str| match r {
            "admin" => Some(true),
            "nonadmin" | "non-admin" | "user" => Some(false),
            _ => None,
        };
        let mut parts = s.splitn(3, ':');
        let token = parts.next().unwrap_or("").trim();
        if token.is_empty() {
            return Err(bad("the token is empty; use TOKEN[:USER][:admin|nonadmin]"));
        }
        let second = parts.next().map(str::trim).filter(|u| !u.is_empty());
        let third = parts.next().map(str::trim);
        let (user, is_admin) = match (second, third) {
            (None, _) => (None, true),
            (Some(x), None) => match role(x) {
                Some(admin) => (None, admin),
                None => (Some(x), true),
            },
            (Some(u), Some(r)) => (
                Some(u),
                role(r).ok_or_else(|| bad("the role must be `admin` or `nonadmin`"))?,
            ),
        };
        let default_user = if is_admin {
            DEFAULT_ADMIN
        } else {
            DEFAULT_USER
        };
        Ok(TokenSpec {
            token: token.to_string(),
            user_name: user.unwrap_or(default_user).to_string(),
            is_admin,
        })
    }
}

/// An OAuth M2M client (a service principal). `Debug` never prints the secret.
#[derive(Clone, PartialEq, Eq)]
pub struct OAuthClient {
    /// The client id, which is the SP's applicationId (use a UUID).
    pub client_id: String,
    /// The client secret.
    pub client_secret: String,
    /// Whether the SP is in `admins`.
    pub is_admin: bool,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("is_admin", &self.is_admin)
            .finish()
    }
}

impl OAuthClient {
    /// Parses `CLIENT_ID:CLIENT_SECRET[:admin|user]` (default admin).
    pub fn parse(s: &str) -> Result<Self, EmulatorError> {
        let mut parts = s.splitn(3, ':');
        let id = parts.next().unwrap_or("").trim();
        let secret = parts.next().unwrap_or("").trim();
        let bad = |reason: &str| EmulatorError::Option {
            option: "--oauth-client",
            value: id.to_string(),
            reason: reason.into(),
        };
        if id.is_empty() || secret.is_empty() {
            return Err(bad("use CLIENT_ID:CLIENT_SECRET[:admin|user]"));
        }
        let is_admin = match parts.next().map(str::trim) {
            None | Some("admin") => true,
            Some("user") => false,
            Some(_) => return Err(bad("the role must be `admin` or `user`")),
        };
        Ok(OAuthClient {
            client_id: id.to_string(),
            client_secret: secret.to_string(),
            is_admin,
        })
    }
}

/// Latency added to each API request: `fixed` plus a uniform random `0..=jitter`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Latency {
    /// Always added.
    pub fixed: Duration,
    /// Up to this much more, at random.
    pub jitter: Duration,
}

impl Latency {
    /// Parses `0`, `50ms`, `1s`, or `FIXED+JITTER` (`50ms+20ms`).
    pub fn parse(s: &str) -> Result<Self, EmulatorError> {
        let (fixed, jitter) = match s.split_once('+') {
            Some((a, b)) => (a, Some(b)),
            None => (s, None),
        };
        Ok(Latency {
            fixed: parse_duration("--latency", fixed)?,
            jitter: jitter
                .map(|j| parse_duration("--latency", j))
                .transpose()?
                .unwrap_or_default(),
        })
    }
}

/// Parses a duration: `0`, `250ms`, `2s`, `1.5s`, `3m`; a bare number is milliseconds.
pub fn parse_duration(option: &'static str, s: &str) -> Result<Duration, EmulatorError> {
    let t = s.trim();
    let bad = || EmulatorError::Option {
        option,
        value: s.to_string(),
        reason: "expected a duration like 0, 250ms, 2s or 1m".into(),
    };
    let (num, mult_ms) = if let Some(n) = t.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1000.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60_000.0)
    } else {
        (t, 1.0)
    };
    let v: f64 = num.trim().parse().map_err(|_| bad())?;
    if !v.is_finite() || v < 0.0 {
        return Err(bad());
    }
    Ok(Duration::from_micros((v * mult_ms * 1000.0) as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_durations() {
        let t = TokenSpec::parse("dapi123:bob@x.com:user").unwrap();
        assert_eq!((t.user_name.as_str(), t.is_admin), ("bob@x.com", false));
        assert!(!format!("{t:?}").contains("dapi123"));
        let t = TokenSpec::parse("tok").unwrap();
        assert_eq!((t.user_name.as_str(), t.is_admin), (DEFAULT_ADMIN, true));
        let t = TokenSpec::parse("tok:nonadmin").unwrap();
        assert_eq!((t.user_name.as_str(), t.is_admin), (DEFAULT_USER, false));
        let t = TokenSpec::parse("tok:ann@x.com").unwrap();
        assert_eq!((t.user_name.as_str(), t.is_admin), ("ann@x.com", true));
        assert!(TokenSpec::parse(":x").is_err());
        assert!(TokenSpec::parse("t:u:root").is_err());
        let l = Latency::parse("50ms+20ms").unwrap();
        assert_eq!(l.fixed, Duration::from_millis(50));
        assert_eq!(l.jitter, Duration::from_millis(20));
        assert_eq!(
            parse_duration("x", "1.5s").unwrap(),
            Duration::from_millis(1500)
        );
        assert!(parse_duration("x", "soon").is_err());
        let c = OAuthClient::parse("id:sec").unwrap();
        assert!(!format!("{c:?}").contains("sec\""));
    }
}
