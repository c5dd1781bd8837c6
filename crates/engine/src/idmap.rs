//! The id map: source id (or key) → target id (or key), read from the ledger, and the
//! remapping of an object's declared references through it.

use std::sync::Arc;

use serde_json::Value;

use crate::EngineError;
use crate::json;
use crate::ledger::{Dependency, DependencyState, Entry, Ledger, Status};

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

/// One object an object needs ([`crate::kinds::Facts::needs`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Need {
    /// The kind of the object needed (one of [`crate::kinds::Kind::needs`]).
    pub kind: String,
    /// Its source id or key, as the declaration says.
    pub value: String,
    /// Where in the spec the need arises (a JSON pointer: the cluster spec reading the scope).
    pub at: String,
}

/// A kind of object an object may need ([`crate::kinds::Facts::needs`]): declared as data,
/// like a [`Reference`], so the kinds are ordered before the run starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needed {
    /// The kind needed.
    pub kind: &'static str,
    /// Whether a need names it by id or by key.
    pub by: RefBy,
    /// What the need is, for messages (where a reference names its path).
    pub what: &'static str,
}

/// The id map of a run directory: a view of the ledger.
#[derive(Debug, Clone)]
pub struct IdMap {
    ledger: Arc<Ledger>,
}

/// Which pass of an object the remapping is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pass {
    /// Create or update without the deferred references (their top-level fields left out).
    First,
    /// The second pass: everything, deferred references included.
    Second,
}

/// A reference that could not be mapped.
#[derive(Debug, Clone)]
pub struct Unresolved {
    /// The reference's path.
    pub path: &'static str,
    /// The source id or key it held.
    pub value: String,
    /// Whether the object cannot go without it.
    pub required: bool,
    /// Why (the referenced object failed, was skipped, is not migrated yet).
    pub reason: Dependency,
}

impl IdMap {
    /// The id map over a ledger.
    pub fn new(ledger: Arc<Ledger>) -> Self {
        IdMap { ledger }
    }

    /// The ledger row of a referenced object, trying each kind in order.
    fn entry(
        &self,
        kinds: &[&str],
        by: RefBy,
        value: &str,
    ) -> Result<(Option<Entry>, String), EngineError> {
        let mut seen = None;
        for k in kinds {
            let e = match by {
                RefBy::Id => self.ledger.get(k, value)?,
                RefBy::Key => self.ledger.get_by_key(k, value)?,
            };
            if let Some(e) = e {
                if e.target_id.is_some() {
                    return Ok((Some(e), k.to_string()));
                }
                seen.get_or_insert(e);
            }
        }
        let first = kinds.first().map(|s| s.to_string()).unwrap_or_default();
        let kind = match &seen {
            Some(e) => e.kind.clone(),
            // Known to no kind: a principal is named by its kind, not the first one tried.
            None => principal_kind(kinds, by, value).map_or(first, str::to_string),
        };
        Ok((seen, kind))
    }

    /// The ledger under the map (kinds record facts of their own in it, like the secret keys
    /// that received a supplied value).
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The target id of a source object, when it exists in the target.
    pub fn target_id(&self, kind: &str, source_id: &str) -> Result<Option<String>, EngineError> {
        Ok(self.ledger.get(kind, source_id)?.and_then(|e| e.target_id))
    }

    /// The target's key for a source key (a service principal's new applicationId; the same
    /// key for most kinds), when the object exists in the target.
    pub fn target_key(&self, kind: &str, key: &str) -> Result<Option<String>, EngineError> {
        Ok(self.ledger.get_by_key(kind, key)?.and_then(|e| {
            e.target_id.as_ref()?;
            Some(e.target_key.unwrap_or(e.natural_key))
        }))
    }

    /// Whether the object with this source key is managed by the migration (created, updated
    /// or adopted by it), as opposed to merely known in the target.
    pub fn is_managed(&self, kind: &str, key: &str) -> Result<bool, EngineError> {
        Ok(self
            .ledger
            .get_by_key(kind, key)?
            .is_some_and(|e| e.status.is_done() && e.target_id.is_some()))
    }

