//! What the executor records about each request, and how a caller gets at it.
//!
//! A generated-client method hides the executor behind `progenitor`'s `exec` hook and returns only a
//! `progenitor_client::Error` on failure, which cannot carry the body digest or the send time needed for an
//! [`OutcomeUnknown`](crate::error::OutcomeUnknown). The executor therefore also writes an [`AttemptReport`] into
//! the [`AttemptLog`] of the current task, when there is one. The caller opens that scope around the generated
//! call and reads the report afterwards:
//!
//! ```no_run
//! # async fn call_generated_method() -> Result<(), ()> { Ok(()) }
//! use mirai_voice::executor::AttemptLog;
//!
//! # async fn example() {
//! let log = AttemptLog::new();
//! let result = log.scope(call_generated_method()).await;
//! let report = log.report();
//! println!("{} attempt(s), body sha256 {:?}", report.attempt_count(), report.body_sha256());
//! # let _ = result;
//! # }
//! ```
//!
//! The scope is a `tokio` task-local: it covers everything awaited inside it on the same task (generated methods
//! do not spawn), and never leaks into other tasks. A log holds the report of the most recent request executed in
//! its scope.

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use tracing::Level;

use crate::operation::OperationContext;
use crate::redact::{BodyDirection, render_body};
use crate::retry::{AttemptOutcome, Decision};

/// How many characters of a request body a `TRACE` event shows.
const TRACE_BODY_PREVIEW_CHARS: usize = 4096;

tokio::task_local! {
    static CURRENT_LOG: AttemptLog;
}

thread_local! {
    /// How many calls of this crate's own methods are polling their generated future on this thread ([`ReportSlot`]).
    /// The executor runs inside that poll, so it sees a non-zero count; between polls it is zero, so no other task
    /// sees a call's slot.
    static CALLS_POLLING: Cell<u32> = const { Cell::new(0) };
    /// The report the executor left for the call being polled, taken by that call when its poll returns.
    static CALL_REPORT: Cell<Option<AttemptReport>> = const { Cell::new(None) };
}

/// The report slot of one call of this crate's own methods, current while the call polls its generated future
/// ([`enter`](Self::enter) to [`leave`](Self::leave)).
///
/// The executor leaves the report in a thread-local for the call to take when its poll returns. A caller's
/// [`AttemptLog`] would cost an allocation and a lock per call, and scoping the generated future with tokio's
/// task-local would return its output (a decoded body, up to kilobytes) through two more layers on every request,
/// each a copy.
pub(crate) struct ReportSlot {
    left: bool,
}

impl ReportSlot {
    /// Makes a call's slot current until [`leave`](Self::leave), or until this value is dropped (e.g. by a panic
    /// in the poll), which also discards a report left meanwhile.
    pub(crate) fn enter() -> Self {
        CALLS_POLLING.set(CALLS_POLLING.get().saturating_add(1));
        Self { left: false }
    }

    /// The report the executor left during the poll, if it left one.
    pub(crate) fn leave(mut self) -> Option<AttemptReport> {
        self.left = true;
        CALLS_POLLING.set(CALLS_POLLING.get().saturating_sub(1));
        CALL_REPORT.take()
    }

    /// Copies `report` into the current call's slot, or else into the current task's [`AttemptLog`], if any.
    pub(crate) fn store_current(report: &AttemptReport) {
        if CALLS_POLLING.get() > 0 {
            CALL_REPORT.set(Some(report.clone()));
        } else {
            // Outside a scope there is no log to write to, which is not an error.
            let _ = CURRENT_LOG.try_with(|log| log.store(report));
        }
    }

    /// Moves `report` into the current call's slot, or else into the current task's [`AttemptLog`], if any.
    pub(crate) fn put_current(report: AttemptReport) {
        if CALLS_POLLING.get() > 0 {
            CALL_REPORT.set(Some(report));
        } else {
            let _ = CURRENT_LOG.try_with(|log| log.put(report));
        }
    }
}

