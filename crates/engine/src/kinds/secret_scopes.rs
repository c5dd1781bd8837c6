//! Secret scopes: Databricks-backed scopes with every key and their ACLs. Secret values cannot
//! be read from the source, so each key gets the operator's value when one is supplied, else
//! the configured placeholder — listed as a manual action. Values are never in the spec, the
//! ledger, a backup or a report: the spec only says whether a value was supplied. The ledger
//! remembers which keys received a supplied value (the fact, nothing derived from the value),
//! so a later run without `--secret-values` does not ask for them again. A supplied value for
//! a scope or key the source does not have fails the pre-check (a typo would otherwise leave
//! the real key with the placeholder, unnoticed). Azure Key Vault scopes are read-only
//! mirrors: they are left out and listed as a manual action.

use std::collections::{BTreeMap, BTreeSet};

#[cfg(test)]
use brickport_api::Secret;
use brickport_api::types::secrets::CreateScope;
use serde_json::{Value, json};

use super::snapshot::Lookup;
use super::{Created, Ctx, Kind, KindFuture, Mode, RefBy, Reference, SourceObject, TargetObject};
use super::{Deleted, InTarget};
use super::{Detail, ObjectStream};
use crate::ledger::{Action, Category, SkipReason, Subject};
use crate::{Check, EngineError};

mod contents;
use contents::{acl_pairs, acls_json, contents, fill, key_names};

/// The kind's name.
pub const NAME: &str = "secret_scopes";

/// Secret scopes.
pub struct SecretScopes;

const REFS: &[Reference] = &[Reference {
    path: "acls[].principal",
    kinds: &[
        super::users::NAME,
        super::groups::NAME,
        super::service_principals::NAME,
    ],
    by: RefBy::Key,
    required: false,
    deferred: false,
}];

/// The most keys a scope may hold.
const MAX_KEYS: usize = 1000;

async fn find_target(ctx: &Ctx, name: &str) -> Result<Option<TargetObject>, EngineError> {
    let list = || async { ctx.target.secrets().list_scopes().await };
    // The first lookup of a run comes from one listing of the target's scopes.
    let listed = ctx
        .cache
        .first_lookup(NAME, name, || async {
            Ok(list()
                .await?
                .into_iter()
                .filter_map(|s| s.name.map(|n| (n.clone(), n)))
                .collect())
        })
        .await?;
    let exists = match listed {
        Lookup::Id(_) => true,
        Lookup::Absent => false,
        Lookup::Ask => list()
            .await?
            .iter()
            .any(|s| s.name.as_deref() == Some(name)),
    };
    if !exists {
        return Ok(None);
    }
    let (keys, acls) = contents(&ctx.target, name, "target").await?;
    Ok(Some(TargetObject {
        id: name.to_string(),
        key: name.to_string(),
        body: json!({
            "scope": name,
            "keys": keys.iter().map(|k| json!({"key": k})).collect::<Vec<_>>(),
            "acls": acls_json(&acls),
        }),
        facts: Default::default(),
    }))
}

