//! The kinds of objects brickport migrates: one module per kind, one table ([`all`]).
//!
//! Every kind implements [`Kind`], the same few operations (the Terraform-resource shape):
//! list in the source, declare references to other kinds as data, find the existing object in
//! the target by its natural key, get it by id, create, update, compare. The engine does
//! everything else (ledger, id remapping, conflicts, retries of unknown outcomes, reports), so a
//! kind is mostly a mapping between the api crate's types and JSON.
//!
//! Adding a kind: write `kinds/<kind>.rs` implementing [`Kind`], add one line to [`all`].

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use brickport_api::WorkspaceClient;
use serde_json::Value;

pub use crate::ledger::{Action, Category, SkipReason};
use crate::{EngineError, EngineOptions, IdMap};
use compact_spec::CompactSpec;

pub mod cluster_policies;
pub mod clusters;
mod compact_spec;
pub mod groups;
pub mod instance_pools;
pub mod jobs;
pub mod notebooks;
pub mod permissions;
pub mod repos;
mod scim;
pub mod secret_scopes;
pub mod service_principals;
pub mod snapshot;
pub mod source_walk;
pub mod sql_warehouses;
pub mod users;
pub mod workspace_folders;

/// The table of kinds, in a stable order (the report's order). One line per kind.
pub fn all() -> Vec<Arc<dyn Kind>> {
    let mut table: Vec<Arc<dyn Kind>> = vec![
        Arc::new(users::Users),
        Arc::new(service_principals::ServicePrincipals),
        Arc::new(groups::Groups),
        Arc::new(cluster_policies::ClusterPolicies),
        Arc::new(instance_pools::InstancePools),
        Arc::new(sql_warehouses::SqlWarehouses),
        Arc::new(secret_scopes::SecretScopes),
        Arc::new(workspace_folders::WorkspaceFolders),
        Arc::new(clusters::Clusters),
        Arc::new(notebooks::Notebooks),
        Arc::new(repos::Repos),
        Arc::new(jobs::Jobs),
    ];
    // Permissions of every object type, one line each, after the kinds they guard.
    table.extend(permissions::all());
    table
}

/// A boxed future, so [`Kind`] stays object-safe (`Arc<dyn Kind>` in the table).
pub type KindFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, EngineError>> + Send + 'a>>;

/// A kind's source objects as they are listed (see [`Kind::list_stream`]).
pub type ObjectStream<'a> =
    Pin<Box<dyn futures::Stream<Item = Result<SourceObject, EngineError>> + Send + 'a>>;

/// A listing future as a stream (the default of the streaming listings).
fn batch_stream<'a>(list: KindFuture<'a, Vec<SourceObject>>) -> ObjectStream<'a> {
    use futures::TryStreamExt;
    Box::pin(
        futures::stream::once(list)
            .map_ok(|v| futures::stream::iter(v.into_iter().map(Ok)))
            .try_flatten(),
    )
}

/// How a reference names the referenced object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefBy {
    /// By its id (a SCIM id, a policy id, a job id): remapped to the target id.
    Id,
    /// By its natural key (a user name, a group name, an SP application id, a path):
    /// remapped to the target's key (they differ for service principals).
    Key,
}

/// A reference from one kind to others, declared as data: it drives both the dependency graph
/// (the referenced kinds run first) and the id remapping of the field.
#[derive(Debug, Clone, Copy)]
pub struct Reference {
    /// Where the reference lives (see `crate::json` for the path syntax).
    pub path: &'static str,
    /// The kinds it may point at (tried in order; e.g. a group member is a user, an SP or a group).
    pub kinds: &'static [&'static str],
    /// Whether it holds an id or a natural key.
    pub by: RefBy,
    /// When the referenced object is missing or failed: `true` skips this object (with the
    /// reason), `false` drops the reference (the array element, or the field) and reports it.
    pub required: bool,
    /// Resolved in a second pass, after every object of this kind exists: for references to
    /// the same kind (nested groups, jobs running jobs) and cycles. In the first pass the
    /// top-level field holding the reference is left out of create and compare.
    pub deferred: bool,
}

/// What the engine does with a listed object.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Mode {
    /// Migrate it: find or create, then keep equal.
    Migrate,
    /// Never create it; it exists in every target (a built-in like `admins`): find it, then
    /// make it include the source's content (update allowed, never a conflict).
    Merge,
    /// Never write it: only find it in the target to map its id (the `users` group, default
    /// policies, account groups). Reported as skipped with this reason. Its kind's `find`
    /// must find it by the object alone: it is given no desired body (`null`).
    MapOnly(SkipReason),
    /// Leave it out entirely (excluded by path, unsupported variant), with this reason.
    Skip(SkipReason),
    /// Done in an earlier run, by the ledger, and not read again from the source
    /// ([`crate::EngineOptions::resume`]): its spec is only what the listing had, so it is
    /// never written; the run reports it unchanged.
    Resumed,
}

impl SourceObject {
    /// The writable content, references still in source ids (parsed on each call).
    pub fn spec(&self) -> Value {
        self.spec.value()
    }

