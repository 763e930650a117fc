//! The SDK against the emulator: every operation goes through `mirai_voice::Client`, and every
//! kind of fault the emulator injects surfaces as the error (or the retry) the SDK documents.

mod sdk_support;

use std::collections::BTreeSet;
use std::time::Duration;

use mirai_voice::api::{AgentIdentity, CreateAssistant, InitiateCall};
use mirai_voice::error::{ErrorKind, UnknownCause};
use mirai_voice::ids::AssistantId;
use mirai_voice::{Client, Error};
use mirai_voice_generated::operations::OPERATIONS;
use mirai_voice_mock::{FaultBody, FaultKind, FaultMatch, FaultRule, MockServer};
use mirai_voice_tests::call_every_operation;

/// A client for the seeded organization, with fast retries so tests stay quick.
fn client(server: &MockServer, attempt_timeout: Duration) -> Client {
    sdk_support::emulator_client(server, &server.credentials(), attempt_timeout)
}

async fn assistant(client: &Client) -> AssistantId {
    let request = CreateAssistant::custom(
        "Emulator tests",
        AgentIdentity::new("Asha"),
        "Confirm the order.",
    );
    let created = client
        .assistants()
        .create(request)
        .await
        .expect("assistant created");
    created.id
}

/// Makes the next `count` requests of `operation_id` meet `fault`.
fn inject(server: &MockServer, operation_id: &str, fault: FaultKind, count: u32) {
    server
        .control()
        .add_fault(FaultRule {
            matcher: FaultMatch::operation(operation_id),
            fault,
            count,
        })
        .expect("a valid fault rule");
}

fn requests_for(server: &MockServer, operation_id: &str) -> usize {
    server
        .control()
        .requests()
        .iter()
        .filter(|r| r.operation_id.as_deref() == Some(operation_id))
        .count()
}

#[tokio::test]
async fn every_operation_reaches_the_emulator_through_the_sdk() {
    let server = MockServer::start().await;
    let client = client(&server, Duration::from_secs(10));
    // The generated operations, through the SDK's credentials and executor.
    let outcomes = call_every_operation(client.raw()).await;
    assert_eq!(outcomes.len(), 31);
    // The hand-written multipart chunk upload.
    let uploaded = client
        .knowledge_base()
        .upload(mirai_voice::knowledge_base::Upload::bytes(
            "faq.txt",
            b"Q: Hours?\nA: 9 to 5.\n".to_vec(),
        ))
        .send()
        .await
        .expect("upload through the emulator");
    assert!(!uploaded.knowledge_base_id.as_str().is_empty());

    let seen: BTreeSet<String> = server
        .control()
        .requests()
        .into_iter()
        .filter_map(|r| r.operation_id)
        .collect();
    for op in OPERATIONS
        .iter()
        .filter(|op| op.operation_id != "callEventsWebhook")
    {
        assert!(
            seen.contains(op.operation_id),
            "{} never reached the emulator",
            op.operation_id
        );
    }
    // Nothing was refused for its credentials: every operation got exactly what it needed.
    for record in server.control().requests() {
        assert!(
            !matches!(record.status, Some(401 | 403)),
            "{:?} was refused: {:?}",
            record.operation_id,
            record.status
        );
    }
}

#[tokio::test]
async fn an_html_502_on_a_get_is_retried_and_succeeds() {
    let server = MockServer::start().await;
    let client = client(&server, Duration::from_secs(10));
    inject(
        &server,
        "adminListAssistants",
        FaultKind::Status {
            status: 502,
            body: FaultBody::Html,
        },
        1,
    );
    let assistants = client
        .assistants()
        .list()
        .await
        .expect("the retry succeeds");
    assert!(assistants.is_empty());
    assert_eq!(requests_for(&server, "adminListAssistants"), 2);
}

#[tokio::test]
async fn a_5xx_on_initiate_is_outcome_unknown_and_never_resent() {
    let server = MockServer::start().await;
    let client = client(&server, Duration::from_secs(10));
    let assistant = assistant(&client).await;
    inject(
        &server,
        "initiateCall",
        FaultKind::Status {
            status: 503,
            body: FaultBody::Html,
        },
        5,
    );
    let err = client
        .calls()
        .initiate(InitiateCall::new(
            "+14155550100".parse().unwrap(),
            &assistant,
        ))
        .await
        .expect_err("an ambiguous failure");
    let Error::OutcomeUnknown(unknown) = &err else {
        panic!("expected OutcomeUnknown, got {err:?}")
    };
    assert_eq!(unknown.status().map(|s| s.as_u16()), Some(503));
    assert!(unknown.body_sha256().is_some_and(|d| d.len() == 64));
    assert!(!err.is_retryable());
    assert_eq!(
        requests_for(&server, "initiateCall"),
        1,
        "a call is never dialled twice"
    );
}

