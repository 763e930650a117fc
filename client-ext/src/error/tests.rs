use std::time::{Duration, SystemTime};

use bytes::Bytes;
use progenitor_client::{ByteStream, ResponseValue};
use reqwest::header::{HeaderMap, HeaderValue};

use super::*;
use crate::executor::{AttemptRecord, AttemptReport, sha256_hex};
use crate::knowledge_base::PlanError;
use crate::operation::OperationContext;
use crate::retry::{AmbiguousFailure, AttemptOutcome, Decision};
use crate::test_support::{PRIVATE_KEY, PUBLIC_KEY, assert_no_key_material};

fn abort_call() -> OperationContext {
    OperationContext::new("abortCall", "POST", "/v2/call/abort")
}

fn list_tools() -> OperationContext {
    OperationContext::new("listApiTools", "GET", "/v1/admin/tool/api")
}

fn initiate_call() -> OperationContext {
    OperationContext::new("initiateCall", "POST", "/v2/call/initiate")
}

fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(*name, HeaderValue::from_static(value));
    }
    map
}

fn json() -> HeaderMap {
    headers(&[("content-type", "application/json; charset=utf-8")])
}

fn status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap()
}

/// Renders an error the way the snapshots record it: `Display`, then pretty `Debug`.
fn render(error: &Error) -> String {
    format!("Display: {error}\n\nDebug: {error:#?}")
}

#[test]
fn documented_error_shapes_map_to_api_errors() {
    let err = Error::from_response(
        abort_call(),
        status(404),
        &json(),
        br#"{"code":404,"message":"Call not found"}"#,
        false,
    );
    assert_eq!(err.to_string(), "abortCall: 404 Not Found: Call not found");
    assert_eq!(err.kind(), Some(ErrorKind::NotFound));
    assert_eq!(err.status(), Some(status(404)));
    assert_eq!(err.operation_id(), Some("abortCall"));
    let api = err.api_error().unwrap();
    assert_eq!(api.code(), Some(404));
    assert_eq!(api.message(), Some("Call not found"));
    assert_eq!(api.operation().path_template(), "/v2/call/abort");
    assert_eq!(api.operation().method(), "POST");
    assert!(!err.is_retryable());

    let status_code = Error::from_response(
        list_tools(),
        status(401),
        &json(),
        br#"{"status_code":401,"message":"Unauthorized - missing or invalid API keys","data":[]}"#,
        false,
    );
    assert_eq!(status_code.kind(), Some(ErrorKind::Unauthorized));
    assert_eq!(status_code.api_error().unwrap().code(), Some(401));
}

#[test]
fn server_errors_depend_on_idempotency() {
    let body = b"<html><body><h1>502 Bad Gateway</h1></body></html>";
    let html = headers(&[("content-type", "text/html")]);
    let get = Error::from_response(list_tools(), status(502), &html, body, false);
    assert!(matches!(get, Error::Api(_)));
    assert!(get.is_retryable());
    assert_eq!(get.api_error().unwrap().message(), None);
    assert_eq!(get.api_error().unwrap().body().as_bytes(), body);

    let post = Error::from_response(initiate_call(), status(502), &html, body, false);
    let Error::OutcomeUnknown(unknown) = &post else {
        panic!("expected OutcomeUnknown, got {post:?}");
    };
    assert_eq!(unknown.status(), Some(status(502)));
    assert!(!post.is_retryable());
    assert_eq!(post.status(), Some(status(502)));
    assert_eq!(post.kind(), Some(ErrorKind::Server));
    assert_eq!(post.api_error().unwrap().body().as_bytes(), body);
}

#[test]
fn undocumented_success_status_is_a_decode_error() {
    let err = Error::from_response(list_tools(), status(204), &HeaderMap::new(), b"", false);
    let Error::Decode(decode) = &err else {
        panic!("expected Decode, got {err:?}");
    };
    assert_eq!(decode.status(), Some(status(204)));
    assert_eq!(err.status(), Some(status(204)));
    assert!(!err.is_retryable());
}

