//! The traps progenitor falls into on this spec are closed: tested against a real HTTP server
//! on loopback.

use mirai_voice_generated::prelude::*;
use std::sync::Arc;

use mirai_voice_generated::{
    Client, ClientContext, CredentialRole, Credentials, ExecuteFuture, OperationSpec,
    RawErrorResponse, RequestExecutor, describe_error, operations::OPERATIONS, types,
};
use mirai_voice_tests::{OBJECT_ID, call_every_operation, checked};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PUBLIC_KEY: &str = "pk_0123456789abcdef0123456789abcdef";
const PRIVATE_KEY: &str = "sk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const WORKSPACE: &str = "6650f0c2a1b2c3d4e5f60001";
const ORGANIZATION: &str = "6650f0c2a1b2c3d4e5f60002";

fn full_credentials() -> Credentials {
    Credentials::new(PUBLIC_KEY, PRIVATE_KEY)
        .unwrap()
        .with_workspace(WORKSPACE)
        .unwrap()
        .with_organization(ORGANIZATION)
        .unwrap()
}

fn client(server: &MockServer, credentials: Credentials) -> Client {
    Client::new(&server.uri(), ClientContext::with_credentials(credentials))
}

#[tokio::test]
async fn every_operation_sends_exactly_the_headers_it_needs() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = client(&server, full_credentials());
    let calls = call_every_operation(&client).await;
    let requests = server.received_requests().await.unwrap();
    let generated: Vec<&OperationSpec> = OPERATIONS.iter().filter(|op| op.generated).collect();
    assert_eq!(generated.len(), 31);
    assert_eq!(
        calls.len(),
        generated.len(),
        "the helper calls every generated operation"
    );
    assert_eq!(requests.len(), calls.len(), "one request per call");

    for ((operation_id, _), request) in calls.iter().zip(&requests) {
        let spec = OperationSpec::find(operation_id).unwrap();
        assert_eq!(request.method.as_str(), spec.http_method, "{operation_id}");
        let expected = |role| spec.needs(role);
        let sent = |name: &str| {
            request
                .headers
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        let checks = [
            ("x-public-key", CredentialRole::PublicKey, PUBLIC_KEY),
            ("x-private-key", CredentialRole::PrivateKey, PRIVATE_KEY),
            ("workspace", CredentialRole::Workspace, WORKSPACE),
            ("organization", CredentialRole::Organization, ORGANIZATION),
        ];
        for (header, role, value) in checks {
            if expected(role) {
                assert_eq!(
                    sent(header).as_deref(),
                    Some(value),
                    "{operation_id} must send {header}"
                );
            } else {
                assert_eq!(sent(header), None, "{operation_id} must not send {header}");
            }
        }
    }
    // The table is what decides: spot-check it against the spec's intent.
    let needs = |id: &str| OperationSpec::find(id).unwrap();
    assert!(needs("abortCall").needs(CredentialRole::Workspace));
    assert!(needs("purchaseNumber").needs(CredentialRole::Organization));
    assert!(!needs("purchaseNumber").needs(CredentialRole::Workspace));
    assert!(!needs("listShowcaseCalls").is_authenticated());
    assert!(!needs("archiveOrganizationOrWorkspace").needs(CredentialRole::Workspace));
}

/// Records the table entry each request arrives with, then sends it once.
#[derive(Debug, Default)]
struct RecordingExecutor {
    received: std::sync::Mutex<Vec<&'static OperationSpec>>,
}

impl RequestExecutor for RecordingExecutor {
    fn execute<'a>(
        &'a self,
        http: &'a reqwest::Client,
        request: reqwest::Request,
        operation: &'static OperationSpec,
    ) -> ExecuteFuture<'a> {
        self.received.lock().unwrap().push(operation);
        Box::pin(http.execute(request))
    }
}

#[tokio::test]
async fn every_operation_reaches_the_executor_with_its_own_table_entry() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let executor = Arc::new(RecordingExecutor::default());
    let client = Client::new(
        &server.uri(),
        ClientContext::new(full_credentials(), executor.clone()),
    );
    let calls = call_every_operation(&client).await;
    let received = executor.received.lock().unwrap().clone();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(received.len(), calls.len(), "one request per call");
    for (((operation_id, _), entry), request) in calls.iter().zip(&received).zip(&requests) {
        assert_eq!(entry.operation_id, *operation_id);
        // The entry itself, not a copy: the SDK finds what it derived from an entry by its address.
        assert!(
            OPERATIONS.iter().any(|op| std::ptr::eq(op, *entry)),
            "{operation_id}"
        );
        assert_eq!(request.method.as_str(), entry.http_method, "{operation_id}");
    }
}

async fn abort_error(
    status: u16,
    reply: serde_json::Value,
) -> (RawErrorResponse, types::ErrorResponse) {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/call/abort"))
        .respond_with(ResponseTemplate::new(status).set_body_json(reply))
        .mount(&server)
        .await;
    let err = client(&server, full_credentials())
        .abort_call()
        .body(types::AbortCallRequest::new(OBJECT_ID))
        .send()
        .await
        .expect_err("an error status is an error");
    let raw = RawErrorResponse::read(err)
        .await
        .expect("an error response with its body");
    let spec = OperationSpec::find("abortCall").unwrap();
    assert_eq!(
        spec.error_schema,
        Some("ErrorResponse"),
        "the table names the documented error shape"
    );
    let decoded = raw
        .json::<types::ErrorResponse>()
        .expect("documented body decodes");
    (raw, decoded)
}

