//! Helpers every kind may use (not any one kind's): typed values to and from JSON, the usual
//! `get`, the usual `find` through the run's snapshot, the name-collision check, workspace
//! paths, the migration's tag, and the principal running the migration.

use std::future::Future;

use serde_json::Value;

use super::snapshot::Lookup;
use super::{Ctx, KindFuture, ObjectStream, RefBy, Reference, TargetObject};
use crate::EngineError;

/// A reference resolved as soon as its object is (never deferred): the usual declaration.
pub(crate) const fn reference(
    path: &'static str,
    kinds: &'static [&'static str],
    by: RefBy,
    required: bool,
) -> Reference {
    Reference {
        path,
        kinds,
        by,
        required,
        deferred: false,
    }
}

/// `find` for a kind whose objects are read by id, found by a natural key `key`: the run's
/// first lookup answers from one snapshot of the target (`snapshot`: every object's key and
/// id), a later one (after a create whose answer was lost) from `ask` (the id found afresh,
/// the cheapest way the kind has); a hit is read with `read` either way.
pub(crate) async fn find_by_id<S, SF, A, AF, R, RF>(
    ctx: &Ctx,
    kind: &'static str,
    key: &str,
    snapshot: S,
    ask: A,
    read: R,
) -> Result<Option<TargetObject>, EngineError>
where
    S: FnOnce() -> SF,
    SF: Future<Output = Result<Vec<(String, String)>, EngineError>>,
    A: FnOnce() -> AF,
    AF: Future<Output = Result<Option<String>, EngineError>>,
    R: FnOnce(String) -> RF,
    RF: Future<Output = Result<Option<TargetObject>, EngineError>>,
{
    let id = match ctx.cache.first_lookup(kind, key, snapshot).await? {
        Lookup::Id(id) => Some(id),
        Lookup::Absent => None,
        Lookup::Ask => ask().await?,
    };
    match id {
        Some(id) => read(id).await,
        None => Ok(None),
    }
}

/// The tag a created cluster or job carries, holding its source id: the migration's mark
/// ([`super::Kind::owns`]).
pub const SOURCE_ID_TAG: &str = "brickport_source_id";

/// A workspace path without the `/Workspace` alias prefix and duplicate slashes.
pub fn normalise_path(p: &str) -> String {
    if !p.starts_with('/') {
        return p.to_string();
    }
    let parts: Vec<&str> = p.split('/').filter(|s| !s.is_empty()).collect();
    let parts = match parts.first() {
        Some(&"Workspace") => &parts[1..],
        _ => &parts[..],
    };
    format!("/{}", parts.join("/"))
}

/// The natural key of an object named `name` in workspace folder `parent` (normalised: the
/// API may answer it with a `/Workspace` prefix; at the root when it has none): the key of
/// every kind whose objects sit in the workspace tree without a path of their own (SQL
/// objects, dashboards, Genie spaces).
pub(crate) fn tree_key(parent: Option<&str>, name: &str) -> String {
    let parent = normalise_path(parent.unwrap_or(""));
    format!("{}/{name}", parent.trim_end_matches('/'))
}

/// The source objects of a listing whose items each need more requests (a read, their
/// libraries...): `read` makes one, `width` at a time, handed on in order as they come
/// (`None`: left out).
pub(crate) fn read_each<'a, T, S, F, Fut>(listed: S, width: usize, read: F) -> ObjectStream<'a>
where
    S: futures::Stream<Item = Result<T, brickport_api::ApiError>> + Send + 'a,
    F: FnMut(T) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Option<super::SourceObject>, EngineError>> + Send + 'a,
    T: Send + 'a,
{
    use futures::TryStreamExt;
    Box::pin(
        listed
            .map_err(EngineError::from)
            .map_ok(read)
            .try_buffered(width)
            .try_filter_map(|o| std::future::ready(Ok(o))),
    )
}

/// The folder `parent_path` of a spec held out of it (in the side-car, put back by
/// [`super::Facts::with_kept`]) when it is the workspace root: the root is no folder object of
/// the migration, so a reference to it would never resolve, and the target has it anyway.
pub(crate) fn hold_root_parent(spec: &mut Value, facts: &mut super::Facts) {
    if spec.get("parent_path").and_then(Value::as_str) == Some("/")
        && let Value::Object(m) = spec
    {
        m.remove("parent_path");
        facts.kept.push(super::facts::FieldAt {
            at: String::new(),
            field: "parent_path".into(),
            value: "/".into(),
        });
    }
}

