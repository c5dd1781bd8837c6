//! The side-car of a listed object: what the engine knows about it besides the spec it
//! writes — other objects it needs though no field it sends names them, why it cannot be
//! written, values held out of the spec so no reference remaps them, and the state a cluster
//! is brought to after its write. The spec holds only what the API takes.
//!
//! A side-car waits on disk with its object (`crate::listed`): never a secret value in it.
//! Before side-cars these facts were engine-only `brickport_*` fields inside the spec, and
//! the ledger's content hashes were computed over that text; [`content_hash`] still is, so
//! an unchanged object keeps its hash.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub use crate::idmap::{Need, Needed};

/// What the engine knows about one object besides its spec (see the module doc).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    /// Objects of other kinds it needs in the target though no field it sends names them
    /// (the secret scopes a cluster's Spark settings read): waited for like references, and
    /// the object is skipped while one is not in the target. Declared by [`super::Kind::needs`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub needs: Vec<Need>,
    /// Why it cannot be written as it is (a job's task on a cluster deleted in the source):
    /// its write fails with these, and it never compares equal.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Paths held out of the spec because they look like workspace references but are not (a
    /// Git-relative notebook, a `/Repos` path, a DBFS file): put back before a call.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept: Vec<FieldAt>,
    /// Clusters a job's tasks ran on that no longer exist in the source (taken out of the
    /// spec; the problems say so).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing_clusters: Vec<FieldAt>,
    /// A cluster's libraries, pinning and state, which no field of a cluster sets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<ClusterState>,
    /// Its key in the source when a principal rename gave it another one in the target (a
    /// notebook under a renamed user's home folder): what reads of the source use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_key: Option<String>,
    /// The principal maps of the run (a digest), on an object naming principals by their ids
    /// (a group's members): its content hash then changes with the maps, so a re-run under
    /// another map compares it again (a renamed user is another user in the target).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_maps: Option<String>,
}

/// A field of the spec held out of it ([`Facts::kept`], [`Facts::missing_clusters`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldAt {
    /// The object holding the field (a JSON pointer into the spec).
    pub at: String,
    /// The field's name there.
    pub field: String,
    /// Its value.
    pub value: String,
}

/// What a cluster is brought to after a create or an edit ([`Facts::cluster`]); the target's
/// side is in [`super::TargetObject::facts`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterState {
    /// Installed libraries (as install requests), sorted.
    pub libraries: Vec<Value>,
    /// Pinned.
    pub pinned: bool,
    /// Terminated (or terminating).
    pub terminated: bool,
}

impl Facts {
    /// No fact at all (most kinds' objects).
    pub fn is_empty(&self) -> bool {
        self == &Facts::default()
    }

    /// Records that the spec at `at` needs these objects of `kind`.
    pub fn need(&mut self, kind: &str, values: impl IntoIterator<Item = String>, at: &str) {
        self.needs.extend(values.into_iter().map(|value| Need {
            kind: kind.to_string(),
            value,
            at: at.to_string(),
        }));
    }

    /// `spec` with the kept fields back where they were (what the API takes).
    pub fn with_kept(&self, spec: &Value) -> Value {
        let mut v = spec.clone();
        for k in &self.kept {
            put(&mut v, &k.at, k.field.clone(), json!(k.value));
        }
        v
    }
}

/// Inserts `key: value` into the object at pointer `at`, if there is one there (a pass may
/// have left the field holding it out).
fn put(v: &mut Value, at: &str, key: String, value: Value) {
    if let Some(Value::Object(m)) = v.pointer_mut(at) {
        m.insert(key, value);
    }
}

/// The content hash of an object: over its spec with its facts put back under the
/// `brickport_*` fields they had inside the spec before side-cars. The ledger holds hashes
/// of that text, so an object unchanged since a run of an earlier version keeps its hash and
/// is not written again. (A need of another kind than secret scopes never had such a field:
/// it is derived from the spec, which the hash covers.)
pub fn content_hash(spec: &Value, facts: &Facts) -> String {
    if facts.is_empty() {
        return crate::json::content_hash(spec);
    }
    let mut v = spec.clone();
    let mut scopes: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for n in facts
        .needs
        .iter()
        .filter(|n| n.kind == super::secret_scopes::NAME)
    {
        scopes.entry(&n.at).or_default().insert(&n.value);
    }
    for (at, names) in scopes {
        put(&mut v, at, "brickport_secret_scopes".into(), json!(names));
    }
    for k in &facts.kept {
        let key = format!("brickport_keep_{}", k.field);
        put(&mut v, &k.at, key, json!(k.value));
    }
    for m in &facts.missing_clusters {
        put(
            &mut v,
            &m.at,
            "brickport_missing_cluster".into(),
            json!(m.value),
        );
    }
    if !facts.problems.is_empty() {
        put(
            &mut v,
            "",
            "brickport_problems".into(),
            json!(facts.problems),
        );
    }
    if let Some(c) = &facts.cluster {
        if !c.libraries.is_empty() {
            put(&mut v, "", "brickport_libraries".into(), json!(c.libraries));
        }
        put(&mut v, "", "brickport_pinned".into(), json!(c.pinned));
        put(
            &mut v,
            "",
            "brickport_terminated".into(),
            json!(c.terminated),
        );
    }
    if let Some(maps) = &facts.principal_maps {
        put(&mut v, "", "brickport_principal_maps".into(), json!(maps));
    }
    crate::json::content_hash(&v)
}

#[cfg(test)]
mod tests;
