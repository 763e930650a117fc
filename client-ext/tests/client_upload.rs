//! Knowledge-base uploads against a loopback server: ordered multipart chunks, retries of a chunk, limits checked
//! before any request, waiting until the file is ready.

mod client_support;

use std::time::Duration;

use client_support::*;
use mirai_voice::Error;
use mirai_voice::error::ValidationError;
use mirai_voice::knowledge_base::{
    KnowledgeBaseError, KnowledgeBaseStatus, MAX_CHUNK_BYTES, MAX_FILE_BYTES, PlanError, Upload,
};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const SESSION: &str = "session-1";

/// Mounts start, chunk and complete; the file's status is `statuses` in turn, then the last one forever.
async fn upload_server(statuses: &[&str]) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/knowledge-base/upload/start"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"message": "Upload session created", "sessionId": SESSION})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/knowledge-base/upload/chunk/{SESSION}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"message": "Chunk uploaded successfully"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!(
            "/v1/knowledge-base/upload/complete/{SESSION}"
        )))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "message": "Upload completed", "sessionId": SESSION,
            "knowledgeBaseId": OBJECT_ID, "knowledgeBaseStatus": "processing"
        })))
        .mount(&server)
        .await;
    let file = |status: &str| {
        ResponseTemplate::new(200).set_body_json(json!({
            "message": "ok",
            "data": {"_id": OBJECT_ID, "fileName": "handbook.txt", "status": status, "processingPercentage": 50}
        }))
    };
    let (last, earlier) = statuses.split_last().expect("at least one status");
    for (i, status) in earlier.iter().enumerate() {
        Mock::given(method("GET"))
            .and(path(format!("/v1/knowledge-base/files/{OBJECT_ID}")))
            .respond_with(file(status))
            .up_to_n_times(1)
            .with_priority(u8::try_from(i + 1).unwrap())
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(format!("/v1/knowledge-base/files/{OBJECT_ID}")))
        .respond_with(file(last))
        .with_priority(100)
        .mount(&server)
        .await;
    server
}

/// One part of a `multipart/form-data` body.
struct Part {
    headers: String,
    data: Vec<u8>,
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

fn multipart(request: &Request) -> Vec<Part> {
    let content_type = request.headers["content-type"].to_str().unwrap();
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=")
        .unwrap_or_else(|| panic!("not multipart: {content_type}"));
    let body = [b"\r\n".as_slice(), &request.body].concat();
    let delimiter = format!("\r\n--{boundary}").into_bytes();
    let mut starts = Vec::new();
    let mut at = 0;
    while let Some(found) = find(&body, &delimiter, at) {
        starts.push(found);
        at = found + delimiter.len();
    }
    let mut parts = Vec::new();
    for pair in starts.windows(2) {
        let segment = &body[pair[0] + delimiter.len() + 2..pair[1]];
        let split = find(segment, b"\r\n\r\n", 0).expect("part headers end");
        parts.push(Part {
            headers: String::from_utf8(segment[..split].to_vec()).unwrap(),
            data: segment[split + 4..].to_vec(),
        });
    }
    let last = *starts.last().unwrap();
    assert_eq!(
        &body[last + delimiter.len()..],
        b"--\r\n",
        "closing delimiter"
    );
    parts
}

fn requests_to<'r>(requests: &'r [Request], prefix: &str) -> Vec<&'r Request> {
    requests
        .iter()
        .filter(|r| r.url.path().starts_with(prefix))
        .collect()
}

