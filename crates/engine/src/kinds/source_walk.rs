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
//! Memory stays flat at any size: an entry is dropped once every consumer has read it, and the
//! walk pauses while it is more than [`AHEAD`] entries ahead of the slowest consumer (the
//! target side, which bounds the run, consumes slower than the source lists). Entries are
//! dropped only once every expected consumer (the run's streamed kinds) has opened its stream,
//! so a consumer that starts late (a permissions kind probing the API first) still sees the
//! whole tree; one opened beyond that count after entries were dropped gets an error rather
//! than a partial tree. The pause has a limit ([`STALL`]): should every consumer be stuck on
//! something only a later entry would release, the walk goes on rather than wait forever.
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

/// How far (in entries) the walk may run ahead of its slowest consumer.
pub const AHEAD: usize = 20_000;
/// How long the walk waits for the slowest consumer before going on regardless.
pub const STALL: std::time::Duration = std::time::Duration::from_secs(30);

/// How the walk keeps pace with its consumers (see the module's doc).
#[derive(Debug, Clone, Copy)]
pub struct Pacing {
    /// The consumers that must open before entries are dropped (0: never drop any).
    pub consumers: usize,
    /// How far (in entries) the walk may run ahead of its slowest consumer.
    pub ahead: usize,
    /// How long it waits for the slowest consumer before going on regardless.
    pub stall: std::time::Duration,
}

impl Pacing {
    /// For `consumers` streams, with the default window and stall.
    pub fn for_consumers(consumers: usize) -> Pacing {
        Pacing {
            consumers,
            ahead: AHEAD,
            stall: STALL,
        }
    }
}

#[derive(Default)]
struct Log {
    /// Entries from index `base` on (those before were read by every consumer).
    items: std::collections::VecDeque<Arc<ObjectInfo>>,
    base: usize,
    /// Each open consumer's next index (`None`: closed).
    cursors: Vec<Option<usize>>,
    pacing: Option<Pacing>,
    done: bool,
    error: Option<(String, ApiError)>,
}

impl Log {
    fn head(&self) -> usize {
        self.base + self.items.len()
    }

    /// The slowest open consumer's index; `None` while dropping is not allowed yet.
    fn slowest(&self) -> Option<usize> {
        let expected = self.pacing.map_or(0, |p| p.consumers);
        if expected == 0 || self.cursors.len() < expected {
            return None;
        }
        Some(
            self.cursors
                .iter()
                .flatten()
                .copied()
                .min()
                .unwrap_or(self.head()),
        )
    }

    /// Drops what every consumer has read.
    fn trim(&mut self) {
        if let Some(low) = self.slowest() {
            while self.base < low && self.items.pop_front().is_some() {
                self.base += 1;
            }
        }
    }
}

/// One consumer's place in the log; closing it (drop) lets the walk drop what it held back.
struct Cursor {
    walk: Arc<SourceWalk>,
    slot: usize,
}

impl Drop for Cursor {
    fn drop(&mut self) {
        let mut log = self.walk.lock();
        if let Some(c) = log.cursors.get_mut(self.slot) {
            *c = None;
        }
        log.trim();
        drop(log);
        self.walk.consumed.send_modify(|v| *v += 1);
    }
}

