//! A destination's configuration as the engine reads and writes it.
//!
//! Read: the shape the spec and the target object share — the name, the type, and the
//! configuration's readable parts (email addresses) with the `<field>_set` flags that are true.
//! A write-only part is never read back (and one a server would echo is dropped here), so a
//! flag stands for it. Written: every write-only part set in the source gets the operator's
//! value when one is supplied, else a placeholder that cannot pass for a real value — a URL on
//! a host under `.invalid` (RFC 2606: it can never resolve), and the secret placeholder for
//! the rest.

use std::collections::{BTreeMap, BTreeSet};

use brickport_api::Secret;
use brickport_api::types::notification_destinations::{
    DestinationConfig, DestinationRequest, NotificationDestination, write_only_fields,
};
use serde_json::{Map, Value, json};

use super::NAME;
use crate::EngineError;

/// What a URL-valued write-only part holds until the operator sets it.
pub const PLACEHOLDER_URL: &str = "https://replace-me.invalid/brickport";

/// The spec's list of the write-only parts that get the operator's value in this run (names
/// only). Not an API field.
pub const SUPPLIED: &str = "supplied";

/// The destination's type: as answered, else as its configuration makes it.
fn type_of(d: &NotificationDestination) -> String {
    d.destination_type
        .clone()
        .or_else(|| {
            let config = d.config.as_ref()?;
            config.destination_type().map(str::to_string)
        })
        .unwrap_or_default()
}

/// `{display_name, destination_type, config}` with only readable parts and true flags.
pub fn shape(d: &NotificationDestination) -> Result<Value, EngineError> {
    let name = d.display_name.clone().unwrap_or_default();
    let mut config = match &d.config {
        Some(c) => super::super::to_json(NAME, &name, c)?,
        None => Value::Null,
    };
    if let Value::Object(members) = &mut config {
        for (member, fields) in members.iter_mut() {
            let Value::Object(fields) = fields else {
                continue;
            };
            for f in write_only_fields(member) {
                fields.remove(*f);
            }
            fields.retain(|k, v| !(k.ends_with("_set") && v != &Value::Bool(true)));
        }
    }
    Ok(json!({"display_name": name, "destination_type": type_of(d), "config": config}))
}

/// The one member of a shaped configuration (`generic_webhook`, …) and its fields.
pub fn member(spec: &Value) -> Option<(&str, &Map<String, Value>)> {
    let members = spec.get("config")?.as_object()?;
    let (name, fields) = members.iter().next()?;
    Some((name.as_str(), fields.as_object()?))
}

/// The write-only parts set in a shaped destination: each `<field>_set: true`.
pub fn set_fields(spec: &Value) -> BTreeSet<String> {
    let Some((_, fields)) = member(spec) else {
        return BTreeSet::new();
    };
    fields
        .iter()
        .filter(|(_, v)| v == &&Value::Bool(true))
        .filter_map(|(k, _)| k.strip_suffix("_set").map(str::to_string))
        .collect()
}

/// The parts set in the source that brickport cannot write (a configuration added to the
/// platform after it): their values would be lost.
pub fn unknown_parts(spec: &Value) -> Vec<String> {
    let Some((member, _)) = member(spec) else {
        return Vec::new();
    };
    let known = write_only_fields(member);
    let set = set_fields(spec);
    if known.is_empty() && !set.is_empty() {
        return vec![member.to_string()];
    }
    let unknown = set.into_iter().filter(|f| !known.contains(&f.as_str()));
    unknown.map(|f| format!("{member}.{f}")).collect()
}

/// The write-only parts named in the spec's `supplied` list.
pub fn supplied(spec: &Value) -> BTreeSet<String> {
    crate::json::strings_at(spec, &format!("{SUPPLIED}[]"))
        .into_iter()
        .collect()
}

/// What a write-only part holds until the operator sets it.
fn placeholder(field: &str, secret_placeholder: &str) -> Secret {
    if field == "url" || field.ends_with("_url") {
        Secret::new(PLACEHOLDER_URL)
    } else {
        Secret::new(secret_placeholder)
    }
}

/// A write's write-only parts: which got the operator's value and which the placeholder.
#[derive(Debug, Default)]
pub struct Written {
    /// Sent with the operator's value.
    pub supplied: Vec<String>,
    /// Sent with the placeholder.
    pub placeholders: Vec<String>,
}

