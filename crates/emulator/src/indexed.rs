//! [`Indexed`]: a `BTreeMap<K, T>` with secondary indexes that stay right whoever edits it.
//!
//! The stores are edited in many places (handlers, seeding, account groups, tests), so an index
//! kept by hand would drift. Here the map is only reachable read-only (through `Deref`); every
//! mutable access goes through a method of the wrapper, which takes the touched entry out of the
//! indexes before handing it out and marks it *pending*. The next lookup re-indexes the pending
//! entries (a bulk mutable access such as `values_mut` drops the indexes; the next lookup
//! rebuilds them). So a lookup costs its answer plus the entries written since the last one,
//! never a scan of the whole map — which is what keeps a request's cost independent of the size
//! of the workspace.

use std::borrow::Borrow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Deref;

use serde::{Deserialize, Serialize};

/// What an entry is found by: `(index number, key)` pairs, the index number below
/// [`IndexKeys::INDEXES`].
pub trait IndexKeys {
    /// How many indexes the entries have.
    const INDEXES: usize;
    /// Pushes the entry's keys onto `out`.
    fn index_keys(&self, out: &mut Vec<(usize, String)>);
}

/// A map with secondary indexes (see the module doc). Serialises as the plain map.
#[derive(Debug, Serialize, Deserialize)]
#[serde(
    transparent,
    bound(
        serialize = "T: Serialize, K: Serialize",
        deserialize = "T: Deserialize<'de>, K: Deserialize<'de>"
    )
)]
pub struct Indexed<T, K: Ord = String> {
    map: BTreeMap<K, T>,
    #[serde(skip)]
    ix: RefCell<Ix<K>>,
    /// While recording ([`Indexed::record`]): the original of every entry touched since.
    #[serde(skip)]
    journal: Option<BTreeMap<K, Option<T>>>,
}

/// The indexes: per index, key → map keys (sorted, so answers come in map order).
#[derive(Debug)]
struct Ix<K> {
    built: bool,
    by: Vec<HashMap<String, Vec<K>>>,
    pending: BTreeSet<K>,
}

impl<K> Default for Ix<K> {
    fn default() -> Self {
        Ix {
            built: false,
            by: Vec::new(),
            pending: BTreeSet::new(),
        }
    }
}

impl<T, K: Ord> Default for Indexed<T, K> {
    fn default() -> Self {
        Indexed {
            map: BTreeMap::new(),
            ix: RefCell::default(),
            journal: None,
        }
    }
}

impl<T: Clone, K: Ord + Clone> Clone for Indexed<T, K> {
    fn clone(&self) -> Self {
        Indexed {
            map: self.map.clone(),
            ix: RefCell::default(),
            journal: None,
        }
    }
}

impl<T, K: Ord> Deref for Indexed<T, K> {
    type Target = BTreeMap<K, T>;
    fn deref(&self) -> &Self::Target {
        &self.map
    }
}

impl<T, K: Ord> From<BTreeMap<K, T>> for Indexed<T, K> {
    fn from(map: BTreeMap<K, T>) -> Self {
        Indexed {
            map,
            ix: RefCell::default(),
            journal: None,
        }
    }
}

impl<T: IndexKeys + Clone, K: Ord + Clone> Indexed<T, K> {
    /// Starts recording the originals of the entries changed from now on, so that
    /// [`Indexed::rollback`] can undo a failed multi-step change at the cost of what it touched
    /// (not a copy of the whole map).
    pub fn record(&mut self) {
        self.journal = Some(BTreeMap::new());
    }

    /// Stops recording and keeps the changes.
    pub fn commit(&mut self) {
        self.journal = None;
    }

    /// Stops recording and puts back every entry changed since [`Indexed::record`].
    pub fn rollback(&mut self) {
        let Some(journal) = self.journal.take() else {
            return;
        };
        for (k, original) in journal {
            match original {
                Some(t) => {
                    self.insert(k, t);
                }
                None => {
                    self.remove(&k);
                }
            }
        }
    }

    /// Records every entry's original (a bulk change while recording).
    fn record_all(&mut self) {
        if let Some(j) = &mut self.journal {
            for (k, v) in &self.map {
                j.entry(k.clone()).or_insert_with(|| Some(v.clone()));
            }
        }
    }

    /// Takes `k`'s entry out of the indexes and marks it pending (it is about to change).
    fn touch<Q>(&mut self, k: &Q)
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized + ToOwned<Owned = K>,
    {
        if let Some(j) = &mut self.journal
            && !j.contains_key(k)
        {
            j.insert(k.to_owned(), self.map.get(k).cloned());
        }
        let ix = self.ix.get_mut();
        if !ix.built {
            return;
        }
        if let Some(t) = self.map.get(k) {
            let mut keys = Vec::new();
            t.index_keys(&mut keys);
            for (n, key) in keys {
                if let Some(ids) = ix.by.get_mut(n).and_then(|m| m.get_mut(&key)) {
                    if let Ok(i) = ids.binary_search_by(|x| x.borrow().cmp(k)) {
                        ids.remove(i);
                    }
                    if ids.is_empty() {
                        ix.by[n].remove(&key);
                    }
                }
            }
        }
        ix.pending.insert(k.to_owned());
    }

    /// Forgets the indexes: the next lookup rebuilds them.
    fn drop_indexes(&mut self) {
        *self.ix.get_mut() = Ix::default();
    }

