//! The kinds of objects brickport migrates: one module per kind, one table ([`all`]).
//!
//! Every kind implements [`Kind`], the same few operations (the Terraform-resource shape):
//! list in the source, declare what it needs as data, find the existing object in the target
//! by its natural key, get it by id, create, update, compare. The engine does everything else
//! (ledger, id remapping, conflicts, retries of unknown outcomes, reports, the context of an
//! API error), so a kind is mostly a mapping between the api crate's types and JSON.
//!
//! # The contract
//!
//! | method | | what |
//! |---|---|---|
//! | [`Kind::name`], [`Kind::phase`] | **required** | the kind's name and phase |
//! | [`Kind::list`] | **required** | every object in the source, as a stream |
//! | [`Kind::find`] | **required** | the target object with the same natural key |
//! | [`Kind::create`], [`Kind::update`] | **required** | the writes |
//! | [`Kind::references`] | optional | fields holding other objects' ids or keys |
//! | [`Kind::needs`] | optional | objects needed that no field sent names (side-car) |
//! | [`Kind::after`], [`Kind::after_object`] | optional | needs that no field names |
//! | [`Kind::grants_of`] | optional | permissions kinds: whose grants these are |
//! | [`Kind::streamed`] | optional | migrated while listed (a tree, parents first) |
//! | [`Kind::get`] | optional | the target object by id; without it, every caller uses `find` |
//! | [`Kind::compare`] | optional | when equal is not "desired is a subset of the target" |
//! | [`Kind::owns`] | optional | the migration's mark (a tag holding the source id) |
//! | [`Kind::prechecks`] | optional | `validate`'s checks |
//! | [`Kind::cutover`] | optional | parts held back until cut-over ([`CutOver`]: jobs, pipelines) |
//! | [`Kind::manual_on_failure`] | optional | what to do by hand when it fails |
//! | [`Kind::delete`] | optional | `rollback`'s delete; without it the kind cannot be rolled back (reported) |
//! | [`Kind::drift`] | optional | `rollback`: the target against what was written, when `get`/`find` + `compare` cannot say |
//! | [`Kind::source_reads`] | optional | source reads made while migrating an object (`export`) |
//!
//! A kind returns the client's errors as they are (`?`): the engine names what it was doing
//! ("creating jobs `x`"), or, where it cannot tell calls apart, the kind says it once.
//!
//! **Which listing.** One method, [`Kind::list`], returns a stream. A kind that reads its
//! objects in one go writes an `async` block and wraps it in [`batch_stream`]; a big kind
//! yields page by page. [`Detail::Brief`] is only an offer: a kind whose full listing costs
//! a request per object (jobs, clusters' libraries) answers it from the list alone; any
//! other kind ignores it. Set [`Kind::streamed`] only for a tree listed parents first.
//!
//! **Which "needs another object" hook.**
//! - A field holds another object's id or natural key (a job's cluster, a group's members):
//!   declare it in [`Kind::references`]. It orders the run *and* remaps the field; mark it
//!   `deferred` when it points at the own kind or may form a cycle.
//! - No field the API takes names it, but the object needs it (the secret scopes a cluster's
//!   Spark settings read): [`Kind::needs`], the values in the object's side-car ([`Facts`]).
//! - Nothing in the object names it, but a whole kind must be done first (notebooks in Git
//!   folders before jobs): [`After::Kinds`] from [`Kind::after`].
//! - Only one object of another kind, derived from this one (the folder a Git folder sits
//!   in; a home folder's principal): [`After::Object`] and [`Kind::after_object`]; with
//!   `made_with` when the target makes this object by itself with that one.
//! - The object is the grants of another kind's object (permissions): [`Kind::grants_of`].
//!
//! **Held back until cut-over.** Parts that would run on their own in the target (a job's
//! schedule, a continuous pipeline) are off in the spec `list` shapes (with a
//! [`Category::Unpause`] manual action when on in the source), so they are created off. The
//! one other thing the kind writes is [`Kind::cutover`], returning its [`CutOver`]: how to
//! read its parts ([`CutOver::parts`]), switch them ([`CutOver::switch`]) and mark a spec
//! with those already switched on ([`CutOver::mark_resumed`]). The engine does the rest:
//! `cutover` switches on in the target what is on in the source and records it by (kind,
//! source id); every object the engine lists of the kind then has its spec marked with what
//! was resumed (`cut_over::keep_resumed`), so `migrate` keeps it on and `verify` expects it
//! on. `list` knows nothing of what was resumed.
//!
//! **Rolled back.** `rollback` deletes what the migration created, kinds in the reverse of
//! their dependency order, after checking each object is still what the migration last wrote
//! (the ledger keeps that body, [`Written`]): [`Kind::delete`] is the one call a kind writes
//! for it (a "not found" counts as deleted), [`Kind::drift`] only when reading the object back
//! and comparing cannot tell. Grants (permissions kinds) go with their object: never deleted
//! on their own.
//!
//! Adding a kind: write `kinds/<kind>.rs` implementing [`Kind`], add one line to [`all`].

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

