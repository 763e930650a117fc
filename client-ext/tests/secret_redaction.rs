//! Third-party credentials (API-tool header values, credentials in a tool's URL, the Shiprocket webhook token)
//! never show in `TRACE` logs, in `Debug`/`Display` of errors or of the SDK's request types, whatever the
//! emulator answers: successes, truncated JSON, validation errors echoing the request, gateway HTML.
//!
//! Alone in its test binary: `tracing` caches per-callsite interest, which tests running in parallel with a
//! thread-local subscriber could disturb.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mirai_voice::api::ToolHeader;
use mirai_voice::retry::RetryConfig;
use mirai_voice::secret::SecretString;
use mirai_voice::types::{self, CreateApiToolRequestMethod};
use mirai_voice::{Client, Error};
use mirai_voice_mock::{FaultBody, FaultKind, FaultMatch, FaultRule, MockServer};
use serde_json::{Map, Value, json};
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{Layer, fmt};

/// A tool's `Authorization` token.
const TOOL_TOKEN: &str = "tooltoken-7f3a9c1e55";
/// A second tool's `X-Api-Key` value.
const TOOL_KEY: &str = "toolkey-2b6d0e4f88";
/// A credential carried in a tool URL's query.
const URL_KEY: &str = "urlkey-5d2b8e40c1";
/// The header value set by an update.
const UPDATED_TOKEN: &str = "updatedtoken-91c4d7aa3";
/// A credential in the URL of a request the emulator rejects (and quotes in its message).
const REJECTED_URL_KEY: &str = "rejectedkey-0a1b2c3d4e";
/// The Shiprocket NDR webhook token.
const NDR_TOKEN: &str = "ndrtoken-3e8f1b62aa";
/// A wrong Shiprocket token.
const WRONG_NDR_TOKEN: &str = "wrongndr-6c5d4e3f21";

const SECRETS: [&str; 7] = [
    TOOL_TOKEN,
    TOOL_KEY,
    URL_KEY,
    UPDATED_TOKEN,
    REJECTED_URL_KEY,
    NDR_TOKEN,
    WRONG_NDR_TOKEN,
];

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).expect("logs are UTF-8")
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn assert_no_secret(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{what} shows the secret {secret}:\n{text}"
        );
    }
}

/// Every formatted form of `error`, checked and returned for further assertions.
fn check_error(what: &str, error: &Error) -> (String, String) {
    let display = error.to_string();
    let debug = format!("{error:?}");
    let pretty = format!("{error:#?}");
    assert_no_secret(&format!("{what} Display"), &display);
    assert_no_secret(&format!("{what} Debug"), &debug);
    assert_no_secret(&format!("{what} pretty Debug"), &pretty);
    if let Some(api) = error.api_error() {
        assert_no_secret(&format!("{what} body"), &api.body().redacted());
    }
    (display, debug)
}

fn client_for(server: &MockServer) -> Client {
    let creds = server.credentials();
    Client::builder()
        .public_key(&creds.public_key)
        .private_key(&creds.private_key)
        .workspace(&creds.workspace_id)
        .organization(&creds.organization_id)
        .base_url(server.base_url())
        .attempt_timeout(Duration::from_secs(10))
        .retry(RetryConfig::default().with_max_retries(0))
        .build()
        .expect("valid configuration")
}

fn fault(operation_id: &str, fault: FaultKind) -> FaultRule {
    FaultRule {
        matcher: FaultMatch::operation(operation_id),
        fault,
        count: 1,
    }
}

fn tool_request(
    name: &str,
    headers: Vec<ToolHeader>,
    url: &str,
) -> types::builder::CreateApiToolRequest {
    types::CreateApiToolRequest::builder()
        .name(name)
        .description("Looks up an order by its number")
        .url(url)
        .method(CreateApiToolRequestMethod::Post)
        .headers(headers.into_iter().map(Into::into).collect::<Vec<_>>())
}

fn ndr_event() -> Map<String, Value> {
    json!({
        "awb": "190123456789", "courier_name": "Delhivery", "ndr_reason": "customer_unavailable",
        "customer_name": "John Doe", "customer_phone": "+919876543210",
    })
    .as_object()
    .expect("an object")
    .clone()
}

