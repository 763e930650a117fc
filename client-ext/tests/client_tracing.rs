//! Nothing a client formats or logs shows key material. Alone in its test binary: `tracing` caches per-callsite
//! interest, which tests running in parallel with a thread-local subscriber could disturb.

mod client_support;
mod log_capture;

use client_support::*;
use log_capture::Captured;
use mirai_voice::api::InitiateCall;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn formatted_clients_and_logs_show_no_key_material() {
    let server = MockServer::start().await;
    // A proxy that echoes the keys back must not leak them either.
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("x-echo", format!("{PUBLIC_KEY} {PRIVATE_KEY}").as_str())
                .set_body_string(format!(
                    r#"{{"code":401,"message":"invalid keys {PUBLIC_KEY} {PRIVATE_KEY}"}}"#
                )),
        )
        .mount(&server)
        .await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let client = full_client(&server.uri());
    let other = client.with_workspace(OTHER_WORKSPACE).unwrap();
    let error = other
        .calls()
        .initiate(
            InitiateCall::new("+15550100".parse().unwrap(), OBJECT_ID).custom_payload(
                serde_json::json!({"note": PRIVATE_KEY})
                    .as_object()
                    .unwrap()
                    .clone(),
            ),
        )
        .await
        .unwrap_err();
    let logs = captured.text();
    assert!(
        logs.contains("initiateCall"),
        "the request was traced: {logs}"
    );

    for text in [
        format!("{client:?}"),
        format!("{other:#?}"),
        format!("{:?}", client.calls()),
        error.to_string(),
        format!("{error:?}"),
        logs,
    ] {
        assert_no_key_material(&text);
    }
    let debug = format!("{client:?}");
    assert!(debug.contains(&server.uri()), "{debug}");
    assert!(debug.contains(WORKSPACE), "{debug}");
    assert!(debug.contains("[redacted]"), "{debug}");
}
