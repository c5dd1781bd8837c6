//! The outage gate: one per client, so one per workspace. When the workspace stops answering
//! as a whole, its requests wait here instead of each failing on its own.
//!
//! What closes the gate: a connection refused or reset, a timeout, a lost answer — once the
//! workspace has answered at least once (a wrong host at start-up should still fail fast) —
//! or a burst of 5xx answers across requests with no good answer between them
//! ([`BURST`]). One object's 500 does not: it stays that object's failure.
//!
//! While the gate is closed every request waits before it is sent. One waiter at a time is the
//! *prober*: it sends a cheap read (the caller's own identity) with a backoff that grows to
//! [`OutageOptions::probe_every`]; any answer below 500 opens the gate and every waiter goes
//! on. After [`OutageOptions::wait`] of closed gate, the gate gives up: every waiter and every
//! later request gets [`ApiError::Unreachable`], which the engine turns into a clean stop.
//! A prober whose future is dropped hands the role to the next waiter.
//!
//! The gate's state is published on a `watch` channel ([`Outage`]) for whoever shows it (the
//! engine tells its `Progress`). The first failed probe publishes it, not the failure that
//! closed the gate: one slow request whose probe answers at once is not worth a line.
//!
//! A write whose request went out and got no answer keeps its rule (`OutcomeUnknown`, never
//! replayed): the gate only makes the look-up that follows wait until the workspace answers.

use std::future::Future;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;

use crate::ApiError;
use crate::throttle::lock;

/// 5xx answers in a row, over the client's requests and with no good answer between them,
/// that close the gate (one object's 500 is one).
pub const BURST: u32 = 5;

/// How the gate waits, part of `ClientOptions`.
#[derive(Debug, Clone, PartialEq)]
pub struct OutageOptions {
    /// How long the workspace may stay unreachable before requests give up with
    /// [`ApiError::Unreachable`] (default 15 minutes: the `outage_wait` setting).
    pub wait: Duration,
    /// The longest pause between two probes (default 5 s).
    pub probe_every: Duration,
    /// The first probe goes at once; the pause after the n-th failed one is this doubled n
    /// times, up to `probe_every` (default 1 s: 2 s, 4 s, then 5 s).
    pub first_probe: Duration,
}

impl Default for OutageOptions {
    fn default() -> Self {
        OutageOptions {
            wait: Duration::from_secs(15 * 60),
            probe_every: Duration::from_secs(5),
            first_probe: Duration::from_secs(1),
        }
    }
}

/// A workspace's availability as the client sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outage {
    /// Requests go through.
    Answering,
    /// Not answering since `since`; requests wait, a probe goes out every `every` at most.
    Unreachable {
        /// When the first request failed.
        since: SystemTime,
        /// The longest pause between probes.
        every: Duration,
    },
    /// Unreachable since `since` for longer than the configured wait: requests fail with
    /// [`ApiError::Unreachable`].
    GaveUp {
        /// When the first request failed.
        since: SystemTime,
    },
}

/// The gate's inner state.
enum Phase {
    Open {
        /// 5xx answers since the last good answer.
        burst: u32,
    },
    Closed {
        since: SystemTime,
        at: Instant,
        /// Whether a waiter is probing now.
        probing: bool,
        /// When the next probe may go out.
        next_probe: Instant,
        /// Probes that failed.
        failed_probes: u32,
    },
    GaveUp {
        since: SystemTime,
        waited: Duration,
    },
}

/// See the module's doc.
pub(crate) struct Gate {
    host: String,
    phase: Mutex<Phase>,
    /// Published state; also wakes the waiters on every change.
    status: watch::Sender<Outage>,
    /// Whether the workspace has ever answered (before that, failures are not an outage).
    answered: AtomicBool,
    wait_ms: AtomicU64,
    options: OutageOptions,
}

/// What waiting at the gate ended with.
enum Turn {
    Pass,
    Probe,
    Wait,
}

impl Gate {
    pub(crate) fn new(host: &str, options: OutageOptions) -> Self {
        Gate {
            host: host.to_string(),
            phase: Mutex::new(Phase::Open { burst: 0 }),
            status: watch::Sender::new(Outage::Answering),
            answered: AtomicBool::new(false),
            wait_ms: AtomicU64::new(options.wait.as_millis() as u64),
            options,
        }
    }