#[tokio::test]
async fn abort_400_decodes_with_its_code() {
    let (raw, decoded) =
        abort_error(400, json!({"code": 400, "message": "Call already aborted"})).await;
    assert_eq!(raw.status.as_u16(), 400);
    assert_eq!(decoded.code, Some(400));
    assert_eq!(decoded.message.as_deref(), Some("Call already aborted"));
}

#[tokio::test]
async fn abort_404_decodes_with_its_code() {
    let (raw, decoded) = abort_error(404, json!({"code": 404, "message": "Call not found"})).await;
    assert_eq!(raw.status.as_u16(), 404);
    assert_eq!(decoded.code, Some(404));
    assert_eq!(decoded.message.as_deref(), Some("Call not found"));
}

#[tokio::test]
async fn abort_success_is_the_success_type() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v2/call/abort"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"message": "Call aborted"})))
        .mount(&server)
        .await;
    let ok = client(&server, full_credentials())
        .abort_call()
        .body(types::AbortCallRequest::new(OBJECT_ID))
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}", describe_error(&e)));
    assert_eq!(ok.into_inner().message.as_deref(), Some("Call aborted"));
}

#[tokio::test]
async fn an_undocumented_500_with_html_keeps_status_and_body() {
    let server = MockServer::start().await;
    let html = "<html><body><h1>502 Bad Gateway</h1>upstream hiccup</body></html>";
    Mock::given(method("GET"))
        .and(path("/v1/admin/assistant/list"))
        .respond_with(ResponseTemplate::new(500).set_body_raw(html, "text/html"))
        .mount(&server)
        .await;
    let err = client(&server, full_credentials())
        .admin_list_assistants()
        .send()
        .await
        .expect_err("500 is an error");
    assert_eq!(
        err.status().map(|s| s.as_u16()),
        Some(500),
        "status kept: {}",
        describe_error(&err)
    );
    let raw = RawErrorResponse::read(err).await.unwrap();
    assert_eq!(raw.text(), html);
    assert_eq!(raw.headers["content-type"], "text/html");
}

#[tokio::test]
async fn an_empty_401_keeps_its_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/admin/organization/archive"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let err = client(&server, full_credentials())
        .archive_organization_or_workspace()
        .body(types::ArchiveUnarchiveRequest::new(
            types::ArchiveUnarchiveRequestType::Workspace,
            checked::<types::ArchiveUnarchiveRequestId>(OBJECT_ID),
        ))
        .send()
        .await
        .expect_err("401 is an error");
    let raw = RawErrorResponse::read(err).await.unwrap();
    assert_eq!(raw.status.as_u16(), 401);
    assert!(raw.body.is_empty());
}

#[tokio::test]
async fn a_route_needing_a_missing_workspace_fails_before_sending() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let keys_only = Credentials::new(PUBLIC_KEY, PRIVATE_KEY).unwrap();
    let err = client(&server, keys_only)
        .admin_list_assistants()
        .send()
        .await
        .expect_err("no workspace");
    let text = describe_error(&err);
    assert!(
        text.contains("adminListAssistants needs a workspace id"),
        "{text}"
    );
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing was sent"
    );
}

#[tokio::test]
async fn public_routes_work_without_credentials() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/showcase/flows"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"success": true, "data": {"flows": [], "total": 0}})),
        )
        .mount(&server)
        .await;
    let flows = client(&server, Credentials::none())
        .list_showcase_flows()
        .send()
        .await
        .unwrap_or_else(|e| panic!("{}", describe_error(&e)));
    assert_eq!(flows.into_inner().success, Some(true));
    let request = &server.received_requests().await.unwrap()[0];
    assert!(request.headers.get("x-private-key").is_none());
}

#[test]
fn credentials_debug_never_shows_key_material() {
    let shown = format!("{:?}", full_credentials());
    for secret in [PUBLIC_KEY, PRIVATE_KEY, WORKSPACE, ORGANIZATION] {
        assert!(!shown.contains(secret), "{shown}");
    }
    assert!(shown.contains("<redacted>"));
    let context = ClientContext::with_credentials(full_credentials());
    let shown = format!("{context:?}");
    assert!(
        !shown.contains(PRIVATE_KEY) && !shown.contains(PUBLIC_KEY),
        "{shown}"
    );
}

#[test]
fn bad_header_values_are_typed_errors() {
    let err = Credentials::new("pk_ok", "sk_bad\nvalue").unwrap_err();
    assert_eq!(
        err.to_string(),
        "the private key is not a valid HTTP header value"
    );
    assert!(!err.to_string().contains("sk_bad"));
}

#[test]
fn enums_from_the_server_accept_values_added_later() {
    let known: types::CallStatus = serde_json::from_str("\"no-answer\"").unwrap();
    assert_eq!(known, types::CallStatus::NoAnswer);
    let new: types::CallStatus = serde_json::from_str("\"voicemail\"").unwrap();
    assert_eq!(new, types::CallStatus::Unknown("voicemail".into()));
    assert_eq!(serde_json::to_string(&new).unwrap(), "\"voicemail\"");
    assert_eq!(new.to_string(), "voicemail");
    // A whole response with a value this version does not know still decodes.
    let response: types::InitiateCallResponse =
        serde_json::from_str(r#"{"status": "queued", "callId": "6650f0c2a1b2c3d4e5f60718"}"#)
            .unwrap();
    assert_eq!(
        response.status,
        Some(types::CallStatus::Unknown("queued".into()))
    );
    // Values built by hand are still checked.
    assert!("voicemial".parse::<types::CallStatus>().is_err());
}