impl Drop for ReportSlot {
    fn drop(&mut self) {
        if !self.left {
            CALLS_POLLING.set(CALLS_POLLING.get().saturating_sub(1));
            // Left by a poll that did not return: it belongs to no call that could still read it.
            drop(CALL_REPORT.take());
        }
    }
}

/// One attempt at sending a request.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AttemptRecord {
    /// The attempt's number, starting at 1.
    pub number: u32,
    /// When the attempt started.
    pub sent_at: SystemTime,
    /// How long it took until the response headers (or the failure) arrived.
    pub duration: Duration,
    /// The time limit the attempt had.
    pub timeout: Duration,
    /// Whether that limit was shortened to fit the total deadline.
    pub deadline_limited: bool,
    /// How the attempt ended.
    pub outcome: AttemptOutcome,
    /// What the retry policy decided afterwards.
    pub decision: Decision,
    /// The request id the response carried, if a response with one arrived.
    pub request_id: Option<String>,
}

/// A request's in-memory body and its SHA-256, computed the first time it is asked for.
///
/// The digest is needed only to report an unknown outcome, which is rare; hashing every body would cost every
/// request, while keeping a copy of the (small, in-memory JSON) body costs one allocation. The same copy is the one
/// another attempt sends ([`AttemptReport::request_body`]). `Debug` shows the digest, never the body.
#[derive(Clone, Default)]
struct BodyDigest {
    body: Option<Bytes>,
    hex: OnceLock<String>,
}

impl BodyDigest {
    fn new(body: Option<Bytes>) -> Self {
        Self {
            body,
            hex: OnceLock::new(),
        }
    }

    fn get(&self) -> Option<&str> {
        let body = self.body.as_ref()?;
        Some(self.hex.get_or_init(|| sha256_hex(body)))
    }
}

impl PartialEq for BodyDigest {
    /// Equal bodies have equal digests, and comparing the bytes needs no hashing.
    fn eq(&self, other: &Self) -> bool {
        self.body == other.body
    }
}

impl Eq for BodyDigest {}

impl fmt::Debug for BodyDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

/// Everything recorded about one request: its body digest and each attempt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttemptReport {
    operation_id: Option<&'static str>,
    body_sha256: BodyDigest,
    total_deadline: Option<Duration>,
    attempts: Vec<AttemptRecord>,
}

impl AttemptReport {
    /// A report for a request with `body` (when held in memory); its digest is computed only if asked for.
    pub(crate) fn begin(
        operation_id: &'static str,
        body: Option<Bytes>,
        total_deadline: Duration,
    ) -> Self {
        Self {
            operation_id: Some(operation_id),
            body_sha256: BodyDigest::new(body),
            total_deadline: Some(total_deadline),
            attempts: Vec::new(),
        }
    }

    pub(crate) fn push(&mut self, record: AttemptRecord) {
        self.attempts.push(record);
    }

    /// The operation the request belonged to.
    pub fn operation_id(&self) -> Option<&'static str> {
        self.operation_id
    }

    /// The lowercase hex SHA-256 of the request body, when it had a body held in memory.
    pub fn body_sha256(&self) -> Option<&str> {
        self.body_sha256.get()
    }

    /// The request's in-memory body, which another attempt sends again.
    pub(crate) fn request_body(&self) -> Option<&Bytes> {
        self.body_sha256.body.as_ref()
    }

    /// The total deadline the request had.
    pub fn total_deadline(&self) -> Option<Duration> {
        self.total_deadline
    }

    /// Every attempt, in order.
    pub fn attempts(&self) -> &[AttemptRecord] {
        &self.attempts
    }

    /// How many attempts were made.
    pub fn attempt_count(&self) -> u32 {
        u32::try_from(self.attempts.len()).unwrap_or(u32::MAX)
    }

    /// The last attempt.
    pub fn last(&self) -> Option<&AttemptRecord> {
        self.attempts.last()
    }

    /// When the last attempt was sent.
    pub fn last_sent_at(&self) -> Option<SystemTime> {
        self.last().map(|a| a.sent_at)
    }

    /// The status of the last attempt, if it got a response.
    pub fn last_status(&self) -> Option<StatusCode> {
        match self.last()?.outcome {
            AttemptOutcome::Response { status, .. } => Some(status),
            _ => None,
        }
    }

    /// The request id of the last attempt's response, if it had one.
    pub fn last_request_id(&self) -> Option<&str> {
        self.last()?.request_id.as_deref()
    }

    /// What the retry policy decided after the last attempt.
    pub fn final_decision(&self) -> Option<Decision> {
        self.last().map(|a| a.decision)
    }
}

