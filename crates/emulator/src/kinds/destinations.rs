//! Notification destinations (`/api/2.0/notification-destinations`): where jobs and alerts
//! send notifications — email, Slack, a generic webhook, PagerDuty, Microsoft Teams
//! (reference-more §2).
//!
//! Every secret part of a config (URLs, usernames, passwords, keys, tokens) is write-only: it
//! is stored, never answered, and reads show only its `<field>_set` flag. The stored values
//! sit in [`Hidden`], whose `Debug` prints `***`, so no log line or panic message can carry
//! them. `destination_type` is output-only and fixed at creation: an update whose config is of
//! another type is refused.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::error::{ApiError, ApiResult};
use crate::store;

pub(crate) mod handlers;

/// A write-only value: serialised as the plain string (the state file keeps it, as it keeps
/// secret values), debug-printed as `***`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Hidden(String);

impl std::fmt::Debug for Hidden {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// One config type: its key in `config`, its `destination_type`, its write-only fields, and
/// the field it cannot be created without.
struct ConfigType {
    key: &'static str,
    destination_type: &'static str,
    secrets: &'static [&'static str],
    required: &'static str,
}

/// The config types (reference-more §2's table; `required` as Terraform requires it).
const TYPES: &[ConfigType] = &[
    ConfigType {
        key: "email",
        destination_type: "EMAIL",
        secrets: &[],
        required: "addresses",
    },
    ConfigType {
        key: "slack",
        destination_type: "SLACK",
        secrets: &["url", "channel_id", "oauth_token"],
        required: "url",
    },
    ConfigType {
        key: "generic_webhook",
        destination_type: "WEBHOOK",
        secrets: &["url", "username", "password"],
        required: "url",
    },
    ConfigType {
        key: "pagerduty",
        destination_type: "PAGERDUTY",
        secrets: &["integration_key"],
        required: "integration_key",
    },
    ConfigType {
        key: "microsoft_teams",
        destination_type: "MICROSOFT_TEAMS",
        secrets: &["url", "channel_url", "app_id", "auth_secret", "tenant_id"],
        required: "url",
    },
];

fn config_type(key: &str) -> Option<&'static ConfigType> {
    TYPES.iter().find(|t| t.key == key)
}

/// The notification destinations store.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DestinationsState {
    /// Every destination, by id (a UUID).
    pub destinations: BTreeMap<String, Destination>,
    /// Creation counter, for the list's order.
    pub next_seq: u64,
}

/// One notification destination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Destination {
    /// UUID.
    pub id: String,
    /// The name shown in the UI.
    pub display_name: String,
    /// The config's key (`email`, `slack`, `generic_webhook`, `pagerduty`, `microsoft_teams`).
    pub kind: String,
    /// `email.addresses` (the one readable config field).
    #[serde(default)]
    pub addresses: Vec<String>,
    /// The write-only fields that are set, by name.
    #[serde(default)]
    pub secrets: BTreeMap<String, Hidden>,
    /// Creation order.
    pub seq: u64,
}

store::keyed!(
    DestinationsState,
    destinations,
    Destination,
    no_such_destination
);

fn no_such_destination(id: &str) -> ApiError {
    // [UNVERIFIED] text: a 404 RESOURCE_DOES_NOT_EXIST naming the destination.
    ApiError::not_found(format!("Notification destination {id} does not exist."))
}

/// A config as a request sends it: its type and readable/write-only parts.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigInput {
    /// The config's key.
    pub kind: String,
    /// `email.addresses`, when sent.
    pub addresses: Option<Vec<String>>,
    /// The write-only fields sent (non-empty), by name.
    pub secrets: BTreeMap<String, Hidden>,
}

/// Reads `config`: exactly one known type, strings where strings belong, the `*_set` flags
/// (output-only) ignored.
pub fn parse_config(config: &Value) -> ApiResult<ConfigInput> {
    let m = config
        .as_object()
        .ok_or_else(|| ApiError::invalid("config must be an object."))?;
    let present: Vec<(&String, &Value)> = m.iter().filter(|(_, v)| !v.is_null()).collect();
    let [(key, inner)] = present.as_slice() else {
        // Documented: config wraps exactly one of the nested configs.
        let known: Vec<&str> = TYPES.iter().map(|t| t.key).collect();
        return Err(ApiError::invalid(format!(
            "config must set exactly one of {}.",
            known.join(", ")
        )));
    };
    let t = config_type(key).ok_or_else(|| {
        ApiError::invalid(format!(
            "Unsupported notification destination config {key}."
        ))
    })?;
    let inner = inner
        .as_object()
        .ok_or_else(|| ApiError::invalid(format!("config.{key} must be an object.")))?;
    let mut out = ConfigInput {
        kind: t.key.to_string(),
        addresses: None,
        secrets: BTreeMap::new(),
    };
    if t.key == "email"
        && let Some(a) = inner.get("addresses").filter(|a| !a.is_null())
    {
        out.addresses = Some(parse_addresses(a)?);
    }
    for f in t.secrets {
        match inner.get(*f) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::String(s)) => {
                out.secrets.insert((*f).to_string(), Hidden(s.clone()));
            }
            // The message names the field, never the value (it may be a secret).
            Some(_) => {
                return Err(ApiError::invalid(format!(
                    "config.{key}.{f} must be a string."
                )));
            }
        }
    }
    Ok(out)
}

