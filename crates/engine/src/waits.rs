//! Object-level readiness: an object starts as soon as the objects it references are through
//! their first pass, not when whole kinds are finished.
//!
//! Waiting kind by kind serialises the run along the longest chain of kinds (users → folders
//! → notebooks → their permissions), each stage bounded by its own API family while the other
//! families sit idle; the rate-limit floor assumes they overlap. Here every kind starts once
//! its own listing is done, and each object first waits for what it needs:
//!
//! - every value of its references to *other* kinds (an ACL's user, a cluster's policy, a
//!   notebook's folder), and every need in its side-car (the secret scopes a cluster
//!   reads), until the object with that source id or key has *settled* (finished its
//!   first pass, whatever the outcome: the id map then says created, failed or skipped), or
//!   until all the kinds it may point at are *finished* (a value no listed object has: a
//!   deleted cluster, a principal outside the source);
//! - the kinds named by [`Kind::after`] finished (Git folders before jobs), or, with
//!   [`After::Object`], only the object [`Kind::after_object`] names.
//!
//! References to the object's own kind are not waited for here: the kind's own ordering
//! handles them (`order` for jobs running jobs, the second pass for deferred ones). An object
//! waits *before* it takes a permit of the run's concurrency, so waiting never starves the
//! objects it waits for. Kinds do not reference each other in a cycle (`graph::waves` refuses
//! one), so no wait is circular.
//!
//! Settled objects are remembered by a 64-bit hash of (kind, id or key): a run of a million
//! objects keeps 16 MB here, not the strings; the objects of permissions kinds, which nothing
//! references, are not remembered at all. A collision would only let an object start
//! early; its reference then reads "not yet created" from the id map and is reported.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::json;
use crate::kinds::{After, Kind, RefBy, SourceObject};

/// Something an object waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Wait {
    /// The object with this id or key in one of these kinds settled, or all of them finished.
    Object {
        kinds: Vec<&'static str>,
        by: RefBy,
        value: String,
    },
    /// The whole kind finished.
    Kind(&'static str),
}

#[derive(Default)]
struct Inner {
    settled: HashSet<u64>,
    finished: HashSet<&'static str>,
    by_object: HashMap<u64, Vec<Arc<Notify>>>,
    by_kind: HashMap<&'static str, Vec<Arc<Notify>>>,
}

/// The run's record of settled objects and finished kinds, and who waits for them.
#[derive(Default)]
pub(crate) struct Waits {
    inner: Mutex<Inner>,
}

fn slot(kind: &str, by: RefBy, value: &str) -> u64 {
    let mut h = DefaultHasher::new();
    kind.hash(&mut h);
    matches!(by, RefBy::Key).hash(&mut h);
    value.hash(&mut h);
    h.finish()
}