impl Kind for SecretScopes {
    fn name(&self) -> &'static str {
        NAME
    }
    fn phase(&self) -> u8 {
        1
    }
    fn references(&self) -> &'static [Reference] {
        REFS
    }

    fn list<'a>(&'a self, ctx: &'a Ctx, _: Detail) -> ObjectStream<'a> {
        super::batch_stream(Box::pin(async move {
            let scopes = ctx.source.secrets().list_scopes().await?;
            let mut out = Vec::new();
            for sc in scopes {
                let Some(name) = sc.name.clone() else {
                    continue;
                };
                let backend = sc
                    .backend_type
                    .clone()
                    .unwrap_or_else(|| "DATABRICKS".into());
                let raw = super::to_json(NAME, &name, &sc)?;
                if backend != "DATABRICKS" {
                    let mut obj =
                        SourceObject::new(name.clone(), name.clone(), raw, json!({"scope": name}));
                    obj.mode = Mode::Skip(SkipReason::ForeignScope {
                        backend: backend.clone(),
                    });
                    obj.manual.push(Action::new(Category::Other, format!(
                        "re-create the {backend} scope `{name}` in the target with backend_azure_keyvault (needs an Entra ID token)"
                    )));
                    out.push(obj);
                    continue;
                }
                let (keys, acls) = contents(&ctx.source, &name, "source").await?;
                // Every key's action is kept: the ledger ticks it once a supplied value was
                // written, in this run or any (it does not vanish from the count).
                let mut manual = Vec::new();
                let key_specs: Vec<Value> = keys
                    .iter()
                    .map(|k| {
                        let supplied = ctx.opts.secret_value(&name, k).is_some();
                        manual.push(Action::new(Category::Secret, format!(
                            "set the value of secret `{name}/{k}` (it holds the placeholder)"
                        )).settled_by(Subject::Secret { scope: name.clone(), key: k.clone() }));
                        json!({"key": k, "supplied": supplied})
                    })
                    .collect();
                let mut raw = raw;
                if let Value::Object(m) = &mut raw {
                    // Key names and ACLs only: values cannot be read and are never written.
                    m.insert("keys".into(), json!(keys));
                    m.insert("acls".into(), acls_json(&acls));
                }
                let spec = json!({"scope": name, "keys": key_specs, "acls": acls_json(&acls)});
                let mut obj = SourceObject::new(name.clone(), name.clone(), raw, spec);
                if keys.len() > MAX_KEYS {
                    obj.mode = Mode::Skip(SkipReason::TooManyKeys {
                        keys: keys.len(),
                        max: MAX_KEYS,
                    });
                }
                obj.manual = manual;
                out.push(obj);
            }
            Ok(out)
        }))
    }

    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        _: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>> {
        Box::pin(find_target(ctx, &obj.key))
    }

    fn create<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Created> {
        Box::pin(async move {
            let req = CreateScope {
                scope: Some(obj.key.clone()),
                scope_backend_type: Some("DATABRICKS".into()),
                ..CreateScope::default()
            };
            match ctx.target.secrets().create_scope(&req).await {
                Ok(()) => {}
                // A lost answer to an applied create: the scope is there, fill it.
                Err(e) if e.is_already_exists() => {}
                Err(e) => return Err(e.into()),
            }
            fill(ctx, &obj.key, desired, None).await?;
            Ok(Created {
                id: obj.key.clone(),
                key: None,
            })
        })
    }

    fn update<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        t: &'a TargetObject,
        desired: &'a Value,
    ) -> KindFuture<'a, ()> {
        Box::pin(fill(ctx, &obj.key, desired, Some(&t.body)))
    }

    fn compare(&self, _: &SourceObject, desired: &Value, t: &TargetObject) -> Vec<String> {
        let mut diffs = Vec::new();
        let have = key_names(&t.body);
        for k in desired
            .get("keys")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(key) = k["key"].as_str() else {
                continue;
            };
            if !have.contains(key) {
                diffs.push(format!("keys.{key}"));
            } else if k["supplied"].as_bool() == Some(true) {
                // A supplied value cannot be compared (values are unreadable): write it.
                diffs.push(format!("keys.{key} (supplied value)"));
            }
        }
        // The target grants its creator MANAGE on top: extra target ACLs are not a difference.
        let have_acls = acl_pairs(&t.body);
        for (p, l) in acl_pairs(desired) {
            if have_acls.get(&p) != Some(&l) {
                diffs.push(format!("acls.{p}"));
            }
        }
        diffs
    }

    fn prechecks<'a>(&'a self, ctx: &'a Ctx) -> KindFuture<'a, Vec<Check>> {
        Box::pin(async move {
            let s = ctx.source.secrets();
            let scopes = s.list_scopes().await?;
            let mut too_big = Vec::new();
            let mut names = Vec::new();
            // Keys per Databricks-backed scope (the only scopes a value can be put into).
            let mut keys: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
            for sc in &scopes {
                let Some(name) = sc.name.clone() else {
                    continue;
                };
                if sc.backend_type.as_deref().unwrap_or("DATABRICKS") == "DATABRICKS" {
                    let listed: BTreeSet<String> = s
                        .list_secrets(&name)
                        .await?
                        .into_iter()
                        .filter_map(|m| m.key)
                        .collect();
                    let n = listed.len();
                    if n > MAX_KEYS {
                        too_big.push(format!("{name} ({n} keys)"));
                    }
                    keys.insert(name.clone(), listed);
                }
                names.push(name);
            }
            let target: Vec<String> = ctx
                .target
                .secrets()
                .list_scopes()
                .await?
                .into_iter()
                .filter_map(|s| s.name)
                .collect();
            let mut checks = vec![super::collision_check(ctx, NAME, &names, &target)?];
            checks.push(if too_big.is_empty() {
                Check::pass(
                    "secret scope sizes",
                    "source",
                    format!("every scope holds at most {MAX_KEYS} keys"),
                )
            } else {
                Check::warn(
                    "secret scope sizes",
                    "source",
                    format!(
                        "scopes over the {MAX_KEYS}-key limit: {}",
                        too_big.join(", ")
                    ),
                    "split these scopes in the source, or leave them out; they will be skipped",
                )
            });
            if !ctx.opts.secret_values.is_empty() {
                checks.push(supplied_check(&ctx.opts.secret_values, &keys));
            }
            Ok(checks)
        })
    }

    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        // With its keys and ACLs: a scope is deleted whole, by name.
        super::delete_by(async move { ctx.target.secrets().delete_scope(target.key).await })
    }
}

