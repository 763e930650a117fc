//! The fault matrix: every fault kind the emulator injects, against one operation of each retry class, through
//! `mirai_voice::Client`. Each cell says which error the caller gets and how many attempts the server saw; a
//! side-effecting POST is never received twice unless the answer proves it was not processed (`429`), and the
//! emulator's state shows it took effect at most once.
//!
//! The faults stay armed for every attempt, so each cell shows where the retries end. The same table is the
//! README's "### Faults" table (between its `fault-matrix` markers); `MIRAI_UPDATE_FAULT_TABLE=1` rewrites it.

mod sdk_support;

use std::fmt::{self, Write as _};
use std::time::Duration;

use mirai_voice::api::{AgentIdentity, CreateAssistant, InitiateCall};
use mirai_voice::error::{TimeoutScope, TransportPhase, UnknownCause};
use mirai_voice::{Client, Error, types};
use mirai_voice_mock::{FaultBody, FaultKind, FaultMatch, FaultRule, MockServer};
use mirai_voice_tests::checked;
use tokio::task::JoinSet;

/// Applications armed per cell: more than any number of attempts the client makes.
const ARMED: u32 = 20;

/// Each attempt's limit in the latency cells. The server holds those answers for [`LATENCY`], so the timeout
/// fires however loaded the machine is.
const SHORT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);

/// Each attempt's limit in the other cells: long enough that no answer misses it on a loaded machine.
const LONG_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(60);

/// How long a cell waits for the emulator to take in every request the client sent before it gave up on them (on
/// a loaded machine an attempt the client abandoned can still be queued unread).
const SETTLE: Duration = Duration::from_secs(30);

/// The latency fault's delay: far past [`SHORT_ATTEMPT_TIMEOUT`]; the emulator is dropped before it ends.
const LATENCY: Duration = Duration::from_secs(120);

/// A fault kind of the matrix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// The request is read, then the connection is reset before the handler runs.
    ResetBeforeEffect,
    /// The handler runs (the request takes effect), then the connection is reset.
    ResetAfterEffect,
    /// `500`, `502` or `503` with an HTML page, as a proxy sends.
    Html(u16),
    /// `401` with no body.
    EmptyUnauthorized,
    /// `429` with `Retry-After: 1`.
    RateLimitedRetryAfter,
    /// `429` without `Retry-After`.
    RateLimited,
    /// The answer comes after [`LATENCY`], past the attempt timeout.
    Latency,
    /// A `2xx` whose body is complete as framed but is half of the JSON.
    TruncatedJson,
    /// A `2xx` whose announced body stops halfway: the connection closes.
    CutOffBody,
}

impl Fault {
    fn kind(self) -> FaultKind {
        match self {
            Self::ResetBeforeEffect => FaultKind::ConnectionReset {
                after_handler: false,
            },
            Self::ResetAfterEffect => FaultKind::ConnectionReset {
                after_handler: true,
            },
            Self::Html(status) => FaultKind::Status {
                status,
                body: FaultBody::Html,
            },
            Self::EmptyUnauthorized => FaultKind::Status {
                status: 401,
                body: FaultBody::Empty,
            },
            Self::RateLimitedRetryAfter => FaultKind::RateLimit {
                retry_after_secs: Some(1),
            },
            Self::RateLimited => FaultKind::RateLimit {
                retry_after_secs: None,
            },
            Self::Latency => FaultKind::Latency {
                delay_ms: u64::try_from(LATENCY.as_millis()).expect("minutes fit"),
            },
            Self::TruncatedJson => FaultKind::TruncatedJson,
            Self::CutOffBody => FaultKind::CutOffBody,
        }
    }

    /// Whether the operation's handler runs on every attempt; `None` when it runs after the client gave up.
    fn takes_effect(self) -> Option<bool> {
        match self {
            Self::ResetAfterEffect | Self::TruncatedJson | Self::CutOffBody => Some(true),
            Self::Latency => None,
            _ => Some(false),
        }
    }