    /// `spec` with every declared reference remapped to the target. In [`Pass::First`] the
    /// top-level fields of deferred references are removed. Unresolvable optional references
    /// are dropped (their array element, or their field); every unresolvable reference is
    /// returned. With `lenient` (plan), unresolved references are kept as they are.
    pub fn remap(
        &self,
        spec: &Value,
        refs: &[Reference],
        pass: Pass,
        lenient: bool,
    ) -> Result<(Value, Vec<Unresolved>), EngineError> {
        let mut v = spec.clone();
        let mut unresolved = Vec::new();
        for r in refs {
            if pass == Pass::First && r.deferred {
                let top = r.path.split(['.', '[', '{']).next().unwrap_or(r.path);
                if let Value::Object(m) = &mut v {
                    m.remove(top);
                }
                continue;
            }
            let mut err = None;
            json::visit_mut(&mut v, r.path, &mut |x| {
                let Some(id) = json::as_id(x) else { return };
                match self.entry(r.kinds, r.by, &id) {
                    Err(e) => err = Some(e),
                    Ok((Some(e), _)) if e.target_id.is_some() => {
                        let new = match r.by {
                            RefBy::Id => e.target_id.unwrap_or_default(),
                            RefBy::Key => e.target_key.unwrap_or(e.natural_key),
                        };
                        // Keep the JSON type: numeric ids stay numbers.
                        *x = match (&*x, new.parse::<i64>()) {
                            (Value::Number(_), Ok(n)) => Value::from(n),
                            _ => Value::String(new),
                        };
                    }
                    Ok((entry, kind)) => {
                        let reason = dependency(entry, kind, &id, r.kinds, r.by);
                        unresolved.push(Unresolved {
                            path: r.path,
                            value: id,
                            required: r.required,
                            reason,
                        });
                        if !lenient && !r.required {
                            *x = Value::Null;
                        }
                    }
                }
            });
            if let Some(e) = err {
                return Err(e);
            }
            if !lenient && !r.required {
                prune_nulls(&mut v, r.path);
            }
        }
        Ok((v, unresolved))
    }

    /// The needs of an object's side-car ([`crate::kinds::Facts::needs`]) whose objects are
    /// not in the target; `declared`: its kind's [`crate::kinds::Kind::needs`]. Every need is
    /// required, like the references it replaces.
    pub fn unmet(
        &self,
        declared: &[Needed],
        needs: &[Need],
    ) -> Result<Vec<Unresolved>, EngineError> {
        let mut out = Vec::new();
        for n in needs {
            let Some(d) = declared.iter().find(|d| d.kind == n.kind) else {
                continue;
            };
            let (entry, kind) = self.entry(&[d.kind], d.by, &n.value)?;
            if entry.as_ref().is_some_and(|e| e.target_id.is_some()) {
                continue;
            }
            out.push(Unresolved {
                path: d.what,
                value: n.value.clone(),
                required: true,
                reason: dependency(entry, kind, &n.value, &[d.kind], d.by),
            });
        }
        Ok(out)
    }
}

/// The kind of a principal named by its key, when a reference may name a user, a group or a
/// service principal and the ledger knows none of them by it: the platform's own rule for
/// principal names — a user by an email address, a service principal by its application id
/// (a UUID), a group by anything else. `None` for other references (or by id: SCIM ids look
/// alike whatever their kind).
fn principal_kind(kinds: &[&str], by: RefBy, value: &str) -> Option<&'static str> {
    const USERS: &str = "users";
    const GROUPS: &str = "groups";
    const SPS: &str = "service_principals";
    if by != RefBy::Key || kinds.len() < 2 {
        return None;
    }
    let uuid = {
        let parts: Vec<&str> = value.split('-').collect();
        parts.len() == 5
            && [8, 4, 4, 4, 12]
                .iter()
                .zip(&parts)
                .all(|(n, p)| p.len() == *n && p.chars().all(|c| c.is_ascii_hexdigit()))
    };
    let named = if value.contains('@') {
        USERS
    } else if uuid {
        SPS
    } else {
        GROUPS
    };
    kinds.contains(&named).then_some(named)
}

/// Why a reference to `id` of `kinds` cannot be mapped (`entry`: its ledger row, of `kind`).
fn dependency(
    entry: Option<Entry>,
    kind: String,
    id: &str,
    kinds: &[&str],
    by: RefBy,
) -> Dependency {
    let (key, state) = match entry {
        Some(e) => (
            e.natural_key,
            match e.status {
                Status::Failed => DependencyState::Failed,
                Status::Conflict => DependencyState::Conflict,
                Status::Skipped => DependencyState::Skipped,
                _ => DependencyState::NotYetCreated,
            },
        ),
        None => (
            id.to_string(),
            DependencyState::NeverMigrated {
                kinds: principal_kind(kinds, by, id)
                    .map_or_else(|| kinds.join(" / "), str::to_string),
            },
        ),
    };
    Dependency { kind, key, state }
}

