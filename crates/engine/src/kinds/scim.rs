//! Helpers shared by the three SCIM kinds (users, service principals, groups): value lists
//! in a comparable shape, lookups that tolerate SCIM's eventually consistent lists, and the
//! rollback of a principal with the home folder the target made for it.

use std::time::Duration;

use brickport_api::ApiError;
use brickport_api::types::scim::ComplexValue;
use serde_json::{Value, json};

/// `[{value}]` sorted by value: entitlements, roles and members in a shape that compares
/// and hashes the same whatever order or extra attributes (`display`, `$ref`) the API gives.
pub fn values(list: &Option<Vec<ComplexValue>>) -> Value {
    let mut v: Vec<String> = list
        .as_deref()
        .unwrap_or_default()
        .iter()
        .filter_map(|c| c.value.clone())
        .collect();
    v.sort();
    v.dedup();
    Value::Array(v.into_iter().map(|s| json!({ "value": s })).collect())
}

/// The `value`s of a `[{value}]` list.
pub fn value_list(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("value").and_then(crate::json::as_id))
                .collect()
        })
        .unwrap_or_default()
}

/// `[{value}]` → typed complex values.
pub fn complex(v: Option<&Value>) -> Option<Vec<ComplexValue>> {
    let list = value_list(v);
    Some(list.into_iter().map(ComplexValue::value).collect())
}

/// Runs a lookup by filter; when it finds nothing, tries again a few times, because a
/// principal created moments ago may not be listed yet (match the platform: SCIM lists are
/// eventually consistent). Only used where an absence would lead to a duplicate create.
pub async fn find_patiently<T, F, Fut>(lookup: F, patient: bool) -> Result<Vec<T>, ApiError>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Vec<T>, ApiError>>,
{
    let waits: &[u64] = if patient { &[0, 250, 750, 1500] } else { &[0] };
    let mut last = Vec::new();
    for w in waits {
        tokio::time::sleep(Duration::from_millis(*w)).await;
        last = lookup().await?;
        if !last.is_empty() {
            break;
        }
    }
    Ok(last)
}

/// `rollback` of a user or service principal (`delete`, the SCIM call) whose key in the target
/// is `key` (a userName, an applicationId): first the home folder `/Users/<key>` the target
/// made with it, when empty — left, it would outlive its principal. A home that is gone, or
/// holds anything (an object the migration did not create: the folders' rollback reports such
/// a folder when it migrated it), is left as it is. The folder goes first so that a failure
/// leaves the principal, which a later rollback finds and finishes.
pub async fn delete_principal(
    ctx: &super::Ctx,
    key: &str,
    delete: impl std::future::Future<Output = Result<(), ApiError>>,
) -> Result<super::Deleted, crate::EngineError> {
    let home = format!("/Users/{key}");
    match ctx.target.workspace().delete(&home, false).await {
        Ok(()) => {}
        Err(e) if e.is_not_found() || e.error_code() == Some("DIRECTORY_NOT_EMPTY") => {}
        Err(e) => return Err(crate::EngineError::api(format!("deleting {home}"), e)),
    }
    delete.await?;
    Ok(super::Deleted::Done)
}