    /// Whether the answer proves the request was not processed, so even a side-effecting POST may be resent.
    fn proves_not_processed(self) -> bool {
        matches!(self, Self::RateLimitedRetryAfter | Self::RateLimited)
    }

    fn describe(self) -> String {
        match self {
            Self::ResetBeforeEffect => "connection reset after the request is read".into(),
            Self::ResetAfterEffect => "connection reset after the request took effect".into(),
            Self::Html(status) => format!("`{status}` with an HTML body"),
            Self::EmptyUnauthorized => "`401` with an empty body".into(),
            Self::RateLimitedRetryAfter => "`429` with `Retry-After: 1`".into(),
            Self::RateLimited => "`429` without `Retry-After`".into(),
            Self::Latency => "answer later than the attempt timeout".into(),
            Self::TruncatedJson => "`2xx` with truncated JSON".into(),
            Self::CutOffBody => "`2xx` whose body is cut off".into(),
        }
    }
}

/// The operation of each retry class the matrix calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Class {
    /// `listApiTools` (`GET`).
    Read,
    /// `updateApiTool` (`PUT`).
    IdempotentWrite,
    /// `abortCall` (`POST`, repeatable).
    RepeatablePost,
    /// `initiateCall` (`POST`, side-effecting).
    SideEffectingPost,
}

const CLASSES: [Class; 4] = [
    Class::Read,
    Class::IdempotentWrite,
    Class::RepeatablePost,
    Class::SideEffectingPost,
];

impl Class {
    fn operation_id(self) -> &'static str {
        match self {
            Self::Read => "listApiTools",
            Self::IdempotentWrite => "updateApiTool",
            Self::RepeatablePost => "abortCall",
            Self::SideEffectingPost => "initiateCall",
        }
    }

    fn heading(self) -> String {
        let name = match self {
            Self::Read => "read",
            Self::IdempotentWrite => "idempotent write",
            Self::RepeatablePost => "repeatable POST",
            Self::SideEffectingPost => "side-effecting POST",
        };
        format!("{name} (`{}`)", self.operation_id())
    }
}

/// What the caller gets, reduced to what the table shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// `Error::Api` with this status.
    Api(u16),
    /// `Error::Transport` in this phase.
    Transport(Phase),
    /// `Error::Timeout` with `TimeoutScope::Attempt`.
    AttemptTimeout,
    /// `Error::Decode`.
    Decode,
    /// `Error::OutcomeUnknown` with this cause.
    Unknown(Cause),
}

/// The `TransportPhase` of a transport error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Sending the request or waiting for the response head.
    Request,
    /// Reading the response body.
    ResponseBody,
}

/// The `UnknownCause` variant of an `OutcomeUnknown`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cause {
    TimedOut,
    ServerError(u16),
    ConnectionLost,
    ResponseBodyLost,
    ResponseBodyUndecodable,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api(status) => write!(f, "`Api` {status}"),
            Self::Transport(Phase::Request) => f.write_str("`Transport` (request)"),
            Self::Transport(Phase::ResponseBody) => f.write_str("`Transport` (response body)"),
            Self::AttemptTimeout => f.write_str("`Timeout` (attempt)"),
            Self::Decode => f.write_str("`Decode`"),
            Self::Unknown(Cause::ServerError(status)) => {
                write!(f, "`OutcomeUnknown`: `ServerError` {status}")
            }
            Self::Unknown(cause) => write!(f, "`OutcomeUnknown`: `{cause:?}`"),
        }
    }
}