    /// The published state, for whoever shows it.
    pub(crate) fn watch(&self) -> watch::Receiver<Outage> {
        self.status.subscribe()
    }

    pub(crate) fn set_wait(&self, wait: Duration) {
        self.wait_ms
            .store(wait.as_millis() as u64, Ordering::Relaxed);
    }

    fn wait(&self) -> Duration {
        Duration::from_millis(self.wait_ms.load(Ordering::Relaxed))
    }

    /// Waits until requests may go (at once while the gate is open); `probe` is one cheap
    /// request, true when the workspace answered it. Returns the time spent waiting, or
    /// [`ApiError::Unreachable`] once the gate gave up.
    pub(crate) async fn pass<F, Fut>(&self, probe: F) -> Result<Duration, ApiError>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = bool>,
    {
        let started = Instant::now();
        loop {
            // Subscribed before the state is read, so no change in between is missed.
            let mut changed = self.status.subscribe();
            match self.turn()? {
                Turn::Pass => return Ok(started.elapsed()),
                Turn::Probe => self.probe_once(&probe).await,
                Turn::Wait => {
                    // The sender lives as long as the gate: an error cannot happen here.
                    let _ = changed.changed().await;
                }
            }
        }
    }

    /// What this waiter does now; takes the prober's role when it is free.
    fn turn(&self) -> Result<Turn, ApiError> {
        let mut phase = lock(&self.phase);
        match &mut *phase {
            Phase::Open { .. } => Ok(Turn::Pass),
            Phase::GaveUp { since, waited } => Err(self.unreachable(*since, *waited)),
            Phase::Closed { probing: true, .. } => Ok(Turn::Wait),
            Phase::Closed { probing, .. } => {
                *probing = true;
                Ok(Turn::Probe)
            }
        }
    }

    /// One probe, at its time (or the give-up, if that comes first); the role is handed back
    /// however this ends, dropped future included.
    async fn probe_once<F, Fut>(&self, probe: &F)
    where
        F: Fn() -> Fut,
        Fut: Future<Output = bool>,
    {
        let role = ProberRole(self);
        let Some((at, next_probe)) = self.closed_times() else {
            return;
        };
        let deadline = at + self.wait();
        tokio::time::sleep_until(next_probe.min(deadline).into()).await;
        if Instant::now() >= deadline {
            self.give_up();
            return;
        }
        let answered = probe().await;
        let mut phase = lock(&self.phase);
        if answered {
            tracing::info!(host = %self.host, "the workspace answers again");
            *phase = Phase::Open { burst: 0 };
            drop(phase);
            self.publish(Outage::Answering);
        } else if let Phase::Closed {
            since,
            next_probe,
            failed_probes,
            ..
        } = &mut *phase
        {
            *failed_probes += 1;
            let pause = self
                .options
                .first_probe
                .saturating_mul(2u32.saturating_pow((*failed_probes).min(16)))
                .min(self.options.probe_every);
            *next_probe = Instant::now() + pause;
            let since = *since;
            let first = *failed_probes == 1;
            drop(phase);
            if first {
                self.publish(Outage::Unreachable {
                    since,
                    every: self.options.probe_every,
                });
            }
        }
        drop(role);
    }

    fn closed_times(&self) -> Option<(Instant, Instant)> {
        match &*lock(&self.phase) {
            Phase::Closed { at, next_probe, .. } => Some((*at, *next_probe)),
            _ => None,
        }
    }

    fn give_up(&self) {
        let mut phase = lock(&self.phase);
        if let Phase::Closed { since, at, .. } = &*phase {
            let since = *since;
            *phase = Phase::GaveUp {
                since,
                waited: at.elapsed(),
            };
            drop(phase);
            tracing::info!(host = %self.host, "the workspace stayed unreachable: giving up");
            self.publish(Outage::GaveUp { since });
        }
    }

    fn publish(&self, outage: Outage) {
        // `send_replace` wakes every waiter even when nobody outside watches.
        self.status.send_replace(outage);
    }

    fn unreachable(&self, since: SystemTime, waited: Duration) -> ApiError {
        ApiError::Unreachable {
            host: self.host.clone(),
            since,
            waited,
        }
    }

