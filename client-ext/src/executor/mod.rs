//! Sending requests with timeouts, retries and tracing.
//!
//! [`Executor`] sends one `reqwest::Request` for an operation, as many times as the
//! [retry policy](crate::retry) allows:
//!
//! * each attempt gets the per-attempt timeout, shortened so it never runs past the total deadline (the limit is
//!   set on the request itself, or left to the HTTP client when it applies the same one, so it also covers
//!   reading the response body after the executor returns);
//! * another attempt sends the request the generated `send` builds again once the policy decides on a retry
//!   ([`Rebuild`]); a request without that way is copied before each attempt that may be followed by a retry. An
//!   in-memory body is shared, not copied; a streaming body, which cannot be sent twice, is sent once;
//! * between attempts it waits for the computed backoff or the server's `Retry-After`;
//! * a shared token-bucket [`RetryBudget`] stops retries during an outage;
//! * every request gets a `mirai_voice.request` span and every attempt a `mirai_voice.attempt` span carrying the
//!   operation id, method, path template, attempt number, status and duration. Request bodies are logged only at
//!   `TRACE`, [redacted](crate::redact) per operation; headers are never logged, and credential headers
//!   (`x-api-key`, `authorization`, ...) are marked sensitive before sending.
//!
//! What happened is returned as an [`AttemptReport`] and written to the current [`AttemptLog`], so that a
//! failure can be reported as [`OutcomeUnknown`](crate::error::OutcomeUnknown) with the body digest and send
//! time.
//!
//! `Executor` implements the generated client's `RequestExecutor` hook, so it can be placed in a
//! `mirai_voice_generated::ClientContext` directly.

#![warn(missing_docs)]

mod generated;
mod log;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use mirai_voice_generated::Rebuild;
use tokio::time::Instant;
use tracing::{Instrument, field};

pub(crate) use log::ReportSlot;
pub use log::{AttemptLog, AttemptRecord, AttemptReport, sha256_hex};

use crate::config::ClientConfig;
use crate::operation::OperationContext;
use crate::retry::{
    AttemptOutcome, Decision, GiveUpReason, RetryBudget, RetryConfig, RetryContext, decide_with,
    parse_retry_after,
};

/// Default time limit of one attempt.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// Default time limit of a whole operation, all attempts and waits included.
pub const DEFAULT_TOTAL_DEADLINE: Duration = Duration::from_secs(120);

/// Sends requests with per-attempt timeouts, a total deadline and retries.
///
/// Clones share one retry budget.
///
/// ```no_run
/// use std::time::Duration;
/// use mirai_voice::executor::Executor;
/// use mirai_voice::operation::OperationContext;
/// use mirai_voice::retry::RetryConfig;
///
/// # async fn example() -> Result<(), reqwest::Error> {
/// let executor = Executor::new(Duration::from_secs(30), Duration::from_secs(120), RetryConfig::default());
/// let http = reqwest::Client::new();
/// let request = http.get("https://api.voice-agents.miraiminds.co/health").build()?;
/// let op = OperationContext::new("getHealthMonitor", "GET", "/health");
/// let response = executor.execute(&http, request, &op).await?;
/// # let _ = response;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Executor {
    attempt_timeout: Duration,
    total_deadline: Duration,
    retry: RetryConfig,
    budget: Arc<Mutex<RetryBudget>>,
    jitter: fn() -> f64,
    client_timeout: Option<Duration>,
}

fn random_jitter() -> f64 {
    rand::random::<f64>()
}

impl Executor {
    /// An executor giving each attempt `attempt_timeout` and each operation `total_deadline`, retrying per `retry`.
    pub fn new(attempt_timeout: Duration, total_deadline: Duration, retry: RetryConfig) -> Self {
        Self {
            attempt_timeout,
            total_deadline,
            budget: Arc::new(Mutex::new(RetryBudget::from_config(retry.budget()))),
            retry,
            jitter: random_jitter,
            client_timeout: None,
        }
    }

