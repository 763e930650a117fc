//! `mirai webhook verify` and `mirai webhook listen --forward` with signed deliveries.

mod support;

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use mirai_voice::webhook::WebhookSecret;
use mirai_voice::webhook::testing::{self, EventBuilder};
use support::{bare, texts};

const PUBLIC_KEY: &str = testing::TEST_PUBLIC_KEY;

fn secret_text() -> &'static str {
    "sk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
}

fn secret() -> WebhookSecret {
    WebhookSecret::new(secret_text())
}

#[test]
fn verify_accepts_a_valid_signature_and_prints_the_event() {
    let delivery = EventBuilder::end_of_call().signed(PUBLIC_KEY, &secret());
    let dir = tempfile::tempdir().expect("temp dir");
    let body = dir.path().join("body.json");
    std::fs::write(&body, &delivery.body).expect("body written");
    let output = bare()
        .env("MIRAI_PRIVATE_KEY", secret_text())
        .env("MIRAI_PUBLIC_KEY", PUBLIC_KEY)
        .args(["webhook", "verify", "--signature", delivery.signature()])
        .args(["--public-key", PUBLIC_KEY])
        .arg(&body)
        .output()
        .expect("mirai runs");
    let (stdout, stderr) = texts(&output);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    let event: serde_json::Value = serde_json::from_str(stdout.trim()).expect("the event as JSON");
    assert_eq!(event["event"]["type"], "end-of-call", "{event}");
    assert!(stderr.contains("valid signature"), "{stderr}");
    assert!(!stdout.contains(secret_text()) && !stderr.contains(secret_text()));
}

#[test]
fn verify_rejects_a_changed_body_a_wrong_key_and_another_public_key() {
    let delivery = EventBuilder::end_of_call().signed(PUBLIC_KEY, &secret());
    let mut changed = delivery.body.clone();
    changed.push(b' ');
    let cases: [(&[u8], &str, &str); 3] = [
        (&changed, secret_text(), PUBLIC_KEY),
        (
            &delivery.body,
            "sk_ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
            PUBLIC_KEY,
        ),
        (
            &delivery.body,
            secret_text(),
            "pk_ffffffffffffffffffffffffffffffff",
        ),
    ];
    for (body, key, public_key) in cases {
        let output = bare()
            .env("MIRAI_PRIVATE_KEY", key)
            .env("MIRAI_PUBLIC_KEY", PUBLIC_KEY)
            .args(["webhook", "verify", "--signature", delivery.signature()])
            .args(["--public-key", public_key])
            .write_stdin(body.to_vec())
            .output()
            .expect("mirai runs");
        let (stdout, stderr) = texts(&output);
        assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
        assert!(stdout.is_empty());
        assert!(stderr.contains("invalid webhook delivery"), "{stderr}");
        assert!(!stderr.contains(key), "the key never appears in the error");
    }
    // No key to verify with: a usage error.
    let output = bare()
        .args(["webhook", "verify", "--signature", delivery.signature()])
        .write_stdin(delivery.body.clone())
        .output()
        .expect("mirai runs");
    assert_eq!(output.status.code(), Some(2));
}

/// What the developer's server received.
#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A loopback server standing for the developer's endpoint; answers `status`.
async fn target(status: StatusCode) -> (SocketAddr, Arc<Mutex<Vec<Received>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let log = received.clone();
    let app = axum::Router::new().route(
        "/hooks",
        axum::routing::post(move |headers: HeaderMap, body: axum::body::Bytes| {
            let log = log.clone();
            async move {
                log.lock().expect("log").push(Received {
                    headers,
                    body: body.to_vec(),
                });
                status
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (address, received)
}

/// Starts `mirai webhook listen --port 0 --forward URL` and reads the address it prints.
fn listen(forward: &str) -> (Child, String, BufReader<std::process::ChildStdout>) {
    let binary = assert_cmd::cargo::cargo_bin("mirai");
    let mut child = std::process::Command::new(binary)
        .env_remove("MIRAI_BASE_URL")
        .env("MIRAI_PRIVATE_KEY", secret_text())
        .env("MIRAI_PUBLIC_KEY", PUBLIC_KEY)
        .args(["webhook", "listen", "--port", "0", "--forward", forward])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mirai starts");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let mut line = String::new();
    stderr.read_line(&mut line).expect("the listening line");
    let url = line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .trim_end_matches('/')
        .to_owned();
    // The rest of stderr is drained so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in stderr.lines() {});
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    (child, url, stdout)
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_verifies_deduplicates_and_forwards_with_the_original_headers() {
    let (address, received) = target(StatusCode::OK).await;
    let (child, url, stdout) = listen(&format!("http://{address}/hooks"));
    let _child = Killed(child);
    let mut lines = stdout.lines();
    let http = reqwest::Client::new();
    let delivery = EventBuilder::end_of_call().signed(PUBLIC_KEY, &secret());

    let first = http
        .post(format!("{url}/webhooks/mirai"))
        .headers(delivery.headers.clone())
        .body(delivery.body.clone())
        .send()
        .await
        .expect("first delivery");
    assert_eq!(first.status(), StatusCode::OK);
    let line = tokio::task::spawn_blocking(move || {
        let line = lines.next();
        (line, lines)
    })
    .await
    .expect("reader");
    let (line, _lines) = line;
    let line = line.expect("a line per event").expect("readable");
    assert!(line.starts_with("end-of-call"), "{line}");
    assert!(
        line.contains("answered 200 OK"),
        "the target's answer is reported: {line}"
    );

    // The same delivery again: acknowledged, not forwarded twice.
    let repeat = http
        .post(format!("{url}/webhooks/mirai"))
        .headers(delivery.headers.clone())
        .body(delivery.body.clone())
        .send()
        .await
        .expect("repeat");
    assert_eq!(repeat.status(), StatusCode::OK);

    // A forged delivery: refused, not forwarded.
    let forged = http
        .post(format!("{url}/webhooks/mirai"))
        .headers(delivery.headers.clone())
        .body(b"{\"event\":{\"type\":\"call.completed\",\"data\":{}}}".to_vec())
        .send()
        .await
        .expect("forged");
    assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);

    tokio::time::sleep(Duration::from_millis(200)).await;
    let received = received.lock().expect("log").clone();
    assert_eq!(received.len(), 1, "forwarded exactly once");
    let forwarded = &received[0];
    assert_eq!(forwarded.body, delivery.body, "the raw body, byte for byte");
    for name in ["x-signature", "x-public-key", "content-type"] {
        assert_eq!(
            forwarded.headers.get(name),
            delivery.headers.get(name),
            "header {name} forwarded as received"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listen_passes_on_a_refusal_so_the_delivery_is_retried() {
    let (address, received) = target(StatusCode::INTERNAL_SERVER_ERROR).await;
    let (child, url, _stdout) = listen(&format!("http://{address}/hooks"));
    let _child = Killed(child);
    let http = reqwest::Client::new();
    let delivery = EventBuilder::call_completed().signed(PUBLIC_KEY, &secret());
    for _ in 0..2 {
        let answer = http
            .post(&url)
            .headers(delivery.headers.clone())
            .body(delivery.body.clone())
            .send()
            .await
            .expect("delivery");
        assert_eq!(answer.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
    // Refused, so released: the retry is forwarded again rather than swallowed as a duplicate.
    assert_eq!(received.lock().expect("log").len(), 2);
}