    /// A good answer (any status below 500): the workspace is up.
    pub(crate) fn answered(&self) {
        self.answered.store(true, Ordering::Relaxed);
        let mut phase = lock(&self.phase);
        match &mut *phase {
            Phase::Open { burst } => *burst = 0,
            // A request sent before the gate closed got through: it is up again.
            Phase::Closed { .. } => {
                *phase = Phase::Open { burst: 0 };
                drop(phase);
                self.publish(Outage::Answering);
            }
            Phase::GaveUp { .. } => {}
        }
    }

    /// No answer at all (refused, reset, timed out): closes the gate if the workspace
    /// answered before. True when requests should now wait at the gate.
    pub(crate) fn no_answer(&self) -> bool {
        if !self.answered.load(Ordering::Relaxed) {
            return false;
        }
        self.close();
        true
    }

    /// A 5xx answer: counted towards a burst. True when the gate is closed (by this burst or
    /// before).
    pub(crate) fn server_error(&self) -> bool {
        let mut phase = lock(&self.phase);
        match &mut *phase {
            Phase::Open { burst } => {
                *burst += 1;
                if *burst < BURST {
                    return false;
                }
                drop(phase);
                self.close();
                true
            }
            _ => true,
        }
    }

    /// Whether requests wait now.
    #[cfg(test)]
    pub(crate) fn is_closed(&self) -> bool {
        !matches!(&*lock(&self.phase), Phase::Open { .. })
    }

    fn close(&self) {
        let mut phase = lock(&self.phase);
        if let Phase::Open { .. } = &*phase {
            tracing::info!(host = %self.host, "the workspace does not answer: requests wait");
            let now = Instant::now();
            *phase = Phase::Closed {
                since: SystemTime::now(),
                at: now,
                probing: false,
                // The first probe goes at once: one slow request is not an outage.
                next_probe: now,
                failed_probes: 0,
            };
        }
    }
}

/// Held by the prober: gives the role back (and wakes a waiter to take it) on drop.
struct ProberRole<'a>(&'a Gate);

impl Drop for ProberRole<'_> {
    fn drop(&mut self) {
        let mut phase = lock(&self.0.phase);
        if let Phase::Closed { probing, .. } = &mut *phase {
            *probing = false;
            drop(phase);
            // Same value, new version: a waiter wakes and takes the role.
            self.0.status.send_modify(|_| {});
        }
    }
}

/// `HH:MM:SS` (UTC) of `t`, for messages.
pub fn clock_utc(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        % 86_400;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast() -> OutageOptions {
        OutageOptions {
            wait: Duration::from_millis(400),
            probe_every: Duration::from_millis(50),
            first_probe: Duration::from_millis(10),
        }
    }

    #[tokio::test]
    async fn one_server_error_does_not_close_a_burst_does() {
        let g = Gate::new("http://h", fast());
        g.answered();
        assert!(!g.server_error());
        g.answered();
        for _ in 1..BURST {
            assert!(!g.server_error());
        }
        assert!(g.server_error() && g.is_closed());
    }

    #[tokio::test]
    async fn failures_before_any_answer_are_not_an_outage() {
        let g = Gate::new("http://h", fast());
        assert!(!g.no_answer() && !g.is_closed());
        g.answered();
        assert!(g.no_answer() && g.is_closed());
    }

    #[tokio::test]
    async fn waiters_pass_once_a_probe_answers_and_give_up_after_the_wait() {
        let g = Gate::new("http://h", fast());
        g.answered();
        g.no_answer();
        let probes = AtomicU64::new(0);
        let probe = || async {
            // The third probe answers.
            probes.fetch_add(1, Ordering::SeqCst) >= 2
        };
        let (a, b) = tokio::join!(g.pass(probe), g.pass(probe));
        assert!(a.is_ok() && b.is_ok(), "{a:?} {b:?}");
        assert_eq!(probes.load(Ordering::SeqCst), 3, "one prober at a time");
        assert_eq!(*g.watch().borrow(), Outage::Answering);
        g.no_answer();
        let err = g.pass(|| async { false }).await.unwrap_err();
        assert!(matches!(err, ApiError::Unreachable { .. }), "{err:?}");
        assert!(matches!(*g.watch().borrow(), Outage::GaveUp { .. }));
        // Later requests give up at once.
        assert!(g.pass(|| async { true }).await.is_err());
    }

    #[test]
    fn clock_is_hours_minutes_seconds() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(86_400 * 3 + 3600 * 13 + 65);
        assert_eq!(clock_utc(t), "13:01:05");
    }
}