    /// The entry under `k`, to change.
    pub fn get_mut<Q>(&mut self, k: &Q) -> Option<&mut T>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized + ToOwned<Owned = K>,
    {
        if !self.map.contains_key(k) {
            return None;
        }
        self.touch(k);
        self.map.get_mut(k)
    }

    /// Inserts (or replaces) the entry under `k`.
    pub fn insert(&mut self, k: K, t: T) -> Option<T> {
        self.touch(&k);
        self.map.insert(k, t)
    }

    /// Removes the entry under `k`.
    pub fn remove<Q>(&mut self, k: &Q) -> Option<T>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized + ToOwned<Owned = K>,
    {
        self.touch(k);
        self.map.remove(k)
    }

    /// Every entry, to change (drops the indexes).
    pub fn values_mut(&mut self) -> std::collections::btree_map::ValuesMut<'_, K, T> {
        self.record_all();
        self.drop_indexes();
        self.map.values_mut()
    }

    /// Every entry with its key, to change (drops the indexes).
    pub fn iter_mut(&mut self) -> std::collections::btree_map::IterMut<'_, K, T> {
        self.record_all();
        self.drop_indexes();
        self.map.iter_mut()
    }

    /// Keeps the entries `f` accepts (drops the indexes).
    pub fn retain(&mut self, f: impl FnMut(&K, &mut T) -> bool) {
        self.record_all();
        self.drop_indexes();
        self.map.retain(f);
    }

    /// The map keys whose entries have `key` in index `n`, in map order.
    pub fn lookup(&self, n: usize, key: &str) -> Vec<K> {
        let mut ix = self.ix.borrow_mut();
        self.sync(&mut ix);
        ix.by
            .get(n)
            .and_then(|m| m.get(key))
            .cloned()
            .unwrap_or_default()
    }

    /// Whether index `n` has any entry under `key`.
    pub fn has_key(&self, n: usize, key: &str) -> bool {
        let mut ix = self.ix.borrow_mut();
        self.sync(&mut ix);
        ix.by.get(n).is_some_and(|m| m.contains_key(key))
    }

    /// Brings the indexes up to date: a full build the first time, else the pending entries.
    fn sync(&self, ix: &mut Ix<K>) {
        let todo: Vec<K> = if ix.built {
            if ix.pending.is_empty() {
                return;
            }
            std::mem::take(&mut ix.pending).into_iter().collect()
        } else {
            *ix = Ix {
                built: true,
                by: (0..T::INDEXES).map(|_| HashMap::new()).collect(),
                pending: BTreeSet::new(),
            };
            self.map.keys().cloned().collect()
        };
        let mut keys = Vec::new();
        for k in todo {
            let Some(t) = self.map.get(&k) else {
                continue;
            };
            keys.clear();
            t.index_keys(&mut keys);
            for (n, key) in keys.drain(..) {
                let Some(m) = ix.by.get_mut(n) else {
                    continue;
                };
                let ids = m.entry(key).or_default();
                if let Err(i) = ids.binary_search(&k) {
                    ids.insert(i, k.clone());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone)]
    struct Item {
        name: String,
        tags: Vec<String>,
    }

    impl IndexKeys for Item {
        const INDEXES: usize = 2;
        fn index_keys(&self, out: &mut Vec<(usize, String)>) {
            out.push((0, self.name.clone()));
            out.extend(self.tags.iter().map(|t| (1, t.clone())));
        }
    }

    fn item(name: &str, tags: &[&str]) -> Item {
        Item {
            name: name.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
        }
    }

    #[test]
    fn lookups_follow_every_kind_of_edit() {
        let mut m: Indexed<Item> = Indexed::default();
        m.insert("2".into(), item("b", &["x"]));
        m.insert("1".into(), item("a", &["x", "y"]));
        assert_eq!(m.lookup(1, "x"), vec!["1", "2"]);
        assert_eq!(m.lookup(0, "a"), vec!["1"]);
        // Changed through get_mut after the indexes were built.
        m.get_mut("1").unwrap().name = "c".into();
        assert!(m.lookup(0, "a").is_empty());
        assert_eq!(m.lookup(0, "c"), vec!["1"]);
        // Replaced, removed.
        m.insert("2".into(), item("b", &["y"]));
        assert_eq!(m.lookup(1, "x"), vec!["1"]);
        assert_eq!(m.lookup(1, "y"), vec!["1", "2"]);
        m.remove("1");
        assert_eq!(m.lookup(1, "y"), vec!["2"]);
        assert!(!m.has_key(0, "c"));
        // Bulk edits.
        for v in m.values_mut() {
            v.tags.push("z".into());
        }
        assert_eq!(m.lookup(1, "z"), vec!["2"]);
        // A recorded change is undone, the indexes with it.
        m.record();
        m.insert("4".into(), item("e", &["w"]));
        m.get_mut("2").unwrap().tags = vec!["v".into()];
        m.rollback();
        assert!(m.get("4").is_none() && m.lookup(1, "w").is_empty());
        assert_eq!(m.lookup(1, "z"), vec!["2"]);
        assert!(m.lookup(1, "v").is_empty());
        m.retain(|_, _| false);
        assert!(m.lookup(1, "z").is_empty());
        // A clone starts with fresh indexes.
        m.insert("3".into(), item("d", &[]));
        assert_eq!(m.clone().lookup(0, "d"), vec!["3"]);
    }
}
