//! What the Databricks SQL kinds (queries, alerts, alerts v2) share: their natural key (the
//! folder and the display name), the owner as the API reads it, the writable fields of a spec
//! and the body sent back, the listing that reads each object, the lookup of a target object
//! by that key, and the `update_mask` of a change.
//!
//! The current SQL API lists objects without their folder (`parent_path` comes only with a
//! read by id), so finding an object by key reads the listed objects of that display name: the
//! run's first lookup from one snapshot of the target (each object read once), a later one
//! (after a create whose answer was lost) from a fresh listing of that name's objects.

use std::future::Future;

use futures::{Stream, StreamExt, TryStreamExt};
use serde_json::{Map, Value, json};

use super::snapshot::Lookup;
use super::{Ctx, ObjectStream, SourceObject, TargetObject};
use crate::EngineError;

/// What the API answers for the owner of an object whose owner was deleted.
const UNAVAILABLE: &str = "Unavailable";

/// The natural key of an object named `name` in folder `parent`.
pub(crate) use super::shared::tree_key as key_of;

/// The workspace root, where an object without a folder of its own is created.
pub(crate) const ROOT: &str = "/";

/// The folder a spec names (normalised), a reference to that folder: none at the root, which
/// is no folder object to wait for (the create puts [`ROOT`] back).
pub(crate) fn folder(parent: Option<&str>) -> Option<String> {
    parent
        .map(super::shared::normalise_path)
        .filter(|p| p != ROOT)
}

/// The key an object has in the target: its folder there (the desired body's, remapped:
/// a service principal's home folder is named by its application id, which differs) and its
/// name; the source key when the body names no folder.
pub(crate) fn target_key(desired: &Value, source_key: &str) -> String {
    match (
        desired["parent_path"].as_str(),
        desired["display_name"].as_str(),
    ) {
        (Some(parent), Some(name)) => key_of(Some(parent), name),
        _ => source_key.to_string(),
    }
}

/// The owner as a spec holds it: none when the API says the owner no longer exists.
pub(crate) fn owner(name: Option<&str>) -> Option<String> {
    name.filter(|n| !n.is_empty() && *n != UNAVAILABLE)
        .map(str::to_string)
}

/// Whether an object's `lifecycle_state` says it is in the trash (found by a read by id, but
/// no longer the object the key names).
pub(crate) fn trashed(lifecycle_state: Option<&str>) -> bool {
    lifecycle_state == Some("TRASHED")
}

/// The fields of `fields` that `raw` holds a value for, and its folder `parent` (normalised;
/// none at the root): the part of a spec (or of a target's body) every SQL kind has.
pub(crate) fn writable(raw: &Value, fields: &[&str], parent: Option<&str>) -> Map<String, Value> {
    let mut out: Map<String, Value> = fields
        .iter()
        .filter_map(|f| Some((f.to_string(), raw.get(*f).filter(|v| !v.is_null())?.clone())))
        .collect();
    if let Some(p) = folder(parent) {
        out.insert("parent_path".into(), json!(p));
    }
    out
}

/// The object a create or an update sends: `desired` without the fields `besides` (sent by
/// other calls) and without its nulls.
pub(crate) fn payload<T: serde::de::DeserializeOwned>(
    kind: &'static str,
    key: &str,
    desired: &Value,
    besides: &[&str],
) -> Result<T, EngineError> {
    let mut v = desired.clone();
    if let Value::Object(m) = &mut v {
        m.retain(|k, x| !x.is_null() && !besides.contains(&k.as_str()));
    }
    super::from_json(kind, key, &v)
}

/// The source objects of a listing whose items must each be read (the list has no folder),
/// at most 8 at a time.
pub(crate) fn read_each<'a, T, S, F, Fut>(ctx: &'a Ctx, listed: S, read: F) -> ObjectStream<'a>
where
    S: Stream<Item = Result<T, brickport_api::ApiError>> + Send + 'a,
    F: FnMut(T) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Option<SourceObject>, EngineError>> + Send + 'a,
    T: Send + 'a,
{
    super::shared::read_each(listed, ctx.opts.max_concurrency.clamp(1, 8), read)
}

/// A source object done in an earlier run, when resuming (`--resume`): its key from the
/// ledger, so it is not read again (its folder needs a read).
pub(crate) fn resumed(
    ctx: &Ctx,
    kind: &'static str,
    id: &str,
) -> Result<Option<SourceObject>, EngineError> {
    if !SourceObject::resumable(ctx, kind, id)? {
        return Ok(None);
    }
    let Some(entry) = ctx.ids.ledger().get(kind, id)? else {
        return Ok(None);
    };
    let raw = serde_json::json!({"id": id, "not_read_again": "--resume"});
    let mut obj = SourceObject::new(id, entry.natural_key, raw, Value::Null);
    obj.mode = super::Mode::Resumed;
    Ok(Some(obj))
}

