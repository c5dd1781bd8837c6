//! Notification destinations (`/api/2.0/notification-destinations`): where jobs and alerts send
//! their notifications (email, Slack, a generic webhook, PagerDuty, Microsoft Teams).
//!
//! Every part of a configuration but email addresses is write-only: the platform takes it on
//! create and update and answers only a `*_set` flag saying whether it holds one. Those parts
//! travel in [`Secret`]s, so a `Debug` of a destination or a request never shows a webhook
//! URL, a password or a token.

use crate::Secret;

record! {
    /// A notification destination (get, create and update answers; a list item has no
    /// `config`). `config` is answered only to workspace admins.
    pub struct NotificationDestination {
        /// UUID (read-only).
        id: String,
        /// Display name.
        display_name: String,
        /// EMAIL, SLACK, WEBHOOK, PAGERDUTY or MICROSOFT_TEAMS (read-only; fixed at create).
        destination_type: String,
        /// The configuration: exactly one of its members.
        config: DestinationConfig,
    }
}

record! {
    /// Body of create (`POST`) and update (`PATCH`, at least one field).
    pub struct DestinationRequest {
        /// Display name.
        display_name: String,
        /// The configuration: exactly one of its members.
        config: DestinationConfig,
    }
}

record! {
    /// A destination's configuration: exactly one member is set.
    pub struct DestinationConfig {
        /// Email addresses.
        email: EmailConfig,
        /// A Slack webhook or app.
        slack: SlackConfig,
        /// An HTTP webhook.
        generic_webhook: GenericWebhookConfig,
        /// A PagerDuty service.
        pagerduty: PagerdutyConfig,
        /// A Microsoft Teams webhook or app.
        microsoft_teams: MicrosoftTeamsConfig,
    }
}

impl DestinationConfig {
    /// The `destination_type` this configuration makes (`None` when no member is set).
    pub fn destination_type(&self) -> Option<&'static str> {
        if self.email.is_some() {
            Some("EMAIL")
        } else if self.slack.is_some() {
            Some("SLACK")
        } else if self.generic_webhook.is_some() {
            Some("WEBHOOK")
        } else if self.pagerduty.is_some() {
            Some("PAGERDUTY")
        } else if self.microsoft_teams.is_some() {
            Some("MICROSOFT_TEAMS")
        } else {
            None
        }
    }
}

/// The write-only fields of each configuration member, by the names the API gives them: what
/// a destination read back lacks (it answers `<field>_set` instead).
pub const WRITE_ONLY: &[(&str, &[&str])] = &[
    ("slack", &["url", "channel_id", "oauth_token"]),
    (
        "generic_webhook",
        &[
            "url",
            "username",
            "password",
            "oauth_token_url",
            "oauth_client_id",
            "oauth_client_secret",
            "oauth_audience",
            "oauth_scopes",
        ],
    ),
    ("pagerduty", &["integration_key"]),
    (
        "microsoft_teams",
        &["url", "channel_url", "app_id", "auth_secret", "tenant_id"],
    ),
];

/// The write-only fields of configuration member `member` (none for email or an unknown one).
pub fn write_only_fields(member: &str) -> &'static [&'static str] {
    WRITE_ONLY
        .iter()
        .find(|(m, _)| *m == member)
        .map_or(&[], |(_, fields)| fields)
}

impl DestinationConfig {
    /// Sets write-only `field` of member `member` (the member is made when absent); `false`
    /// when that member has no such field. `oauth_scopes` takes the scopes separated by
    /// spaces, as OAuth2 writes them.
    pub fn set_write_only(&mut self, member: &str, field: &str, value: Secret) -> bool {
        let slot = match member {
            "slack" => {
                let m = self.slack.get_or_insert_with(Default::default);
                match field {
                    "url" => &mut m.url,
                    "channel_id" => &mut m.channel_id,
                    "oauth_token" => &mut m.oauth_token,
                    _ => return false,
                }
            }
            "generic_webhook" => {
                let m = self.generic_webhook.get_or_insert_with(Default::default);
                match field {
                    "url" => &mut m.url,
                    "username" => &mut m.username,
                    "password" => &mut m.password,
                    "oauth_token_url" => &mut m.oauth_token_url,
                    "oauth_client_id" => &mut m.oauth_client_id,
                    "oauth_client_secret" => &mut m.oauth_client_secret,
                    "oauth_audience" => &mut m.oauth_audience,
                    "oauth_scopes" => {
                        let scopes = value.expose().split_whitespace().map(Secret::from);
                        m.oauth_scopes = Some(scopes.collect());
                        return true;
                    }
                    _ => return false,
                }
            }
            "pagerduty" => {
                let m = self.pagerduty.get_or_insert_with(Default::default);
                match field {
                    "integration_key" => &mut m.integration_key,
                    _ => return false,
                }
            }
            "microsoft_teams" => {
                let m = self.microsoft_teams.get_or_insert_with(Default::default);
                match field {
                    "url" => &mut m.url,
                    "channel_url" => &mut m.channel_url,
                    "app_id" => &mut m.app_id,
                    "auth_secret" => &mut m.auth_secret,
                    "tenant_id" => &mut m.tenant_id,
                    _ => return false,
                }
            }
            _ => return false,
        };
        *slot = Some(value);
        true
    }
}