/// The request that makes a destination equal to `desired`. With `config`, its configuration
/// too: every write-only part set in the source, but for those `keep` names (set in the
/// target already, and not supplied now: a `PATCH` leaves the parts it does not send as they
/// are, so what the operator set by hand in the target stays).
pub fn request(
    desired: &Value,
    values: Option<&BTreeMap<String, Secret>>,
    secret_placeholder: &str,
    config: Option<&BTreeSet<String>>,
) -> Result<(DestinationRequest, Written), EngineError> {
    let name = desired["display_name"].as_str().unwrap_or_default();
    let mut request = DestinationRequest {
        display_name: Some(name.to_string()),
        ..DestinationRequest::default()
    };
    let mut written = Written::default();
    let Some(keep) = config else {
        return Ok((request, written));
    };
    // The readable parts as they are (no flag, no secret in them).
    let mut readable = desired.get("config").cloned().unwrap_or(Value::Null);
    if let Value::Object(members) = &mut readable {
        for fields in members.values_mut() {
            if let Value::Object(f) = fields {
                f.retain(|k, _| !k.ends_with("_set"));
            }
        }
    }
    let mut typed: DestinationConfig = super::super::from_json(NAME, name, &readable)?;
    let member = member(desired).map(|(m, _)| m).unwrap_or_default();
    let supplied = supplied(desired);
    for field in set_fields(desired) {
        let value = values
            .and_then(|v| v.get(&field))
            .filter(|_| supplied.contains(&field));
        let value = match value {
            Some(v) => {
                written.supplied.push(field.clone());
                v.clone()
            }
            None if keep.contains(&field) => continue,
            None => {
                written.placeholders.push(field.clone());
                placeholder(&field, secret_placeholder)
            }
        };
        if !typed.set_write_only(member, &field, value) {
            return Err(EngineError::Shape {
                kind: NAME,
                key: name.to_string(),
                message: format!("brickport cannot write `{member}.{field}`"),
            });
        }
    }
    request.config = Some(typed);
    Ok((request, written))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn webhook() -> NotificationDestination {
        serde_json::from_value(json!({"id": "d-1", "display_name": "hook",
            "destination_type": "WEBHOOK", "config": {"generic_webhook": {
                "url_set": true, "password_set": true, "username_set": false,
                "password": "echoed-by-a-bad-server"}}}))
        .unwrap()
    }

    #[test]
    fn shape_keeps_true_flags_and_drops_write_only_parts() {
        let s = shape(&webhook()).unwrap();
        assert_eq!(
            s,
            json!({"display_name": "hook", "destination_type": "WEBHOOK",
                   "config": {"generic_webhook": {"url_set": true, "password_set": true}}})
        );
        let set: Vec<String> = set_fields(&s).into_iter().collect();
        assert_eq!(set, ["password", "url"]);
        assert!(unknown_parts(&s).is_empty());
        let mut future = s.clone();
        future["config"]["generic_webhook"]["signing_key_set"] = json!(true);
        assert_eq!(unknown_parts(&future), ["generic_webhook.signing_key"]);
    }

    #[test]
    fn requests_take_supplied_values_else_placeholders_and_keep_what_the_target_has() {
        let mut desired = shape(&webhook()).unwrap();
        desired[SUPPLIED] = json!(["password"]);
        let values = BTreeMap::from([("password".to_string(), Secret::new("s3cret-pw"))]);
        let (r, w) = request(&desired, Some(&values), "PH", Some(&BTreeSet::new())).unwrap();
        let wire = serde_json::to_value(&r).unwrap();
        assert_eq!(
            wire,
            json!({"display_name": "hook", "config": {"generic_webhook": {
                "url": PLACEHOLDER_URL, "password": "s3cret-pw"}}})
        );
        assert_eq!(
            (w.supplied, w.placeholders),
            (vec!["password".to_string()], vec!["url".to_string()])
        );
        assert!(!format!("{r:?}").contains("s3cret-pw"));
        // The target has the URL already: only the supplied password is sent.
        let keep = BTreeSet::from(["url".to_string()]);
        let (r, _) = request(&desired, Some(&values), "PH", Some(&keep)).unwrap();
        let wire = serde_json::to_value(&r).unwrap();
        assert_eq!(
            wire["config"],
            json!({"generic_webhook": {"password": "s3cret-pw"}})
        );
        // Without config: the name only.
        let (r, _) = request(&desired, Some(&values), "PH", None).unwrap();
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            json!({"display_name": "hook"})
        );
    }

    #[test]
    fn email_is_written_whole() {
        let d: NotificationDestination = serde_json::from_value(json!({"display_name": "team",
            "config": {"email": {"addresses": ["a@example.com"]}}}))
        .unwrap();
        let s = shape(&d).unwrap();
        assert_eq!(s["destination_type"], "EMAIL");
        assert!(set_fields(&s).is_empty());
        let (r, w) = request(&s, None, "PH", Some(&BTreeSet::new())).unwrap();
        assert_eq!(
            serde_json::to_value(&r).unwrap()["config"],
            json!({"email": {"addresses": ["a@example.com"]}})
        );
        assert!(w.placeholders.is_empty() && w.supplied.is_empty());
    }
}