/// Content whose every byte depends on its offset, so misplaced data shows.
fn patterned(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

#[tokio::test]
async fn a_file_over_10_mib_is_sent_in_ordered_chunks_and_polled_until_ready() {
    let server = upload_server(&["processing", "processing", "ready"]).await;
    let dir = tempfile::tempdir().unwrap();
    let file_path = dir.path().join("handbook.txt");
    let size = 10 * 1024 * 1024 + 1024;
    let content = patterned(size);
    std::fs::write(&file_path, &content).unwrap();

    let client = full_client(&server.uri());
    let mut progress = Vec::new();
    let uploaded = client
        .knowledge_base()
        .upload(Upload::file(&file_path))
        .progress(|p| progress.push((p.bytes_sent, p.total_bytes, p.chunks_sent, p.total_chunks)))
        .wait_until_ready(Duration::from_millis(10), Duration::from_secs(10))
        .send()
        .await
        .unwrap();

    assert_eq!(uploaded.session_id, SESSION);
    assert_eq!(uploaded.knowledge_base_id, OBJECT_ID);
    assert_eq!(uploaded.status, Some(KnowledgeBaseStatus::Ready));
    assert_eq!(
        uploaded.file.as_ref().and_then(|f| f.file_name.as_deref()),
        Some("handbook.txt")
    );
    let size = size as u64;
    assert_eq!(
        progress,
        [(MAX_CHUNK_BYTES, size, 1, 2), (size, size, 2, 2)]
    );

    let requests = server.received_requests().await.unwrap();
    let order: Vec<_> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        order,
        [
            "POST /v1/knowledge-base/upload/start".to_string(),
            format!("POST /v1/knowledge-base/upload/chunk/{SESSION}"),
            format!("POST /v1/knowledge-base/upload/chunk/{SESSION}"),
            format!("POST /v1/knowledge-base/upload/complete/{SESSION}"),
            format!("GET /v1/knowledge-base/files/{OBJECT_ID}"),
            format!("GET /v1/knowledge-base/files/{OBJECT_ID}"),
            format!("GET /v1/knowledge-base/files/{OBJECT_ID}"),
        ]
    );
    let start: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        start,
        json!({"fileName": "handbook.txt", "fileSize": size, "totalChunks": 2, "mimeType": "text/plain"})
    );

    let chunks = requests_to(&requests, "/v1/knowledge-base/upload/chunk/");
    let mut offset = 0;
    for (index, request) in chunks.iter().enumerate() {
        for (name, value) in [
            ("x-public-key", PUBLIC_KEY),
            ("x-private-key", PRIVATE_KEY),
            ("workspace", WORKSPACE),
        ] {
            assert_eq!(request.headers[name], value, "chunk {index} {name}");
        }
        assert!(request.headers.get("organization").is_none());
        let parts = multipart(request);
        assert_eq!(parts.len(), 2, "chunkIndex and chunk");
        assert_eq!(
            parts[0].headers,
            "Content-Disposition: form-data; name=\"chunkIndex\""
        );
        assert_eq!(parts[0].data, index.to_string().as_bytes());
        assert_eq!(
            parts[1].headers,
            "Content-Disposition: form-data; name=\"chunk\"; filename=\"handbook.txt\"\r\nContent-Type: text/plain"
        );
        let expected_len = if index == 0 { 10 * 1024 * 1024 } else { 1024 };
        assert_eq!(parts[1].data.len(), expected_len, "chunk {index} size");
        assert!(
            parts[1].data == content[offset..offset + expected_len],
            "chunk {index} holds bytes {offset}.."
        );
        offset += expected_len;
    }
    assert_eq!(offset, content.len());
}

#[tokio::test]
async fn limits_are_checked_before_any_request() {
    let server = MockServer::start().await;
    let client = full_client(&server.uri());
    let kb = client.knowledge_base();
    let plan_error = |result: mirai_voice::Result<_>| match result {
        Err(Error::Validation(ValidationError::KnowledgeBase(e))) => e,
        other => panic!("expected a limit violation, got {other:?}"),
    };

    let too_large = kb
        .upload(Upload::bytes(
            "big.pdf",
            vec![0u8; MAX_FILE_BYTES as usize + 1],
        ))
        .send()
        .await;
    assert_eq!(
        plan_error(too_large),
        PlanError::FileTooLarge {
            size: MAX_FILE_BYTES + 1,
            max: MAX_FILE_BYTES
        }
    );
    let unsupported = kb
        .upload(Upload::bytes("sheet.xlsx", vec![1u8; 10]))
        .send()
        .await;
    assert_eq!(
        plan_error(unsupported),
        PlanError::UnsupportedType {
            extension: "xlsx".into()
        }
    );
    let big_chunks = kb
        .upload(Upload::bytes("a.txt", vec![1u8; 10]))
        .chunk_size(MAX_CHUNK_BYTES + 1)
        .send()
        .await;
    assert_eq!(
        plan_error(big_chunks),
        PlanError::InvalidChunkSize {
            requested: MAX_CHUNK_BYTES + 1,
            max: MAX_CHUNK_BYTES
        }
    );
    let too_many = kb
        .upload(Upload::bytes("a.txt", vec![1u8; 1001]))
        .chunk_size(1)
        .send()
        .await;
    assert_eq!(
        plan_error(too_many),
        PlanError::TooManyChunks {
            chunks: 1001,
            chunk_size: 1,
            max: 1000
        }
    );
    let empty = kb.upload(Upload::bytes("a.md", Vec::new())).send().await;
    assert_eq!(plan_error(empty), PlanError::EmptyFile);

    let missing = kb
        .upload(Upload::file("/nonexistent/dir/handbook.pdf"))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(&missing, Error::KnowledgeBase(e) if matches!(**e, KnowledgeBaseError::Unreadable { .. })),
        "{missing:?}"
    );

    let no_workspace = builder(&server.uri()).build().unwrap();
    let error = no_workspace
        .knowledge_base()
        .upload(Upload::bytes("a.txt", vec![1u8; 10]))
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Validation(ValidationError::MissingWorkspace {
                operation_id: "startKnowledgeBaseUpload"
            })
        ),
        "{error:?}"
    );

    // A chunk that does not match the plan is refused too.
    let plan = mirai_voice::knowledge_base::UploadPlan::new("a.txt", 10).unwrap();
    let wrong = kb
        .upload_chunk(SESSION, &plan, 0, vec![0u8; 9])
        .await
        .unwrap_err();
    assert_eq!(
        wrong.to_string(),
        "uploadKnowledgeBaseChunk: invalid request: chunk 0 must have 10 bytes, not 9"
    );
    let outside = kb
        .upload_chunk(SESSION, &plan, 1, vec![0u8; 10])
        .await
        .unwrap_err();
    assert!(matches!(outside, Error::Validation(_)), "{outside:?}");

    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing was sent"
    );
}

