//! Outcomes over real HTTP on loopback when a success status arrives but its body does not: a side-effecting
//! operation reports `OutcomeUnknown` with the status and is sent once; a read stays a retryable error. Also a
//! DELETE whose retry finds the resource gone, and a side-effecting retry refused for lack of time.

mod client_support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use client_support::*;
use mirai_voice::Error;
use mirai_voice::api::InitiateCall;
use mirai_voice::error::{TimeoutScope, TransportPhase, UnknownCause};
use mirai_voice::retry::RetryConfig;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// What the raw server does after the `200` status line and headers.
#[derive(Clone, Copy)]
enum AfterHeaders {
    /// Sends part of the announced body, then resets the connection.
    Reset,
    /// Sends part of the announced body, then neither sends more nor closes.
    Stall,
    /// Sends a complete body (as announced) that is truncated JSON.
    TruncatedJson,
}

const PARTIAL_BODY: &[u8] = br#"{"callId":"call-"#;

/// A loopback HTTP/1.1 server answering every request `200` with `x-request-id: req-lost-1`, then behaving as
/// `after`. Returns its base URL and the number of requests it received.
async fn raw_server(after: AfterHeaders) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let counter = counter.clone();
            tokio::spawn(async move { answer(stream, after, &counter).await });
        }
    });
    (base, received)
}

async fn answer(mut stream: TcpStream, after: AfterHeaders, received: &AtomicUsize) {
    if !read_request(&mut stream).await {
        return;
    }
    received.fetch_add(1, Ordering::SeqCst);
    let announced = match after {
        AfterHeaders::TruncatedJson => PARTIAL_BODY.len(),
        AfterHeaders::Reset | AfterHeaders::Stall => 4096,
    };
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {announced}\r\n\
         x-request-id: req-lost-1\r\n\r\n"
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(PARTIAL_BODY).await;
    let _ = stream.flush().await;
    match after {
        AfterHeaders::Reset => {
            // Linger 0 turns the close into a TCP reset.
            let _ = stream.set_zero_linger();
            drop(stream);
        }
        AfterHeaders::Stall => {
            // Hold the connection open far longer than any client timeout in these tests.
            tokio::time::sleep(Duration::from_secs(600)).await;
            drop(stream);
        }
        AfterHeaders::TruncatedJson => {
            let _ = stream.shutdown().await;
        }
    }
}

/// Reads one request (headers and a `content-length` body). Returns `false` if the connection ended first.
async fn read_request(stream: &mut TcpStream) -> bool {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if data.len() >= end + 4 + length {
                return true;
            }
        }
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => data.extend_from_slice(&buf[..n]),
        }
    }
}

fn client(base: &str, attempt_timeout: Duration) -> mirai_voice::Client {
    builder(base)
        .workspace(WORKSPACE)
        .organization(ORGANIZATION)
        .attempt_timeout(attempt_timeout)
        .build()
        .expect("valid configuration")
}

fn expect_unknown_200(result: &Error) -> &UnknownCause {
    let Error::OutcomeUnknown(unknown) = result else {
        panic!("expected OutcomeUnknown, got {result:?}");
    };
    assert_eq!(unknown.status().map(|s| s.as_u16()), Some(200), "{unknown}");
    assert!(unknown.cause().was_accepted());
    assert_eq!(unknown.request_id(), Some("req-lost-1"));
    assert!(unknown.body_sha256().is_some());
    assert!(unknown.to_string().contains("request id req-lost-1"));
    assert!(!result.is_retryable());
    unknown.cause()
}

