//! Flags and config file → `brickport_engine::EngineOptions`, checked before any network call.
//!
//! Kind names are checked against the engine's own table, so `--only` and `kinds = [...]`
//! accept exactly what the engine knows. Secret values (and notification destinations'
//! write-only parts) come from a JSON file that is read here and nowhere else; its values go
//! straight into `Secret`s, and no error message ever quotes one.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use brickport_api::Secret;
use brickport_api::types::notification_destinations::WRITE_ONLY;
use brickport_engine::{ConflictPolicy, DestinationValues, EngineOptions, SecretValues};
use serde_json::Value;

use crate::cli::{ConflictArg, RunArgs, SelectArgs};
use crate::settings::Settings;

/// The engine's options for a command that selects objects (`plan`, `migrate`, `verify`,
/// `validate`); `migrate` adds its own flags.
pub fn build(
    settings: &Settings,
    run_dir: PathBuf,
    select: &SelectArgs,
    migrate: Option<&RunArgs>,
) -> Result<EngineOptions> {
    let mut opts = EngineOptions::new(run_dir);
    // `--strict` (migrate, plan): the pre-check's warnings stop the run too.
    opts.strict = migrate.is_some_and(|m| m.strict);
    let known = brickport_engine::kind_names();
    let (only, origin) = if !select.only.is_empty() {
        (select.only.clone(), "--only".to_string())
    } else {
        (
            settings.file.kinds.clone().unwrap_or_default(),
            format!("`kinds` in {}", settings.config_name()),
        )
    };
    for kind in &only {
        if !known.contains(&kind.as_str()) {
            let hint = closest(kind, &known)
                .map(|k| format!("did you mean `{k}`? "))
                .unwrap_or_default();
            bail!(
                "unknown kind `{kind}` in {origin}: {hint}the kinds are {}",
                known.join(", ")
            );
        }
    }
    opts.only = only;
    opts.phase = select.phase;
    opts.include_paths = settings.file.include.iter().map(|p| p.0.clone()).collect();
    opts.exclude_paths = settings.file.exclude.iter().map(|p| p.0.clone()).collect();
    let conflict = migrate.and_then(|m| m.conflict).or(settings.file.conflict);
    if let Some(c) = conflict {
        opts.conflict_policy = match c {
            ConflictArg::Skip => ConflictPolicy::Skip,
            ConflictArg::Overwrite => ConflictPolicy::Overwrite,
            ConflictArg::Fail => ConflictPolicy::Fail,
            ConflictArg::Report => ConflictPolicy::Report,
        };
    }
    if let Some(p) = &settings.file.secret_placeholder {
        opts.secret_placeholder = p.clone();
    }
    if let Some(c) = settings.file.concurrency {
        opts.max_concurrency = c.0 as usize;
    }
    opts.catalogs = settings.file.translate.catalog_map();
    opts.node_types = crate::config::translate::compute::plain(&settings.file.translate.node_types);
    opts.spark_versions =
        crate::config::translate::compute::plain(&settings.file.translate.spark_versions);
    opts.instance_profiles =
        crate::config::translate::compute::plain(&settings.file.translate.instance_profiles);
    opts.principals = settings.file.translate.principals();
    opts.fail_fast =
        migrate.is_some_and(|m| m.fail_fast) || settings.file.fail_fast.unwrap_or(false);
    opts.recheck = migrate.is_some_and(|m| m.recheck);
    opts.resume = migrate.is_some_and(|m| m.resume);
    if let Some(path) = migrate.and_then(|m| m.secret_values.as_deref()) {
        (opts.secret_values, opts.destination_values) = read_secret_values(path)?;
    }
    Ok(opts)
}

/// The top-level key of the values file that holds notification destinations' write-only
/// parts, not a secret scope (a scope of that name cannot be given values through the file).
pub const DESTINATIONS: &str = "notification_destinations";

/// What a values file looks like, for its error messages.
const SHAPE: &str = "{\"scope\": {\"key\": \"value\"}, \"notification_destinations\": \
                     {\"display name\": {\"field\": \"value\"}}}";

/// Reads `{"scope": {"key": "value"}, ..., "notification_destinations": {"display name":
/// {"field": "value"}}}`: secret values, and destinations' write-only parts. Errors name the
/// file, the scope or destination, and the key, never a value (serde's own messages would
/// quote it, hence the walk by hand).
pub fn read_secret_values(path: &Path) -> Result<(SecretValues, DestinationValues)> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the secret values file {}", path.display()))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "the secret values file {} is not valid JSON (line {}, column {}): it must look \
             like {SHAPE}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    let shape = |what: String| {
        anyhow::anyhow!(
            "the secret values file {}: {what}; it must look like {SHAPE}",
            path.display()
        )
    };
    let Value::Object(scopes) = doc else {
        return Err(shape("the top level is not an object".into()));
    };
    let mut out: SecretValues = BTreeMap::new();
    let mut destinations = DestinationValues::new();
    for (scope, keys) in scopes {
        if scope == DESTINATIONS {
            destinations = read_destinations(keys).map_err(shape)?;
            continue;
        }
        let Value::Object(keys) = keys else {
            return Err(shape(format!("scope `{scope}` is not an object of keys")));
        };
        let mut values = BTreeMap::new();
        for (key, value) in keys {
            let Value::String(value) = value else {
                return Err(shape(format!("`{scope}`/`{key}` is not a string")));
            };
            values.insert(key, Secret::new(value));
        }
        out.insert(scope, values);
    }
    Ok((out, destinations))
}

