//! `Client::send` takes any generated operation builder and runs it through the SDK's pipeline: the headers the
//! operation table records, retries by the operation's class, the caller's attempt log, `mirai_voice::Error`.
//! Everything is reached through `mirai_voice` alone (`mirai_voice::generated`).

mod client_support;

use std::collections::BTreeSet;

use client_support::*;
use mirai_voice::Error;
use mirai_voice::error::{ErrorKind, ValidationError};
use mirai_voice::executor::AttemptLog;
use mirai_voice::generated::Operation;
use mirai_voice::generated::prelude::*;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// The credential and tenant headers of `request`, by name.
fn credential_headers(request: &Request) -> BTreeSet<String> {
    ["x-public-key", "x-private-key", "workspace", "organization"]
        .into_iter()
        .filter(|name| request.headers.contains_key(*name))
        .map(str::to_owned)
        .collect()
}

/// Sends `operation` through `client` to `server` (which answers every operation) and checks that exactly one
/// request for the operation's table entry went out, with exactly the headers the table names.
async fn send_one<O: Operation>(client: &mirai_voice::Client, server: &MockServer, operation: O) {
    server.reset().await;
    Mock::given(any())
        .respond_with(EveryOperation)
        .mount(server)
        .await;
    let spec = O::spec().expect("every generated operation is in the table");
    let result = client.send(operation).await;
    assert!(result.is_ok(), "{}: {:?}", O::OPERATION_ID, result.err());
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1, "{}", O::OPERATION_ID);
    assert_eq!(operation_of(&requests[0]).operation_id, O::OPERATION_ID);
    let expected: BTreeSet<String> = spec.credentials.iter().map(|h| h.name.to_owned()).collect();
    assert_eq!(
        credential_headers(&requests[0]),
        expected,
        "{}",
        O::OPERATION_ID
    );
}

#[tokio::test]
async fn generated_operations_go_out_with_the_headers_their_table_entry_names() {
    let server = MockServer::start().await;
    let client = full_client(&server.uri());
    let raw = client.raw();
    // Public, workspace-scoped, organization-scoped, with path and query parameters.
    send_one(&client, &server, raw.list_showcase_calls()).await;
    send_one(&client, &server, raw.list_api_tools()).await;
    send_one(
        &client,
        &server,
        raw.admin_get_assistant().assistant_id(OBJECT_ID),
    )
    .await;
    send_one(
        &client,
        &server,
        raw.search_available_numbers().country_code("US"),
    )
    .await;
    send_one(&client, &server, raw.get_health_monitor()).await;
}

#[tokio::test]
async fn a_get_is_retried_after_a_503_and_the_callers_log_gets_the_report() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/admin/tool/api"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(any())
        .respond_with(EveryOperation)
        .mount(&server)
        .await;
    let client = full_client(&server.uri());
    let log = AttemptLog::new();
    let tools = log
        .scope(client.send(client.raw().list_api_tools()))
        .await
        .expect("the retry succeeds");
    assert_eq!(tools.status().as_u16(), 200);
    let report = log.report();
    assert_eq!(report.attempt_count(), 2, "{report:?}");
    assert_eq!(report.operation_id(), Some("listApiTools"));
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn an_error_answer_is_the_sdk_error() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(404).set_body_raw(
            r#"{"status_code":404,"message":"Assistant not found"}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let client = full_client(&server.uri());
    let log = AttemptLog::new();
    let operation = client.raw().admin_get_assistant().assistant_id(OBJECT_ID);
    let error = log.scope(client.send(operation)).await.expect_err("a 404");
    match &error {
        Error::Api(api) => {
            assert_eq!(api.kind(), ErrorKind::NotFound);
            assert_eq!(api.operation_id(), "adminGetAssistant");
            assert_eq!(api.message(), Some("Assistant not found"));
        }
        other => panic!("expected Error::Api, got {other:?}"),
    }
    assert_eq!(log.report().attempt_count(), 1);
    assert_no_key_material(&format!("{error} {error:?}"));
}

#[tokio::test]
async fn a_missing_workspace_fails_before_sending() {
    let server = MockServer::start().await;
    let client = builder(&server.uri()).build().unwrap();
    let error = client
        .send(client.raw().list_api_tools())
        .await
        .expect_err("no workspace");
    assert!(
        matches!(
            error,
            Error::Validation(ValidationError::MissingWorkspace { .. })
        ),
        "{error:?}"
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_builder_from_another_client_is_refused_before_sending() {
    let server = MockServer::start().await;
    let client = full_client(&server.uri());
    let other = client.with_workspace(OTHER_WORKSPACE).unwrap();
    let error = client
        .send(other.raw().list_api_tools())
        .await
        .expect_err("another client's builder");
    match &error {
        Error::Validation(ValidationError::InvalidRequest {
            operation_id,
            message,
        }) => {
            assert_eq!(*operation_id, Some("listApiTools"));
            assert!(message.contains("another client's raw()"), "{message}");
        }
        other => panic!("expected ValidationError::InvalidRequest, got {other:?}"),
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    // A clone shares the generated client: its builders are accepted.
    let clone = client.clone();
    Mock::given(any())
        .respond_with(EveryOperation)
        .mount(&server)
        .await;
    assert!(client.send(clone.raw().list_api_tools()).await.is_ok());
}

#[test]
fn the_trait_names_the_specs_operation_ids() {
    fn id<O: Operation>(_: &O) -> &'static str {
        O::OPERATION_ID
    }
    let client = full_client("http://127.0.0.1:9");
    let raw = client.raw();
    assert_eq!(id(&raw.initiate_call()), "initiateCall");
    assert_eq!(id(&raw.abort_call()), "abortCall");
    assert_eq!(id(&raw.get_voice_gallery()), "getVoiceGallery");
    assert!(std::ptr::eq(raw.list_api_tools().client(), raw));
}
