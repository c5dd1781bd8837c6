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
//!
//! Workspace paths (folders, notebooks, files) get the same first-lookup rule, per folder
//! rather than per kind: the first lookup of a path lists its parent folder in the target once
//! per run and every child's first lookup is answered from that listing. Only a path's own
//! processing writes it, after its first lookup, so the listing is as current as a
//! `get-status` would have been. Better still, a folder this run created with `mkdirs` (after
//! its lookup found it absent) was empty then: its children's first lookups are `Absent`
//! without a request. Home folders `/Users/<name>` are the exception the caller keeps out: the
//! target makes them (not empty, at a moment of its own) when this run creates their user.

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
    asked: Mutex<HashSet<u64>>,
}

/// What the run knows about a workspace path's first lookup.
#[derive(Debug, Clone, PartialEq)]
pub enum PathLookup {
    /// In the target, as its parent folder's listing gave it.
    Found(Box<ObjectInfo>),
    /// Not in the target: its parent folder was absent, did not list it, or was created empty
    /// by this run.
    Absent,
    /// Already looked up once this run (or not a path with a parent): ask the API.
    Ask,
}

/// A folder's children by normalised path; `None` when the folder itself is absent.
type Listing = Option<HashMap<String, ObjectInfo>>;

/// The target's workspace tree as far as this run looked at it.
#[derive(Default)]
struct Tree {
    /// Paths whose first lookup was answered already (by [`digest`]: a big workspace has
    /// hundreds of thousands).
    asked: Mutex<HashSet<u64>>,
    /// Folders this run created with `mkdirs` after their lookup found them absent (by
    /// [`digest`]).
    created_empty: Mutex<HashSet<u64>>,
    /// Each parent folder's listing, taken on the first lookup of one of its children.
    listings: Mutex<HashMap<String, Arc<OnceCell<Listing>>>>,
}

/// The run's snapshots, one per kind, each listed on first use.
#[derive(Default)]
pub struct RunCache {
    snapshots: Mutex<BTreeMap<&'static str, Arc<OnceCell<Snapshot>>>>,
    source_walk: std::sync::OnceLock<Arc<super::source_walk::SourceWalk>>,
    tree: Tree,
    target_caller: OnceCell<Option<String>>,
    permissions_probe: OnceCell<Option<&'static str>>,
    cutover_resumed: Mutex<Option<Arc<CutoverResumed>>>,
    cutover_reader: Option<CutoverReader>,
    /// What both workspaces offer for compute, read on first use (`super::compute`).
    pub(crate) compute: OnceCell<Arc<super::compute::Catalogue>>,
}

/// What `cutover` resumed in the target (the parts it switched on), by kind, then source id.
pub type CutoverResumed = BTreeMap<String, BTreeMap<String, Vec<String>>>;

/// Reads [`CutoverResumed`] from a run directory. The cut-over record is `cutover`'s: the run
/// hands its reader to the cache ([`RunCache::reading_cutover`]), so the kinds never reach
/// into it.
pub type CutoverReader = fn(&std::path::Path) -> Result<CutoverResumed, EngineError>;

/// The folder holding a workspace path (`/a/b` → `/a`, `/a` → `/`; none for `/` or a
/// relative path), both normalised.
fn folder_of(path: &str) -> Option<(String, String)> {
    if !path.starts_with('/') {
        return None;
    }
    let path = super::shared::normalise_path(path);
    let (parent, name) = path.rsplit_once('/')?;
    if name.is_empty() {
        return None;
    }
    let parent = if parent.is_empty() { "/" } else { parent };
    Some((parent.to_string(), path))
}

/// `find` for a kind whose target objects all come in one listing (`list`), found by a key
/// (`keyed` gives an object's key and id): the first lookup of a run answers from the run's
/// snapshot of that listing and reads a hit with the kind's `get`; a later one — or a hit of
/// a kind that does not read by id — looks through a fresh listing (a listing per object
/// made runs quadratic in requests and memory).
pub(crate) async fn find_listed<T, L, Fut, K>(
    ctx: &super::Ctx,
    kind: &dyn super::Kind,
    key: &str,
    list: L,
    keyed: K,
    target: impl FnOnce(T) -> Result<Option<super::TargetObject>, EngineError>,
) -> Result<Option<super::TargetObject>, EngineError>
where
    L: Fn() -> Fut,
    Fut: Future<Output = Result<Vec<T>, EngineError>>,
    K: Fn(&T) -> Option<(String, String)>,
{
    let listed = ctx
        .cache
        .first_lookup(kind.name(), key, || async {
            Ok(list().await?.iter().filter_map(&keyed).collect())
        })
        .await?;
    match listed {
        Lookup::Id(id) => {
            if let Some(read) = kind.get(ctx, &id) {
                return read.await;
            }
        }
        Lookup::Absent => return Ok(None),
        Lookup::Ask => {}
    }
    match list()
        .await?
        .into_iter()
        .find(|o| keyed(o).is_some_and(|(k, _)| k == key))
    {
        Some(o) => target(o),
        None => Ok(None),
    }
}

