//! A per-run cache of the target's objects of a kind, listed once, answering the first lookup
//! of each natural key.
//!
//! Looking an object up by filter costs one request per object; where the family is slow (SCIM
//! reads: 255/min) that bounds the whole migration. Listing the target once per kind (paged,
//! so a few requests) and answering from that snapshot turns N lookups into N/page. A snapshot
//! is only trusted for a key's *first* lookup of the run: that one happens before this run
//! writes the object, so the snapshot is as current as a lookup would have been. Any later
//! lookup of the same key (after a create whose answer was lost, or an "already exists") goes
//! to the API as before, so the engine's patient re-lookups keep their meaning.
//!
//! It also holds the source's workspace tree, walked once per run and shared by every kind
//! that needs it (folders, notebooks and files, and their permissions), instead of once each.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex};

use brickport_api::types::workspace::ObjectInfo;
use tokio::sync::OnceCell;

use crate::EngineError;

/// What a snapshot says about a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Listed in the target with this id.
    Id(String),
    /// Not in the target when it was listed.
    Absent,
    /// Already looked up once this run: ask the API.
    Ask,
}

struct Snapshot {
    ids: HashMap<String, String>,
    asked: Mutex<HashSet<String>>,
}

/// The run's snapshots, one per kind, each listed on first use.
#[derive(Default)]
pub struct RunCache {
    snapshots: Mutex<BTreeMap<&'static str, Arc<OnceCell<Snapshot>>>>,
    source_tree: OnceCell<Arc<Vec<ObjectInfo>>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl RunCache {
    /// The source's workspace tree, walked by `load` on first use (a failed walk is not kept:
    /// the next caller walks again).
    pub async fn source_tree<F, Fut>(&self, load: F) -> Result<Arc<Vec<ObjectInfo>>, EngineError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<ObjectInfo>, EngineError>>,
    {
        self.source_tree
            .get_or_try_init(|| async { Ok(Arc::new(load().await?)) })
            .await
            .cloned()
    }

    /// The first lookup of `key` among `kind`'s target objects; `load` lists them all as
    /// (natural key, id) and runs once per kind and run.
    pub async fn first_lookup<F, Fut>(
        &self,
        kind: &'static str,
        key: &str,
        load: F,
    ) -> Result<Lookup, EngineError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Vec<(String, String)>, EngineError>>,
    {
        let cell = lock(&self.snapshots).entry(kind).or_default().clone();
        let snap = cell
            .get_or_try_init(|| async {
                Ok::<_, EngineError>(Snapshot {
                    ids: load().await?.into_iter().collect(),
                    asked: Mutex::new(HashSet::new()),
                })
            })
            .await?;
        if !lock(&snap.asked).insert(key.to_string()) {
            return Ok(Lookup::Ask);
        }
        Ok(match snap.ids.get(key) {
            Some(id) => Lookup::Id(id.clone()),
            None => Lookup::Absent,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn lists_once_and_trusts_only_the_first_lookup_of_a_key() {
        let cache = RunCache::default();
        let loads = AtomicUsize::new(0);
        let load = || async {
            loads.fetch_add(1, Ordering::SeqCst);
            Ok(vec![("a".to_string(), "1".to_string())])
        };
        assert_eq!(
            cache.first_lookup("users", "a", load).await.unwrap(),
            Lookup::Id("1".into())
        );
        assert_eq!(
            cache.first_lookup("users", "b", load).await.unwrap(),
            Lookup::Absent
        );
        assert_eq!(
            cache.first_lookup("users", "b", load).await.unwrap(),
            Lookup::Ask
        );
        assert_eq!(loads.load(Ordering::SeqCst), 1);
        // Another kind has its own snapshot.
        assert_eq!(
            cache.first_lookup("groups", "a", load).await.unwrap(),
            Lookup::Id("1".into())
        );
        assert_eq!(loads.load(Ordering::SeqCst), 2);
    }
}
