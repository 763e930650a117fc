//! Retry policy: when a failed attempt may be repeated, and how long to wait first.
//!
//! Everything here is pure and synchronous so that each rule can be unit-tested without I/O; the
//! [executor](crate::executor) applies the decisions to real requests.
//!
//! The rules:
//! * Idempotent operations (`GET`, `PUT`, `DELETE`) are retried after connect errors, timeouts and transport
//!   failures, and on `429`, `502`, `503` and `504`.
//! * Operations with side effects (`POST`) are retried only when the request provably never reached the server
//!   (connection refused, DNS failure, connect timeout) or on `429`. After an ambiguous failure (a timeout, a lost
//!   connection or any `5xx` once the request was sent) they stop with
//!   [`Decision::OutcomeUnknown`]: a second attempt could repeat the side effect.
//! * Delays grow exponentially from [`RetryConfig::initial_backoff`] (0.5 s) up to [`RetryConfig::max_backoff`]
//!   (8 s), minus up to 25 % jitter. A `Retry-After` (or `retry-after-ms`) header replaces the computed delay; one
//!   longer than [`RetryConfig::max_retry_after`] (60 s), or one that would end after the total deadline, ends
//!   the retries instead.
//! * A shared [`RetryBudget`] (a token bucket) stops retries when most recent attempts fail, so an outage does
//!   not turn into a retry storm.

#![warn(missing_docs)]

mod backoff;
mod budget;
mod decision;

use std::time::Duration;

pub use backoff::{backoff_delay, parse_retry_after};
pub use budget::{RetryBudget, RetryBudgetConfig};
pub use decision::{
    AmbiguousFailure, AttemptOutcome, Decision, GiveUpReason, RetryContext, decide,
};

/// Retry settings. The defaults: 2 retries (3 attempts in all), backoff from 0.5 s capped at 8 s, `Retry-After`
/// honoured up to 60 s, and the default [`RetryBudgetConfig`].
///
/// ```
/// use std::time::Duration;
/// use mirai_voice::retry::RetryConfig;
///
/// let retry = RetryConfig::default()
///     .with_max_retries(3)
///     .with_initial_backoff(Duration::from_millis(200));
/// assert_eq!(retry.max_retries(), 3);
/// assert_eq!(RetryConfig::disabled().max_retries(), 0);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryConfig {
    max_retries: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    budget: Option<RetryBudgetConfig>,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            budget: Some(RetryBudgetConfig::default()),
        }
    }
}

impl RetryConfig {
    /// A configuration that never retries.
    pub fn disabled() -> Self {
        Self::default().with_max_retries(0)
    }

    /// Sets how many times a failed attempt may be repeated (0 disables retries).
    pub fn with_max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = max_retries;
        self
    }

    /// Sets the delay before the first retry; each further retry doubles it.
    pub fn with_initial_backoff(mut self, initial_backoff: Duration) -> Self {
        self.initial_backoff = initial_backoff;
        self
    }

    /// Sets the longest computed delay between attempts.
    pub fn with_max_backoff(mut self, max_backoff: Duration) -> Self {
        self.max_backoff = max_backoff;
        self
    }

    /// Sets the longest `Retry-After` the client waits for; a longer one ends the retries.
    pub fn with_max_retry_after(mut self, max_retry_after: Duration) -> Self {
        self.max_retry_after = max_retry_after;
        self
    }

    /// Sets the retry budget; `None` lets every retry through.
    pub fn with_budget(mut self, budget: Option<RetryBudgetConfig>) -> Self {
        self.budget = budget;
        self
    }

    /// How many times a failed attempt may be repeated.
    pub fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// The delay before the first retry.
    pub fn initial_backoff(&self) -> Duration {
        self.initial_backoff
    }

    /// The longest computed delay between attempts.
    pub fn max_backoff(&self) -> Duration {
        self.max_backoff
    }

    /// The longest `Retry-After` the client waits for.
    pub fn max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The retry budget settings, if a budget is used.
    pub fn budget(&self) -> Option<&RetryBudgetConfig> {
        self.budget.as_ref()
    }
}