fn parse_addresses(a: &Value) -> ApiResult<Vec<String>> {
    let bad = || ApiError::invalid("config.email.addresses must be a list of email addresses.");
    let list = a.as_array().ok_or_else(bad)?;
    list.iter()
        .map(|v| {
            v.as_str()
                .filter(|s| s.contains('@'))
                .map(str::to_string)
                .ok_or_else(bad)
        })
        .collect()
}

/// Checks that a new destination's config has the field its type needs.
pub fn check_complete(c: &ConfigInput) -> ApiResult<()> {
    let Some(t) = config_type(&c.kind) else {
        return Ok(());
    };
    let ok = if t.key == "email" {
        c.addresses.as_ref().is_some_and(|a| !a.is_empty())
    } else {
        c.secrets.contains_key(t.required)
    };
    if ok {
        Ok(())
    } else {
        // [UNVERIFIED] the service's wording; Terraform requires the same field.
        Err(ApiError::invalid(format!(
            "Missing required field: config.{}.{}",
            t.key, t.required
        )))
    }
}

impl Destination {
    /// The `destination_type` of this destination.
    pub fn destination_type(&self) -> &'static str {
        config_type(&self.kind).map_or("EMAIL", |t| t.destination_type)
    }

    /// Applies a config of the same type: addresses replaced when sent, write-only fields
    /// replaced when sent and kept when not (so a rename needs no secrets). [UNVERIFIED]
    pub fn merge(&mut self, c: ConfigInput) {
        if let Some(a) = c.addresses {
            self.addresses = a;
        }
        self.secrets.extend(c.secrets);
    }

    /// The list item: id, name, type.
    pub fn summary(&self) -> Value {
        json!({"id": self.id, "display_name": self.display_name,
               "destination_type": self.destination_type()})
    }

    /// The whole destination; `config` only for admins (documented). Write-only fields appear
    /// as their `<field>_set` flags only, true or false.
    pub fn view(&self, with_config: bool) -> Value {
        let mut out = self.summary();
        if with_config && let Some(t) = config_type(&self.kind) {
            let mut inner = Map::new();
            if t.key == "email" {
                inner.insert("addresses".into(), json!(self.addresses));
            }
            for f in t.secrets {
                inner.insert(format!("{f}_set"), json!(self.secrets.contains_key(*f)));
            }
            out["config"] = json!({ t.key: inner });
        }
        out
    }

    /// A write-only value, for tests of the emulator itself (never answered over HTTP).
    pub fn secret(&self, field: &str) -> Option<&str> {
        self.secrets.get(field).map(|h| h.0.as_str())
    }
}

impl DestinationsState {
    /// Whether a destination with this id exists (jobs' webhook notifications refer to them).
    pub fn contains(&self, id: &str) -> bool {
        self.destinations.contains_key(id)
    }

    /// Stores a new destination (handler and seeds); the config must be complete.
    pub fn insert(&mut self, id: String, display_name: String, c: ConfigInput) -> String {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.destinations.insert(
            id.clone(),
            Destination {
                id: id.clone(),
                display_name,
                kind: c.kind,
                addresses: c.addresses.unwrap_or_default(),
                secrets: c.secrets,
                seq,
            },
        );
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_write_only_and_never_debug_printed() {
        let c = parse_config(&json!({"generic_webhook": {
            "url": "https://hooks.example.com/x", "password": "hunter2", "password_set": false}}))
        .unwrap();
        check_complete(&c).unwrap();
        let mut st = DestinationsState::default();
        let id = st.insert("d1".into(), "hook".into(), c);
        let d = &st.destinations[&id];
        let view = d.view(true).to_string();
        assert!(!view.contains("hunter2") && !view.contains("hooks.example.com"));
        assert_eq!(
            d.view(true)["config"]["generic_webhook"]["password_set"],
            true
        );
        assert_eq!(
            d.view(true)["config"]["generic_webhook"]["username_set"],
            false
        );
        assert!(d.view(false).get("config").is_none());
        assert!(!format!("{st:?}").contains("hunter2"));
        assert_eq!(d.destination_type(), "WEBHOOK");
        assert!(parse_config(&json!({"slack": {}, "email": {}})).is_err());
        assert!(check_complete(&parse_config(&json!({"pagerduty": {}})).unwrap()).is_err());
    }
}
