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
    // Principal renames first, so everything after (ledger, find, references) sees the
    // target's names.
    let listed = listed.map_ok(move |mut obj| {
        rename_principals(ctx, kind, &mut obj);
        obj
    });
    if kind.cutover().is_none() {
        return Box::pin(listed);
    }
    Box::pin(listed.and_then(move |mut obj| {
        std::future::ready(keep_resumed(kind, ctx, &mut obj).map(|()| obj))
    }))
}

/// `obj` with its principals renamed by the run's maps ([`crate::principals`]): its key
/// (the source's kept in its side-car for reads of the source) and its spec.
fn rename_principals(ctx: &Ctx, kind: &dyn Kind, obj: &mut SourceObject) {
    let maps = &ctx.opts.principals;
    if maps.is_empty() {
        return;
    }
    let by_id = |r: &crate::kinds::Reference| {
        r.by == crate::kinds::RefBy::Id
            && (r.kinds.iter()).any(|k| *k == "users" || *k == "service_principals")
    };
    if kind.references().iter().any(by_id) {
        obj.facts.principal_maps = Some(maps.digest());
    }
    let (mut key, mut spec) = (obj.key.clone(), obj.spec());
    let done = maps.translate(kind.name(), &mut key, &mut spec);
    if done.is_empty() {
        return;
    }
    if key != obj.key {
        obj.facts.source_key = Some(std::mem::replace(&mut obj.key, key));
    }
    if done.iter().any(|r| r.field != "key") {
        obj.set_spec(&spec);
    }
    crate::translation::merge(&mut obj.translated, done);
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

#[cfg(test)]
mod tests {
    use crate::kinds::RefBy;

    /// A reference by name to a user or a service principal is found in the ledger by the
    /// renamed name: a field the principal maps did not rename would be dropped as missing.
    #[test]
    fn every_reference_by_name_to_a_principal_is_renamed_by_the_maps() {
        let principals = ["users", "service_principals"];
        for kind in crate::kinds::all() {
            for r in kind.references() {
                if r.by != RefBy::Key || !r.kinds.iter().any(|k| principals.contains(k)) {
                    continue;
                }
                let field = r.path.rsplit(['.', ']']).next().unwrap_or(r.path);
                assert!(
                    crate::principals::is_principal_field(field),
                    "{}: `{}` is not renamed by the principal maps",
                    kind.name(),
                    r.path
                );
            }
        }
    }
}
