//! Fault rules per route, beside the global dice of [`crate::faults`]: "the answer of the 2nd
//! `POST /api/2.1/jobs/create` is lost", "the 3rd to 5th `GET /api/2.0/clusters/get` answer
//! 503 TEMPORARILY_UNAVAILABLE".
//!
//! A rule names a method (or `*`) and a path as the client sends it, version included (exact,
//! or a prefix with `prefix: true`); it counts the requests that match it, and applies to
//! matches number `offset` (1-based) to `offset + count - 1`. Set with
//! `EmulatorOptions::fault_rules`, `RunningEmulator::set_fault_rules`, or at runtime with
//! `POST /_emulator/fault-rules {"rules": [...]}` (replaces every rule and its counter);
//! `GET /_emulator/fault-rules` shows them with how many requests each has matched. Rules are
//! checked after authentication and rate limits, before the dice, and obey the same
//! `faults_enabled` switch.

use std::sync::Mutex;

use serde::{Deserialize, Serialize};

/// What a rule does to the requests it applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleAction {
    /// The request is handled (a write is applied), then the connection is dropped instead of
    /// answering: the client cannot know the outcome.
    Lost,
    /// The connection is dropped before the request is handled.
    Reset,
    /// The request is not handled; this error is answered instead.
    Error {
        /// HTTP status (400-599).
        status: u16,
        /// Platform error code, e.g. `TEMPORARILY_UNAVAILABLE`.
        error_code: String,
        /// The message; a generic one when absent.
        #[serde(default)]
        message: Option<String>,
    },
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultRule {
    /// `GET`, `POST`, … or `*` for any method.
    pub method: String,
    /// The path as the client sends it, e.g. `/api/2.1/jobs/create` (no query string).
    pub path: String,
    /// Match every path starting with `path` instead of `path` exactly.
    #[serde(default)]
    pub prefix: bool,
    /// The first matching request the rule applies to, 1-based (1 = the first).
    #[serde(default = "one")]
    pub offset: u64,
    /// How many matching requests in a row it applies to, from `offset`.
    #[serde(default = "one")]
    pub count: u64,
    /// What happens to them.
    pub action: RuleAction,
}

fn one() -> u64 {
    1
}

impl FaultRule {
    /// A rule for exactly `method path`, applied to match number `offset` only.
    pub fn nth(method: &str, path: &str, offset: u64, action: RuleAction) -> Self {
        FaultRule {
            method: method.to_string(),
            path: path.to_string(),
            prefix: false,
            offset,
            count: 1,
            action,
        }
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        let method_ok = self.method == "*" || self.method.eq_ignore_ascii_case(method);
        let path_ok = if self.prefix {
            path.starts_with(&self.path)
        } else {
            path == self.path
        };
        method_ok && path_ok
    }

    /// Why the rule cannot work, if it cannot.
    pub fn problem(&self) -> Option<String> {
        if self.offset == 0 {
            return Some("offset is 1-based: 1 is the first matching request".into());
        }
        if !self.path.starts_with('/') {
            return Some(format!("path `{}` must start with /", self.path));
        }
        match &self.action {
            RuleAction::Error { status, .. } if !(400..=599).contains(status) => {
                Some(format!("status {status} is not an error status (400-599)"))
            }
            _ => None,
        }
    }
}

/// The rules in force, each with the number of requests it has matched so far.
#[derive(Debug, Default)]
pub struct FaultRules {
    rules: Mutex<Vec<(FaultRule, u64)>>,
}

impl FaultRules {
    /// Rules with fresh counters.
    pub fn new(rules: Vec<FaultRule>) -> Self {
        let out = FaultRules::default();
        out.set(rules);
        out
    }

    /// Replaces every rule (counters start again from zero).
    pub fn set(&self, rules: Vec<FaultRule>) {
        *self.lock() = rules.into_iter().map(|r| (r, 0)).collect();
    }

    /// The rules and how many requests each has matched.
    pub fn list(&self) -> Vec<(FaultRule, u64)> {
        self.lock().clone()
    }

    /// Counts one request against every rule it matches; the action of the first rule whose
    /// window holds this request, if any.
    pub fn check(&self, method: &str, path: &str) -> Option<RuleAction> {
        let mut fired = None;
        for (rule, seen) in self.lock().iter_mut() {
            if !rule.matches(method, path) {
                continue;
            }
            *seen += 1;
            let window = rule.offset..rule.offset.saturating_add(rule.count);
            if fired.is_none() && window.contains(seen) {
                fired = Some(rule.action.clone());
            }
        }
        fired
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(FaultRule, u64)>> {
        self.rules.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_applies_to_its_window_of_matching_requests_only() {
        let rules = FaultRules::new(vec![FaultRule {
            count: 2,
            ..FaultRule::nth("POST", "/api/2.1/jobs/create", 2, RuleAction::Lost)
        }]);
        let seen: Vec<_> = (0..4)
            .map(|_| rules.check("POST", "/api/2.1/jobs/create"))
            .collect();
        assert_eq!(
            seen,
            [None, Some(RuleAction::Lost), Some(RuleAction::Lost), None]
        );
        assert_eq!(rules.check("GET", "/api/2.1/jobs/create"), None);
        assert_eq!(rules.list()[0].1, 4, "other methods are not counted");
    }

    #[test]
    fn prefixes_and_bad_rules() {
        let r: FaultRule = serde_json::from_value(serde_json::json!({
            "method": "*", "path": "/api/2.0/clusters/", "prefix": true,
            "action": {"kind": "error", "status": 503, "error_code": "TEMPORARILY_UNAVAILABLE"}
        }))
        .unwrap();
        assert_eq!((r.offset, r.count, r.problem()), (1, 1, None));
        let rules = FaultRules::new(vec![r]);
        assert!(rules.check("GET", "/api/2.0/clusters/get").is_some());
        assert!(rules.check("GET", "/api/2.0/clusters/get").is_none());
        let zero = FaultRule::nth("GET", "/x", 0, RuleAction::Reset);
        assert!(zero.problem().is_some());
    }
}