#[tokio::test]
async fn a_chunk_behind_a_503_is_sent_again() {
    let server = upload_server(&["ready"]).await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/knowledge-base/upload/chunk/{SESSION}")))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let client = full_client(&server.uri());
    let uploaded = client
        .knowledge_base()
        .upload(Upload::bytes("notes.md", b"0123456789".to_vec()))
        .chunk_size(4)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status, Some(KnowledgeBaseStatus::Processing));
    assert_eq!(uploaded.file, None, "not asked to wait");

    let requests = server.received_requests().await.unwrap();
    let chunks = requests_to(&requests, "/v1/knowledge-base/upload/chunk/");
    let indexes: Vec<_> = chunks
        .iter()
        .map(|r| String::from_utf8(multipart(r)[0].data.clone()).unwrap())
        .collect();
    assert_eq!(
        indexes,
        ["0", "0", "1", "2"],
        "the refused chunk was repeated"
    );
    assert_eq!(chunks[0].body, chunks[1].body, "the same body both times");
    let data: Vec<_> = chunks[1..]
        .iter()
        .map(|r| multipart(r)[1].data.clone())
        .collect();
    assert_eq!(data, [b"0123".to_vec(), b"4567".to_vec(), b"89".to_vec()]);
    assert!(
        multipart(chunks[0])[1]
            .headers
            .contains("Content-Type: text/markdown")
    );
}

#[tokio::test]
async fn a_chunk_refused_for_good_stops_the_upload() {
    let server = upload_server(&["ready"]).await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/knowledge-base/upload/chunk/{SESSION}")))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": 404, "message": "Upload session not found"})),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    let error = full_client(&server.uri())
        .knowledge_base()
        .upload(Upload::bytes("notes.txt", b"0123456789".to_vec()))
        .chunk_size(4)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error.operation_id(), Some("uploadKnowledgeBaseChunk"));
    assert_eq!(error.status().map(|s| s.as_u16()), Some(404));
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 2, "start and the first chunk only");
}

#[tokio::test]
async fn a_failed_file_is_an_error() {
    let server = upload_server(&["processing", "failed"]).await;
    let error = full_client(&server.uri())
        .knowledge_base()
        .upload(Upload::bytes("handbook.txt", b"text".to_vec()))
        .wait_until_ready(Duration::from_millis(5), Duration::from_secs(10))
        .send()
        .await
        .unwrap_err();
    let Error::KnowledgeBase(kb) = &error else {
        panic!("expected a knowledge-base error, got {error:?}")
    };
    assert_eq!(
        **kb,
        KnowledgeBaseError::ProcessingFailed {
            knowledge_base_id: OBJECT_ID.into()
        }
    );
    assert_eq!(error.operation_id(), Some("getKnowledgeBaseFile"));
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn a_file_still_processing_when_the_wait_ends_is_an_error() {
    let server = upload_server(&["processing"]).await;
    let error = full_client(&server.uri())
        .knowledge_base()
        .upload(Upload::bytes("handbook.txt", b"text".to_vec()))
        .wait_until_ready(Duration::from_millis(10), Duration::from_millis(60))
        .send()
        .await
        .unwrap_err();
    let Error::KnowledgeBase(kb) = &error else {
        panic!("expected a knowledge-base error, got {error:?}")
    };
    let KnowledgeBaseError::NotReady {
        knowledge_base_id,
        waited,
        last_status,
    } = &**kb
    else {
        panic!("expected NotReady, got {kb:?}")
    };
    assert_eq!(knowledge_base_id, OBJECT_ID);
    assert!(*waited >= Duration::from_millis(60), "{waited:?}");
    assert_eq!(last_status, &Some(KnowledgeBaseStatus::Processing));
    let polls = requests_to(
        &server.received_requests().await.unwrap(),
        "/v1/knowledge-base/files/",
    )
    .len();
    assert!(
        polls >= 2,
        "polled until the end of the wait ({polls} polls)"
    );
}