/// Removes what a dropped optional reference left: the array element holding it (for paths
/// through `[]`), or the field itself.
fn prune_nulls(v: &mut Value, path: &str) {
    if let Some(i) = path.rfind("[]") {
        let (array_path, rest) = (&path[..i], path[i + 2..].trim_start_matches('.'));
        json::visit_mut(v, array_path, &mut |arr| {
            if let Value::Array(items) = arr {
                items.retain(|item| {
                    if rest.is_empty() {
                        !item.is_null()
                    } else {
                        let mut probe = item.clone();
                        let mut keep = true;
                        json::visit_mut(&mut probe, rest, &mut |x| keep &= !x.is_null());
                        keep
                    }
                });
            }
        });
    } else if let Some((parent, field)) = path.rsplit_once('.') {
        json::visit_mut(v, parent, &mut |p| {
            if let Value::Object(m) = p
                && m.get(field).is_some_and(Value::is_null)
            {
                m.remove(field);
            }
        });
    } else if let Value::Object(m) = v
        && m.get(path).is_some_and(Value::is_null)
    {
        m.remove(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Record;
    use serde_json::json;

    const REFS: &[Reference] = &[
        Reference {
            path: "members[].value",
            kinds: &["users", "groups"],
            by: RefBy::Id,
            required: false,
            deferred: true,
        },
        Reference {
            path: "policy_id",
            kinds: &["cluster_policies"],
            by: RefBy::Id,
            required: true,
            deferred: false,
        },
    ];

    #[test]
    fn remaps_drops_and_reports() {
        let dir = tempfile::tempdir().unwrap();
        let l = Arc::new(Ledger::open(dir.path(), crate::ledger::Access::Create).unwrap());
        l.record_outcome(
            &Record::new("users", "u1", "a@x", Status::Created)
                .target(Some("T1"), None)
                .owned(true),
        )
        .unwrap();
        l.record_outcome(
            &Record::new("groups", "g1", "g", Status::Pending)
                .target(Some("TG"), None)
                .owned(true),
        )
        .unwrap();
        l.record_outcome(&Record::new("cluster_policies", "p1", "p", Status::Failed).error("bad"))
            .unwrap();
        let ids = IdMap::new(l);
        let spec = json!({"members": [{"value": "u1"}, {"value": "g1"}, {"value": "gone"}], "policy_id": "p1"});

        let (first, unresolved) = ids.remap(&spec, REFS, Pass::First, false).unwrap();
        assert!(
            first.get("members").is_none(),
            "deferred field left out of the first pass"
        );
        assert_eq!(unresolved.len(), 1);
        assert!(unresolved[0].required);
        assert_eq!(unresolved[0].reason.state, DependencyState::Failed);
        assert!(
            unresolved[0].reason.to_string().contains("which failed"),
            "{}",
            unresolved[0].reason
        );

        let (full, unresolved) = ids.remap(&spec, REFS, Pass::Second, false).unwrap();
        assert_eq!(full["members"], json!([{"value": "T1"}, {"value": "TG"}]));
        assert_eq!(unresolved.len(), 2);
        assert!(matches!(
            unresolved[0].reason.state,
            DependencyState::NeverMigrated { .. }
        ));
        assert!(unresolved[0].reason.to_string().contains("not migrated"));

        // A side-car's needs: met when the object is in the target, required otherwise.
        let declared = [Needed {
            kind: "users",
            by: RefBy::Id,
            what: "a user needed",
        }];
        let need = |v: &str| Need {
            kind: "users".into(),
            value: v.into(),
            at: String::new(),
        };
        let unmet = ids.unmet(&declared, &[need("u1"), need("u2")]).unwrap();
        assert_eq!(unmet.len(), 1);
        assert_eq!(
            (unmet[0].path, unmet[0].value.as_str()),
            ("a user needed", "u2")
        );
        assert!(unmet[0].required);
        assert!(
            (unmet[0].reason.to_string()).contains("not migrated (migrate users first)"),
            "{}",
            unmet[0].reason
        );
    }

    #[test]
    fn a_principal_known_to_no_kind_is_named_by_its_kind() {
        const ACL: &[Reference] = &[Reference {
            path: "acls[].principal",
            kinds: &["users", "groups", "service_principals"],
            by: RefBy::Key,
            required: false,
            deferred: false,
        }];
        let l = Arc::new(Ledger::open_memory().unwrap());
        let ids = IdMap::new(l);
        let spec = json!({"acls": [
            {"principal": "readers"},
            {"principal": "ann@example.com"},
            {"principal": "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"},
        ]});
        let (_, unresolved) = ids.remap(&spec, ACL, Pass::First, false).unwrap();
        let said: Vec<String> = unresolved.iter().map(|u| u.reason.to_string()).collect();
        assert_eq!(
            said,
            [
                "depends on groups `readers`, which is not migrated (migrate groups first)",
                "depends on users `ann@example.com`, which is not migrated (migrate users first)",
                "depends on service_principals `0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`, which is \
                 not migrated (migrate service_principals first)",
            ]
        );
        assert!(unresolved.iter().all(|u| u.reason.state.is_lost()));
    }
}