impl Waits {
    /// A record where `finished` kinds (the kinds not selected for this run: what the ledger
    /// has of them is all there will be) are already finished.
    pub fn new(finished: impl IntoIterator<Item = &'static str>) -> Self {
        Waits {
            inner: Mutex::new(Inner {
                finished: finished.into_iter().collect(),
                ..Inner::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `obj` of `kind` finished its first pass (its ledger row says how).
    pub fn settle(&self, kind: &'static str, obj: &SourceObject) {
        let mut inner = self.lock();
        for s in [
            slot(kind, RefBy::Id, &obj.source_id),
            slot(kind, RefBy::Key, &obj.key),
        ] {
            inner.settled.insert(s);
            for n in inner.by_object.remove(&s).unwrap_or_default() {
                n.notify_one();
            }
        }
    }

    /// Every object of `kind` is through all its passes.
    pub fn finish(&self, kind: &'static str) {
        let mut inner = self.lock();
        inner.finished.insert(kind);
        for n in inner.by_kind.remove(kind).unwrap_or_default() {
            n.notify_one();
        }
    }

    fn ready(inner: &Inner, w: &Wait) -> bool {
        match w {
            Wait::Kind(k) => inner.finished.contains(k),
            Wait::Object { kinds, by, value } => {
                kinds.iter().all(|k| inner.finished.contains(k))
                    || kinds
                        .iter()
                        .any(|k| inner.settled.contains(&slot(k, *by, value)))
            }
        }
    }

    /// Returns once `w` holds.
    pub async fn wait(&self, w: &Wait) {
        loop {
            let notify = {
                let mut inner = self.lock();
                if Self::ready(&inner, w) {
                    return;
                }
                let n = Arc::new(Notify::new());
                match w {
                    Wait::Kind(k) => inner.by_kind.entry(k).or_default().push(n.clone()),
                    Wait::Object { kinds, by, value } => {
                        for k in kinds {
                            inner
                                .by_object
                                .entry(slot(k, *by, value))
                                .or_default()
                                .push(n.clone());
                            inner.by_kind.entry(k).or_default().push(n.clone());
                        }
                    }
                }
                n
            };
            // `notify_one` stores a permit when nobody awaits yet: no wake-up is lost
            // between the unlock above and this await.
            notify.notified().await;
        }
    }
}

/// What `obj` of `kind` waits for before its first pass (`second_pass == false`) or its
/// second (deferred references too).
pub(crate) fn prerequisites(kind: &dyn Kind, obj: &SourceObject, second_pass: bool) -> Vec<Wait> {
    let own = kind.name();
    let spec = obj.spec();
    let mut out = Vec::new();
    for r in kind.references() {
        if r.deferred && !second_pass {
            continue;
        }
        // References to the own kind are ordered by the kind itself, except in a streamed kind
        // (a folder's parent), where they are acyclic and waited for here.
        let kinds: Vec<&'static str> = r
            .kinds
            .iter()
            .copied()
            .filter(|k| *k != own || kind.streamed())
            .collect();
        if kinds.is_empty() {
            continue;
        }
        for value in json::strings_at(&spec, r.path) {
            let w = Wait::Object {
                kinds: kinds.clone(),
                by: r.by,
                value,
            };
            if !out.contains(&w) {
                out.push(w);
            }
        }
    }
    for n in &obj.facts.needs {
        let Some(d) = kind
            .needs()
            .iter()
            .find(|d| d.kind == n.kind && d.kind != own)
        else {
            continue;
        };
        let w = Wait::Object {
            kinds: vec![d.kind],
            by: d.by,
            value: n.value.clone(),
        };
        if !out.contains(&w) {
            out.push(w);
        }
    }
    if let After::Object { kinds, .. } = kind.after() {
        if let Some(key) = kind.after_object(obj) {
            out.push(Wait::Object {
                kinds: kinds.to_vec(),
                by: RefBy::Key,
                value: key,
            });
        }
    } else {
        out.extend(
            kind.after()
                .kinds()
                .iter()
                .filter(|k| **k != own)
                .map(|k| Wait::Kind(k)),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn obj(id: &str, key: &str) -> SourceObject {
        SourceObject::new(id, key, json!({}), json!({}))
    }

    #[test]
    fn no_kind_references_a_permissions_kind() {
        // `process` does not settle the objects of permissions kinds (a big run's memory):
        // a reference to one would wait for its whole kind instead.
        let table = crate::kinds::all();
        let grants: Vec<&str> = table
            .iter()
            .filter(|k| k.grants_of().is_some())
            .map(|k| k.name())
            .collect();
        assert!(grants.contains(&"job_permissions"), "{grants:?}");
        for k in &table {
            for n in k.needs() {
                assert!(!grants.contains(&n.kind), "{} needs {}", k.name(), n.kind);
            }
            for r in k.references() {
                for target in r.kinds {
                    assert!(
                        !grants.contains(target),
                        "{} references {target} at {}",
                        k.name(),
                        r.path
                    );
                }
            }
        }
    }

    #[tokio::test]
    async fn an_object_wait_ends_when_it_settles_or_its_kinds_finish() {
        let waits = Arc::new(Waits::new(["clusters"]));
        let on_user = Wait::Object {
            kinds: vec!["users"],
            by: RefBy::Key,
            value: "a@x".into(),
        };
        let w = waits.clone();
        let waiter = tokio::spawn(async move { w.wait(&on_user).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "nothing settled yet");
        waits.settle("users", &obj("u9", "b@x"));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            !waiter.is_finished(),
            "another user settling does not release it"
        );
        waits.settle("users", &obj("u1", "a@x"));
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("released by the settle")
            .unwrap();

        // A value no listed object has: released when the kind finishes.
        let gone = Wait::Object {
            kinds: vec!["users", "service_principals"],
            by: RefBy::Id,
            value: "deleted".into(),
        };
        let w = waits.clone();
        let waiter = tokio::spawn(async move { w.wait(&gone).await });
        waits.finish("users");
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(
            !waiter.is_finished(),
            "one of its two kinds is still running"
        );
        waits.finish("service_principals");
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("released when both kinds finished")
            .unwrap();

        // Kinds not selected count as finished from the start.
        waits.wait(&Wait::Kind("clusters")).await;
    }

    #[test]
    fn prerequisites_follow_references_to_other_kinds_only() {
        let table = crate::kinds::all();
        let find = |n: &str| table.iter().find(|k| k.name() == n).unwrap().clone();

        let perms = find("notebook_permissions");
        let mut o = obj("n1", "/a/nb");
        o.set_spec(&json!({"object_id": "n1", "acl": [{"user_name": "a@x"}, {"group_name": "g"}]}));
        let w = prerequisites(perms.as_ref(), &o, false);
        assert_eq!(
            w,
            vec![
                Wait::Object {
                    kinds: vec!["notebooks"],
                    by: RefBy::Id,
                    value: "n1".into()
                },
                Wait::Object {
                    kinds: vec!["users"],
                    by: RefBy::Key,
                    value: "a@x".into()
                },
                Wait::Object {
                    kinds: vec!["groups"],
                    by: RefBy::Key,
                    value: "g".into()
                },
            ]
        );

        // A folder (a streamed kind) waits for its parent folder, and for its principal only
        // when it is a home folder.
        let folders = find("workspace_folders");
        let parent = |id: &str| Wait::Object {
            kinds: vec!["workspace_folders"],
            by: RefBy::Id,
            value: id.into(),
        };
        let mut home = obj("f1", "/Users/a@x");
        home.set_spec(&json!({"path": "/Users/a@x", "parent": "f0"}));
        assert_eq!(
            prerequisites(folders.as_ref(), &home, false),
            vec![
                parent("f0"),
                Wait::Object {
                    kinds: vec!["users", "service_principals"],
                    by: RefBy::Key,
                    value: "a@x".into()
                }
            ]
        );
        let mut shared = obj("f2", "/Shared/x");
        shared.set_spec(&json!({"path": "/Shared/x", "parent": "f3"}));
        assert_eq!(
            prerequisites(folders.as_ref(), &shared, false),
            vec![parent("f3")]
        );

        // Group members are deferred: only the second pass waits for them, and not for groups.
        let groups = find("groups");
        let mut g = obj("g1", "g");
        g.set_spec(&json!({"displayName": "g", "members": [{"value": "u1"}]}));
        assert!(prerequisites(groups.as_ref(), &g, false).is_empty());
        assert_eq!(
            prerequisites(groups.as_ref(), &g, true),
            vec![Wait::Object {
                kinds: vec!["users", "service_principals"],
                by: RefBy::Id,
                value: "u1".into()
            }]
        );

        // A Git folder needs only the folder it is in; none under /Repos.
        let repos = find("repos");
        assert_eq!(
            prerequisites(repos.as_ref(), &obj("r1", "/Users/a@x/proj"), false),
            vec![Wait::Object {
                kinds: vec!["workspace_folders"],
                by: RefBy::Key,
                value: "/Users/a@x".into()
            }]
        );
        assert!(prerequisites(repos.as_ref(), &obj("r2", "/Repos/a@x/proj"), false).is_empty());

        // Jobs need every Git folder (notebooks inside them), as a whole kind.
        let jobs = find("jobs");
        assert!(
            prerequisites(jobs.as_ref(), &obj("j1", "j"), false).contains(&Wait::Kind("repos"))
        );
    }

    #[test]
    fn prerequisites_follow_the_needs_of_the_side_car() {
        let table = crate::kinds::all();
        let find = |n: &str| table.iter().find(|k| k.name() == n).unwrap().clone();
        // A cluster waits for the secret scopes its side-car says it reads (no field names them).
        let clusters = find("clusters");
        let mut c = obj("c1", "c");
        c.facts
            .need("secret_scopes", ["s1".to_string(), "s2".into()], "");
        assert_eq!(
            prerequisites(clusters.as_ref(), &c, false),
            ["s1", "s2"].map(|s| Wait::Object {
                kinds: vec!["secret_scopes"],
                by: RefBy::Id,
                value: s.into()
            })
        );
    }
}
