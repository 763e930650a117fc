//! Calls and the hand-read responses, against a loopback server: abort outcomes, statuses added later, the voice
//! gallery's undeclared body, checks made before sending.

mod client_support;

use client_support::*;
use mirai_voice::Error;
use mirai_voice::api::{AbortOutcome, InitiateCall};
use mirai_voice::call_status::CallStatus;
use mirai_voice::error::{ErrorKind, UnknownCause, ValidationError};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

async fn abort_answering(
    template: ResponseTemplate,
) -> (MockServer, mirai_voice::Result<AbortOutcome>) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/call/abort"))
        .and(body_json(json!({"callId": OBJECT_ID})))
        .and(header("workspace", WORKSPACE))
        .respond_with(template)
        .expect(1)
        .mount(&server)
        .await;
    let outcome = full_client(&server.uri()).calls().abort(OBJECT_ID).await;
    (server, outcome)
}

fn json_error(status: u16, body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(body)
}

#[tokio::test]
async fn abort_outcomes() {
    let (_s, aborted) = abort_answering(json_error(200, json!({"message": "Call aborted"}))).await;
    assert_eq!(
        aborted.unwrap(),
        AbortOutcome::Aborted {
            message: Some("Call aborted".into())
        }
    );

    let (_s, refused) = abort_answering(json_error(
        400,
        json!({"code": 400, "message": "Call already aborted"}),
    ))
    .await;
    assert_eq!(
        refused.unwrap(),
        AbortOutcome::NotAbortable {
            code: Some(400),
            message: "Call already aborted".into(),
            state: Some(CallStatus::Aborted)
        }
    );

    let (_s, in_progress) = abort_answering(json_error(
        400,
        json!({"status_code": 400, "message": "Call is in progress"}),
    ))
    .await;
    assert_eq!(
        in_progress.unwrap(),
        AbortOutcome::NotAbortable {
            code: Some(400),
            message: "Call is in progress".into(),
            state: Some(CallStatus::InProgress)
        }
    );

    let (_s, vague) = abort_answering(json_error(
        400,
        json!({"code": 400, "message": "Call already aborted, in progress, or completed"}),
    ))
    .await;
    assert!(
        matches!(
            vague.unwrap(),
            AbortOutcome::NotAbortable { state: None, .. }
        ),
        "a message naming several states names none"
    );

    let (_s, missing) = abort_answering(json_error(
        404,
        json!({"code": 404, "message": "Call not found"}),
    ))
    .await;
    assert_eq!(
        missing.unwrap(),
        AbortOutcome::NotFound {
            code: Some(404),
            message: Some("Call not found".into())
        }
    );
}

#[tokio::test]
async fn a_malformed_abort_is_an_error_not_a_refusal() {
    for message in ["\"callId\" must be a valid id", "Validation Error"] {
        let (_s, result) =
            abort_answering(json_error(400, json!({"code": 400, "message": message}))).await;
        let Err(Error::Api(api)) = result else {
            panic!("a 400 that names no call state is an API error: {result:?}");
        };
        assert_eq!(api.kind(), ErrorKind::BadRequest);
        assert_eq!(api.code(), Some(400));
        assert_eq!(api.message(), Some(message));
    }
    let (_s, empty) = abort_answering(ResponseTemplate::new(400)).await;
    assert!(
        matches!(empty, Err(Error::Api(ref api)) if api.status().as_u16() == 400),
        "a 400 without a message cannot be read as a refusal: {empty:?}"
    );
}

