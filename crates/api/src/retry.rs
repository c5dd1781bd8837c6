//! Retry policy: what may be retried, and how long to wait.
//!
//! Retried: 429 and 503 answers (the server says it did nothing), a 500 (or any status) whose
//! code or message names `REQUEST_LIMIT_EXCEEDED` (SCIM answers throttling that way), and
//! transport failures of reads. A write whose request went out but whose answer never came
//! back is *not* replayed — creates are not idempotent on this platform — and surfaces as
//! `ApiError::OutcomeUnknown`. A write whose connection could not even be opened is safe to
//! retry. `Retry-After` (integer seconds) is honoured; otherwise the wait grows exponentially
//! with jitter. Everything happens within one overall time budget per call.
//!
//! One refusal has its own rules: the hourly quota of job creations (400 `INVALID_STATE`
//! "… job creations per 3600 seconds", reference §3.1). It is a definite refusal (nothing was
//! created), so retrying is safe, but the quota frees only as the hour slides: such an answer
//! is retried after [`RetryOptions::quota_pause`], within a budget of its own
//! ([`RetryOptions::quota_budget`], long enough to ride out an hour). Time spent waiting for
//! room in the client's own quota window counts against neither budget.

use std::time::{Duration, Instant};

use rand::Rng;

use crate::ApiError;

/// Retry tuning, part of `ClientOptions`.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryOptions {
    /// Overall time budget of one call, waits included (default 5 minutes).
    pub budget: Duration,
    /// First backoff when the server gives no `Retry-After` (default 1 s).
    pub initial_backoff: Duration,
    /// Longest backoff between two attempts (default 10 s).
    pub max_backoff: Duration,
    /// Attempts when the connection cannot be opened at all (default 3); a wrong host should
    /// fail fast rather than after the whole budget.
    pub max_connect_attempts: u32,
    /// Wait after the server refused for its job-creation quota (default 60 s).
    pub quota_pause: Duration,
    /// Time one call may spend waiting after quota refusals (default 65 minutes: the quota
    /// window is an hour, so by then the server has room unless others fill it all the time).
    pub quota_budget: Duration,
}

impl Default for RetryOptions {
    fn default() -> Self {
        RetryOptions {
            budget: Duration::from_secs(300),
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(10),
            max_connect_attempts: 3,
            quota_pause: Duration::from_secs(60),
            quota_budget: Duration::from_secs(65 * 60),
        }
    }
}

impl RetryOptions {
    /// Options for tests: small waits, a small budget (quota refusals too).
    pub fn fast(budget: Duration) -> Self {
        RetryOptions {
            budget,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(100),
            max_connect_attempts: 3,
            quota_pause: Duration::from_millis(100),
            quota_budget: budget,
        }
    }
}

/// Messages that mark an error answer as transient whatever its status (the lists of the
/// official SDKs, reference §3.2–3.3). An answer means the server did not do the work, so
/// retrying is safe for writes too.
const TRANSIENT_MESSAGES: [&str; 8] = [
    "REQUEST_LIMIT_EXCEEDED",
    "RPC token bucket limit has been exceeded",
    "Please try again later or try a faster operation.",
    "UnknownWorkerEnvironmentException",
    "does not have any associated worker environments",
    "There is no worker environment with id",
    "Unknown worker environment",
    "ClusterNotReadyException",
];

/// Whether an error answer from the server may be retried (for reads and writes alike: the
/// server says it did not do the work).
pub fn is_retryable_answer(error: &ApiError) -> bool {
    let ApiError::Api {
        status,
        error_code,
        message,
        ..
    } = error
    else {
        return false;
    };
    *status == 429
        || *status == 503
        || error_code == "REQUEST_LIMIT_EXCEEDED"
        || TRANSIENT_MESSAGES.iter().any(|m| message.contains(m))
        || is_quota_refusal(error)
}

/// Whether an answer is the refusal of a creation quota: 400 `INVALID_STATE` "There were
/// already 10000 jobs created in past 3600 seconds, exceeding rate limit: 10000 job creations
/// per 3600 seconds." Matched on the status and the wording (the code alone is used for many
/// other refusals, which retrying would not fix).
pub fn is_quota_refusal(error: &ApiError) -> bool {
    let ApiError::Api {
        status, message, ..
    } = error
    else {
        return false;
    };
    *status == 400 && message.contains("exceeding rate limit") && message.contains("creations per")
}

/// The time one call has spent, split by what it waited for, and the decision of whether
/// (and how long) to wait before its next attempt.
pub(crate) struct CallClock {
    started: Instant,
    /// Spent waiting for room in the client's own quota window (charged to no budget).
    queued: Duration,
    /// Spent pausing after the server's quota refusals (charged to the quota budget).
    quota_paused: Duration,
}

