//! What a secret scope holds, read and written: its key names and ACLs as read from a
//! workspace, the JSON form the spec and the target object share, and the fill that puts the
//! missing keys (the supplied value or the placeholder, recording in the ledger which keys got
//! a supplied value) and the missing or different ACLs. Values are never read back.

use std::collections::{BTreeMap, BTreeSet};

use brickport_api::Secret;
use brickport_api::types::secrets::SecretValue;
use serde_json::{Value, json};

use crate::EngineError;
use crate::kinds::Ctx;

/// Keys and ACLs of one scope, read from a workspace.
pub(super) async fn contents(
    client: &brickport_api::WorkspaceClient,
    scope: &str,
    side: &str,
) -> Result<(Vec<String>, Vec<(String, String)>), EngineError> {
    // Said here, since listing scopes reads each scope's contents.
    read_contents(client, scope)
        .await
        .map_err(|e| EngineError::api(format!("reading secret scope {scope} in the {side}"), e))
}

async fn read_contents(
    client: &brickport_api::WorkspaceClient,
    scope: &str,
) -> Result<(Vec<String>, Vec<(String, String)>), brickport_api::ApiError> {
    let s = client.secrets();
    let mut keys: Vec<String> = s
        .list_secrets(scope)
        .await?
        .into_iter()
        .filter_map(|m| m.key)
        .collect();
    keys.sort();
    let mut acls: Vec<(String, String)> = s
        .list_acls(scope)
        .await?
        .into_iter()
        .filter_map(|a| Some((a.principal?, a.permission?)))
        .collect();
    acls.sort();
    Ok((keys, acls))
}

pub(super) fn acls_json(acls: &[(String, String)]) -> Value {
    Value::Array(
        acls.iter()
            .map(|(p, l)| json!({"principal": p, "permission": l}))
            .collect(),
    )
}

pub(super) fn acl_pairs(v: &Value) -> BTreeMap<String, String> {
    v.get("acls")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    Some((
                        x["principal"].as_str()?.to_string(),
                        x["permission"].as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

pub(super) fn key_names(v: &Value) -> BTreeSet<String> {
    v.get("keys")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|k| k["key"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The value to put for a key: the operator's, else the placeholder.
pub(super) fn value_for(ctx: &Ctx, scope: &str, key: &str) -> SecretValue {
    match ctx.opts.secret_value(scope, key) {
        Some(v) => SecretValue::String(v.clone()),
        None => SecretValue::String(Secret::new(ctx.opts.secret_placeholder.clone())),
    }
}

/// Puts the missing keys (and every supplied value), then the missing or different ACLs.
pub(super) async fn fill(
    ctx: &Ctx,
    scope: &str,
    desired: &Value,
    have: Option<&Value>,
) -> Result<(), EngineError> {
    let s = ctx.target.secrets();
    let present = have.map(key_names).unwrap_or_default();
    for k in desired
        .get("keys")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(key) = k["key"].as_str() else {
            continue;
        };
        let supplied = k["supplied"].as_bool() == Some(true);
        // An existing key may already hold the real value set by the operator: only
        // overwrite it with a value the operator supplied.
        if present.contains(key) && !supplied {
            continue;
        }
        s.put_secret(scope, key, &value_for(ctx, scope, key))
            .await?;
        let ledger = ctx.ids.ledger();
        if supplied {
            ledger.record_secret_supplied(scope, key)?;
        } else {
            ledger.forget_secret_supplied(scope, key)?;
        }
    }
    let have_acls = have.map(acl_pairs).unwrap_or_default();
    for (principal, permission) in acl_pairs(desired) {
        if have_acls.get(&principal) == Some(&permission) {
            continue;
        }
        s.put_acl(scope, &principal, &permission).await?;
    }
    Ok(())
}
