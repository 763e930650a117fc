//! Knowledge-base uploads over real multipart requests: chunk limits, retries of a chunk,
//! completion rules and processing on the virtual clock.

use mirai_voice_mock::{MAX_CHUNK_BYTES, MockServer};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

struct Fixture {
    server: MockServer,
    http: reqwest::Client,
}

impl Fixture {
    async fn new() -> Self {
        Self {
            server: MockServer::start().await,
            http: reqwest::Client::new(),
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let creds = self.server.credentials();
        self.http
            .request(method, format!("{}{path}", self.server.base_url()))
            .header("x-public-key", &creds.public_key)
            .header("x-private-key", &creds.private_key)
            .header("workspace", &creds.workspace_id)
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    async fn start(&self, file_name: &str, size: u64, chunks: u64) -> String {
        let (status, body) = self
            .send(
                self.request(reqwest::Method::POST, "/v1/knowledge-base/upload/start")
                    .json(
                        &json!({ "fileName": file_name, "fileSize": size, "totalChunks": chunks }),
                    ),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["sessionId"].as_str().unwrap().to_owned()
    }

    async fn chunk(&self, session: &str, index: &str, bytes: Vec<u8>) -> (StatusCode, Value) {
        let form = Form::new()
            .part("chunk", Part::bytes(bytes).file_name("part.bin"))
            .text("chunkIndex", index.to_owned());
        let path = format!("/v1/knowledge-base/upload/chunk/{session}");
        self.send(self.request(reqwest::Method::POST, &path).multipart(form))
            .await
    }

    async fn complete(&self, session: &str) -> (StatusCode, Value) {
        let path = format!("/v1/knowledge-base/upload/complete/{session}");
        self.send(self.request(reqwest::Method::POST, &path)).await
    }
}

#[tokio::test]
async fn chunked_upload_rules() {
    let fx = Fixture::new().await;
    let ten_mb = MAX_CHUNK_BYTES as usize;
    let session = fx.start("catalog.pdf", MAX_CHUNK_BYTES + 100, 2).await;

    let (status, body) = fx.chunk(&session, "0", vec![b'x'; ten_mb + 1]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["message"], "Chunk exceeds 10 MB limit");
    let (status, _) = fx.chunk(&session, "0", vec![b'x'; ten_mb]).await;
    assert_eq!(status, StatusCode::OK);
    // Sending a chunk again replaces it, so a retried chunk upload is harmless.
    let (status, _) = fx.chunk(&session, "0", vec![b'y'; ten_mb]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = fx.chunk(&session, "2", vec![b'z'; 100]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    let (status, body) = fx.chunk(&session, "one", vec![b'z'; 100]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    let (status, body) = fx.complete(&session).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("missing chunks 1"),
        "{body}"
    );
    let (status, _) = fx.chunk(&session, "1", vec![b'z'; 100]).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = fx.complete(&session).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = fx.chunk(&session, "1", vec![b'z'; 100]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the session is closed");

    let file = format!(
        "/v1/knowledge-base/files/{}",
        body["knowledgeBaseId"].as_str().unwrap()
    );
    let (_, got) = fx.send(fx.request(reqwest::Method::GET, &file)).await;
    assert_eq!(
        (got["data"]["status"].as_str(), got["data"]["size"].as_u64()),
        (Some("processing"), Some(MAX_CHUNK_BYTES + 100))
    );
    assert_eq!(
        got["data"]["type"], "application/pdf",
        "inferred from the extension"
    );
    fx.server.control().advance(12).await;
    let (_, got) = fx.send(fx.request(reqwest::Method::GET, &file)).await;
    assert_eq!(got["data"]["processingPercentage"], 40);
    fx.server.control().advance(18).await;
    let (_, got) = fx.send(fx.request(reqwest::Method::GET, &file)).await;
    assert_eq!(
        (
            got["data"]["status"].as_str(),
            got["data"]["processingPercentage"].as_u64()
        ),
        (Some("ready"), Some(100))
    );
}

#[tokio::test]
async fn start_limits_and_failed_processing() {
    let fx = Fixture::new().await;
    let start = |body: Value| {
        fx.request(reqwest::Method::POST, "/v1/knowledge-base/upload/start")
            .json(&body)
    };
    for (body, why) in [
        (
            json!({ "fileName": "a.pdf", "fileSize": 104_857_601, "totalChunks": 11 }),
            "over 100 MB",
        ),
        (
            json!({ "fileName": "a.pdf", "fileSize": 10, "totalChunks": 1001 }),
            "over 1000 chunks",
        ),
        (
            json!({ "fileName": "a.pdf", "fileSize": 10, "totalChunks": 0 }),
            "no chunks",
        ),
        (
            json!({ "fileName": "a.exe", "fileSize": 10, "totalChunks": 1 }),
            "unsupported type",
        ),
        (
            json!({ "fileName": "a.pdf", "fileSize": 10, "totalChunks": 1, "mimeType": "image/png" }),
            "unsupported type",
        ),
        (
            json!({ "fileName": "a.pdf", "fileSize": 20 * 1024 * 1024 + 1, "totalChunks": 2 }),
            "chunks over 10 MB",
        ),
    ] {
        let (status, body) = fx.send(start(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{why}: {body}");
    }
    let session = fx.start("corrupt-scan.md", 4, 1).await;
    fx.chunk(&session, "0", b"# hi".to_vec()).await;
    let (_, done) = fx.complete(&session).await;
    fx.server.control().advance(60).await;
    let file = format!(
        "/v1/knowledge-base/files/{}",
        done["knowledgeBaseId"].as_str().unwrap()
    );
    let (_, got) = fx.send(fx.request(reqwest::Method::GET, &file)).await;
    assert_eq!(got["data"]["status"], "failed");
    assert_eq!(got["data"]["type"], "text/markdown");
}