    /// Replaces the writable content.
    pub fn set_spec(&mut self, spec: &Value) {
        self.spec = CompactSpec::new(spec);
    }

    /// The object stands as the ledger has it, when `resume` is on and the ledger has it done
    /// (no write in flight, present in the target): listing it need not read it again.
    pub(crate) fn resumable(ctx: &Ctx, kind: &str, source_id: &str) -> Result<bool, EngineError> {
        if !ctx.opts.resume {
            return Ok(false);
        }
        Ok(ctx
            .ids
            .ledger()
            .get(kind, source_id)?
            .is_some_and(|r| r.intent.is_none() && r.status.is_done() && r.target_id.is_some()))
    }
}

/// One object listed in the source.
///
/// Serialised (without `raw`, which has gone to the backup by then) only to wait on disk for
/// its turn ([`crate::run`]'s listed objects): never a secret value in it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct SourceObject {
    /// Its id in the source (the ledger's key).
    pub source_id: String,
    /// Its natural key (what `find` looks for in the target).
    pub key: String,
    /// The full object as read, for the backup. Never a secret value.
    #[serde(skip)]
    pub raw: Value,
    /// The writable content, references still in source ids. Hashed to detect changes.
    /// Kept as text until read ([`SourceObject::spec`]).
    spec: CompactSpec,
    /// What to do with it.
    pub mode: Mode,
    /// Attributes of the source that cannot be carried over (reported).
    pub dropped: Vec<String>,
    /// What the operator must do by hand after the migration (reported, kept in the ledger).
    pub manual: Vec<Action>,
}

impl SourceObject {
    /// An object to migrate, with no notes.
    pub fn new(
        source_id: impl Into<String>,
        key: impl Into<String>,
        raw: Value,
        spec: Value,
    ) -> Self {
        SourceObject {
            source_id: source_id.into(),
            key: key.into(),
            raw,
            spec: CompactSpec::new(&spec),
            mode: Mode::Migrate,
            dropped: Vec::new(),
            manual: Vec::new(),
        }
    }
}

/// An object as found in the target.
#[derive(Debug, Clone)]
pub struct TargetObject {
    /// Its id in the target.
    pub id: String,
    /// Its natural key in the target (a service principal's applicationId).
    pub key: String,
    /// Its content, in the same shape as [`SourceObject::spec`] (for `compare`).
    pub body: Value,
}

impl TargetObject {
    /// A target object from an id and a key as the api returns them (both optional there):
    /// `None` when either is missing, since such an object cannot be matched or mapped.
    pub fn from_parts(id: Option<String>, key: Option<String>, body: Value) -> Option<Self> {
        Some(TargetObject {
            id: id?,
            key: key?,
            body,
        })
    }
}

/// What `create` returns.
#[derive(Debug, Clone)]
pub struct Created {
    /// The new object's id.
    pub id: String,
    /// Its natural key in the target when it differs from the source's.
    pub key: Option<String>,
}

/// What a kind's operations get: both workspaces, the options, the id map.
#[derive(Clone)]
pub struct Ctx {
    /// The source workspace (read only).
    pub source: WorkspaceClient,
    /// The target workspace.
    pub target: WorkspaceClient,
    /// The run's options.
    pub opts: Arc<EngineOptions>,
    /// The id map (the ledger).
    pub ids: IdMap,
    /// The run directory (a kind with content, like notebooks, writes it beside the backups).
    pub run_dir: PathBuf,
    /// Per-run snapshots of the target (one listing per kind instead of one lookup per object).
    pub cache: Arc<snapshot::RunCache>,
}

impl Ctx {
    /// The source's or the target's client, with the word error messages use for it.
    pub fn side(&self, source: bool) -> (&WorkspaceClient, &'static str) {
        if source {
            (&self.source, "source")
        } else {
            (&self.target, "target")
        }
    }
}