    /// The executor a [`ClientConfig`] describes. When the configuration builds its own HTTP client, that client
    /// already limits each request to the attempt timeout ([`with_client_timeout`](Self::with_client_timeout)).
    pub fn from_config(config: &ClientConfig) -> Self {
        Self::new(
            config.attempt_timeout(),
            config.total_deadline(),
            config.retry().clone(),
        )
        .with_client_timeout(
            config
                .custom_http_client()
                .is_none()
                .then(|| config.attempt_timeout()),
        )
    }

    /// Declares that every `reqwest::Client` this executor will be given limits each request to `timeout` by
    /// itself (`reqwest::ClientBuilder::timeout`), as the one [`ClientConfig::http_client`] builds does.
    ///
    /// An attempt whose limit equals it is then sent without a limit of its own: reqwest keeps a request's limit
    /// in a map it allocates per request, and the client's limit is the same timer without that map. A limit the
    /// total deadline shortens is still set on the request. `None` (the default) sets every attempt's limit on the
    /// request; a wrong promise would leave attempts with the client's limit instead of the executor's.
    pub fn with_client_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.client_timeout = timeout;
        self
    }

    /// Replaces the random jitter source (a function returning a number in `[0, 1]`), e.g. with a constant for
    /// reproducible delays: `|| 1.0` waits the whole computed backoff (see
    /// [`backoff_delay`](crate::retry::backoff_delay)) and adds the most to a `Retry-After`.
    pub fn with_jitter(mut self, jitter: fn() -> f64) -> Self {
        self.jitter = jitter;
        self
    }

    /// The time limit of one attempt.
    pub fn attempt_timeout(&self) -> Duration {
        self.attempt_timeout
    }

    /// The time limit of a whole operation.
    pub fn total_deadline(&self) -> Duration {
        self.total_deadline
    }

    /// The limit the HTTP clients given to this executor apply to each request by themselves, if declared (see
    /// [`with_client_timeout`](Self::with_client_timeout)).
    pub fn client_timeout(&self) -> Option<Duration> {
        self.client_timeout
    }

    /// The retry settings.
    pub fn retry(&self) -> &RetryConfig {
        &self.retry
    }

    /// Tokens left in the retry budget (`None` when unlimited).
    pub fn budget_available(&self) -> Option<u32> {
        self.lock_budget().available()
    }

    fn lock_budget(&self) -> std::sync::MutexGuard<'_, RetryBudget> {
        // The budget is a counter; a panic elsewhere cannot leave it inconsistent.
        self.budget
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends `request` for `operation`, retrying as the policy allows, and returns the last response or error.
    ///
    /// The [`AttemptReport`] is written to the current [`AttemptLog`], if the caller opened one.
    pub async fn execute(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        operation: &OperationContext,
    ) -> reqwest::Result<reqwest::Response> {
        self.send_with_retries(http, request, *operation, None, ReportTo::CurrentLog)
            .await
    }

    /// Like [`execute`](Self::execute), and also returns the [`AttemptReport`].
    pub async fn execute_reported(
        &self,
        http: &reqwest::Client,
        request: reqwest::Request,
        operation: &OperationContext,
    ) -> (reqwest::Result<reqwest::Response>, AttemptReport) {
        let mut report = None;
        let result = self
            .send_with_retries(
                http,
                request,
                *operation,
                None,
                ReportTo::Caller(&mut report),
            )
            .await;
        (result, report.unwrap_or_default())
    }

    /// The attempt loop: one state machine for the whole request, so the generated client's hook can box it
    /// directly (each async layer around it would copy the request and its state again).
    ///
    /// The current [`AttemptLog`] receives the report before each wait for a retry, so a caller that gives up
    /// during the wait still sees the attempts so far, and the final report as `report_to` says.
    ///
    /// Another attempt sends the request `rebuild` builds again (with this request's body) once the policy has
    /// decided on it; without `rebuild`, a copy of the request is made before each attempt that may be followed by
    /// another, since `reqwest` consumes the request it sends.
    ///
    /// Its future is kept small (under 1 KiB, which a test checks), because it is boxed on every request and the
    /// allocator serves only small blocks from its per-thread cache (glibc's up to 1,032 bytes): it is an `async`
    /// block rather than an `async fn` (whose arguments the state machine would hold twice), the copy kept for a
    /// retry is boxed, and the wait before a retry is boxed too (only a retry pays for it) and awaited at the top of
    /// the loop, where the last attempt's response, outcome and decision are no longer held.
    #[expect(
        clippy::manual_async_fn,
        reason = "an `async fn` would hold its arguments twice (see above)"
    )]
    pub(crate) fn send_with_retries<'a>(
        &'a self,
        http: &'a reqwest::Client,
        mut request: reqwest::Request,
        operation: OperationContext,
        rebuild: Option<&'a Rebuild<'a>>,
        report_to: ReportTo<'a>,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a {
        async move {
            crate::secret::mark_sensitive_headers(request.headers_mut());
            // One copy of an in-memory body, kept by the report, which digests it only for an unknown outcome, and
            // shared (by reference count) only with a request that may be sent again: sharing a `Bytes` made from a
            // `Vec` allocates its reference count, which a first answer would never need.
            let body = request
                .body()
                .and_then(reqwest::Body::as_bytes)
                .map(Bytes::copy_from_slice);
            // A streaming body cannot be sent twice.
            let replayable = request.body().is_none() || body.is_some();
            let mut report =
                AttemptReport::begin(operation.operation_id(), body, self.total_deadline);
            let request_span = tracing::info_span!(
                "mirai_voice.request",
                operation_id = operation.operation_id(),
                method = operation.method(),
                path = operation.path_template(),
                attempts = field::Empty,
                status = field::Empty,
                outcome = field::Empty,
            );
            if let Some(body) = report.request_body() {
                log::trace_request_body(&request_span, &operation, body);
            }

            // The first attempt starts with the request: one clock reading serves both.
            let request_started = Instant::now();
            let mut attempt: u32 = 1;
            let mut last_retry_cost = None;
            // The wait before another attempt, awaited at the top of the loop: there, none of the last attempt's
            // values (its response, outcome and decision) are still in scope, so the future does not keep room for
            // them beside the request's.
            let mut wait = None;
            loop {
                if let Some(after) = wait.take() {
                    Box::pin(tokio::time::sleep(after)).await;
                }
                // Without a way to build the request again, a copy for the next attempt, made only while the policy
                // could still ask for one: cloning the URL and headers costs on every request, and the last
                // permitted attempt never needs it.
                let spare =
                    (rebuild.is_none() && replayable && attempt <= self.retry.max_retries())
                        .then(|| Box::new(copy_for_retry(&request, report.request_body())));
                let version = request.version();
                // The time left of the total deadline as the attempt starts: all of it for the first attempt, with
                // no arithmetic on clock readings (each an out-of-line call).
                let (started, left) = if attempt == 1 {
                    (request_started, self.total_deadline)
                } else {
                    let now = Instant::now();
                    let elapsed = now.saturating_duration_since(request_started);
                    (now, self.total_deadline.saturating_sub(elapsed))
                };
                let per_attempt = self.attempt_timeout.min(left);
                if Some(per_attempt) != self.client_timeout {
                    *request.timeout_mut() = Some(per_attempt);
                }

                let attempt_span = tracing::debug_span!(
                    parent: &request_span,
                    "mirai_voice.attempt",
                    operation_id = operation.operation_id(),
                    method = operation.method(),
                    path = operation.path_template(),
                    attempt,
                    status = field::Empty,
                    duration_ms = field::Empty,
                    outcome = field::Empty,
                );
                let sent_at = SystemTime::now();
                // One awaited future type: a second, uninstrumented branch would compile reqwest's whole send into
                // this state machine twice, code each request then runs through from cold caches. Entering a
                // disabled span is a check of an empty option.
                let result = http.execute(request).instrument(attempt_span.clone()).await;
                // One clock reading per attempt end: the duration, the time left and "now" for an HTTP-date
                // `Retry-After` all derive from it.
                let finished = Instant::now();
                let duration = finished.saturating_duration_since(started);
                let outcome = match &result {
                    Ok(response) => {
                        let status = response.status();
                        // A success is never retried, so its `Retry-After` (meaningless there) is not read.
                        let retry_after = if status.is_success() {
                            None
                        } else {
                            parse_retry_after(response.headers(), sent_at + duration)
                        };
                        AttemptOutcome::Response {
                            status,
                            retry_after,
                        }
                    }
                    Err(error) => classify_reqwest_error(error),
                };

                let ctx = RetryContext {
                    attempt,
                    class: operation.retry_class(),
                    replayable,
                    remaining: Some(left.saturating_sub(duration)),
                };
                // One lock of the budget per attempt: the decision, and the refill a healthy answer earns.
                let decision = {
                    let mut budget = self.lock_budget();
                    let decision =
                        decide_with(&outcome, &ctx, &self.retry, &mut budget, self.jitter);
                    if decision == Decision::Done && server_was_healthy(&outcome) {
                        budget.record_success(last_retry_cost);
                    }
                    decision
                };

                record_attempt(&attempt_span, &outcome, duration, &decision);
                report.push(AttemptRecord {
                    number: attempt,
                    sent_at,
                    duration,
                    timeout: per_attempt,
                    deadline_limited: per_attempt < self.attempt_timeout,
                    outcome: outcome.clone(),
                    decision,
                    request_id: result.as_ref().ok().and_then(|response| {
                        crate::error::request_id_from_headers(response.headers()).map(str::to_owned)
                    }),
                });

                let retry = match (decision, spare, rebuild) {
                    (Decision::Retry { after, cost }, Some(next), _) => Some((after, cost, *next)),
                    (Decision::Retry { after, cost }, None, Some(rebuild)) if replayable => {
                        rebuilt(rebuild, report.request_body(), version)
                            .map(|next| (after, cost, next))
                    }
                    _ => None,
                };
                if let Some((after, cost, next)) = retry {
                    log_retry(&request_span, attempt, after, &outcome);
                    ReportSlot::store_current(&report);
                    request = next;
                    wait = Some(after);
                    attempt += 1;
                    last_retry_cost = Some(cost);
                    continue;
                }
                // The common end (a first answer, no subscriber listening) logs nothing: the logging is out of
                // line, so a request does not run through its code.
                if decision != Decision::Done || !request_span.is_disabled() {
                    log_end(&request_span, attempt, decision, &outcome, &report);
                }
                match report_to {
                    ReportTo::CurrentLog => ReportSlot::put_current(report),
                    ReportTo::Caller(slot) => {
                        ReportSlot::store_current(&report);
                        *slot = Some(report);
                    }
                }
                return result;
            }
        }
    }
}

