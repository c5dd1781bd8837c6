//! The objects a kind and the engine hand each other: a [`SourceObject`] as listed (with
//! what the engine does with it, its [`Mode`]), a [`TargetObject`] as found, what `create`
//! returns ([`Created`]), what the ledger keeps of a write for `rollback` ([`Written`]), and
//! what `rollback` hands a kind ([`InTarget`], [`Deleted`], [`Drift`]).

use serde_json::Value;

use super::compact_spec::CompactSpec;
use super::{Action, Ctx, Facts, SkipReason};
use crate::EngineError;
use crate::translation::Translation;

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
/// its turn (`crate::listed`): never a secret value in it.
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
    /// Values written in place of the source's (a node type the target lacks; reported).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub translated: Vec<Translation>,
    /// What the operator must do by hand after the migration (reported, kept in the ledger).
    pub manual: Vec<Action>,
    /// What the engine knows about it besides its spec (its side-car).
    #[serde(default, skip_serializing_if = "Facts::is_empty")]
    pub facts: Facts,
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
            translated: Vec::new(),
            manual: Vec::new(),
            facts: Facts::default(),
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
    /// The target's side of the source's side-car (a cluster's libraries and state).
    pub facts: Facts,
}

impl TargetObject {
    /// A target object from an id and a key as the api returns them (both optional there):
    /// `None` when either is missing, since such an object cannot be matched or mapped.
    pub fn from_parts(id: Option<String>, key: Option<String>, body: Value) -> Option<Self> {
        Some(TargetObject {
            id: id?,
            key: key?,
            body,
            facts: Facts::default(),
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

/// What the migration last wrote to a target object, as the ledger keeps it for `rollback`:
/// the body sent (references remapped) and the object's side-car. Never a secret value: a
/// spec and a side-car hold none.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Written {
    /// The body written.
    pub body: Value,
    /// The object's side-car then.
    #[serde(default, skip_serializing_if = "Facts::is_empty")]
    pub facts: Facts,
}

impl Written {
    /// The ledger's text for `body` written with the side-car `facts`.
    pub fn text(body: &Value, facts: &Facts) -> String {
        #[derive(serde::Serialize)]
        struct Of<'a> {
            body: &'a Value,
            #[serde(skip_serializing_if = "Facts::is_empty")]
            facts: &'a Facts,
        }
        // Serialising JSON values and plain structs cannot fail.
        serde_json::to_string(&Of { body, facts }).unwrap_or_default()
    }

    /// Read back from the ledger's text (`None` when unreadable: as if not recorded).
    pub fn parse(text: &str) -> Option<Written> {
        serde_json::from_str(text).ok()
    }

    /// The object the target is compared with: its spec is the body written (a kind's
    /// `compare` reads the side-car and the few spec fields no reference changes).
    pub fn object(self, source_id: &str, key: &str) -> SourceObject {
        let mut obj = SourceObject::new(source_id, key, Value::Null, self.body);
        obj.facts = self.facts;
        obj
    }
}

/// A target object as the ledger knows it, for `rollback`: its id and its key there (a path
/// for workspace objects, a scope's name, a service principal's applicationId).
#[derive(Debug, Clone, Copy)]
pub struct InTarget<'a> {
    /// Its id in the target.
    pub id: &'a str,
    /// Its natural key in the target.
    pub key: &'a str,
}

/// What [`super::Kind::delete`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deleted {
    /// The object is gone from the target.
    Done,
    /// Left in the target, and why (a folder holding objects the migration did not create).
    Kept(String),
}

/// How a target object stands against what the migration last wrote to it
/// ([`super::Kind::drift`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drift {
    /// Where it differs (changed in the target since): kept unless `--force`.
    pub differs: Vec<String>,
    /// Objects inside it that the migration did not create (a folder's): kept, whatever
    /// `--force` says — deleting it would delete them.
    pub holds: Vec<String>,
}
