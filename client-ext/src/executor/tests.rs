//! Executor tests against real HTTP servers on loopback. Assertions are about what was sent and decided, never
//! about how fast it happened.

use std::time::Duration;

use bytes::Bytes;
use reqwest::{Method, StatusCode};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;
use crate::error::{Error, TimeoutScope, TransportPhase, UnknownCause};
use crate::retry::{AmbiguousFailure, RetryBudgetConfig};
use crate::test_support::{LogCapture, PRIVATE_KEY, PUBLIC_KEY, assert_no_key_material};

const INITIATE_BODY: &str = r#"{"phoneNumber":"+15550100","assistant":"65f1c0ffee0123456789abcd"}"#;

fn fast_retries() -> RetryConfig {
    RetryConfig::default()
        .with_initial_backoff(Duration::from_millis(10))
        .with_max_backoff(Duration::from_millis(40))
}

fn executor(attempt_timeout: Duration, total_deadline: Duration, retry: RetryConfig) -> Executor {
    Executor::new(attempt_timeout, total_deadline, retry).with_jitter(|| 1.0)
}

fn default_executor() -> Executor {
    executor(
        Duration::from_secs(10),
        Duration::from_secs(30),
        fast_retries(),
    )
}

fn list_tools() -> OperationContext {
    OperationContext::new("listApiTools", "GET", "/v1/admin/tool/api")
}

fn initiate_call() -> OperationContext {
    OperationContext::new("initiateCall", "POST", "/v2/call/initiate")
}

/// A `POST /v2/call/initiate` to `server` with `body`.
fn initiate_request(
    http: &reqwest::Client,
    server: &MockServer,
    body: Option<&'static str>,
) -> reqwest::Request {
    request(
        http,
        Method::POST,
        format!("{}/v2/call/initiate", server.uri()),
        body,
    )
}

fn request(
    http: &reqwest::Client,
    method: Method,
    url: String,
    body: Option<&'static str>,
) -> reqwest::Request {
    let mut builder = http
        .request(method, url)
        .header("x-public-key", PUBLIC_KEY)
        .header("x-private-key", PRIVATE_KEY);
    if let Some(body) = body {
        builder = builder
            .header("content-type", "application/json")
            .body(body);
    }
    builder.build().unwrap()
}

fn outcomes(report: &AttemptReport) -> Vec<AttemptOutcome> {
    report
        .attempts()
        .iter()
        .map(|a| a.outcome.clone())
        .collect()
}

fn status_outcome(code: u16) -> AttemptOutcome {
    AttemptOutcome::Response {
        status: StatusCode::from_u16(code).unwrap(),
        retry_after: None,
    }
}

#[tokio::test]
async fn get_behind_a_503_succeeds_on_retry() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/admin/tool/api"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/admin/tool/api"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"message":"ok","data":[]}"#))
        .mount(&server)
        .await;
    let http = reqwest::Client::new();
    let exec = default_executor();
    let (result, report) = exec
        .execute_reported(
            &http,
            request(
                &http,
                Method::GET,
                format!("{}/v1/admin/tool/api", server.uri()),
                None,
            ),
            &list_tools(),
        )
        .await;
    let response = result.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        outcomes(&report),
        [status_outcome(503), status_outcome(200)]
    );
    assert_eq!(
        report.attempts()[0].decision,
        Decision::Retry {
            after: Duration::from_millis(10),
            cost: 5
        }
    );
    assert_eq!(report.final_decision(), Some(Decision::Done));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
    assert_eq!(
        exec.budget_available(),
        Some(500),
        "the success refunded the retry"
    );
}

#[tokio::test]
async fn post_that_times_out_is_sent_once_and_reports_outcome_unknown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/call/initiate"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let http = reqwest::Client::new();
    let exec = executor(
        Duration::from_millis(300),
        Duration::from_secs(30),
        fast_retries(),
    );
    let op = initiate_call();
    let log = AttemptLog::new();
    let result = log
        .scope(exec.execute(
            &http,
            initiate_request(&http, &server, Some(INITIATE_BODY)),
            &op,
        ))
        .await;
    let report = log.report();
    let error = result.unwrap_err();
    assert!(error.is_timeout());
    assert_eq!(outcomes(&report), [AttemptOutcome::TimedOut]);
    assert_eq!(
        report.final_decision(),
        Some(Decision::OutcomeUnknown(AmbiguousFailure::TimedOut))
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    let mapped = Error::from_reqwest(op, error).with_report(&report);
    let Error::OutcomeUnknown(unknown) = &mapped else {
        panic!("expected OutcomeUnknown, got {mapped:?}");
    };
    assert_eq!(
        unknown.body_sha256(),
        Some(sha256_hex(INITIATE_BODY.as_bytes()).as_str())
    );
    assert_eq!(unknown.sent_at(), report.last_sent_at());
    assert!(unknown.sent_at().is_some());
    assert!(matches!(
        unknown.cause(),
        UnknownCause::TimedOut {
            after: Some(limit)
        } if *limit == Duration::from_millis(300)
    ));
    assert_no_key_material(&format!("{mapped:?} {mapped}"));
}