record! {
    /// An email destination: the one configuration read back whole.
    pub struct EmailConfig {
        /// Email addresses to notify.
        addresses: Vec<String>,
    }
}

record! {
    /// A Slack destination.
    pub struct SlackConfig {
        /// Webhook URL (write-only).
        url: Secret,
        /// Whether a URL is set (read-only).
        url_set: bool,
        /// Channel id (write-only).
        channel_id: Secret,
        /// Whether a channel id is set (read-only).
        channel_id_set: bool,
        /// OAuth token (write-only).
        oauth_token: Secret,
        /// Whether an OAuth token is set (read-only).
        oauth_token_set: bool,
    }
}

record! {
    /// A generic webhook destination: a URL, optionally basic auth or OAuth2 client
    /// credentials.
    pub struct GenericWebhookConfig {
        /// URL (write-only).
        url: Secret,
        /// Whether a URL is set (read-only).
        url_set: bool,
        /// Basic-auth user name (write-only).
        username: Secret,
        /// Whether a user name is set (read-only).
        username_set: bool,
        /// Basic-auth password (write-only).
        password: Secret,
        /// Whether a password is set (read-only).
        password_set: bool,
        /// OAuth2 token endpoint (write-only).
        oauth_token_url: Secret,
        /// Whether an OAuth2 token URL is set (read-only).
        oauth_token_url_set: bool,
        /// OAuth2 client id (write-only).
        oauth_client_id: Secret,
        /// Whether an OAuth2 client id is set (read-only).
        oauth_client_id_set: bool,
        /// OAuth2 client secret (write-only).
        oauth_client_secret: Secret,
        /// Whether an OAuth2 client secret is set (read-only).
        oauth_client_secret_set: bool,
        /// OAuth2 audience (write-only).
        oauth_audience: Secret,
        /// Whether an OAuth2 audience is set (read-only).
        oauth_audience_set: bool,
        /// OAuth2 scopes (write-only).
        oauth_scopes: Vec<Secret>,
        /// Whether OAuth2 scopes are set (read-only).
        oauth_scopes_set: bool,
    }
}

record! {
    /// A PagerDuty destination.
    pub struct PagerdutyConfig {
        /// Integration key (write-only).
        integration_key: Secret,
        /// Whether an integration key is set (read-only).
        integration_key_set: bool,
    }
}

record! {
    /// A Microsoft Teams destination: a webhook URL, or an app (id, secret, tenant, channel).
    pub struct MicrosoftTeamsConfig {
        /// Webhook URL (write-only).
        url: Secret,
        /// Whether a URL is set (read-only).
        url_set: bool,
        /// Channel URL (write-only).
        channel_url: Secret,
        /// Whether a channel URL is set (read-only).
        channel_url_set: bool,
        /// App id (write-only).
        app_id: Secret,
        /// Whether an app id is set (read-only).
        app_id_set: bool,
        /// App secret (write-only).
        auth_secret: Secret,
        /// Whether an app secret is set (read-only).
        auth_secret_set: bool,
        /// Tenant id (write-only).
        tenant_id: Secret,
        /// Whether a tenant id is set (read-only).
        tenant_id_set: bool,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn debug_hides_write_only_parts_and_the_wire_has_them() {
        let request = DestinationRequest {
            display_name: Some("ops hook".into()),
            config: Some(DestinationConfig {
                generic_webhook: Some(GenericWebhookConfig {
                    url: Some(Secret::new("https://hooks.example.com/very-secret-path")),
                    password: Some(Secret::new("hunter2-webhook")),
                    oauth_scopes: Some(vec![Secret::new("scope-secret")]),
                    ..Default::default()
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let shown = format!("{request:?}");
        for hidden in ["very-secret-path", "hunter2-webhook", "scope-secret"] {
            assert!(!shown.contains(hidden), "{shown}");
        }
        assert_eq!(
            serde_json::to_value(&request).unwrap(),
            json!({"display_name": "ops hook", "config": {"generic_webhook": {
                "url": "https://hooks.example.com/very-secret-path",
                "password": "hunter2-webhook", "oauth_scopes": ["scope-secret"]}}})
        );
        let config = request.config.unwrap();
        assert_eq!(config.destination_type(), Some("WEBHOOK"));
        assert_eq!(DestinationConfig::default().destination_type(), None);
    }

    #[test]
    fn every_listed_write_only_field_can_be_set() {
        for (member, fields) in WRITE_ONLY {
            for field in *fields {
                let mut c = DestinationConfig::default();
                assert!(
                    c.set_write_only(member, field, Secret::new("v1 v2")),
                    "{member}.{field}"
                );
                let wire = serde_json::to_value(&c).unwrap();
                let expected = if *field == "oauth_scopes" {
                    json!(["v1", "v2"])
                } else {
                    json!("v1 v2")
                };
                assert_eq!(wire[member][field], expected, "{member}.{field}");
            }
        }
        let mut c = DestinationConfig::default();
        assert!(!c.set_write_only("slack", "password", Secret::new("x")));
        assert!(!c.set_write_only("email", "addresses", Secret::new("x")));
        assert!(write_only_fields("email").is_empty());
        assert_eq!(write_only_fields("pagerduty"), ["integration_key"]);
    }
}