#[tokio::test]
async fn initiate_whose_body_is_reset_is_an_unknown_outcome_sent_once() {
    let (base, received) = raw_server(AfterHeaders::Reset).await;
    let error = client(&base, Duration::from_secs(10))
        .calls()
        .initiate(InitiateCall::new("+15550100".parse().unwrap(), OBJECT_ID))
        .await
        .unwrap_err();
    let cause = expect_unknown_200(&error);
    assert!(
        matches!(
            cause,
            UnknownCause::ResponseBodyLost {
                timed_out: false,
                ..
            }
        ),
        "{cause:?}"
    );
    assert_eq!(error.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(received.load(Ordering::SeqCst), 1, "never repeated");
}

#[tokio::test]
async fn initiate_whose_body_stalls_is_an_unknown_outcome_sent_once() {
    let (base, received) = raw_server(AfterHeaders::Stall).await;
    let error = client(&base, Duration::from_millis(500))
        .calls()
        .initiate(InitiateCall::new("+15550100".parse().unwrap(), OBJECT_ID))
        .await
        .unwrap_err();
    let cause = expect_unknown_200(&error);
    assert!(
        matches!(
            cause,
            UnknownCause::ResponseBodyLost {
                timed_out: true,
                ..
            }
        ),
        "{cause:?}"
    );
    assert_eq!(received.load(Ordering::SeqCst), 1, "never repeated");
}

#[tokio::test]
async fn another_post_with_truncated_json_is_an_unknown_outcome() {
    let (base, received) = raw_server(AfterHeaders::TruncatedJson).await;
    let error = client(&base, Duration::from_secs(10))
        .tools()
        .create(lookup_tool())
        .await
        .unwrap_err();
    let cause = expect_unknown_200(&error);
    let UnknownCause::ResponseBodyUndecodable { body, .. } = cause else {
        panic!("{cause:?}");
    };
    assert_eq!(body.as_bytes(), PARTIAL_BODY);
    assert_eq!(received.load(Ordering::SeqCst), 1);

    // The same failure on a POST reset mid-body.
    let (base, received) = raw_server(AfterHeaders::Reset).await;
    let error = client(&base, Duration::from_secs(10))
        .tools()
        .create(lookup_tool())
        .await
        .unwrap_err();
    expect_unknown_200(&error);
    assert_eq!(received.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_read_whose_body_is_reset_stays_a_retryable_transport_error() {
    let (base, _received) = raw_server(AfterHeaders::Reset).await;
    let error = client(&base, Duration::from_secs(10))
        .tools()
        .list()
        .await
        .unwrap_err();
    let Error::Transport(transport) = &error else {
        panic!("expected a transport error, got {error:?}");
    };
    assert_eq!(transport.phase(), TransportPhase::ResponseBody);
    assert!(error.is_retryable(), "a read may be repeated");
}

#[tokio::test]
async fn a_delete_that_finds_the_resource_gone_after_a_retry_says_so() {
    let server = MockServer::start().await;
    // The first attempt times out (it may have deleted the tool); the retry finds nothing.
    Mock::given(method("DELETE"))
        .and(path(format!("/v1/admin/tool/api/{OBJECT_ID}")))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("/v1/admin/tool/api/{OBJECT_ID}")))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": 404, "message": "API tool not found"})),
        )
        .mount(&server)
        .await;
    let error = client(&server.uri(), Duration::from_millis(300))
        .tools()
        .delete(OBJECT_ID)
        .await
        .unwrap_err();
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(api.status().as_u16(), 404);
    assert!(api.is_not_found_after_retry());
    assert!(error.to_string().contains("probably deleted it"), "{error}");
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    // A 404 on the first attempt is a plain "not found".
    let plain = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&plain)
        .await;
    let error = client(&plain.uri(), Duration::from_secs(10))
        .tools()
        .delete(OBJECT_ID)
        .await
        .unwrap_err();
    assert!(matches!(&error, Error::Api(api) if !api.is_not_found_after_retry()));
}

#[tokio::test]
async fn a_side_effecting_retry_without_enough_time_left_is_not_sent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/call/initiate"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .mount(&server)
        .await;
    // 3 s in all, a 5 s window: after the 429 (and a 1 s wait) too little time would be left.
    let client = builder(&server.uri())
        .workspace(WORKSPACE)
        .total_deadline(Duration::from_secs(3))
        .retry(RetryConfig::default().with_min_side_effect_window(Duration::from_secs(5)))
        .build()
        .unwrap();
    let error = client
        .calls()
        .initiate(InitiateCall::new("+15550100".parse().unwrap(), OBJECT_ID))
        .await
        .unwrap_err();
    let Error::Timeout(timeout) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(timeout.scope(), TimeoutScope::SideEffectWindow);
    assert!(timeout.request_not_sent());
    assert!(error.to_string().contains("not sent again"), "{error}");
    let source = std::error::Error::source(timeout).expect("the last attempt's error is kept");
    assert!(source.to_string().contains("429"), "{source}");
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_multi_mib_error_body_is_kept_bounded() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/admin/tool/api"))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("x-request-id", "req-big-1")
                .set_body_bytes(vec![b'x'; 8 * 1024 * 1024]),
        )
        .mount(&server)
        .await;
    let error = client(&server.uri(), Duration::from_secs(30))
        .tools()
        .list()
        .await
        .unwrap_err();
    let Error::Api(api) = &error else {
        panic!("{error:?}")
    };
    assert!(api.body().len() <= mirai_voice::error::MAX_KEPT_BODY_BYTES);
    assert!(api.body().is_truncated());
    assert_eq!(api.request_id(), Some("req-big-1"));
}