#[tokio::test]
async fn post_answered_with_a_5xx_is_not_repeated() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>down</html>"))
        .mount(&server)
        .await;
    let http = reqwest::Client::new();
    let op = initiate_call();
    let (result, report) = default_executor()
        .execute_reported(
            &http,
            initiate_request(&http, &server, Some(INITIATE_BODY)),
            &op,
        )
        .await;
    let response = result.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert_eq!(
        report.final_decision(),
        Some(Decision::OutcomeUnknown(AmbiguousFailure::ServerError(
            StatusCode::SERVICE_UNAVAILABLE
        )))
    );
    let headers = response.headers().clone();
    let body = response.bytes().await.unwrap();
    let mapped = Error::from_response(op, StatusCode::SERVICE_UNAVAILABLE, &headers, &body, false)
        .with_report(&report);
    let Error::OutcomeUnknown(unknown) = &mapped else {
        panic!("{mapped:?}")
    };
    assert_eq!(unknown.status(), Some(StatusCode::SERVICE_UNAVAILABLE));
    assert_eq!(
        unknown.body_sha256(),
        Some(sha256_hex(INITIATE_BODY.as_bytes()).as_str())
    );
}

#[tokio::test]
async fn retry_after_on_429_is_honoured_even_for_posts() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string(r#"{"status":"initiate","callId":"c1"}"#),
        )
        .mount(&server)
        .await;
    let http = reqwest::Client::new();
    let (result, report) = default_executor()
        .execute_reported(
            &http,
            initiate_request(&http, &server, Some(INITIATE_BODY)),
            &initiate_call(),
        )
        .await;
    assert_eq!(result.unwrap().status(), StatusCode::OK);
    let first = &report.attempts()[0];
    assert_eq!(
        first.outcome,
        AttemptOutcome::Response {
            status: StatusCode::TOO_MANY_REQUESTS,
            retry_after: Some(Duration::from_secs(1))
        }
    );
    assert_eq!(
        first.decision,
        Decision::Retry {
            after: Duration::from_millis(1100),
            cost: 5
        },
        "Retry-After plus the largest jitter draw"
    );
    let second = &report.attempts()[1];
    let waited = second.sent_at.duration_since(first.sent_at).unwrap();
    assert!(
        waited >= Duration::from_secs(1),
        "the second attempt waited for Retry-After: {waited:?}"
    );
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2);
    assert!(
        requests.iter().all(|r| r.body == INITIATE_BODY.as_bytes()),
        "the same body was resent"
    );
}

#[tokio::test]
async fn retry_after_beyond_the_cap_is_not_waited_for() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "3600"))
        .mount(&server)
        .await;
    let http = reqwest::Client::new();
    let (result, report) = default_executor()
        .execute_reported(
            &http,
            request(&http, Method::GET, server.uri(), None),
            &list_tools(),
        )
        .await;
    assert_eq!(result.unwrap().status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        report.final_decision(),
        Some(Decision::GiveUp(GiveUpReason::RetryAfterTooLong))
    );
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn refused_connections_are_retried_even_for_posts() {
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let http = reqwest::Client::new();
    let op = initiate_call();
    let (result, report) = default_executor()
        .execute_reported(
            &http,
            request(
                &http,
                Method::POST,
                format!("http://127.0.0.1:{closed_port}/v2/call/initiate"),
                Some(INITIATE_BODY),
            ),
            &op,
        )
        .await;
    let error = result.unwrap_err();
    assert_eq!(
        outcomes(&report),
        vec![AttemptOutcome::NotSent { timed_out: false }; 3]
    );
    assert_eq!(
        report.final_decision(),
        Some(Decision::GiveUp(GiveUpReason::AttemptsExhausted))
    );
    let mapped = Error::from_reqwest(op, error).with_report(&report);
    let Error::Transport(transport) = &mapped else {
        panic!("{mapped:?}")
    };
    assert_eq!(transport.phase(), TransportPhase::Connect);
    assert!(transport.request_not_sent());
    assert_eq!(transport.attempts(), 3);
    assert!(mapped.to_string().contains("after 3 attempts"), "{mapped}");
}

