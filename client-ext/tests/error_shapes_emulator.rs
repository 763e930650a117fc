//! The two error body shapes the API documents, as the emulator sends them and the SDK reads
//! them: `{status_code, message}` (the voice gallery's 401) and `{code, message}` (the payload
//! update's 404). Both give the same typed error: status, kind, code and message.

use std::collections::BTreeMap;
use std::time::Duration;

use mirai_voice::error::ApiError;
use mirai_voice::retry::RetryConfig;
use mirai_voice::{Client, Error};
use mirai_voice_mock::MockServer;

fn client(server: &MockServer, private_key: &str) -> Client {
    let creds = server.credentials();
    Client::builder()
        .public_key(&creds.public_key)
        .private_key(private_key)
        .workspace(&creds.workspace_id)
        .base_url(server.base_url())
        .attempt_timeout(Duration::from_secs(10))
        .retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(10)))
        .build()
        .expect("valid configuration")
}

/// What a caller reads from the error (headers aside: they carry the date). The body's keys are
/// sorted, so that the snapshot does not depend on serde_json's `preserve_order` feature.
fn render(error: &Error) -> String {
    let api: &ApiError = error.api_error().expect("an API error");
    let body: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&api.body().redacted()).expect("a JSON body");
    format!(
        "Display: {error}\noperation: {}\nstatus: {}\nkind: {:?}\ncode: {:?}\nmessage: {:?}\nbody: {}",
        api.operation_id(),
        api.status(),
        api.kind(),
        api.code(),
        api.message(),
        serde_json::to_string(&body).expect("serializable"),
    )
}

#[tokio::test]
async fn a_status_code_only_body_maps_to_a_typed_error() {
    let server = MockServer::start().await;
    let wrong_key = format!("sk_{}", "0".repeat(64));
    let error = client(&server, &wrong_key)
        .voices()
        .list()
        .await
        .unwrap_err();
    let api = error.api_error().unwrap();
    assert!(
        !api.body().text().contains("\"code\""),
        "the documented shape has status_code only: {}",
        api.body().text()
    );
    assert_eq!(api.code(), Some(401));
    assert!(
        !render(&error).contains(&wrong_key),
        "the key is never shown"
    );
    insta::assert_snapshot!("status_code_only_401", render(&error));
}

#[tokio::test]
async fn a_code_only_body_maps_to_a_typed_error() {
    let server = MockServer::start().await;
    let creds = server.credentials();
    let mut payload = serde_json::Map::new();
    payload.insert("orderId".into(), "A-1".into());
    let error = client(&server, &creds.private_key)
        .calls()
        .update_payload("6690a1b2c3d4e5f6000000ff", payload)
        .await
        .unwrap_err();
    let api = error
        .api_error()
        .unwrap_or_else(|| panic!("an API error: {error:?}"));
    assert!(
        !api.body().text().contains("status_code"),
        "the documented shape has code only: {}",
        api.body().text()
    );
    assert_eq!(api.code(), Some(404));
    insta::assert_snapshot!("code_only_404", render(&error));
}