impl CallClock {
    pub(crate) fn start() -> Self {
        CallClock {
            started: Instant::now(),
            queued: Duration::ZERO,
            quota_paused: Duration::ZERO,
        }
    }

    /// Time spent waiting for room in the client's quota window.
    pub(crate) fn queued(&mut self, waited: Duration) {
        self.queued += waited;
    }

    /// Everything since the call started.
    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The wait before attempt `attempt + 1` after `error` (`retry_after`: the server's
    /// `Retry-After`), or `None` when that wait would overrun the budget that applies (the
    /// quota budget for a quota refusal, else the overall budget, quota waits left out).
    pub(crate) fn next_wait(
        &mut self,
        options: &RetryOptions,
        attempt: u32,
        retry_after: Option<Duration>,
        error: &ApiError,
    ) -> Option<Duration> {
        if is_quota_refusal(error) {
            let jitter_cap = (options.quota_pause / 10).as_millis() as u64;
            let wait = options.quota_pause
                + Duration::from_millis(rand::rng().random_range(0..=jitter_cap));
            if self.quota_paused + wait > options.quota_budget {
                return None;
            }
            self.quota_paused += wait;
            return Some(wait);
        }
        let wait = backoff(options, attempt, retry_after);
        let spent = self
            .started
            .elapsed()
            .saturating_sub(self.queued + self.quota_paused);
        (spent + wait <= options.budget).then_some(wait)
    }
}

/// How long to wait before attempt number `attempt + 1` (`attempt` counts from 0).
pub fn backoff(options: &RetryOptions, attempt: u32, retry_after: Option<Duration>) -> Duration {
    let mut rng = rand::rng();
    if let Some(wait) = retry_after {
        // The server chose the wait; add a little jitter so throttled workers spread out.
        let jitter_cap = (options.initial_backoff / 4).as_millis() as u64;
        return wait + Duration::from_millis(rng.random_range(0..=jitter_cap));
    }
    let factor = 2u32.saturating_pow(attempt.min(16));
    let base = options
        .initial_backoff
        .saturating_mul(factor)
        .min(options.max_backoff);
    let jitter_cap = (base / 2).as_millis() as u64;
    base + Duration::from_millis(rng.random_range(0..=jitter_cap))
}

/// Parses an integer `Retry-After` header (HTTP dates are ignored, as the SDKs do).
pub fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let o = RetryOptions::default();
        assert!(backoff(&o, 0, None) >= Duration::from_secs(1));
        assert!(backoff(&o, 10, None) <= Duration::from_secs(15));
        let w = backoff(&o, 0, Some(Duration::from_secs(2)));
        assert!(w >= Duration::from_secs(2) && w <= Duration::from_millis(2250));
        assert_eq!(parse_retry_after(Some(" 3 ")), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
    }

    fn answer(status: u16, code: &str, message: &str) -> ApiError {
        ApiError::Api {
            status,
            error_code: code.into(),
            message: message.into(),
            retry_after: None,
            request: "POST https://h/api/2.2/jobs/create".into(),
        }
    }

    const QUOTA: &str = "There were already 10000 jobs created in past 3600 seconds, exceeding rate limit: 10000 job creations per 3600 seconds.";

    #[test]
    fn the_quota_refusal_is_retryable_with_its_own_budget() {
        let quota = answer(400, "INVALID_STATE", QUOTA);
        assert!(is_quota_refusal(&quota) && is_retryable_answer(&quota));
        let other = answer(400, "INVALID_STATE", "Job 7 is already running.");
        assert!(!is_quota_refusal(&other) && !is_retryable_answer(&other));
        let o = RetryOptions::default();
        let mut clock = CallClock::start();
        // Far more pauses than the 5-minute budget would allow, fewer than the quota budget.
        let mut paused = Duration::ZERO;
        while let Some(wait) = clock.next_wait(&o, 0, None, &quota) {
            assert!(wait >= o.quota_pause && wait <= o.quota_pause + o.quota_pause / 10);
            paused += wait;
        }
        assert!(paused > Duration::from_secs(3600) && paused <= o.quota_budget);
        // The quota pauses are not charged to the other errors' budget: as if the call had
        // really slept through them, a 503 still gets its retry.
        let unavailable = answer(503, "TEMPORARILY_UNAVAILABLE", "x");
        if let Some(earlier) = Instant::now().checked_sub(paused) {
            clock.started = earlier;
            assert!(clock.next_wait(&o, 0, None, &unavailable).is_some());
            clock.quota_paused = Duration::ZERO;
            assert!(clock.next_wait(&o, 0, None, &unavailable).is_none());
        }
    }
}