#[test]
fn retryability_by_variant() {
    let refused = TransportError::new(initiate_call(), TransportPhase::Connect, "refused");
    assert!(
        Error::from(refused).is_retryable(),
        "never sent, so safe even for POST"
    );
    let lost_get = TransportError::new(list_tools(), TransportPhase::Request, "reset");
    assert!(Error::from(lost_get).is_retryable());
    let lost_post = TransportError::new(initiate_call(), TransportPhase::Request, "reset");
    assert!(!Error::from(lost_post).is_retryable());
    assert!(
        Error::from(TimeoutError::new(list_tools(), TimeoutScope::Attempt, None)).is_retryable()
    );
    assert!(
        Error::from(TimeoutError::new(
            initiate_call(),
            TimeoutScope::Connect,
            None
        ))
        .is_retryable()
    );
    assert!(
        !Error::from(TimeoutError::new(
            initiate_call(),
            TimeoutScope::Attempt,
            None
        ))
        .is_retryable()
    );
    let rate_limited =
        Error::from_response(initiate_call(), status(429), &HeaderMap::new(), b"", false);
    assert!(rate_limited.is_retryable());
    assert!(!Error::from(ValidationError::MissingWorkspace { operation_id: "x" }).is_retryable());
    assert!(!Error::from(ConfigError::MissingVariable { name: "X" }).is_retryable());
}

