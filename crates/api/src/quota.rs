//! A sliding-window quota: at most `max` of something per `window`, counted client-side.
//!
//! The platform caps job creations at 10,000 per workspace per rolling hour (reference §3.1,
//! resource quotas); past it, `jobs/create` answers 400 `INVALID_STATE`. Pacing by requests/s
//! cannot express that (20 creates/s would use the hour's quota in under 9 minutes), so the
//! `jobs.create` lane also takes a slot of a [`Window`] before each attempt. A slot is counted
//! from the moment its answer came back (never earlier than the server counted it, so the
//! client's window frees no sooner than the server's), and given back when the server refused
//! the request outright (a 4xx: nothing was created). A full window makes the request wait on
//! the tokio timer until its oldest entry expires; the wait takes no concurrency slot, so the
//! rest of the client keeps going. Memory is bounded: at most `max` timestamps are kept.

use std::collections::VecDeque;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::throttle::lock;

/// A quota of `max` per `window` (e.g. 10,000 job creations per 3,600 s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CreationQuota {
    /// How many within one window (at least 1).
    pub max: usize,
    /// The length of the sliding window.
    pub window: Duration,
}

impl CreationQuota {
    /// The platform's documented quota of job creations: 10,000 per workspace per hour.
    pub const JOBS_PER_HOUR: CreationQuota = CreationQuota {
        max: 10_000,
        window: Duration::from_secs(3600),
    };
}

/// The live state of one quota, shared by every request of its lane.
pub(crate) struct Window {
    quota: CreationQuota,
    state: Mutex<State>,
    /// Woken when a slot is settled or given back (room may have appeared, or a full window
    /// got its first timestamp and so a time at which it frees).
    changed: Notify,
}

struct State {
    /// When the answers of counted requests came back, oldest first (at most `max`).
    done: VecDeque<Instant>,
    /// Slots taken by requests whose answer has not come back yet.
    in_flight: usize,
    /// Set after the server refused for its quota: nobody goes before this.
    paused_until: Option<Instant>,
    /// When the last "waiting for the quota" line was logged (one line a minute at most).
    logged: Option<Instant>,
}

/// One request's place in the window. Dropping it counts the request at that moment;
/// [`Slot::give_back`] uncounts it.
pub(crate) struct Slot {
    window: Arc<Window>,
    counted: bool,
}

impl Window {
    pub(crate) fn new(quota: CreationQuota) -> Arc<Self> {
        let quota = CreationQuota {
            max: quota.max.max(1),
            window: quota.window,
        };
        Arc::new(Window {
            quota,
            state: Mutex::new(State {
                done: VecDeque::new(),
                in_flight: 0,
                paused_until: None,
                logged: None,
            }),
            changed: Notify::new(),
        })
    }

    /// Waits until the window has room, then takes a slot. Returns the slot and the time
    /// spent waiting.
    pub(crate) async fn acquire(self: &Arc<Self>) -> (Slot, Duration) {
        let started = Instant::now();
        loop {
            // Registered before looking at the state, so a change between the look and the
            // wait still wakes this task.
            let mut changed = pin!(self.changed.notified());
            changed.as_mut().enable();
            let wake_at = {
                let mut st = lock(&self.state);
                let now = Instant::now();
                while st
                    .done
                    .front()
                    .is_some_and(|t| *t + self.quota.window <= now)
                {
                    st.done.pop_front();
                }
                let paused = st.paused_until.filter(|t| *t > now);
                if paused.is_none() && st.done.len() + st.in_flight < self.quota.max {
                    st.in_flight += 1;
                    let slot = Slot {
                        window: self.clone(),
                        counted: true,
                    };
                    return (slot, started.elapsed());
                }
                let wake_at = paused.or_else(|| st.done.front().map(|t| *t + self.quota.window));
                if st.logged.is_none_or(|t| now.duration_since(t) >= LOG_EVERY) {
                    st.logged = Some(now);
                    let wait_s = wake_at.map(|t| t.duration_since(now).as_secs_f64());
                    tracing::info!(
                        max = self.quota.max,
                        window_s = self.quota.window.as_secs_f64(),
                        wait_s,
                        "the workspace's job-creation quota is used up: job creations wait for the window to free"
                    );
                }
                wake_at
            };
            match wake_at {
                Some(at) => {
                    tokio::select! {
                        _ = tokio::time::sleep_until(at) => {}
                        _ = changed => {}
                    }
                }
                // Every slot is in flight: the next change is one of them settling.
                None => changed.await,
            }
        }
    }