/// Every supplied value must name a key of a Databricks-backed scope of the source: a name
/// that matches nothing is a typo whose key would keep the placeholder, unnoticed. It fails
/// the pre-check (fixing the file is quick; finding the placeholder after cut-over is not).
/// Names only, never a value.
fn supplied_check(
    supplied: &crate::SecretValues,
    keys: &BTreeMap<String, BTreeSet<String>>,
) -> Check {
    let mut unknown = Vec::new();
    for (scope, values) in supplied {
        match keys.get(scope) {
            None => unknown.push(format!(
                "scope `{scope}` (not a Databricks-backed scope of the source)"
            )),
            Some(have) => unknown.extend(
                values
                    .keys()
                    .filter(|k| !have.contains(*k))
                    .map(|k| format!("key `{scope}/{k}` (the scope has no such key)")),
            ),
        }
    }
    let n: usize = supplied.values().map(|v| v.len()).sum();
    if unknown.is_empty() {
        return Check::pass(
            "secret values",
            "source",
            format!("the {n} supplied secret values each name a key of the source"),
        );
    }
    let scopes: Vec<&str> = keys.keys().map(String::as_str).collect();
    Check::fail(
        "secret values",
        "source",
        format!(
            "--secret-values names what the source does not have: {}",
            unknown.join("; ")
        ),
        format!(
            "correct the names in the secret values file, or remove those entries (scopes in the source: {})",
            if scopes.is_empty() {
                "none".to_string()
            } else {
                scopes.join(", ")
            }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supplied_values_must_name_source_keys() {
        let keys = BTreeMap::from([("apis".to_string(), BTreeSet::from(["stripe".to_string()]))]);
        let mut supplied = crate::SecretValues::new();
        supplied
            .entry("apis".into())
            .or_default()
            .insert("stripe".into(), Secret::new("TOPSECRET-1".to_string()));
        assert!(supplied_check(&supplied, &keys).ok);
        supplied
            .entry("apsi".into())
            .or_default()
            .insert("stripe".into(), Secret::new("TOPSECRET-2".to_string()));
        supplied
            .entry("apis".into())
            .or_default()
            .insert("strpe".into(), Secret::new("TOPSECRET-3".to_string()));
        let c = supplied_check(&supplied, &keys);
        assert!(!c.ok);
        let text = format!("{c:?}");
        assert!(text.contains("scope `apsi`"), "{text}");
        assert!(text.contains("key `apis/strpe`"), "{text}");
        assert!(!text.contains("TOPSECRET"), "{text}");
    }
}