#[tokio::test]
async fn other_abort_failures_stay_errors() {
    let (_s, unauthorized) = abort_answering(ResponseTemplate::new(401)).await;
    let error = unauthorized.unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::Unauthorized));
    assert_eq!(error.operation_id(), Some("abortCall"));

    // An abort is repeatable (a repeat is refused as "already aborted", nothing is duplicated): a 502 is retried,
    // and once the retries are used up the 502 is an API error, not an unknown outcome.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/call/abort"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let failed = full_client(&server.uri()).calls().abort(OBJECT_ID).await;
    let Err(Error::Api(api)) = &failed else {
        panic!("expected the 502 as an API error, got {failed:?}");
    };
    assert_eq!(api.status().as_u16(), 502);
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn initiate_keeps_a_status_added_later() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/call/initiate"))
        .and(body_json(json!({
            "phoneNumber": "+15550100", "assistant": OBJECT_ID,
            "payload": {"orderId": "1001"}, "priority": true
        })))
        .respond_with(json_error(
            200,
            json!({"callId": "call-7", "status": "queued-for-slot"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let call = full_client(&server.uri())
        .calls()
        .initiate(
            InitiateCall::new("+15550100".parse().unwrap(), OBJECT_ID)
                .custom_payload(json!({"orderId": "1001"}).as_object().unwrap().clone())
                .priority(true),
        )
        .await
        .unwrap();
    assert_eq!(call.call_id, "call-7");
    assert_eq!(
        call.status,
        Some(CallStatus::Unknown("queued-for-slot".into()))
    );
}

#[tokio::test]
async fn an_undecodable_success_keeps_status_and_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/call/initiate"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>ok</html>"))
        .mount(&server)
        .await;
    let error = full_client(&server.uri())
        .calls()
        .initiate(InitiateCall::new("+15550100".parse().unwrap(), OBJECT_ID))
        .await
        .unwrap_err();
    // The call was accepted (200): its result is unknown, which must not read as a failure to retry.
    let Error::OutcomeUnknown(unknown) = &error else {
        panic!("expected an unknown outcome, got {error:?}")
    };
    assert_eq!(unknown.status().map(|s| s.as_u16()), Some(200));
    assert!(unknown.cause().was_accepted());
    let UnknownCause::ResponseBodyUndecodable { body, .. } = unknown.cause() else {
        panic!("{unknown:?}")
    };
    assert_eq!(body.text(), "<html>ok</html>");
    assert!(!error.is_retryable());
    assert_eq!(server.received_requests().await.unwrap().len(), 1);

    // A read whose body does not decode stays a decode error.
    Mock::given(method("GET"))
        .and(path("/v1/admin/tool/api"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>ok</html>"))
        .mount(&server)
        .await;
    let error = full_client(&server.uri()).tools().list().await.unwrap_err();
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}")
    };
    assert_eq!(decode.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(decode.body().text(), "<html>ok</html>");
}

#[tokio::test]
async fn voice_gallery_body_is_read_although_the_spec_declares_none() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/admin/voice-gallery"))
        .and(header("x-public-key", PUBLIC_KEY))
        .and(header("x-private-key", PRIVATE_KEY))
        .respond_with(json_error(
            200,
            json!({"status_code": 200, "message": "Voices fetched successfully.", "data": [
                {"_id": "v1", "slug": "sagar", "sampleAudio": "https://cdn.example.com/sagar.mp3"},
                {"_id": "v2", "slug": "asha"}
            ]}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let voices = full_client(&server.uri()).voices().list().await.unwrap();
    let slugs: Vec<_> = voices.iter().map(|v| v.slug.as_deref().unwrap()).collect();
    assert_eq!(slugs, ["sagar", "asha"]);
    assert_eq!(
        voices[0].sample_audio.as_deref(),
        Some("https://cdn.example.com/sagar.mp3")
    );
    let request = &server.received_requests().await.unwrap()[0];
    assert!(request.headers.get("workspace").is_none());
}

#[tokio::test]
async fn voice_gallery_errors_are_mapped() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/admin/voice-gallery"))
        .respond_with(json_error(
            403,
            json!({"status_code": 403, "message": "Forbidden"}),
        ))
        .mount(&server)
        .await;
    let error = full_client(&server.uri())
        .voices()
        .list()
        .await
        .unwrap_err();
    assert_eq!(error.kind(), Some(ErrorKind::Forbidden));
    assert!(
        error
            .to_string()
            .starts_with("getVoiceGallery: 403 Forbidden: Forbidden"),
        "{error}"
    );
}

#[tokio::test]
async fn empty_ids_and_rejected_values_fail_before_sending() {
    let server = MockServer::start().await;
    let client = full_client(&server.uri());
    let empty = client.calls().abort("").await.unwrap_err();
    assert!(
        matches!(
            &empty,
            Error::Validation(ValidationError::InvalidRequest {
                operation_id: Some("abortCall"),
                ..
            })
        ),
        "{empty:?}"
    );
    let payload = client
        .calls()
        .update_payload(" ", serde_json::Map::new())
        .await
        .unwrap_err();
    assert_eq!(
        payload.to_string(),
        "updateCallPayload: invalid request: `call_id` is empty"
    );
    // The generated types check patterns: an archive target must be a 24-digit hex id.
    let archive = client
        .organizations()
        .archive(mirai_voice::api::ArchiveTarget::workspace("not-an-id"))
        .await
        .unwrap_err();
    assert!(matches!(archive, Error::Validation(_)), "{archive:?}");
    let search = client
        .numbers()
        .search(mirai_voice::api::NumberSearch::new("USA"))
        .await
        .unwrap_err();
    assert!(matches!(search, Error::Validation(_)), "{search:?}");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn update_payload_replaces_the_payload() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path(format!("/v2/call/{OBJECT_ID}")))
        .and(body_json(json!({"payload": {"orderId": "1002"}})))
        .respond_with(json_error(
            200,
            json!({"status_code": 200, "message": "Call payload updated successfully"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    let updated = full_client(&server.uri())
        .calls()
        .update_payload(
            OBJECT_ID,
            json!({"orderId": "1002"}).as_object().unwrap().clone(),
        )
        .await
        .unwrap();
    assert_eq!(
        updated.message.as_deref(),
        Some("Call payload updated successfully")
    );
}

#[tokio::test]
async fn operations_run_on_spawned_tasks() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/call/abort"))
        .respond_with(json_error(200, json!({"message": "Call aborted"})))
        .mount(&server)
        .await;
    let client = full_client(&server.uri());
    let other = client.clone();
    let abort = tokio::spawn(async move { other.calls().abort(OBJECT_ID).await });
    assert!(matches!(
        abort.await.unwrap().unwrap(),
        AbortOutcome::Aborted { .. }
    ));
    // An upload (with a progress callback) is `Send` too; it fails at once here, as nothing but abort is mounted.
    let uploader = client.clone();
    let upload = tokio::spawn(async move {
        let mut chunks = 0;
        uploader
            .knowledge_base()
            .upload(mirai_voice::knowledge_base::Upload::bytes(
                "a.txt",
                b"x".to_vec(),
            ))
            .progress(|_| chunks += 1)
            .send()
            .await
            .map(|_| chunks)
    });
    let error = upload.await.unwrap().unwrap_err();
    assert_eq!(error.operation_id(), Some("startKnowledgeBaseUpload"));
}
