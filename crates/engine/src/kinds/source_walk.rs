//! The source's workspace tree, walked once per run and *streamed* to the kinds that need it
//! (folders, notebooks and files, and their permissions) while the walk goes on.
//!
//! The walk lists one folder per request (the API is not recursive): 710 requests for the
//! `scale:1000` seed, 25 s at the workspace family's 30/s. Handing the tree over only once
//! complete left the target's workspace family — the one that bounds the run — idle for all
//! that time. Here each listed object is appended to a shared log the moment its folder's page
//! arrives, and every consumer reads the log with its own cursor: the first folders are created
//! in the target while the walk is still listing deeper ones.
//!
//! A folder is always appended before anything inside it (its page is read only after it was
//! appended as a child of its own parent), so a consumer sees parents first.
//!
//! The walk runs as its own task so that no consumer has to drive it; the task holds only the
//! source client and the log, and is aborted when the run's cache is dropped (a run stopped
//! midway stops listing too).

use std::sync::{Arc, Mutex};

use brickport_api::types::workspace::ObjectInfo;
use brickport_api::{ApiError, WorkspaceClient};
use futures::stream::{FuturesUnordered, Stream, StreamExt};
use tokio::sync::watch;

use crate::EngineError;

#[derive(Default)]
struct Log {
    items: Vec<Arc<ObjectInfo>>,
    done: bool,
    error: Option<(String, ApiError)>,
}

/// The shared, growing result of one walk.
pub struct SourceWalk {
    log: Mutex<Log>,
    /// Bumped on every append and at the end; consumers wait on it.
    version: watch::Sender<u64>,
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Drop for SourceWalk {
    fn drop(&mut self) {
        if let Some(t) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            t.abort();
        }
    }
}

/// Which objects the walk keeps: `path_selected` says whether a path is in the run's
/// selection; `/Repos` (Git folders, migrated through the Repos API) is never entered.
pub type Filter = Arc<dyn Fn(&str) -> bool + Send + Sync>;

impl SourceWalk {
    /// Starts walking `client`'s tree from `/`, up to `width` folders listed at a time.
    pub fn start(client: WorkspaceClient, width: usize, selected: Filter) -> Arc<SourceWalk> {
        let (version, _) = watch::channel(0);
        let walk = Arc::new(SourceWalk {
            log: Mutex::new(Log::default()),
            version,
            task: Mutex::new(None),
        });
        // The task holds a weak reference: dropping the run's cache drops the walk and aborts it.
        let weak = Arc::downgrade(&walk);
        let handle = tokio::spawn(async move {
            let result = walk_tree(&client, width.max(1), &selected, &weak).await;
            if let Some(w) = weak.upgrade() {
                let mut log = w.lock();
                log.done = true;
                log.error = result.err();
                drop(log);
                w.version.send_modify(|v| *v += 1);
            }
        });
        *walk.task.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        walk
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Log> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn append(&self, objs: Vec<ObjectInfo>) {
        if objs.is_empty() {
            return;
        }
        self.lock().items.extend(objs.into_iter().map(Arc::new));
        self.version.send_modify(|v| *v += 1);
    }

    /// Every object of the walk from the start, as it is listed; ends with the walk (with its
    /// error, if it failed).
    pub fn stream(
        self: &Arc<Self>,
    ) -> impl Stream<Item = Result<Arc<ObjectInfo>, EngineError>> + Send + use<> {
        let rx = self.version.subscribe();
        futures::stream::unfold(
            (self.clone(), rx, 0usize, false),
            |(walk, mut rx, cursor, ended)| async move {
                if ended {
                    return None;
                }
                loop {
                    // Mark the current version seen *before* reading the log: an append made
                    // after this read bumps the version again, so no wake-up is lost.
                    rx.borrow_and_update();
                    let next = {
                        let log = walk.lock();
                        if let Some(o) = log.items.get(cursor) {
                            Some(Ok(o.clone()))
                        } else if log.done {
                            match &log.error {
                                Some((what, e)) => {
                                    Some(Err(EngineError::api(what.clone(), e.clone())))
                                }
                                None => return None,
                            }
                        } else {
                            None
                        }
                    };
                    match next {
                        Some(Ok(o)) => return Some((Ok(o), (walk, rx, cursor + 1, false))),
                        Some(Err(e)) => return Some((Err(e), (walk, rx, cursor, true))),
                        None => {
                            if rx.changed().await.is_err() {
                                // The sender lives in `walk`, which we hold: cannot happen.
                                return None;
                            }
                        }
                    }
                }
            },
        )
    }

    /// The whole tree, once the walk is complete.
    pub async fn all(self: &Arc<Self>) -> Result<Vec<Arc<ObjectInfo>>, EngineError> {
        let mut out = Vec::new();
        let mut s = std::pin::pin!(self.stream());
        while let Some(o) = s.next().await {
            out.push(o?);
        }
        Ok(out)
    }
}

async fn walk_tree(
    client: &WorkspaceClient,
    width: usize,
    selected: &Filter,
    walk: &std::sync::Weak<SourceWalk>,
) -> Result<(), (String, ApiError)> {
    let list = |p: String| async move {
        let r = client.workspace().list(&p).await;
        (p, r)
    };
    // Breadth first: every top-level folder's content comes early, not one subtree after
    // another (the objects of `/Users/<name>` wait for their user to be created).
    let mut queue = std::collections::VecDeque::from(["/".to_string()]);
    let mut running = FuturesUnordered::new();
    loop {
        while running.len() < width
            && let Some(p) = queue.pop_front()
        {
            running.push(list(p));
        }
        let Some((path, page)) = running.next().await else {
            return Ok(());
        };
        let page = page.map_err(|e| (format!("listing workspace folder {path}"), e))?;
        let mut keep = Vec::with_capacity(page.len());
        for o in page {
            let Some(p) = o.path.as_deref() else { continue };
            if super::notebooks::in_repos(p) || !selected(p) {
                continue;
            }
            if o.object_type.as_deref() == Some("DIRECTORY") {
                queue.push_back(p.to_string());
            }
            keep.push(o);
        }
        let Some(w) = walk.upgrade() else {
            return Ok(());
        };
        w.append(keep);
    }
}