/// A place the executor writes the [`AttemptReport`] of requests made inside [`AttemptLog::scope`].
///
/// Cloning shares the same log.
#[derive(Clone, Debug, Default)]
pub struct AttemptLog {
    report: Arc<Mutex<AttemptReport>>,
}

impl AttemptLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs `future` with this log as the current task's log.
    ///
    /// Returns tokio's scoped future itself: an `async fn` around it would add a state machine, and a copy of
    /// `future` into it, to every request.
    pub fn scope<F: Future>(&self, future: F) -> impl Future<Output = F::Output> {
        CURRENT_LOG.scope(self.clone(), future)
    }

    /// The report of the most recent request executed in a scope of this log (empty if none).
    pub fn report(&self) -> AttemptReport {
        self.lock().clone()
    }

    /// The log of the current task's [`scope`](Self::scope), if any.
    pub fn current() -> Option<Self> {
        CURRENT_LOG.try_with(Clone::clone).ok()
    }

    pub(crate) fn store(&self, report: &AttemptReport) {
        self.lock().clone_from(report);
    }

    /// Like [`store`](Self::store), taking the report instead of copying it.
    pub(crate) fn put(&self, report: AttemptReport) {
        *self.lock() = report;
    }

    fn lock(&self) -> MutexGuard<'_, AttemptReport> {
        // A panic while holding the lock cannot leave a report half-written in a harmful way: keep using it.
        self.report
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Logs a request body at `TRACE` under `span`, rendered by [`render_body`]: credentials of a secret-bearing
/// operation become `[redacted]` and an unparseable body of one is withheld, never shown in part.
pub(crate) fn trace_request_body(span: &tracing::Span, operation: &OperationContext, body: &[u8]) {
    if !tracing::enabled!(Level::TRACE) {
        return;
    }
    let shown = render_body(
        operation.operation_id(),
        BodyDirection::Request,
        body,
        TRACE_BODY_PREVIEW_CHARS,
    );
    tracing::trace!(parent: span, body = %shown, "request body");
}