#[tokio::test]
async fn secret_bearing_operations_leak_nothing_formatted_or_logged() {
    let captured = Captured::default();
    let writer = captured.clone();
    // Only the SDK's own events: the in-process emulator logs too, and is not under test.
    let sdk_only = filter_fn(|meta| {
        let target = meta.target();
        target == "mirai_voice" || target.starts_with("mirai_voice::")
    });
    let subscriber = tracing_subscriber::registry().with(
        fmt::layer()
            .with_ansi(false)
            .with_span_events(fmt::format::FmtSpan::FULL)
            .with_writer(move || writer.clone())
            .with_filter(tracing::level_filters::LevelFilter::TRACE)
            .with_filter(sdk_only),
    );
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = MockServer::start().await;
    let control = server.control();
    let client = client_for(&server);
    let tools = client.tools();
    let tool_url = format!("https://crm.example.test/orders?api_key={URL_KEY}&v=2");

    // The SDK's request types.
    let auth = ToolHeader::bearer(TOOL_TOKEN);
    let key = ToolHeader::new("X-Api-Key", TOOL_KEY);
    let ndr_token = SecretString::from(NDR_TOKEN);
    for debug in [
        format!("{auth:?}"),
        format!("{key:#?}"),
        format!("{ndr_token:?}"),
        format!("{client:?}"),
        format!("{tools:?}"),
    ] {
        assert_no_secret("a request type's Debug", &debug);
    }
    assert!(format!("{key:?}").contains("X-Api-Key"), "the name stays");

    // createApiTool: a success.
    let created = tools
        .create(tool_request("order_lookup", vec![auth.clone()], &tool_url))
        .await
        .expect("tool created");
    let tool_id = created
        .data
        .and_then(|tool| tool.id)
        .expect("the created tool has an id");
    tools
        .create(tool_request(
            "stock_lookup",
            vec![key.clone()],
            "https://inventory.example.test/stock",
        ))
        .await
        .expect("second tool created");

    // updateApiTool: a success.
    tools
        .update(
            &tool_id,
            types::UpdateApiToolRequest::builder()
                .headers(vec![ToolHeader::new("Authorization", UPDATED_TOKEN).into()]),
        )
        .await
        .expect("tool updated");

    // listApiTools: the credentials really are in what the API returns, so the checks below can fail.
    let listed = tools.list().await.expect("tools listed");
    let raw = serde_json::to_string(&listed).expect("tools serialize");
    for secret in [UPDATED_TOKEN, TOOL_KEY, URL_KEY] {
        assert!(raw.contains(secret), "the API returned {secret}: {raw}");
    }

    // listApiTools answering truncated JSON: a decode error keeping the body.
    control
        .add_fault(fault("listApiTools", FaultKind::TruncatedJson))
        .expect("fault registered");
    let error = tools.list().await.expect_err("a truncated body");
    let Error::Decode(decode) = &error else {
        panic!("expected a decode error, got {error:?}");
    };
    assert!(
        decode.body().text().contains(UPDATED_TOKEN),
        "the raw body, asked for explicitly, is kept as received: {}",
        decode.body().text()
    );
    let (_, debug) = check_error("truncated listApiTools", &error);
    assert!(debug.contains("bytes withheld"), "{debug}");
    assert_no_secret("the decode error's kept body", &decode.body().redacted());

    // createApiTool and updateApiTool answering truncated JSON.
    control
        .add_fault(fault("createApiTool", FaultKind::TruncatedJson))
        .expect("fault registered");
    let error = tools
        .create(tool_request("refund_lookup", vec![auth.clone()], &tool_url))
        .await
        .expect_err("a truncated body");
    // A created tool whose answer was cut off: accepted, outcome unknown (never a plain decode error, which a
    // caller might retry into a second tool); its kept body is withheld all the same.
    assert!(matches!(error, Error::OutcomeUnknown(_)), "{error:?}");
    let (_, debug) = check_error("truncated createApiTool", &error);
    assert!(debug.contains("bytes withheld"), "{debug}");
    control
        .add_fault(fault("updateApiTool", FaultKind::TruncatedJson))
        .expect("fault registered");
    let error = tools
        .update(
            &tool_id,
            types::UpdateApiToolRequest::builder().headers(vec![key.clone().into()]),
        )
        .await
        .expect_err("a truncated body");
    check_error("truncated updateApiTool", &error);

    // createApiTool rejected with a 400 whose message quotes the request's URL, credential included.
    let rejected_url = format!("https://[bad-host]/orders?api_key={REJECTED_URL_KEY}");
    let error = tools
        .create(tool_request(
            "broken_lookup",
            vec![auth.clone()],
            &rejected_url,
        ))
        .await
        .expect_err("an invalid URL");
    let api = error.api_error().expect("an API error");
    assert_eq!(api.status().as_u16(), 400, "{error:?}");
    assert!(
        api.message().is_some_and(|m| m.contains(REJECTED_URL_KEY)),
        "the emulator echoes the URL: {:?}",
        api.message()
    );
    let (display, _) = check_error("400 on createApiTool", &error);
    assert!(display.contains("api_key=[redacted]"), "{display}");

    // Gateway HTML on the tool operations: withheld, not shown in part.
    control
        .add_fault(fault(
            "updateApiTool",
            FaultKind::Status {
                status: 400,
                body: FaultBody::Html,
            },
        ))
        .expect("fault registered");
    let error = tools
        .update(
            &tool_id,
            types::UpdateApiToolRequest::builder().headers(vec![auth.clone().into()]),
        )
        .await
        .expect_err("an injected 400");
    let (_, debug) = check_error("HTML 400 on updateApiTool", &error);
    assert!(debug.contains("bytes withheld"), "{debug}");

    // shiprocketNdrWebhook: the token goes in a header only.
    let assistant: types::AdminAssistantRequest = serde_json::from_value(json!({
        "name": "NDR follow-up",
        "variant": {"type": "ndr_followup", "config": {"ndr_followup": {"webhookToken": NDR_TOKEN}}},
        "agent": {"identity": {"name": "Asha"}, "systemPrompt": ""},
    }))
    .expect("a valid assistant");
    let assistant_id = client
        .assistants()
        .create(assistant)
        .await
        .expect("NDR assistant created")
        .data
        .and_then(|d| d.assistant_id)
        .expect("an assistant id");
    let outcome = client
        .shiprocket_ndr_webhook(&assistant_id, ndr_event(), Some(&ndr_token))
        .await
        .expect("the right token is accepted");
    assert!(outcome.is_queued(), "{outcome:?}");
    let wrong = SecretString::from(WRONG_NDR_TOKEN);
    let error = client
        .shiprocket_ndr_webhook(&assistant_id, ndr_event(), Some(&wrong))
        .await
        .expect_err("a wrong token");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401), "{error:?}");
    check_error("401 on shiprocketNdrWebhook", &error);
    for kind in [
        FaultKind::TruncatedJson,
        FaultKind::Status {
            status: 400,
            body: FaultBody::Json,
        },
    ] {
        control
            .add_fault(fault("shiprocketNdrWebhook", kind.clone()))
            .expect("fault registered");
        let error = client
            .shiprocket_ndr_webhook(&assistant_id, ndr_event(), Some(&ndr_token))
            .await
            .expect_err("an injected fault");
        check_error(&format!("{kind:?} on shiprocketNdrWebhook"), &error);
    }

    let logs = captured.text();
    assert!(
        logs.contains("request body") && logs.contains("createApiTool"),
        "request bodies were traced: {logs}"
    );
    assert!(
        logs.contains(r#"\"key\":\"Authorization\",\"value\":\"[redacted]\""#)
            || logs.contains(r#""key":"Authorization","value":"[redacted]""#),
        "header names stay in the logs: {logs}"
    );
    assert!(logs.contains("shiprocketNdrWebhook"), "{logs}");
    assert_no_secret("the TRACE logs", &logs);
}