/// The shared, growing result of one walk.
pub struct SourceWalk {
    log: Mutex<Log>,
    /// Bumped on every append and at the end; consumers wait on it.
    version: watch::Sender<u64>,
    /// Bumped when a consumer moves on; the walk waits on it while too far ahead.
    consumed: watch::Sender<u64>,
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
    /// Starts walking `client`'s tree from `/`, up to `width` folders listed at a time, paced
    /// for its consumers.
    pub fn start(
        client: WorkspaceClient,
        width: usize,
        selected: Filter,
        pacing: Pacing,
    ) -> Arc<SourceWalk> {
        let (version, _) = watch::channel(0);
        let (consumed, _) = watch::channel(0);
        let walk = Arc::new(SourceWalk {
            log: Mutex::new(Log {
                pacing: Some(pacing),
                ..Log::default()
            }),
            version,
            consumed,
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

    /// Whether the walk is more than `ahead` entries ahead of its slowest consumer (once every
    /// expected consumer is open).
    fn too_far_ahead(&self) -> bool {
        let log = self.lock();
        let Some(pacing) = log.pacing else {
            return false;
        };
        let ahead = log
            .slowest()
            .map(|low| log.head().saturating_sub(low))
            .unwrap_or(0);
        ahead > pacing.ahead
    }

    /// Waits while the walk is more than `ahead` entries ahead of its slowest consumer (once
    /// every expected consumer is open), at most `stall` without any consumer moving.
    async fn pace(walk: &std::sync::Weak<SourceWalk>) {
        loop {
            // No strong reference across the wait: dropping the run's cache still ends the walk.
            let (ahead, pacing, mut rx) = {
                let Some(w) = walk.upgrade() else { return };
                let rx = w.consumed.subscribe();
                let log = w.lock();
                let ahead = log
                    .slowest()
                    .map(|low| log.head().saturating_sub(low))
                    .unwrap_or(0);
                let Some(pacing) = log.pacing else { return };
                (ahead, pacing, rx)
            };
            if ahead <= pacing.ahead {
                return;
            }
            match tokio::time::timeout(pacing.stall, rx.changed()).await {
                Ok(Ok(())) => continue,
                // No consumer moved for a while (or the walk is gone): go on rather than risk
                // waiting forever.
                _ => return,
            }
        }
    }

    /// Every object of the walk from the start, as it is listed; ends with the walk (with its
    /// error, if it failed).
    pub fn stream(
        self: &Arc<Self>,
    ) -> impl Stream<Item = Result<Arc<ObjectInfo>, EngineError>> + Send + use<> {
        let rx = self.version.subscribe();
        // Opened now (not on the first poll), so the walk keeps entries for it from here on.
        let (cursor, late) = {
            let mut log = self.lock();
            let late = log.base > 0;
            let start = log.base;
            log.cursors.push(Some(start));
            let slot = log.cursors.len() - 1;
            (
                Cursor {
                    walk: self.clone(),
                    slot,
                },
                late,
            )
        };
        futures::stream::unfold(
            (cursor, rx, late, false),
            |(cursor, mut rx, late, ended)| async move {
                if ended {
                    return None;
                }
                if late {
                    let e = EngineError::Internal(
                        "a reader of the source tree started after the walk dropped entries it \
                         had not read (a bug: please report it)"
                            .into(),
                    );
                    return Some((Err(e), (cursor, rx, late, true)));
                }
                loop {
                    // Mark the current version seen *before* reading the log: an append made
                    // after this read bumps the version again, so no wake-up is lost.
                    rx.borrow_and_update();
                    let walk = &cursor.walk;
                    let next = {
                        let mut log = walk.lock();
                        let at = log.cursors[cursor.slot].unwrap_or(log.head());
                        if let Some(o) = at.checked_sub(log.base).and_then(|i| log.items.get(i)) {
                            let o = o.clone();
                            log.cursors[cursor.slot] = Some(at + 1);
                            let front = at == log.base;
                            if front {
                                log.trim();
                            }
                            Some((Ok(o), front))
                        } else if log.done {
                            match &log.error {
                                Some((what, e)) => {
                                    Some((Err(EngineError::api(what.clone(), e.clone())), false))
                                }
                                None => return None,
                            }
                        } else {
                            None
                        }
                    };
                    match next {
                        Some((Ok(o), moved_front)) => {
                            if moved_front {
                                walk.consumed.send_modify(|v| *v += 1);
                            }
                            return Some((Ok(o), (cursor, rx, late, false)));
                        }
                        Some((Err(e), _)) => return Some((Err(e), (cursor, rx, late, true))),
                        None => {
                            if rx.changed().await.is_err() {
                                // The sender lives in the walk, which we hold: cannot happen.
                                return None;
                            }
                        }
                    }
                }
            },
        )
    }

    /// How many entries the walk holds now (for tests and measurements).
    pub fn held(&self) -> usize {
        self.lock().items.len()
    }

    /// How many entries the walk has listed so far.
    pub fn listed(&self) -> usize {
        self.lock().head()
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
        // Too far ahead of the readers: no new folder is asked for, but the requests already
        // sent are polled to their end (left unpolled while the walk waited, they ran out
        // their own timeout: `brickport export` at scale:100000); with none left in flight,
        // the walk waits for the readers (`pace`), then goes on.
        let paused = walk.upgrade().is_some_and(|w| w.too_far_ahead());
        if paused && running.is_empty() {
            SourceWalk::pace(walk).await;
        }
        while (!paused || running.is_empty())
            && running.len() < width
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
            if super::shared::in_repos(p) || !selected(p) {
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