fn observed(error: &Error) -> Outcome {
    match error {
        Error::Api(api) => Outcome::Api(api.status().as_u16()),
        Error::Transport(transport) => Outcome::Transport(match transport.phase() {
            TransportPhase::Request => Phase::Request,
            TransportPhase::ResponseBody => Phase::ResponseBody,
            other => panic!("a phase the matrix does not expect: {other:?}"),
        }),
        Error::Timeout(timeout) if timeout.scope() == TimeoutScope::Attempt => {
            Outcome::AttemptTimeout
        }
        Error::Decode(_) => Outcome::Decode,
        Error::OutcomeUnknown(unknown) => Outcome::Unknown(match unknown.cause() {
            UnknownCause::TimedOut { .. } => Cause::TimedOut,
            UnknownCause::ServerError(api) => Cause::ServerError(api.status().as_u16()),
            UnknownCause::ConnectionLost { .. } => Cause::ConnectionLost,
            UnknownCause::ResponseBodyLost { .. } => Cause::ResponseBodyLost,
            UnknownCause::ResponseBodyUndecodable { .. } => Cause::ResponseBodyUndecodable,
            other => panic!("a cause the matrix does not know: {other:?}"),
        }),
        other => panic!("an error the matrix does not expect: {other:?}"),
    }
}

/// One cell: what the caller gets and how many attempts the server saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Cell {
    outcome: Outcome,
    attempts: u32,
}

const fn cell(outcome: Outcome, attempts: u32) -> Cell {
    Cell { outcome, attempts }
}

use Cause::{ConnectionLost, ResponseBodyLost, ResponseBodyUndecodable, ServerError, TimedOut};
use Outcome::{Api, AttemptTimeout, Decode, Transport, Unknown};
use Phase::{Request, ResponseBody};

/// The matrix: per fault, the cell of each class in the order of [`CLASSES`]. The client retries twice (three
/// attempts in all).
const MATRIX: &[(Fault, [Cell; 4])] = &[
    (
        Fault::ResetBeforeEffect,
        [
            cell(Transport(Request), 3),
            cell(Transport(Request), 3),
            cell(Transport(Request), 3),
            cell(Unknown(ConnectionLost), 1),
        ],
    ),
    (
        Fault::ResetAfterEffect,
        [
            cell(Transport(Request), 3),
            cell(Transport(Request), 3),
            cell(Transport(Request), 3),
            cell(Unknown(ConnectionLost), 1),
        ],
    ),
    (
        Fault::Html(500),
        [
            cell(Api(500), 1),
            cell(Api(500), 1),
            cell(Api(500), 1),
            cell(Unknown(ServerError(500)), 1),
        ],
    ),
    (
        Fault::Html(502),
        [
            cell(Api(502), 3),
            cell(Api(502), 3),
            cell(Api(502), 3),
            cell(Unknown(ServerError(502)), 1),
        ],
    ),
    (
        Fault::Html(503),
        [
            cell(Api(503), 3),
            cell(Api(503), 3),
            cell(Api(503), 3),
            cell(Unknown(ServerError(503)), 1),
        ],
    ),
    (
        Fault::EmptyUnauthorized,
        [
            cell(Api(401), 1),
            cell(Api(401), 1),
            cell(Api(401), 1),
            cell(Api(401), 1),
        ],
    ),
    (
        Fault::RateLimitedRetryAfter,
        [
            cell(Api(429), 3),
            cell(Api(429), 3),
            cell(Api(429), 3),
            cell(Api(429), 3),
        ],
    ),
    (
        Fault::RateLimited,
        [
            cell(Api(429), 3),
            cell(Api(429), 3),
            cell(Api(429), 3),
            cell(Api(429), 3),
        ],
    ),
    (
        Fault::Latency,
        [
            cell(AttemptTimeout, 3),
            cell(AttemptTimeout, 3),
            cell(AttemptTimeout, 3),
            cell(Unknown(TimedOut), 1),
        ],
    ),
    (
        Fault::TruncatedJson,
        [
            cell(Decode, 1),
            cell(Decode, 1),
            cell(Decode, 1),
            cell(Unknown(ResponseBodyUndecodable), 1),
        ],
    ),
    (
        Fault::CutOffBody,
        [
            cell(Transport(ResponseBody), 1),
            cell(Transport(ResponseBody), 1),
            cell(Transport(ResponseBody), 1),
            cell(Unknown(ResponseBodyLost), 1),
        ],
    ),
];

