//! A requests-per-second budget that gives each request its own send time.
//!
//! A limiter answering "not yet, try at T" wakes every waiting request at T, and all but one
//! go back to sleep: with 32 requests of a saturated family waiting at 30/s, that is ~1,000
//! wake-ups a second, each polling a deep chain of futures — most of brickport's CPU in a
//! rate-bound run. Here a request *reserves* the next free slot (the generic cell rate
//! algorithm: a theoretical arrival time advanced by one period per request, with a burst
//! tolerance) and sleeps once, until its slot.
//!
//! Slots are rounded up to a common [`TICK`] (shared by every family and lane): requests that
//! are due within the same half second leave together, and their answers come back together,
//! so one wake-up of the runtime serves several of them. Each wake-up of a paced run starts
//! from cold caches (the process slept in between), which made a rate-limited run cost twice
//! the CPU per request of an unthrottled one. The rate is unchanged (slots are still one
//! period apart); a request leaves at most one tick later than its slot, and the burst (a
//! second's worth) covers the few that leave together. Only paced requests wait for a tick:
//! within the burst (an idle family, an interactive command) a request leaves at once.
//! brickport-bench, `typical` at 50 ms: a 100 ms tick cost 1.10–1.16 ms of CPU per object,
//! 250 ms 0.96, 500 ms 0.84–0.86, with the same wall time (1.05–1.07× the floor).

use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::throttle::lock;

/// The granularity of send times.
pub(crate) const TICK: Duration = Duration::from_millis(500);

/// The instant ticks count from, the same for every pacer of the process.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

/// `t` rounded up to the next tick.
fn on_tick(t: Instant) -> Instant {
    let e = epoch();
    let since = t.saturating_duration_since(e);
    let tick = TICK.as_nanos();
    let ticks = since.as_nanos().div_ceil(tick);
    e + Duration::from_nanos(u64::try_from(ticks * tick).unwrap_or(u64::MAX))
}

/// The pacing of one family (or lane).
#[derive(Debug)]
pub(crate) struct Pacer {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Time between two requests at the sustained rate.
    period: Duration,
    /// How far ahead of the sustained rate a burst may go (a second's worth of requests).
    tolerance: Duration,
    /// When the next request would be due at the sustained rate with no burst left.
    due: Instant,
}

fn timing(rate: f64) -> Option<(Duration, Duration)> {
    if !rate.is_finite() || rate <= 0.0 {
        return None;
    }
    let period = Duration::from_secs_f64(1.0 / rate);
    let burst = rate.floor().max(1.0) as u32;
    Some((period, period * (burst - 1)))
}

impl Pacer {
    /// A pacer at `rate` requests/s; `None` when the rate sets no limit (infinite or ≤ 0).
    pub(crate) fn new(rate: f64, now: Instant) -> Option<Pacer> {
        let (period, tolerance) = timing(rate)?;
        Some(Pacer {
            state: Mutex::new(State {
                period,
                tolerance,
                due: now,
            }),
        })
    }

    /// Changes the rate; requests already given a slot keep it, the next ones follow the new
    /// rate (a lowered rate allows no fresh burst).
    pub(crate) fn set_rate(&self, rate: f64) {
        if let Some((period, tolerance)) = timing(rate) {
            let mut s = lock(&self.state);
            s.period = period;
            s.tolerance = tolerance;
        }
    }

    /// Reserves the next slot for a request arriving at `now`; returns how long to wait for it
    /// (zero within the burst; else until the tick at or after its slot).
    pub(crate) fn reserve(&self, now: Instant) -> Duration {
        let slot = self.reserve_exact(now);
        if slot.is_zero() {
            return slot;
        }
        on_tick(now + slot) - now
    }

    /// [`Pacer::reserve`] without the rounding to ticks.
    fn reserve_exact(&self, now: Instant) -> Duration {
        let mut s = lock(&self.state);
        let due = s.due.max(now);
        let send_at = due.checked_sub(s.tolerance).unwrap_or(now).max(now);
        s.due = due + s.period;
        send_at - now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_goes_at_once_then_one_request_per_period_each_with_its_own_slot() {
        let t0 = Instant::now();
        let p = Pacer::new(4.0, t0).unwrap();
        // A second's worth (4) at once.
        for _ in 0..4 {
            assert_eq!(p.reserve_exact(t0), Duration::ZERO);
        }
        // Then each request gets the next slot: 250 ms apart, all reserved at t0.
        let waits: Vec<Duration> = (0..3).map(|_| p.reserve_exact(t0)).collect();
        assert_eq!(
            waits,
            vec![
                Duration::from_millis(250),
                Duration::from_millis(500),
                Duration::from_millis(750)
            ]
        );
    }

    #[test]
    fn an_idle_pacer_refills_its_burst_and_no_limit_means_no_pacer() {
        let t0 = Instant::now();
        let p = Pacer::new(2.0, t0).unwrap();
        assert_eq!(p.reserve_exact(t0), Duration::ZERO);
        assert_eq!(p.reserve_exact(t0), Duration::ZERO);
        assert_eq!(p.reserve_exact(t0), Duration::from_millis(500));
        // Long idle: the burst is back, not a backlog of slots.
        let later = t0 + Duration::from_secs(10);
        assert_eq!(p.reserve_exact(later), Duration::ZERO);
        assert_eq!(p.reserve_exact(later), Duration::ZERO);
        assert!(p.reserve_exact(later) > Duration::ZERO);
        assert!(Pacer::new(f64::INFINITY, t0).is_none());
        assert!(Pacer::new(0.0, t0).is_none());
    }

    #[test]
    fn a_lowered_rate_spaces_the_next_requests_wider() {
        let t0 = Instant::now();
        let p = Pacer::new(10.0, t0).unwrap();
        for _ in 0..10 {
            p.reserve_exact(t0);
        }
        p.set_rate(1.0);
        // No burst at 1/s: the next slot is where the backlog ends, then a second apart.
        let a = p.reserve_exact(t0);
        let b = p.reserve_exact(t0);
        assert_eq!(b - a, Duration::from_secs(1), "{a:?} {b:?}");
    }

    #[test]
    fn paced_requests_leave_on_a_shared_tick_at_or_after_their_slot() {
        let t0 = Instant::now();
        let fast = Pacer::new(30.0, t0).unwrap();
        let slow = Pacer::new(4.0, t0).unwrap();
        for _ in 0..30 {
            assert_eq!(
                fast.reserve(t0),
                Duration::ZERO,
                "within the burst: at once"
            );
        }
        for _ in 0..4 {
            slow.reserve(t0);
        }
        let mut sends = Vec::new();
        for p in [&fast, &fast, &fast, &fast, &slow] {
            let exact = t0 + p.reserve_exact(t0);
            // What `reserve` would have answered for that slot.
            let rounded = on_tick(exact);
            assert!(rounded >= exact && rounded - exact < TICK);
            assert_eq!(
                rounded.saturating_duration_since(epoch()).as_nanos() % TICK.as_nanos(),
                0
            );
            sends.push(rounded);
        }
        // Slots 33 ms apart share ticks: fewer distinct send times than requests.
        sends.dedup();
        assert!(sends.len() < 5, "{sends:?}");
    }
}
