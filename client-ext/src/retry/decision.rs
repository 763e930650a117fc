//! The retry decision: one pure function from an attempt's outcome to what happens next.

use std::time::Duration;

use reqwest::StatusCode;

use super::{RetryBudget, RetryClass, RetryConfig, backoff_delay, retry_after_delay};

/// How one attempt ended, as far as the retry policy cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The server answered with `status`; `retry_after` is the wait it asked for, if any.
    Response {
        /// The response status.
        status: StatusCode,
        /// The parsed `Retry-After`/`retry-after-ms` header (not read on a 2xx, which is never retried).
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
    /// How the operation may be repeated (from the per-operation table).
    pub class: RetryClass,
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
    /// The next attempt of a side-effecting operation would start with less than
    /// [`RetryConfig::min_side_effect_window`] left before the total deadline: it would likely end as an unknown
    /// outcome, so it is not sent.
    SideEffectWindow,
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

fn classify(outcome: &AttemptOutcome, class: RetryClass) -> Class {
    let idempotent = class.retries_ambiguous_failures();
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
/// `jitter` is a random number in `[0, 1]`: it picks the computed backoff ([`backoff_delay`], full jitter) or the
/// extra wait added to a `Retry-After` ([`retry_after_delay`]). When the answer is [`Decision::Retry`], the
/// retry's cost has already been taken from `budget`; nothing else is changed.
///
/// The steps: the outcome's class (final, retryable, ambiguous: ambiguous failures of a
/// [`RetryClass::SideEffecting`] operation are [`Decision::OutcomeUnknown`], of the other classes retryable);
/// then, for a retryable one, in order: the body must be replayable, attempts must be left, a `Retry-After`
/// must not exceed [`RetryConfig::max_retry_after`], the wait must end before the deadline, a side-effecting
/// retry must leave [`RetryConfig::min_side_effect_window`] after the wait, and the budget must grant the cost.
///
/// ```
/// use std::time::Duration;
/// use reqwest::StatusCode;
/// use mirai_voice::retry::*;
///
/// let cfg = RetryConfig::default();
/// let mut budget = RetryBudget::new(RetryBudgetConfig::default());
/// let ctx = RetryContext { attempt: 1, class: RetryClass::SideEffecting, replayable: true, remaining: None };
///
/// // A POST that timed out after sending is never repeated.
/// assert_eq!(
///     decide(&AttemptOutcome::TimedOut, &ctx, &cfg, &mut budget, 0.0),
///     Decision::OutcomeUnknown(AmbiguousFailure::TimedOut),
/// );
/// // But a 429 is: the server did not process it. The wait is never shorter than the server asked.
/// let limited = AttemptOutcome::Response { status: StatusCode::TOO_MANY_REQUESTS, retry_after: Some(Duration::from_secs(2)) };
/// assert_eq!(
///     decide(&limited, &ctx, &cfg, &mut budget, 0.5),
///     Decision::Retry { after: Duration::from_millis(2100), cost: 5 },
/// );
/// // An abort is repeatable: a timeout is retried.
/// let abort = RetryContext { class: RetryClass::Repeatable, ..ctx };
/// assert!(matches!(decide(&AttemptOutcome::TimedOut, &abort, &cfg, &mut budget, 0.5), Decision::Retry { .. }));
/// ```
pub fn decide(
    outcome: &AttemptOutcome,
    ctx: &RetryContext,
    cfg: &RetryConfig,
    budget: &mut RetryBudget,
    jitter: f64,
) -> Decision {
    decide_with(outcome, ctx, cfg, budget, || jitter)
}

/// [`decide`], drawing the jitter only when a wait is computed: a success, a final error or an unknown outcome
/// (nearly every request) never touches the random source.
///
/// ```
/// use mirai_voice::retry::*;
/// use reqwest::StatusCode;
///
/// let ok = AttemptOutcome::Response { status: StatusCode::OK, retry_after: None };
/// let ctx = RetryContext { attempt: 1, class: RetryClass::Idempotent, replayable: true, remaining: None };
/// let mut budget = RetryBudget::unlimited();
/// let decision = decide_with(&ok, &ctx, &RetryConfig::default(), &mut budget, || unreachable!("not drawn"));
/// assert_eq!(decision, Decision::Done);
/// ```
pub fn decide_with(
    outcome: &AttemptOutcome,
    ctx: &RetryContext,
    cfg: &RetryConfig,
    budget: &mut RetryBudget,
    jitter: impl FnOnce() -> f64,
) -> Decision {
    let (timeout, retry_after) = match classify(outcome, ctx.class) {
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
        Some(asked) => retry_after_delay(asked, jitter()),
        None => backoff_delay(ctx.attempt, cfg, jitter()),
    };
    if let Some(remaining) = ctx.remaining {
        if after >= remaining {
            return Decision::GiveUp(GiveUpReason::DeadlineExceeded);
        }
        if ctx.class == RetryClass::SideEffecting
            && remaining - after < cfg.min_side_effect_window()
        {
            return Decision::GiveUp(GiveUpReason::SideEffectWindow);
        }
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

    const IDEMPOTENT: RetryClass = RetryClass::Idempotent;
    const SIDE_EFFECT: RetryClass = RetryClass::SideEffecting;

    /// The random draw that waits the whole computed backoff (and adds the most to a `Retry-After`).
    const FULL: f64 = 1.0;

    fn ctx(attempt: u32, class: RetryClass) -> RetryContext {
        RetryContext {
            attempt,
            class,
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
        run_with_jitter(outcome, ctx, FULL)
    }

    /// [`decide`] with the default configuration, a full budget and the random draw `jitter`.
    fn run_with_jitter(outcome: &AttemptOutcome, ctx: &RetryContext, jitter: f64) -> Decision {
        decide(
            outcome,
            ctx,
            &RetryConfig::default(),
            &mut full_budget(),
            jitter,
        )
    }

    /// A retry after `millis` that costs the budget a retry's tokens.
    fn retry_after_ms(millis: u64) -> Decision {
        Decision::Retry {
            after: Duration::from_millis(millis),
            cost: 5,
        }
    }

    fn first_retry() -> Decision {
        Decision::Retry {
            after: Duration::from_millis(500),
            cost: 5,
        }
    }

    #[test]
    fn the_jitter_is_drawn_only_when_a_wait_is_computed() {
        let cases = [
            (status(200), ctx(1, IDEMPOTENT), false),
            (status(404), ctx(1, IDEMPOTENT), false),
            (AttemptOutcome::TimedOut, ctx(1, SIDE_EFFECT), false),
            (status(503), ctx(3, IDEMPOTENT), false),
            (status(503), ctx(1, IDEMPOTENT), true),
            (
                AttemptOutcome::NotSent { timed_out: false },
                ctx(1, SIDE_EFFECT),
                true,
            ),
        ];
        for (outcome, ctx, drawn) in cases {
            let mut draws = 0;
            let decision = decide_with(
                &outcome,
                &ctx,
                &RetryConfig::default(),
                &mut full_budget(),
                || {
                    draws += 1;
                    FULL
                },
            );
            assert_eq!(
                draws,
                usize::from(drawn),
                "{outcome:?} {ctx:?}: {decision:?}"
            );
            assert_eq!(
                decision,
                run_with_jitter(&outcome, &ctx, FULL),
                "{outcome:?}"
            );
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
            class: SIDE_EFFECT,
            replayable: false,
            remaining: Some(Duration::ZERO),
        };
        assert_eq!(
            decide(
                &AttemptOutcome::TimedOut,
                &exhausted,
                &RetryConfig::disabled(),
                &mut empty,
                FULL
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
            .map(|attempt| decide(&outcome, &ctx(attempt, IDEMPOTENT), &cfg, &mut budget, FULL))
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
                FULL
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
        let at = run_with_jitter;
        let retry = retry_after_ms;
        // Retry-After plus up to 10 % more, never less than asked.
        assert_eq!(at(&asked(7), &ctx(1, SIDE_EFFECT), 0.0), retry(7000));
        assert_eq!(at(&asked(7), &ctx(1, SIDE_EFFECT), 0.5), retry(7350));
        assert_eq!(at(&asked(7), &ctx(1, SIDE_EFFECT), FULL), retry(7700));
        assert_eq!(
            at(&asked(60), &ctx(1, IDEMPOTENT), 0.0),
            retry(60_000),
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
            at(&asked(7), &short_deadline, 0.0),
            Decision::GiveUp(GiveUpReason::DeadlineExceeded)
        );
        assert_eq!(at(&asked(4), &short_deadline, 0.0), retry(4000));
        assert_eq!(
            at(&asked(5), &short_deadline, 0.0),
            Decision::GiveUp(GiveUpReason::DeadlineExceeded),
            "a wait that ends at the deadline leaves no time for the attempt"
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
    fn full_jitter_draws_the_whole_backoff_range() {
        let at = |jitter| run_with_jitter(&status(502), &ctx(2, IDEMPOTENT), jitter);
        let retry = retry_after_ms;
        assert_eq!(at(0.0), retry(0));
        assert_eq!(at(0.25), retry(250));
        assert_eq!(at(FULL), retry(1000));
    }

    #[test]
    fn side_effecting_retries_keep_a_window_before_the_deadline() {
        let cfg = RetryConfig::default().with_min_side_effect_window(Duration::from_secs(5));
        let refused = AttemptOutcome::NotSent { timed_out: false };
        let limited = AttemptOutcome::Response {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(Duration::from_secs(2)),
        };
        let with_left = |class, secs| RetryContext {
            remaining: Some(Duration::from_secs(secs)),
            ..ctx(1, class)
        };
        let at = |outcome: &AttemptOutcome, ctx: &RetryContext| {
            decide(outcome, ctx, &cfg, &mut full_budget(), 0.0)
        };
        // 6 s left: a 2 s wait leaves 4 s, less than the 5 s window.
        assert_eq!(
            at(&limited, &with_left(SIDE_EFFECT, 6)),
            Decision::GiveUp(GiveUpReason::SideEffectWindow)
        );
        assert_eq!(
            at(&limited, &with_left(SIDE_EFFECT, 7)),
            Decision::Retry {
                after: Duration::from_secs(2),
                cost: 5
            },
            "exactly the window left is enough"
        );
        assert_eq!(
            at(&refused, &with_left(SIDE_EFFECT, 4)),
            Decision::GiveUp(GiveUpReason::SideEffectWindow)
        );
        for class in [IDEMPOTENT, RetryClass::Repeatable, RetryClass::Delete] {
            assert!(
                matches!(at(&limited, &with_left(class, 6)), Decision::Retry { .. }),
                "{class:?} needs no window"
            );
        }
        assert!(
            matches!(at(&refused, &ctx(1, SIDE_EFFECT)), Decision::Retry { .. }),
            "without a deadline there is no window to keep"
        );
    }

    #[test]
    fn repeatable_and_delete_operations_retry_ambiguous_failures() {
        for class in [RetryClass::Repeatable, RetryClass::Delete] {
            for outcome in [
                AttemptOutcome::TimedOut,
                AttemptOutcome::ConnectionLost,
                status(502),
                status(503),
                status(504),
            ] {
                assert!(
                    matches!(run(&outcome, &ctx(1, class)), Decision::Retry { .. }),
                    "{class:?} {outcome:?}"
                );
            }
            assert_eq!(run(&status(500), &ctx(1, class)), Decision::Done);
            assert_eq!(run(&status(404), &ctx(2, class)), Decision::Done);
        }
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
                FULL,
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
            decide(&status(503), &ctx(1, IDEMPOTENT), &cfg, &mut budget, FULL),
            first_retry()
        );
    }

    #[test]
    fn without_a_budget_retries_are_free() {
        let cfg = RetryConfig::default().with_budget(None);
        let mut budget = RetryBudget::from_config(cfg.budget());
        assert_eq!(
            decide(&status(503), &ctx(1, IDEMPOTENT), &cfg, &mut budget, FULL),
            Decision::Retry {
                after: Duration::from_millis(500),
                cost: 0
            }
        );
    }
}
