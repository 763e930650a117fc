//! The retry decision: one pure function from an attempt's outcome to what happens next.

use std::time::Duration;

use reqwest::StatusCode;

use super::{RetryBudget, RetryConfig, backoff_delay};
use crate::operation::Idempotency;

/// How one attempt ended, as far as the retry policy cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The server answered with `status`; `retry_after` is the wait it asked for, if any.
    Response {
        /// The response status.
        status: StatusCode,
        /// The parsed `Retry-After`/`retry-after-ms` header.
        retry_after: Option<Duration>,
    },
    /// The request provably never reached the server: the connection was refused, the name did not resolve, TLS
    /// failed, or connecting timed out (`timed_out`).
    NotSent {
        /// Whether connecting timed out (as opposed to failing outright).
        timed_out: bool,
    },
    /// The attempt timed out after the request may have been sent.
    TimedOut,
    /// The connection failed after the request may have been sent (reset, closed mid-response).
    ConnectionLost,
    /// The request could not be built or sent for a reason a retry cannot fix.
    Invalid,
}

/// Facts about the request that the decision needs besides the outcome.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryContext {
    /// The number of the attempt that just ended, starting at 1.
    pub attempt: u32,
    /// Whether the operation may be repeated safely.
    pub idempotency: Idempotency,
    /// Whether the request can be sent again (its body could be cloned).
    pub replayable: bool,
    /// Time left before the total deadline, if there is one.
    pub remaining: Option<Duration>,
}

/// What to do after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Return the outcome as it is: a success, or a failure a retry would not fix.
    Done,
    /// Wait `after`, then send the request again. `cost` tokens were taken from the budget.
    Retry {
        /// How long to wait before the next attempt.
        after: Duration,
        /// Tokens this retry took from the budget.
        cost: u32,
    },
    /// The failure is retryable, but no further attempt is made.
    GiveUp(GiveUpReason),
    /// The request may have taken effect and must not be repeated: the caller has to find out what happened.
    OutcomeUnknown(AmbiguousFailure),
}

/// Why a retryable failure is not retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum GiveUpReason {
    /// All retries allowed by [`RetryConfig::max_retries`] were used.
    AttemptsExhausted,
    /// The shared retry budget is empty: too many recent requests failed.
    BudgetExhausted,
    /// The next attempt could not start before the total deadline.
    DeadlineExceeded,
    /// The server asked for a longer pause than [`RetryConfig::max_retry_after`].
    RetryAfterTooLong,
    /// The request body is a stream that cannot be sent twice.
    NotReplayable,
}

/// The kind of failure that leaves the outcome of a non-idempotent request unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AmbiguousFailure {
    /// The attempt timed out after the request was sent.
    TimedOut,
    /// The server answered with this `5xx` status.
    ServerError(StatusCode),
    /// The connection failed after the request was sent.
    ConnectionLost,
}

/// How an outcome is treated before limits (attempts, deadline, budget) are considered.
enum Class {
    Final,
    Retryable {
        timeout: bool,
        retry_after: Option<Duration>,
    },
    Ambiguous(AmbiguousFailure),
}

fn classify(outcome: &AttemptOutcome, idempotency: Idempotency) -> Class {
    let idempotent = idempotency.is_idempotent();
    match *outcome {
        AttemptOutcome::Response {
            status,
            retry_after,
        } => {
            if status == StatusCode::TOO_MANY_REQUESTS {
                // A 429 means the request was not processed, so even side effects are safe to repeat.
                Class::Retryable {
                    timeout: false,
                    retry_after,
                }
            } else if !status.is_server_error() {
                Class::Final
            } else if !idempotent {
                Class::Ambiguous(AmbiguousFailure::ServerError(status))
            } else if matches!(
                status,
                StatusCode::BAD_GATEWAY
                    | StatusCode::SERVICE_UNAVAILABLE
                    | StatusCode::GATEWAY_TIMEOUT
            ) {
                Class::Retryable {
                    timeout: status == StatusCode::GATEWAY_TIMEOUT,
                    retry_after,
                }
            } else {
                Class::Final
            }
        }
        AttemptOutcome::NotSent { timed_out } => Class::Retryable {
            timeout: timed_out,
            retry_after: None,
        },
        AttemptOutcome::TimedOut if idempotent => Class::Retryable {
            timeout: true,
            retry_after: None,
        },
        AttemptOutcome::TimedOut => Class::Ambiguous(AmbiguousFailure::TimedOut),
        AttemptOutcome::ConnectionLost if idempotent => Class::Retryable {
            timeout: false,
            retry_after: None,
        },
        AttemptOutcome::ConnectionLost => Class::Ambiguous(AmbiguousFailure::ConnectionLost),
        AttemptOutcome::Invalid => Class::Final,
    }
}

