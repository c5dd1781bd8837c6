//! Retry policy: what may be retried, and how long to wait.
//!
//! Retried: 429 and 503 answers (the server says it did nothing), a 500 (or any status) whose
//! code or message names `REQUEST_LIMIT_EXCEEDED` (SCIM answers throttling that way), and
//! transport failures of reads. A write whose request went out but whose answer never came
//! back is *not* replayed — creates are not idempotent on this platform — and surfaces as
//! `ApiError::OutcomeUnknown`. A write whose connection could not even be opened is safe to
//! retry. `Retry-After` (integer seconds) is honoured; otherwise the wait grows exponentially
//! with jitter. Everything happens within one overall time budget per call.

use std::time::Duration;

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
}

impl Default for RetryOptions {
    fn default() -> Self {
        RetryOptions {
            budget: Duration::from_secs(300),
            initial_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(10),
            max_connect_attempts: 3,
        }
    }
}

impl RetryOptions {
    /// Options for tests: small waits, a small budget.
    pub fn fast(budget: Duration) -> Self {
        RetryOptions {
            budget,
            initial_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_millis(100),
            max_connect_attempts: 3,
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
}