/// The target object of source object `source_key` whose desired body is `desired` (its key
/// there: [`target_key`]). `list` gives every target object's id and display name; `read`
/// reads one by id (`None`: gone, or trashed).
pub(crate) async fn find<L, LF, R, RF>(
    ctx: &Ctx,
    kind: &'static str,
    source_key: &str,
    desired: &Value,
    list: L,
    read: R,
) -> Result<Option<TargetObject>, EngineError>
where
    L: Fn() -> LF,
    LF: Future<Output = Result<Vec<(String, String)>, EngineError>>,
    R: Fn(String) -> RF,
    RF: Future<Output = Result<Option<TargetObject>, EngineError>>,
{
    let name = desired["display_name"].as_str().unwrap_or_default();
    let key = &target_key(desired, source_key);
    let width = ctx.opts.max_concurrency.clamp(1, 8);
    let snapshot = || async {
        let listed = list().await?;
        futures::stream::iter(listed)
            .map(|(id, _)| read(id))
            .buffer_unordered(width)
            .try_filter_map(|t| std::future::ready(Ok(t.map(|t| (t.key, t.id)))))
            .try_collect::<Vec<_>>()
            .await
    };
    match ctx.cache.first_lookup(kind, key, snapshot).await? {
        Lookup::Id(id) => read(id).await,
        Lookup::Absent => Ok(None),
        Lookup::Ask => {
            for (id, listed_name) in list().await? {
                if listed_name != name {
                    continue;
                }
                if let Some(t) = read(id).await?
                    && t.key == *key
                {
                    return Ok(Some(t));
                }
            }
            Ok(None)
        }
    }
}

/// The fields of `fields` whose desired value the target does not have, comma-separated
/// (an `update_mask`); a field `desired` leaves out (or holds null) is left alone.
pub(crate) fn update_mask(desired: &Value, target: &Value, fields: &[&str]) -> String {
    fields
        .iter()
        .filter(|f| {
            let d = &desired[**f];
            !d.is_null() && !crate::json::subset_diff(d, &target[**f]).is_empty()
        })
        .copied()
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_owners_and_masks() {
        assert_eq!(key_of(Some("/Workspace/Shared/a/"), "q"), "/Shared/a/q");
        assert_eq!(key_of(Some("/"), "q"), "/q");
        assert_eq!(key_of(None, "q"), "/q");
        let desired = json!({"parent_path": "/Users/new-app-id", "display_name": "q"});
        assert_eq!(
            target_key(&desired, "/Users/old-app-id/q"),
            "/Users/new-app-id/q"
        );
        assert_eq!(target_key(&json!(null), "/Shared/q"), "/Shared/q");
        assert_eq!(owner(Some("Unavailable")), None);
        assert_eq!(folder(Some("/Workspace/")), None);
        assert_eq!(
            folder(Some("/Workspace/Shared")).as_deref(),
            Some("/Shared")
        );
        assert_eq!(owner(Some("a@x.com")).as_deref(), Some("a@x.com"));
        let desired = json!({"display_name": "q", "tags": ["a"], "owner_user_name": null,
                             "query_text": "select 1"});
        let target = json!({"display_name": "q", "tags": ["b"], "owner_user_name": "z",
                            "query_text": "select 2"});
        let fields = ["display_name", "query_text", "tags", "owner_user_name"];
        assert_eq!(update_mask(&desired, &target, &fields), "query_text,tags");
    }

    #[test]
    fn writable_fields_and_the_payload_sent() {
        let raw = json!({"display_name": "q", "tags": null, "id": "1", "query_text": "x"});
        let w = writable(
            &raw,
            &["display_name", "tags", "query_text"],
            Some("/Workspace/a"),
        );
        assert_eq!(
            Value::Object(w),
            json!({"display_name": "q", "query_text": "x", "parent_path": "/a"})
        );
        assert!(
            writable(&raw, &[], Some("/")).is_empty(),
            "no folder at the root"
        );
        let desired = json!({"display_name": "q", "visualizations": [], "tags": null});
        let sent: Value = payload("k", "/q", &desired, &["visualizations"]).unwrap();
        assert_eq!(sent, json!({"display_name": "q"}));
    }
}