/// Decides what follows an attempt that ended with `outcome`.
///
/// `jitter` is a random number in `[0, 1]` (see [`backoff_delay`]). When the answer is [`Decision::Retry`], the
/// retry's cost has already been taken from `budget`; nothing else is changed.
///
/// ```
/// use std::time::Duration;
/// use reqwest::StatusCode;
/// use mirai_voice::operation::Idempotency;
/// use mirai_voice::retry::*;
///
/// let cfg = RetryConfig::default();
/// let mut budget = RetryBudget::new(RetryBudgetConfig::default());
/// let ctx = RetryContext { attempt: 1, idempotency: Idempotency::NonIdempotent, replayable: true, remaining: None };
///
/// // A POST that timed out after sending is never repeated.
/// assert_eq!(
///     decide(&AttemptOutcome::TimedOut, &ctx, &cfg, &mut budget, 0.0),
///     Decision::OutcomeUnknown(AmbiguousFailure::TimedOut),
/// );
/// // But a 429 is: the server did not process it.
/// let limited = AttemptOutcome::Response { status: StatusCode::TOO_MANY_REQUESTS, retry_after: Some(Duration::from_secs(2)) };
/// assert_eq!(
///     decide(&limited, &ctx, &cfg, &mut budget, 0.0),
///     Decision::Retry { after: Duration::from_secs(2), cost: 5 },
/// );
/// ```
pub fn decide(
    outcome: &AttemptOutcome,
    ctx: &RetryContext,
    cfg: &RetryConfig,
    budget: &mut RetryBudget,
    jitter: f64,
) -> Decision {
    let (timeout, retry_after) = match classify(outcome, ctx.idempotency) {
        Class::Final => return Decision::Done,
        Class::Ambiguous(failure) => return Decision::OutcomeUnknown(failure),
        Class::Retryable {
            timeout,
            retry_after,
        } => (timeout, retry_after),
    };
    if !ctx.replayable {
        return Decision::GiveUp(GiveUpReason::NotReplayable);
    }
    if ctx.attempt > cfg.max_retries() {
        return Decision::GiveUp(GiveUpReason::AttemptsExhausted);
    }
    let after = match retry_after {
        Some(asked) if asked > cfg.max_retry_after() => {
            return Decision::GiveUp(GiveUpReason::RetryAfterTooLong);
        }
        Some(asked) => asked,
        None => backoff_delay(ctx.attempt, cfg, jitter),
    };
    if ctx.remaining.is_some_and(|remaining| after >= remaining) {
        return Decision::GiveUp(GiveUpReason::DeadlineExceeded);
    }
    let cost = match cfg.budget() {
        Some(budget_cfg) if timeout => budget_cfg.timeout_retry_cost,
        Some(budget_cfg) => budget_cfg.retry_cost,
        None => 0,
    };
    if !budget.try_acquire(cost) {
        return Decision::GiveUp(GiveUpReason::BudgetExhausted);
    }
    Decision::Retry { after, cost }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::retry::RetryBudgetConfig;

    const IDEMPOTENT: Idempotency = Idempotency::Idempotent;
    const SIDE_EFFECT: Idempotency = Idempotency::NonIdempotent;

    fn ctx(attempt: u32, idempotency: Idempotency) -> RetryContext {
        RetryContext {
            attempt,
            idempotency,
            replayable: true,
            remaining: None,
        }
    }

    fn status(code: u16) -> AttemptOutcome {
        AttemptOutcome::Response {
            status: StatusCode::from_u16(code).unwrap(),
            retry_after: None,
        }
    }

    fn full_budget() -> RetryBudget {
        RetryBudget::new(RetryBudgetConfig::default())
    }

    fn run(outcome: &AttemptOutcome, ctx: &RetryContext) -> Decision {
        decide(
            outcome,
            ctx,
            &RetryConfig::default(),
            &mut full_budget(),
            0.0,
        )
    }

    fn first_retry() -> Decision {
        Decision::Retry {
            after: Duration::from_millis(500),
            cost: 5,
        }
    }

    #[test]
    fn successes_and_client_errors_are_final_for_everyone() {
        for code in [200, 201, 204, 301, 400, 401, 402, 403, 404, 408, 409, 422] {
            for idem in [IDEMPOTENT, SIDE_EFFECT] {
                assert_eq!(
                    run(&status(code), &ctx(1, idem)),
                    Decision::Done,
                    "{code} {idem:?}"
                );
            }
        }
    }

    #[test]
    fn idempotent_retries_on_gateway_errors_and_429_only() {
        for code in [429, 502, 503] {
            assert_eq!(
                run(&status(code), &ctx(1, IDEMPOTENT)),
                first_retry(),
                "{code}"
            );
        }
        assert_eq!(
            run(&status(504), &ctx(1, IDEMPOTENT)),
            Decision::Retry {
                after: Duration::from_millis(500),
                cost: 10
            },
            "a gateway timeout costs like a timeout"
        );
        for code in [500, 501, 505] {
            assert_eq!(
                run(&status(code), &ctx(1, IDEMPOTENT)),
                Decision::Done,
                "{code}"
            );
        }
    }

    #[test]
    fn idempotent_retries_on_every_transport_failure() {
        let timeout_retry = Decision::Retry {
            after: Duration::from_millis(500),
            cost: 10,
        };
        let cases = [
            (AttemptOutcome::NotSent { timed_out: false }, first_retry()),
            (AttemptOutcome::NotSent { timed_out: true }, timeout_retry),
            (AttemptOutcome::TimedOut, timeout_retry),
            (AttemptOutcome::ConnectionLost, first_retry()),
            (AttemptOutcome::Invalid, Decision::Done),
        ];
        for (outcome, expected) in cases {
            assert_eq!(run(&outcome, &ctx(1, IDEMPOTENT)), expected, "{outcome:?}");
        }
    }

    #[test]
    fn side_effects_retry_only_when_never_sent_or_rate_limited() {
        assert_eq!(
            run(
                &AttemptOutcome::NotSent { timed_out: false },
                &ctx(1, SIDE_EFFECT)
            ),
            first_retry()
        );
        assert_eq!(run(&status(429), &ctx(1, SIDE_EFFECT)), first_retry());
        assert_eq!(
            run(&AttemptOutcome::TimedOut, &ctx(1, SIDE_EFFECT)),
            Decision::OutcomeUnknown(AmbiguousFailure::TimedOut)
        );
        assert_eq!(
            run(&AttemptOutcome::ConnectionLost, &ctx(1, SIDE_EFFECT)),
            Decision::OutcomeUnknown(AmbiguousFailure::ConnectionLost)
        );
        for code in [500, 502, 503, 504, 599] {
            let code = StatusCode::from_u16(code).unwrap();
            assert_eq!(
                run(
                    &AttemptOutcome::Response {
                        status: code,
                        retry_after: None
                    },
                    &ctx(1, SIDE_EFFECT)
                ),
                Decision::OutcomeUnknown(AmbiguousFailure::ServerError(code))
            );
        }
    }

    #[test]
    fn ambiguous_failures_stay_unknown_even_when_limits_are_reached() {
        let mut empty = RetryBudget::new(RetryBudgetConfig {
            capacity: 0,
            ..Default::default()
        });
        let exhausted = RetryContext {
            attempt: 99,
            idempotency: SIDE_EFFECT,
            replayable: false,
            remaining: Some(Duration::ZERO),
        };
        assert_eq!(
            decide(
                &AttemptOutcome::TimedOut,
                &exhausted,
                &RetryConfig::disabled(),
                &mut empty,
                0.0
            ),
            Decision::OutcomeUnknown(AmbiguousFailure::TimedOut)
        );
    }

    #[test]
    fn attempts_are_limited_by_max_retries() {
        let cfg = RetryConfig::default();
        let mut budget = full_budget();
        let outcome = status(503);
        let decisions: Vec<_> = (1..=3)
            .map(|attempt| decide(&outcome, &ctx(attempt, IDEMPOTENT), &cfg, &mut budget, 0.0))
            .collect();
        assert_eq!(
            decisions,
            [
                Decision::Retry {
                    after: Duration::from_millis(500),
                    cost: 5
                },
                Decision::Retry {
                    after: Duration::from_secs(1),
                    cost: 5
                },
                Decision::GiveUp(GiveUpReason::AttemptsExhausted),
            ]
        );
        assert_eq!(
            budget.available(),
            Some(490),
            "only granted retries cost tokens"
        );
        assert_eq!(
            decide(
                &outcome,
                &ctx(1, IDEMPOTENT),
                &RetryConfig::disabled(),
                &mut budget,
                0.0
            ),
            Decision::GiveUp(GiveUpReason::AttemptsExhausted)
        );
    }

    #[test]
    fn retry_after_replaces_backoff_within_limits() {
        let asked = |secs| AttemptOutcome::Response {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(Duration::from_secs(secs)),
        };
        assert_eq!(
            run(&asked(7), &ctx(1, SIDE_EFFECT)),
            Decision::Retry {
                after: Duration::from_secs(7),
                cost: 5
            }
        );
        assert_eq!(
            run(&asked(60), &ctx(1, IDEMPOTENT)),
            Decision::Retry {
                after: Duration::from_secs(60),
                cost: 5
            },
            "the cap itself is allowed"
        );
        assert_eq!(
            run(&asked(61), &ctx(1, IDEMPOTENT)),
            Decision::GiveUp(GiveUpReason::RetryAfterTooLong)
        );
        let short_deadline = RetryContext {
            remaining: Some(Duration::from_secs(5)),
            ..ctx(1, IDEMPOTENT)
        };
        assert_eq!(
            run(&asked(7), &short_deadline),
            Decision::GiveUp(GiveUpReason::DeadlineExceeded)
        );
        assert_eq!(
            run(&asked(4), &short_deadline),
            Decision::Retry {
                after: Duration::from_secs(4),
                cost: 5
            }
        );
    }

    #[test]
    fn backoff_that_would_pass_the_deadline_gives_up() {
        let almost_out = RetryContext {
            remaining: Some(Duration::from_millis(500)),
            ..ctx(1, IDEMPOTENT)
        };
        assert_eq!(
            run(&status(503), &almost_out),
            Decision::GiveUp(GiveUpReason::DeadlineExceeded)
        );
    }

    #[test]
    fn jitter_is_applied_to_computed_backoff() {
        let decision = decide(
            &status(502),
            &ctx(2, IDEMPOTENT),
            &RetryConfig::default(),
            &mut full_budget(),
            1.0,
        );
        assert_eq!(
            decision,
            Decision::Retry {
                after: Duration::from_millis(750),
                cost: 5
            }
        );
    }

    #[test]
    fn streaming_bodies_are_not_retried() {
        let not_replayable = RetryContext {
            replayable: false,
            ..ctx(1, IDEMPOTENT)
        };
        assert_eq!(
            run(&status(503), &not_replayable),
            Decision::GiveUp(GiveUpReason::NotReplayable)
        );
    }

    #[test]
    fn an_outage_drains_the_budget_and_successes_refill_it() {
        let cfg = RetryConfig::default().with_max_retries(u32::MAX);
        let mut budget = full_budget();
        let mut retries = 0;
        let last = loop {
            match decide(
                &AttemptOutcome::TimedOut,
                &ctx(1, IDEMPOTENT),
                &cfg,
                &mut budget,
                0.0,
            ) {
                Decision::Retry { .. } => retries += 1,
                other => break other,
            }
        };
        assert_eq!(retries, 50, "500 tokens at 10 per timeout retry");
        assert_eq!(last, Decision::GiveUp(GiveUpReason::BudgetExhausted));
        for _ in 0..5 {
            budget.record_success(None);
        }
        assert_eq!(
            decide(&status(503), &ctx(1, IDEMPOTENT), &cfg, &mut budget, 0.0),
            first_retry()
        );
    }

    #[test]
    fn without_a_budget_retries_are_free() {
        let cfg = RetryConfig::default().with_budget(None);
        let mut budget = RetryBudget::from_config(cfg.budget());
        assert_eq!(
            decide(&status(503), &ctx(1, IDEMPOTENT), &cfg, &mut budget, 0.0),
            Decision::Retry {
                after: Duration::from_millis(500),
                cost: 0
            }
        );
    }
}
