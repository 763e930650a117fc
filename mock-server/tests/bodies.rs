//! Request bodies: content types (`415`, or lenient), size limits (`413`) on JSON bodies,
//! multipart text fields and fault-buffered requests, with every status one the spec allows.

use mirai_voice_mock::conformance::StatusRecord;
use mirai_voice_mock::{
    FaultKind, FaultMatch, FaultRule, MAX_CHUNK_TEXT_FIELD_BYTES, MAX_FAULT_BUFFERED_BYTES,
    MAX_JSON_BODY_BYTES, MockServer,
};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde_json::{Value, json};

struct Fixture {
    server: MockServer,
    http: reqwest::Client,
}

impl Fixture {
    async fn new(lenient: bool) -> Self {
        let server = MockServer::builder()
            .lenient_content_type(lenient)
            .start()
            .await
            .unwrap();
        Self {
            server,
            http: reqwest::Client::new(),
        }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let creds = self.server.credentials();
        self.http
            .request(method, format!("{}{path}", self.server.base_url()))
            .header("x-public-key", &creds.public_key)
            .header("x-private-key", &creds.private_key)
            .header("workspace", &creds.workspace_id)
    }

    async fn send(&self, request: RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    async fn session(&self) -> String {
        let (status, body) = self
            .send(
                self.request(Method::POST, "/v1/knowledge-base/upload/start")
                    .json(&json!({ "fileName": "a.pdf", "fileSize": 10, "totalChunks": 1 })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["sessionId"].as_str().unwrap().to_owned()
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let violations: Vec<String> = self
            .server
            .control()
            .requests()
            .iter()
            .filter_map(StatusRecord::from_request)
            .filter_map(|record| record.check().err().map(|why| why.0))
            .collect();
        assert!(violations.is_empty(), "{violations:#?}");
    }
}

const TOOL: &str =
    r#"{"name": "Lookup", "description": "d", "url": "https://example.com/x", "method": "post"}"#;

#[tokio::test]
async fn json_operations_refuse_other_content_types_with_415() {
    let fx = Fixture::new(false).await;
    let path = "/v1/admin/tool/api";
    for content_type in [
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        None,
    ] {
        let mut request = fx.request(Method::POST, path).body(TOOL);
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let (status, body) = fx.send(request).await;
        assert_eq!(
            status,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{content_type:?}"
        );
        assert_eq!(body["code"], 415, "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("application/json"),
            "{body}"
        );
    }
    let (status, body) = fx
        .send(
            fx.request(Method::POST, path)
                .header("content-type", "application/json; charset=utf-8")
                .body(TOOL),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // The call-events receiver reads JSON too.
    let (status, _) = fx
        .send(
            fx.request(Method::POST, "/v2/webhooks/call-events")
                .header("content-type", "text/plain")
                .body("{}"),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn a_lenient_emulator_reads_any_content_type_as_json() {
    let fx = Fixture::new(true).await;
    let (status, body) = fx
        .send(
            fx.request(Method::POST, "/v1/admin/tool/api")
                .header("content-type", "text/plain")
                .body(TOOL),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    // The chunk upload still needs multipart, lenient or not.
    let session = fx.session().await;
    let (status, body) = fx
        .send(
            fx.request(
                Method::POST,
                &format!("/v1/knowledge-base/upload/chunk/{session}"),
            )
            .json(&json!({ "chunkIndex": 0 })),
        )
        .await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{body}");
}

#[tokio::test]
async fn oversized_json_bodies_get_413() {
    let fx = Fixture::new(false).await;
    let name = "x".repeat(MAX_JSON_BODY_BYTES);
    let (status, body) = fx
        .send(
            fx.request(Method::POST, "/v1/admin/tool/api")
                .json(&json!({ "name": name })),
        )
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        body["message"].as_str().unwrap().contains("limit"),
        "{body}"
    );
}

#[tokio::test]
async fn chunk_text_fields_are_bounded() {
    let fx = Fixture::new(false).await;
    let session = fx.session().await;
    let path = format!("/v1/knowledge-base/upload/chunk/{session}");
    let form = |index: String| {
        Form::new()
            .part("chunk", Part::bytes(vec![1u8; 10]).file_name("part.bin"))
            .text("chunkIndex", index)
    };
    let long = "0".repeat(MAX_CHUNK_TEXT_FIELD_BYTES + 1);
    let (status, body) = fx
        .send(fx.request(Method::POST, &path).multipart(form(long)))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{body}");
    assert!(
        body["message"].as_str().unwrap().contains("chunkIndex"),
        "{body}"
    );
    let (status, body) = fx
        .send(fx.request(Method::POST, &path).multipart(form("0".into())))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_connection_reset_fault_does_not_buffer_an_unbounded_body() {
    let fx = Fixture::new(false).await;
    fx.server
        .control()
        .add_fault(FaultRule {
            matcher: FaultMatch::operation("uploadKnowledgeBaseChunk"),
            fault: FaultKind::ConnectionReset {
                after_handler: false,
            },
            count: 1,
        })
        .unwrap();
    let session = fx.session().await;
    let path = format!("/v1/knowledge-base/upload/chunk/{session}");
    let form = Form::new().part(
        "chunk",
        Part::bytes(vec![0u8; MAX_FAULT_BUFFERED_BYTES + 1]).file_name("part.bin"),
    );
    let (status, _) = fx
        .send(fx.request(Method::POST, &path).multipart(form))
        .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        fx.server
            .control()
            .requests()
            .last()
            .unwrap()
            .fault
            .as_deref(),
        Some("connectionReset")
    );
}