use brickport_api::WorkspaceClient;
use serde_json::Value;

pub use crate::idmap::{RefBy, Reference};
pub use crate::ledger::{Action, Category, SkipReason};
use crate::{EngineError, EngineOptions, IdMap};

pub mod account_group_assignments;
mod catalogs;
pub mod cluster_policies;
pub mod clusters;
mod compact_spec;
pub(crate) mod compute;
pub mod cut_over;
pub mod dashboards;
pub mod facts;
pub mod genie_spaces;
pub mod global_init_scripts;
pub mod groups;
pub mod instance_pools;
pub mod instance_profiles;
pub mod jobs;
pub mod legacy_sql;
pub mod notebooks;
pub mod notification_destinations;
mod objects;
pub mod permissions;
pub mod pipelines;
pub mod repos;
mod scim;
pub mod secret_scopes;
pub mod service_principals;
mod shared;
pub mod snapshot;
pub mod source_walk;
pub mod sql_alerts;
pub mod sql_alerts_v2;
pub(crate) mod sql_objects;
pub mod sql_queries;
pub mod sql_warehouses;
mod table;
pub mod users;
pub mod workspace_folders;

pub use cut_over::{CutOver, ObjectIn, Part};
pub use facts::{Facts, Needed};
pub use objects::{Created, Deleted, Drift, InTarget, Mode, SourceObject, TargetObject, Written};
pub(crate) use shared::{collision_check, delete_by, from_json, get_by_id, reference, to_json};
pub use table::select;

/// The table of kinds, in a stable order (the report's order). One line per kind.
pub fn all() -> Vec<Arc<dyn Kind>> {
    let mut table: Vec<Arc<dyn Kind>> = vec![
        Arc::new(users::Users),
        Arc::new(service_principals::ServicePrincipals),
        Arc::new(account_group_assignments::AccountGroupAssignments),
        Arc::new(groups::Groups),
        Arc::new(cluster_policies::ClusterPolicies),
        Arc::new(instance_pools::InstancePools),
        Arc::new(instance_profiles::InstanceProfiles),
        Arc::new(sql_warehouses::SqlWarehouses),
        Arc::new(global_init_scripts::GlobalInitScripts),
        Arc::new(notification_destinations::NotificationDestinations),
        Arc::new(secret_scopes::SecretScopes),
        Arc::new(workspace_folders::WorkspaceFolders),
        Arc::new(clusters::Clusters),
        Arc::new(notebooks::Notebooks),
        Arc::new(repos::Repos),
        Arc::new(pipelines::Pipelines),
        Arc::new(sql_queries::SqlQueries),
        Arc::new(sql_alerts::SqlAlerts),
        Arc::new(sql_alerts_v2::SqlAlertsV2),
        Arc::new(legacy_sql::LegacySql),
        Arc::new(dashboards::Dashboards),
        Arc::new(genie_spaces::GenieSpaces),
        Arc::new(jobs::Jobs),
    ];
    // Permissions of every object type, one line each, after the kinds they guard.
    table.extend(permissions::all());
    table
}

/// A boxed future, so [`Kind`] stays object-safe (`Arc<dyn Kind>` in the table).
pub type KindFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, EngineError>> + Send + 'a>>;

/// A kind's source objects as they are listed (see [`Kind::list`]).
pub type ObjectStream<'a> =
    Pin<Box<dyn futures::Stream<Item = Result<SourceObject, EngineError>> + Send + 'a>>;