/// A copy of `request` to send again, its body taken from `body` (the request's in-memory body).
///
/// `reqwest::Request::try_clone` builds an extension map for the copy's timeout and drops it at once (the
/// extensions it then copies replace it), an allocation and a free on every request. Method, URL, headers, version
/// and body are everything else a request holds, and the only extension reqwest lets a caller set, the timeout, is
/// set again before each attempt.
#[inline(never)]
fn copy_for_retry(request: &reqwest::Request, body: Option<&Bytes>) -> reqwest::Request {
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    *copy.body_mut() = body.cloned().map(reqwest::Body::from);
    copy
}

/// The request `rebuild` builds again for another attempt, with the first request's body and HTTP version.
#[cold]
fn rebuilt(
    rebuild: &Rebuild<'_>,
    body: Option<&Bytes>,
    version: reqwest::Version,
) -> Option<reqwest::Request> {
    let mut request = rebuild()?;
    crate::secret::mark_sensitive_headers(request.headers_mut());
    *request.version_mut() = version;
    *request.body_mut() = body.cloned().map(reqwest::Body::from);
    Some(request)
}

/// The value `make` returns, in a box allocated before `make` runs, so the value can be written straight into it.
///
/// A future made first and boxed afterwards is copied whole into its box: hundreds of bytes, most of them room for
/// states it has not reached yet. Made after the allocation, only what it holds when created is written, and only
/// once.
#[inline(always)]
pub(crate) fn boxed_in_place<F>(make: impl FnOnce() -> F) -> Pin<Box<F>> {
    Box::into_pin(Box::write(Box::new_uninit(), make()))
}