/// A key's 64-bit digest, for the sets that only say whether a key was seen: two keys of a
/// run colliding is a one-in-10^9 event at a million keys, and would only cost a lookup
/// (`Ask`) or, for `created_empty`, a create that finds the path taken and looks it up.
fn digest(key: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(key)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl RunCache {
    /// The userName (an SP's applicationId) of the principal running the migration on the
    /// target, read once per run however many objects ask at the same time (SCIM reads are
    /// the slowest family: 255/min).
    pub async fn target_caller<F, Fut>(&self, load: F) -> Result<Option<String>, EngineError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<String>, EngineError>>,
    {
        self.target_caller.get_or_try_init(load).await.cloned()
    }

    /// Which side has the permissions API disabled (`probe` runs once per run).
    pub async fn permissions_probe<F, Fut>(&self, probe: F) -> Option<&'static str>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Option<&'static str>>,
    {
        *self.permissions_probe.get_or_init(probe).await
    }

    /// A cache that reads what `cutover` resumed with `reader` (a cache without one, as in
    /// `validate`, sees nothing resumed).
    pub fn reading_cutover(reader: CutoverReader) -> Self {
        RunCache {
            cutover_reader: Some(reader),
            ..RunCache::default()
        }
    }

    /// What `cutover` resumed, read from `run_dir` once per run (an error is not kept: the
    /// next caller reads again).
    pub fn cutover_resumed(
        &self,
        run_dir: &std::path::Path,
    ) -> Result<Arc<CutoverResumed>, EngineError> {
        let mut slot = self
            .cutover_resumed
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(r) = &*slot {
            return Ok(r.clone());
        }
        let r = Arc::new(match self.cutover_reader {
            Some(read) => read(run_dir)?,
            None => CutoverResumed::new(),
        });
        *slot = Some(r.clone());
        Ok(r)
    }

    /// The run's walk of the source's workspace tree, started by `start` on first use and
    /// shared by every kind that reads the tree.
    pub fn source_walk(
        &self,
        start: impl FnOnce() -> Arc<super::source_walk::SourceWalk>,
    ) -> Arc<super::source_walk::SourceWalk> {
        self.source_walk.get_or_init(start).clone()
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
                let mut ids = HashMap::new();
                // The first object listed under a key wins, as in a lookup.
                for (k, id) in load().await? {
                    ids.entry(k).or_insert(id);
                }
                Ok::<_, EngineError>(Snapshot {
                    ids,
                    asked: Mutex::new(HashSet::new()),
                })
            })
            .await?;
        if !lock(&snap.asked).insert(digest(key)) {
            return Ok(Lookup::Ask);
        }
        Ok(match snap.ids.get(key) {
            Some(id) => Lookup::Id(id.clone()),
            None => Lookup::Absent,
        })
    }

    /// The first lookup of a workspace path: `Absent` with no request when its parent folder
    /// was created empty by this run ([`RunCache::created_empty`]), else from its parent's
    /// listing, which `list` reads (`None`: the folder is absent) once per folder and run. A
    /// failed listing is not kept. Home folders made by the target must not come here.
    pub async fn first_path_lookup<F, Fut>(
        &self,
        path: &str,
        list: F,
    ) -> Result<PathLookup, EngineError>
    where
        F: FnOnce(String) -> Fut,
        Fut: Future<Output = Result<Option<Vec<ObjectInfo>>, EngineError>>,
    {
        let Some((parent, path)) = folder_of(path) else {
            return Ok(PathLookup::Ask);
        };
        if lock(&self.tree.created_empty).contains(&digest(&parent)) {
            return Ok(self.first_answer(&path, None));
        }
        let cell = lock(&self.tree.listings)
            .entry(parent.clone())
            .or_default()
            .clone();
        let listing = cell
            .get_or_try_init(|| async {
                let objects = list(parent).await?;
                Ok::<_, EngineError>(objects.map(|objects| {
                    objects
                        .into_iter()
                        .filter_map(|o| {
                            Some((super::shared::normalise_path(o.path.as_deref()?), o))
                        })
                        .collect()
                }))
            })
            .await?;
        let found = listing.as_ref().and_then(|l| l.get(&path)).cloned();
        Ok(self.first_answer(&path, found))
    }

    /// `Ask` when `path` had its first answer already; else `found` (or `Absent`).
    fn first_answer(&self, path: &str, found: Option<ObjectInfo>) -> PathLookup {
        if !lock(&self.tree.asked).insert(digest(path)) {
            return PathLookup::Ask;
        }
        found.map_or(PathLookup::Absent, |o| PathLookup::Found(Box::new(o)))
    }

    /// Records that this run created the folder at `path` with `mkdirs` after its lookup
    /// found it absent: it was empty, so its children's first lookups need no request. Not
    /// for a home folder the target may make and fill by itself.
    pub fn created_empty(&self, path: &str) {
        if let Some((_, path)) = folder_of(path) {
            lock(&self.tree.created_empty).insert(digest(&path));
        }
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

    fn info(path: &str, kind: &str, id: i64) -> ObjectInfo {
        ObjectInfo {
            path: Some(path.into()),
            object_type: Some(kind.into()),
            object_id: Some(id),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn lists_each_folder_once_and_trusts_only_a_paths_first_lookup() {
        let cache = RunCache::default();
        let listed = Mutex::new(Vec::new());
        let log = &listed;
        let list = |folder: String| async move {
            lock(log).push(folder.clone());
            Ok(match folder.as_str() {
                "/" => Some(vec![info("/Shared", "DIRECTORY", 1)]),
                "/Shared" => Some(vec![
                    info("/Workspace/Shared/nb", "NOTEBOOK", 2),
                    info("/Shared/dir", "DIRECTORY", 3),
                ]),
                _ => None,
            })
        };
        let found = |id| PathLookup::Found(Box::new(info("", "", id)));
        let id_of = |l: PathLookup| match l {
            PathLookup::Found(o) => found(o.object_id.unwrap()),
            other => other,
        };
        let look = |p: &'static str| cache.first_path_lookup(p, list);
        assert_eq!(id_of(look("/Shared").await.unwrap()), found(1));
        assert_eq!(id_of(look("/Shared/nb").await.unwrap()), found(2));
        assert_eq!(id_of(look("/Shared/dir/").await.unwrap()), found(3));
        assert_eq!(look("/Shared/other").await.unwrap(), PathLookup::Absent);
        // An absent folder's children are absent.
        assert_eq!(look("/Gone/x").await.unwrap(), PathLookup::Absent);
        assert_eq!(look("/Gone/y").await.unwrap(), PathLookup::Absent);
        assert_eq!(*lock(&listed), ["/", "/Shared", "/Gone"]);
        // A second lookup of a path (after an "already exists", a lost answer) asks the API.
        assert_eq!(look("/Shared/nb").await.unwrap(), PathLookup::Ask);
        assert_eq!(look("/Shared/other").await.unwrap(), PathLookup::Ask);
        assert_eq!(look("/Gone/x").await.unwrap(), PathLookup::Ask);
        assert_eq!(look("/").await.unwrap(), PathLookup::Ask);
        assert_eq!(lock(&listed).len(), 3);
    }

    #[tokio::test]
    async fn a_folder_created_empty_answers_its_childrens_first_lookups() {
        let cache = RunCache::default();
        let lists = AtomicUsize::new(0);
        let list = |_: String| async {
            lists.fetch_add(1, Ordering::SeqCst);
            Ok(None)
        };
        // The folder's own lookup lists its parent; once created, its children need nothing.
        assert_eq!(
            cache.first_path_lookup("/a", list).await.unwrap(),
            PathLookup::Absent
        );
        cache.created_empty("/a");
        for p in ["/a/nb", "/a/b", "/Workspace/a/c"] {
            assert_eq!(
                cache.first_path_lookup(p, list).await.unwrap(),
                PathLookup::Absent
            );
        }
        assert_eq!(lists.load(Ordering::SeqCst), 1);
        assert_eq!(
            cache.first_path_lookup("/a/b", list).await.unwrap(),
            PathLookup::Ask
        );
        assert_eq!(
            cache.first_path_lookup("/a", list).await.unwrap(),
            PathLookup::Ask
        );
        // A folder not created by the run is listed.
        assert_eq!(
            cache.first_path_lookup("/z/nb", list).await.unwrap(),
            PathLookup::Absent
        );
        assert_eq!(lists.load(Ordering::SeqCst), 2);
    }
}
