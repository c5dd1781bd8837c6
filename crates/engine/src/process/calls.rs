//! The framework's calls into a kind, each naming what it was doing when the kind's API error
//! comes back as it is ("creating jobs `nightly`"): the words are chosen here, once, for
//! every kind. An error the kind already named keeps its own words
//! ([`EngineError::context`]).

use futures::TryStreamExt;
use serde_json::Value;

use crate::EngineError;
use crate::kinds::cut_over::keep_resumed;
use crate::kinds::{Created, Ctx, Kind, KindFuture, ObjectStream, SourceObject, TargetObject};

/// What the engine was doing with `kind` (and one object of it, by key or id).
fn doing<'a>(
    verb: &'a str,
    kind: &'a dyn Kind,
    what: Option<&'a str>,
) -> impl FnOnce() -> String + 'a {
    move || match what {
        Some(w) => format!("{verb} {} `{w}`", kind.name()),
        None => format!("{verb} {}", kind.name()),
    }
}

/// [`Kind::list`], every object in full: the one path the engine lists a kind's objects by
/// (`migrate`, `plan`, `verify`). For a kind with a [`Kind::cutover`], each object keeps what
/// `cutover` resumed ([`keep_resumed`]), so the kind itself does nothing for it.
pub(crate) fn list_stream<'a>(ctx: &'a Ctx, kind: &'a dyn Kind) -> ObjectStream<'a> {
    let listed = kind
        .list(ctx, crate::kinds::Detail::Full)
        .map_err(move |e| e.context(doing("listing", kind, None)));
    if kind.cutover().is_none() {
        return Box::pin(listed);
    }
    Box::pin(listed.and_then(move |mut obj| {
        std::future::ready(keep_resumed(kind, ctx, &mut obj).map(|()| obj))
    }))
}

/// `call`'s answer, its error named "`verb` `kind` `key`".
async fn named<T>(
    call: KindFuture<'_, T>,
    verb: &str,
    kind: &dyn Kind,
    key: &str,
) -> Result<T, EngineError> {
    call.await
        .map_err(|e| e.context(doing(verb, kind, Some(key))))
}

/// [`Kind::find`].
pub(super) async fn find(
    ctx: &Ctx,
    kind: &dyn Kind,
    obj: &SourceObject,
    desired: &Value,
) -> Result<Option<TargetObject>, EngineError> {
    named(kind.find(ctx, obj, desired), "looking up", kind, &obj.key).await
}

/// [`Kind::get`]: `None` when the kind does not read by id (the caller then uses `find`).
pub(super) async fn get(
    ctx: &Ctx,
    kind: &dyn Kind,
    id: &str,
) -> Option<Result<Option<TargetObject>, EngineError>> {
    let read = kind.get(ctx, id)?;
    Some(named(read, "reading", kind, id).await)
}

/// [`Kind::create`].
pub(super) async fn create(
    ctx: &Ctx,
    kind: &dyn Kind,
    obj: &SourceObject,
    desired: &Value,
) -> Result<Created, EngineError> {
    if let Err(e) = cannot_be_written(kind, obj) {
        return Err(e.context(doing("creating", kind, Some(&obj.key))));
    }
    named(kind.create(ctx, obj, desired), "creating", kind, &obj.key).await
}

/// An object whose side-car has problems (a node type the target offers no equivalent of, a
/// job task on a cluster gone from the source) fails with them, before any call.
fn cannot_be_written(kind: &dyn Kind, obj: &SourceObject) -> Result<(), EngineError> {
    if obj.facts.problems.is_empty() {
        return Ok(());
    }
    Err(EngineError::Shape {
        kind: kind.name(),
        key: obj.key.clone(),
        message: obj.facts.problems.join("; "),
    })
}

/// [`Kind::update`].
pub(super) async fn update(
    ctx: &Ctx,
    kind: &dyn Kind,
    obj: &SourceObject,
    target: &TargetObject,
    desired: &Value,
) -> Result<(), EngineError> {
    if let Err(e) = cannot_be_written(kind, obj) {
        return Err(e.context(doing("updating", kind, Some(&obj.key))));
    }
    let call = kind.update(ctx, obj, target, desired);
    named(call, "updating", kind, &obj.key).await
}