/// Whether a path is inside `/Repos` (Git folders).
pub fn in_repos(path: &str) -> bool {
    path == "/Repos" || path.starts_with("/Repos/")
}

/// The principal running the migration on the target (its userName; an SP's applicationId).
/// It exists there by construction and is left as it is: changing the caller's own
/// entitlements could lock the migration out.
pub async fn target_caller(ctx: &Ctx) -> Result<Option<String>, crate::EngineError> {
    ctx.cache
        .target_caller(|| async {
            let me = ctx.target.scim().me().await?;
            Ok(me.user_name)
        })
        .await
}

/// A principal's name in the target: `name` as `rename` (a principal map of the run's)
/// gives it, else `name` itself (which source principal is the caller is a question about
/// the target's names).
pub(crate) fn target_name(
    ctx: &Ctx,
    name: &str,
    rename: impl Fn(&crate::principals::Principals, &str) -> Option<(String, String)>,
) -> String {
    rename(&ctx.opts.principals, name).map_or_else(|| name.to_string(), |(to, _)| to)
}

/// The usual [`super::Kind::get`]: one read by id through the typed client, "not found" as `None`,
/// then the kind's shaping (which may say `None` too: a deleted pool can still be read a while).
pub(crate) fn get_by_id<'a, T: Send + 'a>(
    read: impl Future<Output = Result<T, brickport_api::ApiError>> + Send + 'a,
    shape: impl FnOnce(T) -> Result<Option<TargetObject>, EngineError> + Send + 'a,
) -> KindFuture<'a, Option<TargetObject>> {
    use brickport_api::ApiResultExt;
    Box::pin(async move { read.await.found()?.map_or(Ok(None), shape) })
}

/// The usual [`super::Kind::delete`]: one call through the typed client (its "not found" is
/// the engine's to read as deleted).
pub(crate) fn delete_by<'a>(
    call: impl Future<Output = Result<(), brickport_api::ApiError>> + Send + 'a,
) -> Option<KindFuture<'a, super::Deleted>> {
    Some(Box::pin(async move {
        call.await?;
        Ok(super::Deleted::Done)
    }))
}

/// A JSON value from a typed api struct (they all serialise).
pub(crate) fn to_json<T: serde::Serialize>(
    kind: &'static str,
    key: &str,
    v: &T,
) -> Result<Value, EngineError> {
    serde_json::to_value(v).map_err(|e| EngineError::Shape {
        kind,
        key: key.to_string(),
        message: e.to_string(),
    })
}

/// A typed api struct from JSON (the engine's `desired` → the client's request type).
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    kind: &'static str,
    key: &str,
    v: &Value,
) -> Result<T, EngineError> {
    serde_json::from_value(v.clone()).map_err(|e| EngineError::Shape {
        kind,
        key: key.to_string(),
        message: e.to_string(),
    })
}

/// The `validate` check for name collisions: source names that already exist in the target
/// and are not in the ledger (not created or adopted by this migration). Informational: such
/// objects are adopted when equal, else handled by the conflict policy.
pub(crate) fn collision_check(
    ctx: &Ctx,
    kind: &'static str,
    source: &[String],
    target: &[String],
) -> Result<crate::Check, EngineError> {
    let target: std::collections::BTreeSet<&String> = target.iter().collect();
    let mut hits = Vec::new();
    for name in source {
        if target.contains(name) && !ctx.ids.is_managed(kind, name)? {
            hits.push(name.clone());
        }
    }
    let check_name = format!("{kind} name collisions");
    Ok(if hits.is_empty() {
        crate::Check::pass(
            &check_name,
            "target",
            "no source name is taken in the target",
        )
    } else {
        crate::Check::warn(
            &check_name,
            "target",
            format!(
                "{} already in the target: {} — adopted when equal, else handled by the conflict policy ({:?})",
                hits.len(),
                hits.join(", "),
                ctx.opts.conflict_policy
            ),
            "use --conflict overwrite to replace them, or skip to leave them",
        )
    })
}
