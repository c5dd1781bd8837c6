//! Flags and config file → `brickport_engine::EngineOptions`, checked before any network call.
//!
//! Kind names are checked against the engine's own table, so `--only` and `kinds = [...]`
//! accept exactly what the engine knows. Secret values come from a JSON file that is read
//! here and nowhere else; its values go straight into `Secret`s, and no error message ever
//! quotes one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use brickport_api::Secret;
use brickport_engine::{ConflictPolicy, EngineOptions, SecretValues};
use serde_json::Value;

use crate::cli::{ConflictArg, MigrateArgs, SelectArgs};
use crate::settings::Settings;

/// The engine's options for a command that selects objects (`plan`, `migrate`, `verify`,
/// `validate`); `migrate` adds its own flags.
pub fn build(
    settings: &Settings,
    run_dir: PathBuf,
    select: &SelectArgs,
    migrate: Option<&MigrateArgs>,
) -> Result<EngineOptions> {
    let mut opts = EngineOptions::new(run_dir);
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
            bail!(
                "unknown kind `{kind}` in {origin}: the kinds are {}",
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
    opts.fail_fast =
        migrate.is_some_and(|m| m.fail_fast) || settings.file.fail_fast.unwrap_or(false);
    opts.recheck = migrate.is_some_and(|m| m.recheck);
    opts.resume = migrate.is_some_and(|m| m.resume);
    if let Some(path) = migrate.and_then(|m| m.secret_values.as_deref()) {
        opts.secret_values = read_secret_values(path)?;
    }
    Ok(opts)
}

/// Reads `{"scope": {"key": "value", ...}, ...}`. Errors name the scope and key, never a
/// value (serde's own messages would quote it, hence the walk by hand).
pub fn read_secret_values(path: &Path) -> Result<SecretValues> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the secret values file {}", path.display()))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "the secret values file {} is not valid JSON (line {}, column {}): it must look \
             like {{\"scope\": {{\"key\": \"value\"}}}}",
            path.display(),
            e.line(),
            e.column()
        )
    })?;
    let shape = |what: String| {
        anyhow::anyhow!(
            "the secret values file {}: {what}; it must look like {{\"scope\": {{\"key\": \"value\"}}}}",
            path.display()
        )
    };
    let Value::Object(scopes) = doc else {
        return Err(shape("the top level is not an object".into()));
    };
    let mut out: SecretValues = BTreeMap::new();
    for (scope, keys) in scopes {
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
        let v = read_secret_values(&p).unwrap();
        assert_eq!(v["app"]["db"].expose(), "hunter2");
        assert!(!format!("{v:?}").contains("hunter2"));
    }
}