fn every_variant() -> Vec<Error> {
    let key_text = format!("echo {PUBLIC_KEY} {PRIVATE_KEY}");
    let mut leaky_headers = json();
    leaky_headers.insert("x-private-key", HeaderValue::from_static(PRIVATE_KEY));
    leaky_headers.insert("x-public-key", HeaderValue::from_static(PUBLIC_KEY));
    leaky_headers.insert("x-debug", HeaderValue::from_str(&key_text).unwrap());
    let body = format!(r#"{{"code":401,"message":"{key_text}"}}"#);
    let api = Error::from_response(
        list_tools(),
        status(401),
        &leaky_headers,
        body.as_bytes(),
        false,
    );
    let unknown = Error::from_response(
        initiate_call(),
        status(500),
        &leaky_headers,
        body.as_bytes(),
        false,
    );
    vec![
        api,
        unknown,
        TransportError::new(list_tools(), TransportPhase::Request, key_text.clone()).into(),
        TimeoutError::new(
            list_tools(),
            TimeoutScope::Deadline,
            Some(Duration::from_secs(120)),
        )
        .into(),
        DecodeError::new(
            list_tools(),
            Some(status(200)),
            RawBody::bounded(body.as_bytes(), false),
            key_text.clone(),
        )
        .into(),
        ValidationError::InvalidRequest {
            operation_id: Some("listApiTools"),
            message: "bad".into(),
        }
        .into(),
        OutcomeUnknown::new(
            initiate_call(),
            UnknownCause::ConnectionLost {
                detail: crate::secret::redact_key_material(&key_text).into_owned(),
            },
        )
        .into(),
        ConfigError::MissingVariable {
            name: "MIRAI_PRIVATE_KEY",
        }
        .into(),
        PlanError::EmptyFile.into(),
        KnowledgeBaseError::NotReady {
            knowledge_base_id: "6650f0c2a1b2c3d4e5f60718".into(),
            waited: Duration::from_secs(300),
            last_status: Some(crate::knowledge_base::KnowledgeBaseStatus::Processing),
        }
        .into(),
    ]
}

#[test]
fn no_variant_ever_prints_key_material() {
    for error in every_variant() {
        assert_no_key_material(&error.to_string());
        assert_no_key_material(&format!("{error:?}"));
        assert_no_key_material(&format!("{error:#?}"));
        if let Some(api) = error.api_error() {
            assert_no_key_material(&format!("{:?}", api.headers()));
            assert_eq!(api.headers()["x-private-key"], crate::secret::REDACTED);
        }
    }
}

#[test]
fn operation_ids_by_variant() {
    let ids: Vec<_> = every_variant().iter().map(Error::operation_id).collect();
    assert_eq!(
        ids,
        [
            Some("listApiTools"),
            Some("initiateCall"),
            Some("listApiTools"),
            Some("listApiTools"),
            Some("listApiTools"),
            Some("listApiTools"),
            Some("initiateCall"),
            None,
            None,
            Some("getKnowledgeBaseFile")
        ]
    );
    assert_eq!(
        Error::from(ValidationError::MissingOrganization {
            operation_id: "purchaseNumber"
        })
        .operation_id(),
        Some("purchaseNumber")
    );
}

#[test]
fn snapshot_undocumented_responses() {
    let cases: Vec<(&str, Error)> = vec![
        (
            "html_502_get",
            Error::from_response(
                list_tools(),
                status(502),
                &headers(&[("content-type", "text/html"), ("server", "nginx")]),
                b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body><center><h1>502 Bad Gateway</h1></center></body>\r\n</html>\r\n",
                false,
            ),
        ),
        (
            "html_502_post",
            Error::from_response(
                initiate_call(),
                status(502),
                &headers(&[("content-type", "text/html")]),
                b"<html><body>502 Bad Gateway</body></html>",
                false,
            ),
        ),
        (
            "empty_401",
            Error::from_response(list_tools(), status(401), &headers(&[("content-length", "0")]), b"", false),
        ),
        (
            "rate_limited_429",
            Error::from_response(
                initiate_call(),
                status(429),
                &headers(&[("content-type", "text/plain"), ("retry-after", "30")]),
                b"Too Many Requests",
                false,
            ),
        ),
        (
            "truncated_json_400",
            Error::from_response(abort_call(), status(400), &json(), br#"{"code":400,"message":"Call alre"#, false),
        ),
        (
            "status_code_shape_403",
            Error::from_response(
                OperationContext::new("archiveOrganizationOrWorkspace", "POST", "/v1/admin/organization/archive"),
                status(403),
                &json(),
                br#"{"status_code":403,"message":"Forbidden - insufficient role permissions"}"#,
                false,
            ),
        ),
        (
            "request_id_404",
            Error::from_response(
                abort_call(),
                status(404),
                &headers(&[("content-type", "application/json"), ("cf-ray", "8a1b2c3d4e5f-BOM"), ("x-request-id", "req_7Hq2")]),
                br#"{"code":404,"message":"Call not found"}"#,
                false,
            ),
        ),
        (
            "request_id_500_post",
            Error::from_response(
                initiate_call(),
                status(500),
                &headers(&[("content-type", "application/json"), ("x-amzn-requestid", "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")]),
                br#"{"code":500,"message":"Internal error"}"#,
                false,
            ),
        ),
        (
            "undecodable_200_post",
            Error::from_response(
                initiate_call(),
                status(201),
                &json(),
                br#"{"callId":"c1","status":"initiate"}"#,
                false,
            ),
        ),
    ];
    for (name, error) in cases {
        insta::assert_snapshot!(name, render(&error));
    }
}

fn report_for(
    outcome: AttemptOutcome,
    decision: Decision,
    deadline_limited: bool,
) -> AttemptReport {
    let mut report = AttemptReport::begin(
        "initiateCall",
        Some(bytes::Bytes::from_static(b"{\"x\":1}")),
        Duration::from_secs(120),
    );
    report.push(AttemptRecord {
        number: 1,
        sent_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_767_225_600),
        duration: Duration::from_secs(30),
        timeout: Duration::from_secs(30),
        deadline_limited,
        outcome,
        decision,
        request_id: None,
    });
    report
}

#[test]
fn report_fills_in_what_was_sent() {
    let report = report_for(
        AttemptOutcome::TimedOut,
        Decision::OutcomeUnknown(AmbiguousFailure::TimedOut),
        false,
    );
    let err = Error::from(OutcomeUnknown::new(
        initiate_call(),
        UnknownCause::TimedOut { after: None },
    ))
    .with_report(&report);
    let Error::OutcomeUnknown(unknown) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        unknown.body_sha256(),
        Some(sha256_hex(b"{\"x\":1}").as_str())
    );
    assert_eq!(unknown.sent_at(), report.last_sent_at());
    assert_eq!(unknown.attempts(), 1);
    insta::assert_snapshot!("outcome_unknown_timeout_with_report", render(&err));
}