#[tokio::test]
async fn get_that_times_out_is_retried() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let http = reqwest::Client::new();
    let (result, report) = executor(
        Duration::from_millis(300),
        Duration::from_secs(30),
        fast_retries(),
    )
    .execute_reported(
        &http,
        request(&http, Method::GET, server.uri(), None),
        &list_tools(),
    )
    .await;
    assert_eq!(result.unwrap().status(), StatusCode::OK);
    assert_eq!(
        outcomes(&report),
        [AttemptOutcome::TimedOut, status_outcome(200)]
    );
    assert_eq!(
        report.attempts()[0].decision,
        Decision::Retry {
            after: Duration::from_millis(10),
            cost: 10
        }
    );
}

#[tokio::test]
async fn the_total_deadline_bounds_attempts_and_waits() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let http = reqwest::Client::new();
    let op = list_tools();
    let (result, report) = executor(
        Duration::from_secs(10),
        Duration::from_millis(400),
        fast_retries(),
    )
    .execute_reported(&http, request(&http, Method::GET, server.uri(), None), &op)
    .await;
    let first = &report.attempts()[0];
    assert!(first.deadline_limited);
    assert!(first.timeout <= Duration::from_millis(400));
    assert_eq!(
        report.final_decision(),
        Some(Decision::GiveUp(GiveUpReason::DeadlineExceeded))
    );
    let mapped = Error::from_reqwest(op, result.unwrap_err()).with_report(&report);
    let Error::Timeout(timeout) = &mapped else {
        panic!("{mapped:?}")
    };
    assert_eq!(timeout.scope(), TimeoutScope::Deadline);
    assert_eq!(timeout.after(), Some(Duration::from_millis(400)));
}

#[tokio::test]
async fn streaming_bodies_are_sent_once() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let http = reqwest::Client::new();
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![Ok(Bytes::from_static(b"{}"))];
    let request = http
        .put(server.uri())
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .build()
        .unwrap();
    let op = OperationContext::new(
        "adminUpdateAssistant",
        "PUT",
        "/v1/admin/assistant/update/{assistantId}",
    );
    let (result, report) = default_executor()
        .execute_reported(&http, request, &op)
        .await;
    assert_eq!(result.unwrap().status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        report.final_decision(),
        Some(Decision::GiveUp(GiveUpReason::NotReplayable))
    );
    assert_eq!(report.body_sha256(), None, "a stream is not held in memory");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn an_empty_budget_stops_retries_for_every_clone() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let http = reqwest::Client::new();
    let retry = fast_retries()
        .with_max_retries(10)
        .with_budget(Some(RetryBudgetConfig {
            capacity: 10,
            ..RetryBudgetConfig::default()
        }));
    let exec = executor(Duration::from_secs(10), Duration::from_secs(30), retry);
    let (_, report) = exec
        .execute_reported(
            &http,
            request(&http, Method::GET, server.uri(), None),
            &list_tools(),
        )
        .await;
    assert_eq!(
        report.attempt_count(),
        3,
        "two retries of cost 5 empty a bucket of 10"
    );
    assert_eq!(
        report.final_decision(),
        Some(Decision::GiveUp(GiveUpReason::BudgetExhausted))
    );

    let clone = exec.clone();
    assert_eq!(clone.budget_available(), Some(0));
    let (_, report) = clone
        .execute_reported(
            &http,
            request(&http, Method::GET, server.uri(), None),
            &list_tools(),
        )
        .await;
    assert_eq!(report.attempt_count(), 1);
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn client_errors_are_returned_at_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_string(r#"{"code":404,"message":"API tool not found"}"#),
        )
        .mount(&server)
        .await;
    let http = reqwest::Client::new();
    let (result, report) = default_executor()
        .execute_reported(
            &http,
            request(&http, Method::GET, server.uri(), None),
            &list_tools(),
        )
        .await;
    assert_eq!(result.unwrap().status(), StatusCode::NOT_FOUND);
    assert_eq!(report.attempt_count(), 1);
    assert_eq!(report.final_decision(), Some(Decision::Done));
}

#[tokio::test]
async fn spans_carry_the_request_facts_and_never_the_keys() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let capture = LogCapture::start();
    let http = reqwest::Client::new();
    let body_with_key: &'static str =
        r#"{"note":"sk_9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0"}"#;
    let (result, _) = default_executor()
        .execute_reported(
            &http,
            initiate_request(&http, &server, Some(body_with_key)),
            &initiate_call(),
        )
        .await;
    assert_eq!(result.unwrap().status(), StatusCode::OK);
    let logs = capture.contents();
    for expected in [
        "mirai_voice.request",
        "mirai_voice.attempt",
        "operation_id=\"initiateCall\"",
        "method=\"POST\"",
        "path=\"/v2/call/initiate\"",
        "attempt=1",
        "attempt=2",
        "status=429",
        "status=200",
        "duration_ms=",
        "retrying",
        "request body",
        "sk_[redacted]",
    ] {
        assert!(logs.contains(expected), "missing {expected:?} in:\n{logs}");
    }
    assert_no_key_material(&logs);
    assert!(
        !logs.contains("x-private-key"),
        "headers are never logged:\n{logs}"
    );
}