/// The `notification_destinations` section: display name → write-only field → value (a
/// string; `oauth_scopes` also a list of strings, kept space-separated as OAuth2 writes them).
fn read_destinations(section: Value) -> std::result::Result<DestinationValues, String> {
    let Value::Object(section) = section else {
        return Err(format!(
            "`{DESTINATIONS}` is not an object of destinations by display name"
        ));
    };
    let known: BTreeSet<&str> = WRITE_ONLY
        .iter()
        .flat_map(|(_, f)| f.iter().copied())
        .collect();
    let mut out = DestinationValues::new();
    for (name, fields) in section {
        let at = |field: &str| format!("`{DESTINATIONS}`/`{name}`/`{field}`");
        let Value::Object(fields) = fields else {
            return Err(format!(
                "`{DESTINATIONS}`/`{name}` is not an object of write-only fields"
            ));
        };
        let mut values = BTreeMap::new();
        for (field, value) in fields {
            if !known.contains(field.as_str()) {
                let names: Vec<&str> = known.iter().copied().collect();
                return Err(format!(
                    "{} is not a write-only field of a notification destination (they are: {})",
                    at(&field),
                    names.join(", ")
                ));
            }
            let text = match value {
                Value::String(v) => v,
                Value::Array(items) if field == "oauth_scopes" => {
                    let words: Option<Vec<String>> = items
                        .into_iter()
                        .map(|i| i.as_str().map(str::to_string))
                        .collect();
                    let words =
                        words.ok_or_else(|| format!("{} is not a list of strings", at(&field)))?;
                    words.join(" ")
                }
                _ => return Err(format!("{} is not a string", at(&field))),
            };
            values.insert(field, Secret::new(text));
        }
        out.insert(name, values);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_values_errors_never_quote_a_value() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        std::fs::write(&p, r#"{"app": {"db": "hunter2", "n": 42}}"#).unwrap();
        let e = read_secret_values(&p).unwrap_err().to_string();
        assert!(e.contains("`app`/`n`") && !e.contains("hunter2"), "{e}");
        std::fs::write(&p, r#"{"app": "hunter2"}"#).unwrap();
        let e = read_secret_values(&p).unwrap_err().to_string();
        assert!(e.contains("`app`") && !e.contains("hunter2"), "{e}");
        std::fs::write(&p, r#"{"app": {"db": "hunter2"}}"#).unwrap();
        let (v, d) = read_secret_values(&p).unwrap();
        assert_eq!(v["app"]["db"].expose(), "hunter2");
        assert!(!format!("{v:?}").contains("hunter2"));
        assert!(d.is_empty());
    }

    #[test]
    fn the_destinations_section_is_read_apart_from_the_scopes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        std::fs::write(
            &p,
            r#"{"app": {"db": "hunter2"}, "notification_destinations": {
                "ops hook": {"url": "https://hooks.example.com/h", "password": "pw-hunter3"},
                "auth hook": {"oauth_scopes": ["read", "write"]}}}"#,
        )
        .unwrap();
        let (v, d) = read_secret_values(&p).unwrap();
        assert_eq!(v.keys().collect::<Vec<_>>(), ["app"]);
        assert_eq!(d["ops hook"]["password"].expose(), "pw-hunter3");
        assert_eq!(d["auth hook"]["oauth_scopes"].expose(), "read write");
        assert!(!format!("{d:?}").contains("hunter3"));
        let section = "`notification_destinations`";
        for (body, names) in [
            (
                r#"{"notification_destinations": ["pw-hunter3"]}"#,
                format!("{section} is not"),
            ),
            (
                r#"{"notification_destinations": {"hook": "pw-hunter3"}}"#,
                format!("{section}/`hook` is not"),
            ),
            (
                r#"{"notification_destinations": {"hook": {"pasword": "pw-hunter3"}}}"#,
                format!("{section}/`hook`/`pasword` is not a write-only field"),
            ),
            (
                r#"{"notification_destinations": {"hook": {"password": 7}}}"#,
                format!("{section}/`hook`/`password` is not a string"),
            ),
            (
                r#"{"notification_destinations": {"hook": {"oauth_scopes": ["a", 7]}}}"#,
                format!("{section}/`hook`/`oauth_scopes` is not a list"),
            ),
        ] {
            std::fs::write(&p, body).unwrap();
            let e = read_secret_values(&p).unwrap_err().to_string();
            assert!(e.contains(&names) && e.contains("s.json"), "{e}");
            assert!(!e.contains("hunter3"), "{e}");
        }
    }
}

/// The known name closest to `typed`, when it is close enough to be the one meant (an edit
/// distance of at most a third of its length, as typos go).
fn closest<'a>(typed: &str, known: &[&'a str]) -> Option<&'a str> {
    known
        .iter()
        .map(|k| (edits(typed, k), *k))
        .filter(|(d, k)| *d <= k.len().div_ceil(3))
        .min()
        .map(|(_, k)| k)
}

/// Levenshtein distance between `a` and `b`, in characters.
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != *cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod suggestion_tests {
    use super::closest;

    #[test]
    fn a_kind_typo_is_matched_to_the_kind_meant_and_nonsense_to_none() {
        let known = brickport_engine::kind_names();
        assert_eq!(closest("notebok", &known), Some("notebooks"));
        assert_eq!(closest("job", &known), Some("jobs"));
        assert_eq!(closest("xyzzy", &known), None);
    }
}
