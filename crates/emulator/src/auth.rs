//! Who is calling: bearer tokens (configured PATs and OAuth tokens this emulator issued) to a
//! [`Caller`], and the OAuth M2M token endpoint's client check.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::options::{DEFAULT_ADMIN, OAuthClient, TokenSpec};
use crate::state::Caller;

/// How long an issued OAuth token lives.
pub const OAUTH_TOKEN_LIFETIME: Duration = Duration::from_secs(3600);

/// The token table. With no configured token or client it is *open*: any bearer token is the
/// default admin.
#[derive(Debug, Default)]
pub struct Auth {
    tokens: HashMap<String, Caller>,
    clients: Vec<OAuthClient>,
    issued: Mutex<HashMap<String, (Caller, Instant)>>,
}

/// Why a request is not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization: Bearer …` header.
    Missing,
    /// A token this workspace does not know (or an expired one).
    Invalid,
}

impl Auth {
    /// A table for the given tokens and clients.
    pub fn new(tokens: &[TokenSpec], clients: &[OAuthClient]) -> Self {
        Auth {
            tokens: tokens
                .iter()
                .map(|t| {
                    (
                        t.token.clone(),
                        Caller {
                            user_name: t.user_name.clone(),
                            is_admin: t.is_admin,
                        },
                    )
                })
                .collect(),
            clients: clients.to_vec(),
            issued: Mutex::new(HashMap::new()),
        }
    }

    /// Whether any token is accepted.
    pub fn is_open(&self) -> bool {
        self.tokens.is_empty() && self.clients.is_empty()
    }

    /// The caller for an `Authorization` header value.
    pub fn resolve(&self, header: Option<&str>) -> Result<Caller, AuthFailure> {
        let token = header
            .and_then(|h| {
                let (scheme, rest) = h.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or(AuthFailure::Missing)?;
        if self.is_open() {
            return Ok(Caller {
                user_name: DEFAULT_ADMIN.to_string(),
                is_admin: true,
            });
        }
        if let Some(c) = self.tokens.get(token) {
            return Ok(c.clone());
        }
        let issued = self.issued.lock().unwrap_or_else(|p| p.into_inner());
        match issued.get(token) {
            Some((c, expiry)) if *expiry > Instant::now() => Ok(c.clone()),
            _ => Err(AuthFailure::Invalid),
        }
    }

    /// Checks client credentials and issues a token for the client's service principal.
    pub fn issue(&self, client_id: &str, client_secret: &str, token: String) -> Option<String> {
        let client = self
            .clients
            .iter()
            .find(|c| c.client_id == client_id && c.client_secret == client_secret)?;
        let caller = Caller {
            user_name: client.client_id.clone(),
            is_admin: client.is_admin,
        };
        self.issued
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                token.clone(),
                (caller, Instant::now() + OAUTH_TOKEN_LIFETIME),
            );
        Some(token)
    }

    /// The principals the tokens and clients stand for: `(name, is_admin, is_sp)`.
    pub fn principals(&self) -> Vec<(String, bool, bool)> {
        let mut out: Vec<(String, bool, bool)> = self
            .tokens
            .values()
            .map(|c| (c.user_name.clone(), c.is_admin, false))
            .collect();
        out.extend(
            self.clients
                .iter()
                .map(|c| (c.client_id.clone(), c.is_admin, true)),
        );
        if self.is_open() {
            out.push((DEFAULT_ADMIN.to_string(), true, false));
        }
        out.sort();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves() {
        let open = Auth::default();
        assert_eq!(open.resolve(None), Err(AuthFailure::Missing));
        assert!(open.resolve(Some("Bearer anything")).unwrap().is_admin);
        let a = Auth::new(
            &[TokenSpec::parse("t1:bob@x.com:user").unwrap()],
            &[OAuthClient::parse("cid:sec").unwrap()],
        );
        assert_eq!(a.resolve(Some("Bearer t1")).unwrap().user_name, "bob@x.com");
        assert_eq!(a.resolve(Some("Bearer nope")), Err(AuthFailure::Invalid));
        assert!(a.issue("cid", "wrong", "x".into()).is_none());
        let t = a.issue("cid", "sec", "tok".into()).unwrap();
        assert_eq!(
            a.resolve(Some(&format!("Bearer {t}"))).unwrap().user_name,
            "cid"
        );
    }
}