#[test]
fn debug_shows_settings_and_budget() {
    let text = format!("{:?}", default_executor());
    assert!(text.contains("attempt_timeout: 10s"), "{text}");
    assert!(text.contains("budget_available: Some(500)"), "{text}");
}

#[test]
fn a_copy_for_retry_holds_the_whole_request() {
    let http = reqwest::Client::new();
    let mut original = http
        .post("http://127.0.0.1:9/v2/call/initiate?dry=1")
        .version(reqwest::Version::HTTP_11)
        .header("x-public-key", PUBLIC_KEY)
        .header("content-type", "application/json")
        .body(INITIATE_BODY)
        .build()
        .unwrap();
    crate::secret::mark_sensitive_headers(original.headers_mut());
    let body = Bytes::from_static(INITIATE_BODY.as_bytes());

    let copy = copy_for_retry(&original, Some(&body));
    assert_eq!(copy.method(), original.method());
    assert_eq!(copy.url(), original.url());
    assert_eq!(copy.version(), original.version());
    assert_eq!(copy.headers(), original.headers());
    assert!(
        copy.headers()["x-public-key"].is_sensitive(),
        "a key stays marked sensitive in the copy"
    );
    assert_eq!(
        copy.body().and_then(reqwest::Body::as_bytes),
        Some(INITIATE_BODY.as_bytes())
    );

    let get = http.get("http://127.0.0.1:9/health").build().unwrap();
    assert!(copy_for_retry(&get, None).body().is_none());
}

/// The executor leaves an attempt's limit to an HTTP client that applies the same one, and still sets a limit the
/// total deadline shortens.
#[tokio::test]
async fn a_client_that_applies_the_attempt_timeout_bounds_each_attempt() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let attempt_timeout = Duration::from_millis(300);
    let http = reqwest::Client::builder()
        .timeout(attempt_timeout)
        .build()
        .unwrap();
    let (result, report) = executor(attempt_timeout, Duration::from_secs(30), fast_retries())
        .with_client_timeout(Some(attempt_timeout))
        .execute_reported(
            &http,
            request(&http, Method::GET, server.uri(), None),
            &list_tools(),
        )
        .await;
    assert_eq!(result.unwrap().status(), StatusCode::OK);
    assert_eq!(
        outcomes(&report),
        [AttemptOutcome::TimedOut, status_outcome(200)]
    );

    // A total deadline shorter than the client's limit is set on the request: the slow answer (5 s) is not
    // waited for, though the client alone would wait 10 s.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .mount(&server)
        .await;
    let client_limit = Duration::from_secs(10);
    let http = reqwest::Client::builder()
        .timeout(client_limit)
        .build()
        .unwrap();
    let (result, report) = executor(client_limit, Duration::from_millis(400), fast_retries())
        .with_client_timeout(Some(client_limit))
        .execute_reported(
            &http,
            request(&http, Method::GET, server.uri(), None),
            &list_tools(),
        )
        .await;
    assert!(result.unwrap_err().is_timeout());
    assert_eq!(outcomes(&report)[0], AttemptOutcome::TimedOut);
    assert!(report.attempts()[0].deadline_limited);
}

/// The largest block glibc's per-thread cache serves (`tcache`, 1,032 usable bytes), rounded down: a larger boxed
/// future takes the allocator's shared bins on every request, at several times the cost.
const PER_THREAD_CACHE_LIMIT: usize = 1024;

#[test]
fn the_attempt_loop_future_fits_the_allocators_per_thread_cache() {
    let executor = default_executor();
    let http = reqwest::Client::new();
    let request = http
        .post("http://127.0.0.1:9/v2/call/initiate")
        .body(INITIATE_BODY)
        .build()
        .unwrap();
    let rebuild: &Rebuild<'_> = &|| None;
    let future = executor.send_with_retries(
        &http,
        request,
        initiate_call(),
        Some(rebuild),
        ReportTo::CurrentLog,
    );
    let size = size_of_val(&future);
    assert!(
        size <= PER_THREAD_CACHE_LIMIT,
        "the attempt loop's future is {size} bytes, over {PER_THREAD_CACHE_LIMIT}"
    );
}