/// A listing read in one go, as the stream [`Kind::list`] returns.
pub fn batch_stream<'a>(list: KindFuture<'a, Vec<SourceObject>>) -> ObjectStream<'a> {
    use futures::TryStreamExt;
    Box::pin(
        futures::stream::once(list)
            .map_ok(|v| futures::stream::iter(v.into_iter().map(Ok)))
            .try_flatten(),
    )
}

/// How much of each object [`Kind::list`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Everything migrating the object needs.
    Full,
    /// Only which objects there are (same source ids, keys and modes): for the kinds that
    /// list another kind's objects (permissions).
    Brief,
}

/// What a kind needs first besides the objects its fields reference ([`Kind::references`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Nothing more.
    Nothing,
    /// These whole kinds finished (notebooks inside Git folders need the Git folders).
    Kinds(&'static [&'static str]),
    /// Of these kinds, only the one object [`Kind::after_object`] names (a Git folder needs
    /// only the folder it is in). With `made_with`, the target makes `obj` by itself when it
    /// makes that object (a user's home folder comes with the user): found in the target
    /// after this run created that object, `obj` counts as created (as `plan` predicts), not
    /// adopted.
    Object {
        /// The kinds the object may be of (tried in order).
        kinds: &'static [&'static str],
        /// Whether the target makes `obj` with that object.
        made_with: bool,
    },
}