/// The lowercase hex SHA-256 of `bytes`, as recorded for request bodies.
///
/// ```
/// assert_eq!(
///     mirai_voice::executor::sha256_hex(b""),
///     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
/// );
/// ```
pub fn sha256_hex(bytes: &[u8]) -> String {
    let mut hex = [0u8; 64];
    // 32 bytes always fit 64 hex digits, which are ASCII.
    match hex::encode_to_slice(Sha256::digest(bytes), &mut hex) {
        Ok(()) => String::from_utf8_lossy(&hex).into_owned(),
        Err(_) => hex::encode(Sha256::digest(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(number: u32, outcome: AttemptOutcome) -> AttemptRecord {
        AttemptRecord {
            number,
            sent_at: SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(number)),
            duration: Duration::from_millis(10),
            timeout: Duration::from_secs(30),
            deadline_limited: false,
            outcome,
            decision: Decision::Done,
            request_id: None,
        }
    }

    #[tokio::test]
    async fn scope_makes_the_log_current_only_inside() {
        assert!(AttemptLog::current().is_none());
        let log = AttemptLog::new();
        log.scope(async {
            let current = AttemptLog::current().expect("inside the scope");
            let mut report = AttemptReport::begin("getHealthMonitor", None, Duration::from_secs(1));
            report.push(record(
                1,
                AttemptOutcome::Response {
                    status: StatusCode::OK,
                    retry_after: None,
                },
            ));
            current.store(&report);
        })
        .await;
        assert!(AttemptLog::current().is_none());
        let report = log.report();
        assert_eq!(report.operation_id(), Some("getHealthMonitor"));
        assert_eq!(report.attempt_count(), 1);
        assert_eq!(report.last_status(), Some(StatusCode::OK));
        assert_eq!(report.final_decision(), Some(Decision::Done));
    }

    fn one_attempt(operation_id: &'static str) -> AttemptReport {
        let mut report = AttemptReport::begin(operation_id, None, Duration::from_secs(1));
        report.push(record(1, AttemptOutcome::TimedOut));
        report
    }

    #[tokio::test]
    async fn a_calls_slot_takes_the_report_while_it_is_current_and_the_log_gets_it_otherwise() {
        let log = AttemptLog::new();
        log.scope(async {
            let slot = ReportSlot::enter();
            ReportSlot::put_current(one_attempt("getHealthMonitor"));
            let in_slot = slot.leave().expect("the report was left in the slot");
            assert_eq!(in_slot.operation_id(), Some("getHealthMonitor"));
            assert_eq!(ReportSlot::enter().leave(), None, "a report is taken once");
            assert_eq!(
                AttemptLog::current().unwrap().report().operation_id(),
                None,
                "the slot was current: the log saw nothing"
            );

            ReportSlot::put_current(one_attempt("listApiTools"));
        })
        .await;
        assert_eq!(log.report().operation_id(), Some("listApiTools"));

        // Outside any slot and any scope the report has nowhere to go, which is not an error.
        ReportSlot::store_current(&one_attempt("abortCall"));
        ReportSlot::put_current(one_attempt("abortCall"));
    }

    #[test]
    fn the_last_report_left_during_a_poll_is_the_one_taken() {
        let slot = ReportSlot::enter();
        ReportSlot::store_current(&one_attempt("before a retry"));
        ReportSlot::put_current(one_attempt("final"));
        assert_eq!(slot.leave().and_then(|r| r.operation_id()), Some("final"));
    }

    #[test]
    fn a_panic_while_a_slot_is_current_leaves_no_slot_and_no_report_behind() {
        let panicked = std::panic::catch_unwind(|| {
            let _slot = ReportSlot::enter();
            ReportSlot::put_current(one_attempt("abandoned"));
            panic!("a generated future panicked while polled");
        });
        assert!(panicked.is_err());
        assert_eq!(CALLS_POLLING.get(), 0);
        assert_eq!(ReportSlot::enter().leave(), None);
    }

    #[tokio::test]
    async fn other_tasks_do_not_see_the_scope() {
        let log = AttemptLog::new();
        let seen = log
            .scope(async {
                tokio::spawn(async { AttemptLog::current().is_some() })
                    .await
                    .unwrap()
            })
            .await;
        assert!(!seen);
    }

    #[test]
    fn report_accessors() {
        let mut report = AttemptReport::begin(
            "initiateCall",
            Some(Bytes::from_static(b"{}")),
            Duration::from_secs(120),
        );
        assert_eq!(report.last_status(), None);
        report.push(record(1, AttemptOutcome::NotSent { timed_out: false }));
        report.push(record(2, AttemptOutcome::TimedOut));
        assert_eq!(report.attempt_count(), 2);
        assert_eq!(report.last_status(), None);
        assert_eq!(
            report.last_sent_at(),
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(2))
        );
        assert_eq!(
            report.body_sha256(),
            Some("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a")
        );
        assert_eq!(report.total_deadline(), Some(Duration::from_secs(120)));
    }
}