/// The README table: one row per fault, one column per class, each cell the outcome and the attempts.
fn fault_table_markdown() -> String {
    let mut out = String::from("| fault |");
    for class in CLASSES {
        let _ = write!(out, " {} |", class.heading());
    }
    out.push_str("\n|---|");
    out.push_str(&"---|".repeat(CLASSES.len()));
    out.push('\n');
    for (fault, cells) in MATRIX {
        let _ = write!(out, "| {} |", fault.describe());
        for cell in cells {
            let plural = if cell.attempts == 1 { "" } else { "s" };
            let _ = write!(
                out,
                " {}; {} attempt{plural} |",
                cell.outcome, cell.attempts
            );
        }
        out.push('\n');
    }
    out
}

/// What one cell observed.
#[derive(Debug)]
struct Observation {
    cell: Cell,
    /// Calls the emulator holds for the side-effecting cell's request (0 or 1), `None` for other classes.
    calls_placed: Option<usize>,
    /// `Error::is_retryable()` of the error the caller got.
    retryable: bool,
}

/// A client of `server` whose retries wait briefly, so the matrix runs in seconds.
fn client(server: &MockServer, attempt_timeout: Duration) -> Client {
    sdk_support::emulator_client(server, &server.credentials(), attempt_timeout)
}

/// Runs one cell on its own emulator: creates what the operation needs without faults, arms the fault for the
/// operation, sends it once through the client, and reads the attempts off the fault's remaining count once
/// `expected_attempts` arrived (or [`SETTLE`] passed).
async fn run_cell(fault: Fault, class: Class, expected_attempts: u32) -> Observation {
    let server = MockServer::start().await;
    let setup = client(&server, LONG_ATTEMPT_TIMEOUT);
    let assistant = setup
        .assistants()
        .create(CreateAssistant::custom(
            "Desk",
            AgentIdentity::new("Asha"),
            "Confirm the order.",
        ))
        .await
        .expect("assistant created")
        .id;
    let tool = setup
        .tools()
        .create(types::CreateApiToolRequest::new(
            checked::<types::CreateApiToolRequestName>("Order Status"),
            checked::<types::CreateApiToolRequestDescription>("Look up an order."),
            "https://api.example.com/orders/status",
            types::CreateApiToolRequestMethod::Post,
        ))
        .await
        .expect("tool created")
        .id;
    let call = setup
        .calls()
        .initiate(InitiateCall::new(
            "+14155550100".parse().unwrap(),
            assistant.clone(),
        ))
        .await
        .expect("call placed")
        .call_id;
    let calls_before = server.control().calls().len();

    let armed = server
        .control()
        .add_fault(FaultRule {
            matcher: FaultMatch::operation(class.operation_id()),
            fault: fault.kind(),
            count: ARMED,
        })
        .expect("a valid fault");
    let attempt_timeout = if fault == Fault::Latency {
        SHORT_ATTEMPT_TIMEOUT
    } else {
        LONG_ATTEMPT_TIMEOUT
    };
    let sdk = client(&server, attempt_timeout);
    let error = match class {
        Class::Read => sdk.tools().list().await.map(drop),
        Class::IdempotentWrite => sdk
            .tools()
            .update(
                tool,
                types::UpdateApiToolRequest::new()
                    .name(checked::<types::UpdateApiToolRequestName>("Order Lookup")),
            )
            .await
            .map(drop),
        Class::RepeatablePost => sdk.calls().abort(call).await.map(drop),
        Class::SideEffectingPost => sdk
            .calls()
            .initiate(InitiateCall::new(
                "+14155550123".parse().unwrap(),
                assistant,
            ))
            .await
            .map(drop),
    }
    .expect_err("the fault stays armed for every attempt");

    let remaining = || {
        server
            .control()
            .faults()
            .iter()
            .find(|f| f.id == armed.id)
            .map_or(0, |f| f.remaining)
    };
    // Synchronisation, not a timing assertion: wait until the expected attempts arrived or long enough that
    // they never will, then compare.
    let settle_until = tokio::time::Instant::now() + SETTLE;
    while ARMED - remaining() < expected_attempts && tokio::time::Instant::now() < settle_until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let remaining = remaining();
    let calls_placed =
        (class == Class::SideEffectingPost).then(|| server.control().calls().len() - calls_before);
    Observation {
        cell: cell(observed(&error), ARMED - remaining),
        calls_placed,
        retryable: error.is_retryable(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_against_every_class() {
    // The cells are independent (an emulator each) and mostly wait: run them together.
    let mut cells = JoinSet::new();
    for &(fault, expected) in MATRIX {
        for (class, expected) in CLASSES.into_iter().zip(expected) {
            cells.spawn(async move {
                (
                    fault,
                    class,
                    expected,
                    run_cell(fault, class, expected.attempts).await,
                )
            });
        }
    }
    let mut mismatches = Vec::new();
    let mut ran = 0;
    while let Some(joined) = cells.join_next().await {
        let (fault, class, expected, seen) = joined.expect("a cell ran to the end");
        ran += 1;
        if seen.cell != expected {
            mismatches.push(format!(
                "{fault:?} × {class:?}: expected {expected:?}, saw {:?}",
                seen.cell
            ));
        }
        // The caller may resend a body cut off on an operation that may repeat, never an unknown outcome.
        let cut_off_repeatable = fault == Fault::CutOffBody && class != Class::SideEffectingPost;
        if matches!(seen.cell.outcome, Unknown(_)) && seen.retryable
            || cut_off_repeatable && !seen.retryable
        {
            mismatches.push(format!(
                "{fault:?} × {class:?}: is_retryable() is {}",
                seen.retryable
            ));
        }
        if let Some(placed) = seen.calls_placed {
            // Received again only after an answer proving it was not processed.
            let resent_safely = fault.proves_not_processed();
            if placed > 1 || (!resent_safely && seen.cell.attempts != 1) {
                mismatches.push(format!(
                    "{fault:?}: initiateCall received {} times, took effect {placed} times",
                    seen.cell.attempts
                ));
            }
            if let Some(effect) = fault.takes_effect()
                && placed != usize::from(effect)
            {
                mismatches.push(format!(
                    "{fault:?}: initiateCall took effect {placed} times, expected {}",
                    usize::from(effect)
                ));
            }
        }
    }
    assert_eq!(ran, MATRIX.len() * CLASSES.len());
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// The README's fault table is this matrix, between its markers; `MIRAI_UPDATE_FAULT_TABLE=1` rewrites it.
#[test]
fn the_readme_shows_the_current_fault_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md");
    let readme = std::fs::read_to_string(path).expect("the workspace README is readable");
    let start = readme
        .find("<!-- fault-matrix:start")
        .and_then(|at| readme[at..].find('\n').map(|end| at + end + 1))
        .expect("the README marks where the fault table starts");
    let end = readme
        .find("<!-- fault-matrix:end -->")
        .expect("the README marks where the fault table ends");
    let generated = fault_table_markdown();
    if std::env::var_os("MIRAI_UPDATE_FAULT_TABLE").is_some() {
        let updated = format!("{}{generated}{}", &readme[..start], &readme[end..]);
        std::fs::write(path, updated).expect("README.md is writable");
        return;
    }
    assert_eq!(
        &readme[start..end],
        generated,
        "README.md's fault table is stale; rerun with MIRAI_UPDATE_FAULT_TABLE=1"
    );
}

#[test]
fn the_matrix_covers_each_fault_once() {
    for (at, (fault, _)) in MATRIX.iter().enumerate() {
        assert!(
            MATRIX[at + 1..].iter().all(|(other, _)| other != fault),
            "{fault:?} twice"
        );
    }
    assert_eq!(MATRIX.len(), 11);
}