/// Where [`Executor::send_with_retries`] leaves the final [`AttemptReport`].
pub(crate) enum ReportTo<'r> {
    /// Moved into the current task's [`AttemptLog`], if there is one.
    CurrentLog,
    /// Returned in the slot; the current log, if any, gets a copy.
    Caller(&'r mut Option<AttemptReport>),
}

impl fmt::Debug for Executor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Executor")
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_deadline", &self.total_deadline)
            .field("client_timeout", &self.client_timeout)
            .field("retry", &self.retry)
            .field("budget_available", &self.budget_available())
            .finish()
    }
}

/// Classifies a `reqwest` error for the retry policy.
///
/// Connect and DNS failures (including a connect timeout) prove the request was not sent; a timeout after that
/// and any other failure leave it open whether the server received it. Errors building the request are final.
pub fn classify_reqwest_error(error: &reqwest::Error) -> AttemptOutcome {
    if error.is_builder() {
        AttemptOutcome::Invalid
    } else if error.is_connect() || error.is_dns() {
        AttemptOutcome::NotSent {
            timed_out: error.is_timeout(),
        }
    } else if error.is_timeout() {
        AttemptOutcome::TimedOut
    } else {
        AttemptOutcome::ConnectionLost
    }
}

fn server_was_healthy(outcome: &AttemptOutcome) -> bool {
    matches!(outcome, AttemptOutcome::Response { status, .. } if !status.is_server_error())
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

fn describe(outcome: &AttemptOutcome) -> String {
    match outcome {
        AttemptOutcome::Response { status, .. } => status.as_u16().to_string(),
        AttemptOutcome::NotSent { timed_out: true } => "connect timeout".into(),
        AttemptOutcome::NotSent { timed_out: false } => "connect error".into(),
        AttemptOutcome::TimedOut => "timeout".into(),
        AttemptOutcome::ConnectionLost => "connection lost".into(),
        AttemptOutcome::Invalid => "invalid request".into(),
    }
}

/// Logs a retry about to wait `after`.
#[cold]
fn log_retry(
    request_span: &tracing::Span,
    attempt: u32,
    after: Duration,
    outcome: &AttemptOutcome,
) {
    tracing::info!(
        parent: request_span,
        attempt,
        delay_ms = millis(after),
        outcome = %describe(outcome),
        "retrying"
    );
}

/// Logs why a request ends without another attempt, and records its outcome on its span.
#[inline(never)]
fn log_end(
    request_span: &tracing::Span,
    attempt: u32,
    decision: Decision,
    outcome: &AttemptOutcome,
    report: &AttemptReport,
) {
    match decision {
        // The budget was refilled with the decision.
        Decision::Done => {}
        Decision::GiveUp(reason) => {
            if reason == GiveUpReason::BudgetExhausted {
                tracing::warn!(parent: request_span, attempt, "retry budget exhausted: not retrying");
            } else {
                tracing::debug!(parent: request_span, attempt, reason = ?reason, "not retrying");
            }
        }
        Decision::OutcomeUnknown(failure) => {
            tracing::warn!(
                parent: request_span,
                attempt,
                failure = ?failure,
                body_sha256 = report.body_sha256().unwrap_or("none"),
                "outcome unknown: the request was sent and will not be repeated"
            );
        }
        // A retry was decided but the request could not be built again (or no copy was made, if `decide` and
        // the copy condition ever disagree): the last outcome is returned as is.
        Decision::Retry { .. } => {
            tracing::warn!(
                parent: request_span,
                attempt,
                "the request could not be built again for another attempt: returning this attempt's outcome"
            );
        }
    }
    if !request_span.is_disabled() {
        request_span.record("attempts", attempt);
        request_span.record("outcome", describe(outcome).as_str());
        if let AttemptOutcome::Response { status, .. } = outcome {
            request_span.record("status", status.as_u16());
        }
    }
}

fn record_attempt(
    span: &tracing::Span,
    outcome: &AttemptOutcome,
    duration: Duration,
    decision: &Decision,
) {
    if span.is_disabled() {
        return;
    }
    if let AttemptOutcome::Response { status, .. } = outcome {
        span.record("status", status.as_u16());
    }
    span.record("duration_ms", millis(duration));
    span.record("outcome", describe(outcome).as_str());
    tracing::debug!(parent: span, decision = ?decision, "attempt finished");
}

#[cfg(test)]
mod tests;
