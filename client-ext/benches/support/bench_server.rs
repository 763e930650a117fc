//! A loopback HTTP server for the request-path benchmarks: canned answers for `/health`, `adminGetAssistant` (the
//! spec's ~5 KiB example) and `initiateCall`, served from its own thread and runtime so that its CPU time is not
//! the client's.

#![allow(dead_code)] // Each bench binary uses part of this module.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use bytes::Bytes;
use tokio::sync::Barrier;

/// Credentials the benchmark clients send (the server does not check them).
pub const PUBLIC_KEY: &str = "pk_0123456789abcdef0123456789abcdef";
pub const PRIVATE_KEY: &str = "sk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
pub const WORKSPACE: &str = "6650f0c2a1b2c3d4e5f60001";
/// The assistant of the spec's `adminGetAssistant` example.
pub const ASSISTANT_ID: &str = "69a57cdba3f3ab7e07cca1e4";

const HEALTH: &str = r#"{"status_code":200,"message":"Server is healthy","data":{"status":"ok","underMaintenance":false}}"#;
const INITIATED: &str = r#"{"status":"initiate","callId":"6650f0c2a1b2c3d4e5f60799"}"#;

/// The spec's example answer of `adminGetAssistant`, as JSON bytes.
pub fn assistant_example() -> Bytes {
    let example = mirai_voice_mock::spec::document()
        .pointer("/paths/~1v1~1admin~1assistant~1get~1{assistantId}/get/responses/200/content/application~1json/example")
        .expect("the spec has an adminGetAssistant example");
    Bytes::from(serde_json::to_vec(example).expect("JSON"))
}

fn json(body: Bytes) -> impl IntoResponse {
    ([(CONTENT_TYPE, "application/json")], body)
}

/// The server's routes. With `hold_initiate = Some(n)`, `initiateCall` answers only once `n` of them are waiting,
/// so that a client provably has `n` requests in flight at once.
pub fn router(hold_initiate: Option<usize>) -> Router {
    let assistant = assistant_example();
    let barrier = hold_initiate.map(|n| Arc::new(Barrier::new(n)));
    Router::new()
        .route(
            "/health",
            get(|| async { json(Bytes::from_static(HEALTH.as_bytes())) }),
        )
        .route(
            "/v1/admin/assistant/get/{assistant_id}",
            get(move || {
                let body = assistant.clone();
                async move { json(body) }
            }),
        )
        .route(
            "/v2/call/initiate",
            post(move |_body: Bytes| {
                let barrier = barrier.clone();
                async move {
                    if let Some(barrier) = barrier {
                        barrier.wait().await;
                    }
                    json(Bytes::from_static(INITIATED.as_bytes()))
                }
            }),
        )
}

/// A running server; it stops with the process.
pub struct BenchServer {
    addr: SocketAddr,
}

impl BenchServer {
    /// `http://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Starts the server on a free loopback port, on a thread of its own with a current-thread runtime.
pub fn start() -> BenchServer {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    let addr = listener.local_addr().expect("the bound address");
    std::thread::Builder::new()
        .name("bench-server".into())
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("the server's runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("tokio listener");
                axum::serve(listener, router(None)).await.expect("serving");
            });
        })
        .expect("spawning the server thread");
    BenchServer { addr }
}