#[test]
fn report_sets_timeout_limits() {
    let attempt = Error::from(TimeoutError::new(list_tools(), TimeoutScope::Attempt, None))
        .with_report(&report_for(AttemptOutcome::TimedOut, Decision::Done, false));
    assert_eq!(
        attempt.to_string(),
        "listApiTools: no response within the per-attempt timeout of 30s"
    );
    let deadline = Error::from(TimeoutError::new(list_tools(), TimeoutScope::Attempt, None))
        .with_report(&report_for(AttemptOutcome::TimedOut, Decision::Done, true));
    assert_eq!(
        deadline.to_string(),
        "listApiTools: no response before the total deadline of 120s"
    );
    let connect = Error::from(TimeoutError::new(list_tools(), TimeoutScope::Connect, None))
        .with_report(&report_for(
            AttemptOutcome::NotSent { timed_out: true },
            Decision::Done,
            false,
        ));
    assert!(matches!(&connect, Error::Timeout(t) if t.scope() == TimeoutScope::Connect));
}

#[test]
fn report_supplies_the_status_of_an_undecodable_body() {
    let report = report_for(
        AttemptOutcome::Response {
            status: status(200),
            retry_after: None,
        },
        Decision::Done,
        false,
    );
    let err = Error::from(DecodeError::new(
        list_tools(),
        None,
        RawBody::empty(),
        "expected value",
    ))
    .with_report(&report);
    assert_eq!(err.status(), Some(status(200)));
}

fn byte_stream(chunks: Vec<&'static [u8]>) -> ByteStream {
    let items: Vec<reqwest::Result<Bytes>> = chunks
        .into_iter()
        .map(|c| Ok(Bytes::from_static(c)))
        .collect();
    ByteStream::new(Box::pin(futures::stream::iter(items)))
}

#[tokio::test]
async fn progenitor_error_response_with_byte_stream() {
    let value = ResponseValue::new(
        byte_stream(vec![
            br#"{"status_code":409,"#,
            br#""message":"Phone number is already released"}"#,
        ]),
        status(409),
        json(),
    );
    let op = OperationContext::new(
        "releaseNumber",
        "DELETE",
        "/v1/number-pool/{telephonyNumberId}",
    );
    let err =
        Error::from_progenitor(op, progenitor_client::Error::ErrorResponse(value), None).await;
    assert_eq!(
        err.to_string(),
        "releaseNumber: 409 Conflict: Phone number is already released"
    );
}

#[tokio::test]
async fn byte_stream_bodies_are_read_bounded() {
    static BIG: [u8; 40_000] = [b'a'; 40_000];
    let stream = byte_stream(vec![&BIG, &BIG, &BIG]);
    let (body, truncated) = stream.read_bounded(MAX_READ_BODY_BYTES).await;
    assert_eq!(body.len(), MAX_READ_BODY_BYTES);
    assert!(truncated);
    let value = ResponseValue::new(byte_stream(vec![&BIG, &BIG]), status(500), HeaderMap::new());
    let err = Error::from_progenitor(
        list_tools(),
        progenitor_client::Error::ErrorResponse(value),
        None,
    )
    .await;
    let api = err.api_error().unwrap();
    assert_eq!(api.body().len(), MAX_KEPT_BODY_BYTES);
    assert!(api.body().is_truncated());
}

#[tokio::test]
async fn progenitor_error_response_without_body() {
    let value = ResponseValue::new((), status(400), HeaderMap::new());
    let op = OperationContext::new(
        "initializeWorkspace",
        "POST",
        "/v2/workspace/onboard/shopify",
    );
    let err =
        Error::from_progenitor(op, progenitor_client::Error::ErrorResponse(value), None).await;
    assert_eq!(
        err.to_string(),
        "initializeWorkspace: 400 Bad Request: empty response body"
    );
}

#[tokio::test]
async fn progenitor_typed_error_bodies_are_reserialized() {
    #[derive(serde::Serialize)]
    struct AbortCallError {
        code: Option<i64>,
        message: Option<String>,
    }
    crate::impl_error_body_via_serde!(AbortCallError);
    let value = ResponseValue::new(
        AbortCallError {
            code: Some(400),
            message: Some("Call already aborted".into()),
        },
        status(400),
        json(),
    );
    let err = Error::from_progenitor(
        abort_call(),
        progenitor_client::Error::ErrorResponse(value),
        None,
    )
    .await;
    assert_eq!(
        err.to_string(),
        "abortCall: 400 Bad Request: Call already aborted"
    );

    let value = ResponseValue::new(serde_json::json!({"message": "m"}), status(404), json());
    let err = Error::from_progenitor(
        abort_call(),
        progenitor_client::Error::ErrorResponse(value),
        None,
    )
    .await;
    assert_eq!(err.api_error().unwrap().message(), Some("m"));
    let value = ResponseValue::new(Bytes::from_static(b"plain words"), status(404), json());
    let err = Error::from_progenitor(
        abort_call(),
        progenitor_client::Error::ErrorResponse(value),
        None,
    )
    .await;
    assert_eq!(err.api_error().unwrap().message(), Some("plain words"));
}

