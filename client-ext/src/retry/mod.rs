//! Retry policy: when a failed attempt may be repeated, and how long to wait first.
//!
//! Everything here is pure and synchronous so that each rule can be unit-tested without I/O; the
//! [executor](crate::executor) applies the decisions to real requests.
//!
//! The rules:
//! * Every operation has a [`RetryClass`] in one per-operation table, [`OPERATION_RETRY_CLASSES`] (not derived
//!   from the HTTP method alone): `idempotent` (reads, `PUT` replaces), `repeatable` (`POST`s whose repeat is
//!   harmless, e.g. `abortCall`), `side-effecting` (`initiateCall`, `purchaseNumber`, creates, …) and `delete`.
//! * Idempotent, repeatable and delete operations are retried after connect errors, timeouts and transport
//!   failures, and on `429`, `502`, `503` and `504`. A `DELETE` that gets `404` after such a retry is flagged
//!   ([`ApiError::is_not_found_after_retry`](crate::error::ApiError::is_not_found_after_retry)): the earlier
//!   attempt probably deleted it.
//! * Side-effecting operations are retried only when the request provably never reached the server
//!   (connection refused, DNS failure, connect timeout) or on `429`. After an ambiguous failure (a timeout, a lost
//!   connection or any `5xx` once the request was sent) they stop with
//!   [`Decision::OutcomeUnknown`]: a second attempt could repeat the side effect. A retry of one is not started
//!   with less than [`RetryConfig::min_side_effect_window`] (5 s) left before the total deadline: it would likely
//!   end as an unknown outcome, so the request is not sent and the caller gets a typed error saying so.
//! * Delays use "full jitter": a random wait between zero and `initial_backoff × 2^(n−1)`, capped at
//!   [`RetryConfig::max_backoff`] (defaults 0.5 s and 8 s). A `Retry-After` (or `retry-after-ms`) header replaces
//!   the computed delay, plus up to 10 % random extra (never less than asked); one longer than
//!   [`RetryConfig::max_retry_after`] (60 s), or one that would end after the total deadline, ends the retries
//!   instead.
//! * A shared [`RetryBudget`] (a token bucket) stops retries when most recent attempts fail, so an outage does
//!   not turn into a retry storm.

#![warn(missing_docs)]

mod backoff;
mod budget;
mod class;
mod decision;

use std::time::Duration;

pub use backoff::{backoff_delay, parse_retry_after, retry_after_delay};
pub use budget::{RetryBudget, RetryBudgetConfig};
pub use class::{OPERATION_RETRY_CLASSES, OperationRetry, RetryClass, retry_classes_markdown};
pub use decision::{
    AmbiguousFailure, AttemptOutcome, Decision, GiveUpReason, RetryContext, decide, decide_with,
};

/// Retry settings. The defaults: 2 retries (3 attempts in all), backoff from 0.5 s capped at 8 s, `Retry-After`
/// honoured up to 60 s, a 5 s window kept for side-effecting retries, and the default [`RetryBudgetConfig`].
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
    min_side_effect_window: Duration,
    budget: Option<RetryBudgetConfig>,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            // The API answers a call initiation in well under a second; 5 s leaves room for a slow answer
            // without refusing every retry once some time went to waits. The attempt timeout (30 s) would refuse
            // retries that would very likely complete.
            min_side_effect_window: Duration::from_secs(5),
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

    /// Sets the least time that must be left before the total deadline, after the wait, for a retry of a
    /// side-effecting operation to be sent. A shorter remainder ends the retries with
    /// [`GiveUpReason::SideEffectWindow`] and the request is not sent again.
    pub fn with_min_side_effect_window(mut self, window: Duration) -> Self {
        self.min_side_effect_window = window;
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

    /// The least time left before the deadline for a side-effecting retry to be sent.
    pub fn min_side_effect_window(&self) -> Duration {
        self.min_side_effect_window
    }

    /// The retry budget settings, if a budget is used.
    pub fn budget(&self) -> Option<&RetryBudgetConfig> {
        self.budget.as_ref()
    }
}