#[tokio::test]
async fn an_empty_401_is_unauthorized() {
    let server = MockServer::start().await;
    let client = client(&server, Duration::from_secs(10));
    inject(
        &server,
        "listApiTools",
        FaultKind::Status {
            status: 401,
            body: FaultBody::Empty,
        },
        1,
    );
    let err = client.tools().list().await.expect_err("401");
    assert_eq!(err.kind(), Some(ErrorKind::Unauthorized), "{err:?}");
    assert!(err.api_error().unwrap().body().is_empty());
}

#[tokio::test]
async fn rate_limits_are_retried_honouring_retry_after() {
    let server = MockServer::start().await;
    let client = client(&server, Duration::from_secs(10));
    let assistant = assistant(&client).await;
    // With Retry-After (on a POST: 429 means the request was not processed).
    inject(
        &server,
        "initiateCall",
        FaultKind::RateLimit {
            retry_after_secs: Some(1),
        },
        1,
    );
    let started = std::time::Instant::now();
    let placed = client
        .calls()
        .initiate(InitiateCall::new(
            "+14155550100".parse().unwrap(),
            &assistant,
        ))
        .await
        .expect("placed after the rate limit");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(requests_for(&server, "initiateCall"), 2);
    assert_eq!(server.control().calls().len(), 1, "exactly one call exists");
    assert!(server.control().call(&placed.call_id).is_some());

    // Without Retry-After: the backoff schedule applies.
    inject(
        &server,
        "listApiTools",
        FaultKind::RateLimit {
            retry_after_secs: None,
        },
        1,
    );
    client.tools().list().await.expect("retried after backoff");
    assert_eq!(requests_for(&server, "listApiTools"), 2);
}

#[tokio::test]
async fn latency_past_the_attempt_timeout() {
    let server = MockServer::start().await;
    let client = client(&server, Duration::from_secs(1));
    let assistant = assistant(&client).await;
    // An idempotent read times out once and is retried.
    inject(
        &server,
        "listKnowledgeBaseFiles",
        FaultKind::Latency { delay_ms: 3000 },
        1,
    );
    client
        .knowledge_base()
        .list()
        .await
        .expect("second attempt in time");
    // The delayed attempt could not have answered within the 1 s attempt timeout, and the fault was used up:
    // the answer came from a second attempt.
    assert!(
        server.control().faults().iter().all(|f| f.remaining == 0),
        "{:?}",
        server.control().faults()
    );
    assert_eq!(
        requests_for(&server, "listKnowledgeBaseFiles"),
        1,
        "only the second attempt was answered"
    );

    // A call that times out after sending is not resent.
    inject(
        &server,
        "initiateCall",
        FaultKind::Latency { delay_ms: 3000 },
        1,
    );
    let err = client
        .calls()
        .initiate(InitiateCall::new(
            "+14155550100".parse().unwrap(),
            &assistant,
        ))
        .await
        .expect_err("timed out");
    let Error::OutcomeUnknown(unknown) = &err else {
        panic!("expected OutcomeUnknown, got {err:?}")
    };
    assert!(
        matches!(unknown.cause(), UnknownCause::TimedOut { .. }),
        "{unknown:?}"
    );
    assert_eq!(unknown.attempts(), 1, "sent once");
    assert!(unknown.body_sha256().is_some() && unknown.sent_at().is_some());
    assert!(server.control().faults().iter().all(|f| f.remaining == 0));
}

#[tokio::test]
async fn a_connection_reset_after_the_request_is_outcome_unknown() {
    let server = MockServer::start().await;
    let client = client(&server, Duration::from_secs(10));
    let assistant = assistant(&client).await;
    inject(
        &server,
        "initiateCall",
        FaultKind::ConnectionReset {
            after_handler: true,
        },
        1,
    );
    let err = client
        .calls()
        .initiate(InitiateCall::new(
            "+14155550100".parse().unwrap(),
            &assistant,
        ))
        .await
        .expect_err("connection reset");
    let Error::OutcomeUnknown(unknown) = &err else {
        panic!("expected OutcomeUnknown, got {err:?}")
    };
    assert!(
        matches!(unknown.cause(), UnknownCause::ConnectionLost { .. }),
        "{unknown:?}"
    );
    assert_eq!(requests_for(&server, "initiateCall"), 1);
    assert_eq!(
        server.control().calls().len(),
        1,
        "the request took effect although the client never learnt it"
    );
}

#[tokio::test]
async fn truncated_json_is_a_decode_error_with_the_status() {
    let server = MockServer::start().await;
    let client = client(&server, Duration::from_secs(10));
    inject(&server, "getHealthMonitor", FaultKind::TruncatedJson, 1);
    let err = client.health().await.expect_err("truncated body");
    let Error::Decode(decode) = &err else {
        panic!("expected Decode, got {err:?}")
    };
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200), "{decode:?}");
}