impl After {
    /// The kinds named, whichever the way.
    pub fn kinds(&self) -> &'static [&'static str] {
        match self {
            After::Nothing => &[],
            After::Kinds(k) | After::Object { kinds: k, .. } => k,
        }
    }
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
/// the engine records the ledger around them. See the module doc for which methods a kind
/// must write.
pub trait Kind: Send + Sync {
    /// **Required.** The kind's name (`users`, `cluster_policies`, …): ledger, reports, `--only`.
    fn name(&self) -> &'static str;
    /// **Required.** Its phase (1, 2 or 3).
    fn phase(&self) -> u8;
    /// Optional. The fields holding references to other objects (and to its own kind,
    /// deferred). The default: none.
    fn references(&self) -> &'static [Reference] {
        &[]
    }
    /// Optional. The kinds of objects an object may need though no field it sends names them
    /// (the secret scopes a cluster's Spark settings read); each object's side-car lists which
    /// ([`Facts::needs`]). They order the run like references, and one not in the target
    /// skips the object. The default: none.
    fn needs(&self) -> &'static [Needed] {
        &[]
    }
    /// Optional. What must exist first besides what [`Kind::references`] names. The default:
    /// nothing.
    fn after(&self) -> After {
        After::Nothing
    }
    /// Optional, with [`After::Object`]: the natural key of the one object `obj` needs, if any.
    /// The default: none.
    fn after_object(&self, obj: &SourceObject) -> Option<String> {
        let _ = obj;
        None
    }
    /// Optional. The kind whose objects these are the grants of (permissions kinds), keyed by
    /// the same source id: the grants of an object left alone as a conflict are left alone
    /// too. The default: none.
    fn grants_of(&self) -> Option<&'static str> {
        None
    }
    /// **Required.** Every object of this kind in the source, as they are listed. `Brief`
    /// asks only which objects there are — the same source ids, keys and modes — without what
    /// only migrating them needs (full settings, libraries); a kind may answer it in full.
    /// A kind that reads everything in one go wraps its future in [`batch_stream`].
    fn list<'a>(&'a self, ctx: &'a Ctx, detail: Detail) -> ObjectStream<'a>;
    /// Optional. Whether the kind's objects are migrated while it is still being listed
    /// ([`Kind::list`] yields them as they come, parents before children). Its references to
    /// its own kind are then waited for object by object, so they must not form a cycle (a
    /// folder's parent). The default: listed whole first.
    fn streamed(&self) -> bool {
        false
    }
    /// **Required.** The target object with the same natural key, if any.
    fn find<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Option<TargetObject>>;
    /// Optional. How to read the target object with this id: `Some(read)`, whose answer is
    /// `None` when the object no longer exists (most kinds write `Some(get_by_id(…))`).
    /// The default, `None`, says the kind does not read by id: every caller then looks the
    /// object up with [`Kind::find`] instead (locating an object by the ledger's target id,
    /// also after a write whose outcome is unknown; `verify`; `snapshot::find_listed`), so a
    /// kind without it is correct, only dearer where an id would have done.
    fn get<'a>(
        &'a self,
        ctx: &'a Ctx,
        id: &'a str,
    ) -> Option<KindFuture<'a, Option<TargetObject>>> {
        let _ = (ctx, id);
        None
    }
    /// **Required.** Creates the object in the target from `desired` (references already
    /// remapped).
    fn create<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        desired: &'a Value,
    ) -> KindFuture<'a, Created>;
    /// **Required.** Makes `target` equal to `desired`.
    fn update<'a>(
        &'a self,
        ctx: &'a Ctx,
        obj: &'a SourceObject,
        target: &'a TargetObject,
        desired: &'a Value,
    ) -> KindFuture<'a, ()>;
    /// Optional. Pre-checks for `validate` (name collisions, limits, what the target lacks).
    /// Never writes. The default checks nothing.
    fn prechecks<'a>(&'a self, ctx: &'a Ctx) -> KindFuture<'a, Vec<crate::Check>> {
        let _ = ctx;
        Box::pin(async { Ok(Vec::new()) })
    }
    /// Optional. Where `target` differs from `desired` (empty = equal). The default reads
    /// `desired` as a subset of the target (`crate::json::subset_diff`).
    fn compare(&self, obj: &SourceObject, desired: &Value, target: &TargetObject) -> Vec<String> {
        let _ = obj;
        crate::json::subset_diff(desired, &target.body)
    }
    /// Optional. Whether a target object found by `find` carries this migration's mark for
    /// `obj` (a tag holding the source id), so it was created by the migration even when the
    /// ledger does not say so (a failure between the create and a follow-up call). Such an
    /// object is updated, never treated as a conflict. The default: no mark.
    fn owns(&self, obj: &SourceObject, target: &TargetObject) -> bool {
        let _ = (obj, target);
        false
    }
    /// Optional, for kinds whose objects are created held back (jobs with their schedules
    /// PAUSED): how `cutover` switches on in the target what is on in the source, and how a
    /// later run keeps it on ([`CutOver`]). The default: nothing waits for cut-over.
    fn cutover(&self) -> Option<&dyn CutOver> {
        None
    }
    /// Optional. Manual actions for an object that failed with `error` (an object too large
    /// for the API, to copy by hand). Recorded in the ledger and the report like any manual
    /// action. The default: none.
    fn manual_on_failure(&self, obj: &SourceObject, error: &EngineError) -> Vec<Action> {
        let _ = (obj, error);
        Vec::new()
    }
    /// Optional, for `rollback`: deletes `target`, an object this migration created —
    /// `Some(delete)` when the kind can. [`Deleted::Kept`] when it must stay (a folder that
    /// holds objects the migration did not create). A "not found" answer counts as deleted
    /// (the engine reads it so: the kind returns the client's errors as they are). The
    /// default, `None`, says the kind cannot be rolled back: its objects are reported kept,
    /// never skipped silently.
    fn delete<'a>(&'a self, ctx: &'a Ctx, target: InTarget<'a>) -> Option<KindFuture<'a, Deleted>> {
        let _ = (ctx, target);
        None
    }
    /// Optional, for `rollback`: how `target` stands against `written`, an object whose spec
    /// is the body this migration last wrote to it ([`Written::object`]); `None` when it is
    /// gone. The default, `None`, has the engine read it ([`Kind::get`], else [`Kind::find`])
    /// and [`Kind::compare`] it with that body. A kind whose `find` or `compare` reads the
    /// source (notebooks compare their content with the source's), or whose objects hold
    /// others (folders), writes its own.
    fn drift<'a>(
        &'a self,
        ctx: &'a Ctx,
        written: &'a SourceObject,
        target: InTarget<'a>,
    ) -> Option<KindFuture<'a, Option<Drift>>> {
        let _ = (ctx, written, target);
        None
    }
    /// Optional. Makes the reads of the source that migrating `obj` makes besides
    /// [`Kind::list`] (a notebook's content, exported when it is copied or compared), and
    /// drops what they return. `brickport export` calls it for every listed object, so that
    /// a bundle answers every read a migration makes from it. The default: none.
    fn source_reads<'a>(&'a self, ctx: &'a Ctx, obj: &'a SourceObject) -> KindFuture<'a, ()> {
        let _ = (ctx, obj);
        Box::pin(async { Ok(()) })
    }
}

/// Every kind's name, in table order.
pub fn names() -> Vec<&'static str> {
    all().iter().map(|k| k.name()).collect()
}