    /// The server refused for its quota (someone else is creating too): nobody of this
    /// client tries again before `pause` is over.
    pub(crate) fn pause(&self, pause: Duration) {
        let until = Instant::now() + pause;
        let mut st = lock(&self.state);
        if st.paused_until.is_none_or(|t| t < until) {
            st.paused_until = Some(until);
        }
    }

    fn settle(&self, count: bool) {
        let mut st = lock(&self.state);
        st.in_flight = st.in_flight.saturating_sub(1);
        if count {
            st.done.push_back(Instant::now());
            // Only possible if the invariant `done + in_flight <= max` were broken; keeps
            // memory bounded whatever happens.
            while st.done.len() > self.quota.max {
                st.done.pop_front();
            }
        }
        drop(st);
        self.changed.notify_waiters();
    }

    #[cfg(test)]
    fn counted(&self) -> (usize, usize) {
        let st = lock(&self.state);
        (st.done.len(), st.in_flight)
    }
}

/// At most one "waiting for the quota" log line per this interval.
const LOG_EVERY: Duration = Duration::from_secs(60);

impl Slot {
    /// The server refused the request (a 4xx answer): it created nothing, so it does not
    /// count against the quota.
    pub(crate) fn give_back(mut self) {
        self.counted = false;
        self.window.settle(false);
    }
}

impl Drop for Slot {
    /// The answer came back (or never will): the request may have created something, so it
    /// counts from now.
    fn drop(&mut self) {
        if self.counted {
            self.counted = false;
            self.window.settle(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Real time, short windows: waits are checked against coarse lower bounds only.
    const MS: Duration = Duration::from_millis(1);

    fn quota(max: usize, window: Duration) -> Arc<Window> {
        Window::new(CreationQuota { max, window })
    }

    #[tokio::test]
    async fn a_full_window_waits_for_its_oldest_entry() {
        let w = quota(2, 300 * MS);
        let (a, _) = w.acquire().await;
        let (b, _) = w.acquire().await;
        drop(a);
        tokio::time::sleep(100 * MS).await;
        drop(b);
        assert_eq!(w.counted(), (2, 0));
        // The third waits until the first entry is 300 ms old (about 200 ms from here).
        let (c, waited) = w.acquire().await;
        assert!(waited >= 150 * MS, "{waited:?}");
        drop(c);
        assert_eq!(w.counted(), (2, 0));
    }

    #[tokio::test]
    async fn a_refused_request_gives_its_slot_back_and_in_flight_slots_count() {
        let w = quota(1, Duration::from_secs(60));
        let (a, _) = w.acquire().await;
        // The one slot is in flight: the next waits for it to settle.
        let next = tokio::spawn({
            let w = w.clone();
            async move { w.acquire().await.1 }
        });
        tokio::time::sleep(100 * MS).await;
        assert!(!next.is_finished());
        a.give_back();
        let waited = tokio::time::timeout(Duration::from_secs(5), next)
            .await
            .expect("a given-back slot lets the next one in")
            .unwrap();
        assert!(waited >= 50 * MS, "{waited:?}");
        // The first was given back; the second (dropped when its task ended) counts.
        assert_eq!(w.counted(), (1, 0));
    }

    #[tokio::test]
    async fn a_pause_holds_everyone_back() {
        let w = quota(100, Duration::from_secs(60));
        w.pause(200 * MS);
        let (_s, waited) = w.acquire().await;
        assert!(waited >= 150 * MS, "{waited:?}");
    }
}