#[tokio::test]
async fn progenitor_unexpected_response_keeps_status_headers_and_body() {
    let response = http::Response::builder()
        .status(503)
        .header("content-type", "text/html")
        .header("retry-after", "5")
        .body("<html>maintenance</html>")
        .unwrap();
    let err = Error::from_progenitor(
        list_tools(),
        progenitor_client::Error::<()>::UnexpectedResponse(reqwest::Response::from(response)),
        None,
    )
    .await;
    let api = err.api_error().unwrap();
    assert_eq!(api.status(), status(503));
    assert_eq!(api.retry_after(), Some(Duration::from_secs(5)));
    assert_eq!(api.body().text(), "<html>maintenance</html>");

    let big = http::Response::builder()
        .status(500)
        .body(vec![b'z'; 100_000])
        .unwrap();
    let err = Error::from_progenitor(
        list_tools(),
        progenitor_client::Error::<()>::UnexpectedResponse(reqwest::Response::from(big)),
        None,
    )
    .await;
    assert!(err.api_error().unwrap().body().is_truncated());
}

#[tokio::test]
async fn progenitor_invalid_payload_becomes_decode_with_the_recorded_status() {
    let serde_error = serde_json::from_slice::<serde_json::Value>(b"{not json").unwrap_err();
    let report = report_for(
        AttemptOutcome::Response {
            status: status(200),
            retry_after: None,
        },
        Decision::Done,
        false,
    );
    let err = Error::from_progenitor(
        list_tools(),
        progenitor_client::Error::<()>::InvalidResponsePayload(
            Bytes::from_static(b"{not json"),
            serde_error,
        ),
        Some(&report),
    )
    .await;
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.status(), Some(status(200)));
    assert_eq!(decode.body().text(), "{not json");
    assert_eq!(
        err.to_string(),
        "listApiTools: could not decode the 200 OK response body: key must be a string at line 1 column 2"
    );
}

#[tokio::test]
async fn progenitor_invalid_request_and_custom_become_validation() {
    for error in [
        progenitor_client::Error::<()>::InvalidRequest("no value supplied for call_id".into()),
        progenitor_client::Error::<()>::Custom("no value supplied for call_id".into()),
    ] {
        let err = Error::from_progenitor(abort_call(), error, None).await;
        assert_eq!(
            err.to_string(),
            "abortCall: invalid request: no value supplied for call_id"
        );
        assert!(matches!(err, Error::Validation(_)));
    }
}

#[tokio::test]
async fn progenitor_communication_errors() {
    // A URL reqwest cannot use is rejected while building, without any I/O.
    let builder_error = reqwest::Client::new()
        .get("http://[::1")
        .build()
        .unwrap_err();
    let err = Error::from_progenitor(
        list_tools(),
        progenitor_client::Error::<()>::CommunicationError(builder_error),
        None,
    )
    .await;
    assert!(
        matches!(
            err,
            Error::Validation(ValidationError::InvalidRequest { .. })
        ),
        "{err:?}"
    );

    // A port nobody listens on: connection refused on loopback.
    let closed_port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{closed_port}/v2/call/initiate");
    for op in [initiate_call(), list_tools()] {
        let refused = reqwest::Client::new().post(&url).send().await.unwrap_err();
        let err = Error::from_progenitor(
            op,
            progenitor_client::Error::<()>::CommunicationError(refused),
            None,
        )
        .await;
        let Error::Transport(transport) = &err else {
            panic!("{err:?}")
        };
        assert!(transport.request_not_sent());
        assert_eq!(transport.phase(), TransportPhase::Connect);
        assert!(err.is_retryable());
        assert!(std::error::Error::source(transport).is_some());
    }
}