/// One kind of object. Every operation is one or a few API calls through the typed client;
/// the engine records the ledger around them.
pub trait Kind: Send + Sync {
    /// The kind's name (`users`, `cluster_policies`, …): ledger, reports, `--only`.
    fn name(&self) -> &'static str;
    /// Its phase (1, 2 or 3).
    fn phase(&self) -> u8;
    /// Its references to other kinds (and to itself, deferred).
    fn references(&self) -> &'static [Reference] {
        &[]
    }
    /// Kinds that must run first without a field referencing them (user home folders need
    /// the users).
    fn after(&self) -> &'static [&'static str] {
        &[]
    }
    /// Whether an object needs only the one object [`Kind::after_object`] names from the kinds
    /// in [`Kind::after`] (a home folder needs its own user), rather than those whole kinds
    /// finished. The default: the whole kinds.
    fn after_by_object(&self) -> bool {
        false
    }
    /// With [`Kind::after_by_object`]: the one object of the [`Kind::after`] kinds `obj` needs,
    /// as (kinds, natural key), if any. The default: the object it is made with.
    fn after_object(&self, obj: &SourceObject) -> Option<(&'static [&'static str], String)> {
        self.made_with(obj)
    }
    /// The kind whose objects these are the grants of (permissions kinds), keyed by the same
    /// source id: the grants of an object left alone as a conflict are left alone too. The
    /// default: none.
    fn grants_of(&self) -> Option<&'static str> {
        None
    }
    /// The objects whose creation makes the target create `obj` by itself, as (kinds, natural
    /// key): a user's home folder comes with the user. Found in the target after such an
    /// object was created by this run, `obj` counts as created (as `plan` predicts), not
    /// adopted. The default: none.
    fn made_with(&self, obj: &SourceObject) -> Option<(&'static [&'static str], String)> {
        let _ = obj;
        None
    }
    /// Every object of this kind in the source.
    fn list<'a>(&'a self, ctx: &'a Ctx) -> KindFuture<'a, Vec<SourceObject>>;
    /// The objects as [`Kind::list`] gives them — same source ids, keys and modes — without
    /// what only migrating them needs (full settings, libraries): for kinds that only need to
    /// know which objects there are (permissions). The default is `list`.
    fn list_brief<'a>(&'a self, ctx: &'a Ctx) -> KindFuture<'a, Vec<SourceObject>> {
        self.list(ctx)
    }
    /// Whether the kind's objects are migrated while it is still being listed
    /// ([`Kind::list_stream`] yields them as they come, parents before children). Its
    /// references to its own kind are then waited for object by object, so they must not form
    /// a cycle (a folder's parent). The default: listed whole first.
    fn streamed(&self) -> bool {
        false
    }
    /// [`Kind::list`] as a stream. The default yields `list`'s objects once it is complete;
    /// a [`Kind::streamed`] kind yields each object as soon as it is listed.
    fn list_stream<'a>(&'a self, ctx: &'a Ctx) -> ObjectStream<'a> {
        batch_stream(self.list(ctx))
    }
    /// [`Kind::list_brief`] as a stream (see [`Kind::list_stream`]).
    fn list_brief_stream<'a>(&'a self, ctx: &'a Ctx) -> ObjectStream<'a> {
        batch_stream(self.list_brief(ctx))
    }
    /// The target object with the same natural key, if any.
    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>>;
    /// The target object with this id, if it still exists. The default looks nothing up (the
    /// engine then falls back to `find`).
    fn get<'a>(&'a self, ctx: &'a Ctx, id: &'a str) -> KindFuture<'a, Option<TargetObject>> {
        let _ = (ctx, id);
        Box::pin(async { Ok(None) })
    }
    /// Creates the object in the target from `desired` (references already remapped).
    fn create<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Created>;
    /// Makes `target` equal to `desired`.
    fn update<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        target: &'a TargetObject,
        desired: &'a Value,
    ) -> KindFuture<'a, ()>;
    /// Pre-checks for `validate` (name collisions, limits, what the target lacks). Never
    /// writes. The default checks nothing.
    fn prechecks<'a>(&'a self, ctx: &'a Ctx) -> KindFuture<'a, Vec<crate::Check>> {
        let _ = ctx;
        Box::pin(async { Ok(Vec::new()) })
    }
    /// Where `target` differs from `desired` (empty = equal). The default reads `desired` as a
    /// subset of the target (`crate::json::subset_diff`).
    fn compare(&self, obj: &SourceObject, desired: &Value, target: &TargetObject) -> Vec<String> {
        let _ = obj;
        crate::json::subset_diff(desired, &target.body)
    }
    /// Whether a target object found by `find` carries this migration's mark for `obj` (a tag
    /// holding the source id), so it was created by the migration even when the ledger does not
    /// say so (a failure between the create and a follow-up call). Such an object is updated,
    /// never treated as a conflict. The default: no mark.
    fn owns(&self, obj: &SourceObject, target: &TargetObject) -> bool {
        let _ = (obj, target);
        false
    }
    /// Manual actions for an object that failed with `error` (an object too large for the API,
    /// to copy by hand). Recorded in the ledger and the report like any manual action. The
    /// default: none.
    fn manual_on_failure(&self, obj: &SourceObject, error: &str) -> Vec<Action> {
        let _ = (obj, error);
        Vec::new()
    }
}

/// Every kind's name, in table order.
pub fn names() -> Vec<&'static str> {
    all().iter().map(|k| k.name()).collect()
}

/// Turns a client error into an engine error naming what was being done.
pub(crate) fn api(
    what: impl FnOnce() -> String,
) -> impl FnOnce(brickport_api::ApiError) -> EngineError {
    move |e| EngineError::api(what(), e)
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
        let mut c = crate::Check::pass(
            &check_name,
            "target",
            format!(
                "{} already in the target: {} — adopted when equal, else handled by the conflict policy ({:?})",
                hits.len(),
                hits.join(", "),
                ctx.opts.conflict_policy
            ),
        );
        c.fix = Some("use --conflict overwrite to replace them, or skip to leave them".into());
        c
    })
}
