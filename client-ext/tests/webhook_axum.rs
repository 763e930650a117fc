//! The axum middleware and extractor, against a real server on loopback.
#![cfg(feature = "axum")]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::post;
use mirai_voice::webhook::axum::{Webhook, middleware};
use mirai_voice::webhook::testing::{self, EventBuilder, SignedDelivery};
use mirai_voice::webhook::{Action, Event, VerifiedEvent, Verifier, WebhookReceiver};

#[derive(Clone)]
struct App {
    receiver: WebhookReceiver,
    handled: Arc<Mutex<Vec<VerifiedEvent>>>,
    /// Status codes the handler answers with, in order; `200` once exhausted.
    answers: Arc<Mutex<Vec<StatusCode>>>,
}

impl App {
    fn new(limit: usize) -> Self {
        App {
            receiver: WebhookReceiver::new(
                Verifier::with_secret(testing::test_secret()).max_body_bytes(limit),
            ),
            handled: Arc::default(),
            answers: Arc::default(),
        }
    }

    fn handled(&self) -> Vec<VerifiedEvent> {
        self.handled.lock().unwrap().clone()
    }
}

async fn handler(State(app): State<App>, Webhook(delivery): Webhook) -> StatusCode {
    app.handled.lock().unwrap().push(delivery);
    let mut answers = app.answers.lock().unwrap();
    if answers.is_empty() {
        StatusCode::OK
    } else {
        answers.remove(0)
    }
}

async fn serve(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    address
}

async fn server(app: &App) -> String {
    let router = Router::new()
        .route("/hook", post(handler))
        .route_layer(from_fn_with_state(app.receiver.clone(), middleware))
        .with_state(app.clone());
    format!("http://{}/hook", serve(router).await)
}

async fn post_delivery(url: &str, delivery: &SignedDelivery) -> (StatusCode, String) {
    let response = reqwest::Client::new()
        .post(url)
        .headers(delivery.headers.clone())
        .body(delivery.body.clone())
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

fn signed(builder: EventBuilder) -> SignedDelivery {
    builder.signed(testing::TEST_PUBLIC_KEY, &testing::test_secret())
}

#[tokio::test]
async fn handler_gets_a_typed_event_and_duplicates_are_acknowledged_without_it() {
    let app = App::new(64 * 1024);
    let url = server(&app).await;
    let order = signed(EventBuilder::create_order().call_id("call_a"));

    assert_eq!(post_delivery(&url, &order).await.0, StatusCode::OK);
    let handled = app.handled();
    assert_eq!(handled.len(), 1);
    assert_eq!(handled[0].event.call_id(), Some("call_a"));
    assert_eq!(
        handled[0].public_key.as_deref(),
        Some(testing::TEST_PUBLIC_KEY)
    );
    assert!(matches!(
        &handled[0].event.event,
        Event::Action(action) if matches!(action.action, Action::CreateOrder(_))
    ));

    let (status, body) = post_delivery(&url, &order).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "duplicate delivery ignored");
    assert_eq!(
        app.handled().len(),
        1,
        "the handler must not see a duplicate"
    );

    // Another event of the same call is not a duplicate.
    assert_eq!(
        post_delivery(&url, &signed(EventBuilder::end_of_call().call_id("call_a")))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(app.handled().len(), 2);
}

#[tokio::test]
async fn bad_signatures_get_401() {
    let app = App::new(64 * 1024);
    let url = server(&app).await;
    let good = signed(EventBuilder::end_of_call());

    let mut tampered = good.clone();
    tampered.body.extend_from_slice(b" ");
    assert_eq!(
        post_delivery(&url, &tampered).await,
        (StatusCode::UNAUTHORIZED, "invalid signature".into())
    );

    let mut missing = good.clone();
    missing.headers.remove("x-signature");
    assert_eq!(
        post_delivery(&url, &missing).await.0,
        StatusCode::UNAUTHORIZED
    );

    let wrong_key =
        EventBuilder::end_of_call().signed(testing::TEST_PUBLIC_KEY, &"sk_not_ours".into());
    assert_eq!(
        post_delivery(&url, &wrong_key).await.0,
        StatusCode::UNAUTHORIZED
    );

    let mut malformed = good.clone();
    malformed
        .headers
        .insert("x-signature", "not-hex".parse().unwrap());
    assert_eq!(
        post_delivery(&url, &malformed).await.0,
        StatusCode::UNAUTHORIZED
    );

    assert!(app.handled().is_empty());
    // The forged attempts did not mark the genuine delivery as seen.
    assert_eq!(post_delivery(&url, &good).await.0, StatusCode::OK);
    assert_eq!(app.handled().len(), 1);
}

#[tokio::test]
async fn signed_body_that_is_not_an_event_gets_400() {
    let app = App::new(64 * 1024);
    let url = server(&app).await;
    let garbage = SignedDelivery::new(
        testing::TEST_PUBLIC_KEY,
        &testing::test_secret(),
        &b"{\"event\":[]}"[..],
    );
    assert_eq!(
        post_delivery(&url, &garbage).await,
        (StatusCode::BAD_REQUEST, "invalid event payload".into())
    );
    assert!(app.handled().is_empty());
}

#[tokio::test]
async fn oversized_bodies_get_413_whether_declared_or_streamed() {
    let app = App::new(1024);
    let url = server(&app).await;
    let big = SignedDelivery::new(
        testing::TEST_PUBLIC_KEY,
        &testing::test_secret(),
        format!(
            r#"{{"event":{{"type":"call.busy","data":{{"pad":"{}"}}}}}}"#,
            "x".repeat(2048)
        ),
    );
    // Declared by Content-Length.
    assert_eq!(
        post_delivery(&url, &big).await.0,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    // Streamed in chunks without a length: refused once the limit is passed.
    assert_eq!(post_chunked_prefix(&url, &big, 1100).await, 413);
    assert!(app.handled().is_empty());

    // A body at the limit still goes through.
    let small = signed(EventBuilder::call(
        mirai_voice::webhook::CallEventType::Busy,
    ));
    assert!(small.body.len() <= 1024);
    assert_eq!(post_delivery(&url, &small).await.0, StatusCode::OK);
}

/// Posts the first `send` bytes of the body with `Transfer-Encoding: chunked`
/// (no `Content-Length`) over a raw connection, never finishing the body, and
/// returns the response status. Sending only part of the body keeps the
/// server's socket drained, so its answer is not lost to a reset.
async fn post_chunked_prefix(url: &str, delivery: &SignedDelivery, send: usize) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let address = url.trim_start_matches("http://").trim_end_matches("/hook");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let mut request = format!(
        "POST /hook HTTP/1.1\r\nhost: {address}\r\ntransfer-encoding: chunked\r\nconnection: close\r\n"
    );
    for (name, value) in &delivery.headers {
        request.push_str(&format!("{name}: {}\r\n", value.to_str().unwrap()));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    for chunk in delivery.body[..send].chunks(100) {
        let mut frame = format!("{:x}\r\n", chunk.len()).into_bytes();
        frame.extend_from_slice(chunk);
        frame.extend_from_slice(b"\r\n");
        stream.write_all(&frame).await.unwrap();
    }
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response);
    let status = response
        .split(' ')
        .nth(1)
        .unwrap_or_else(|| panic!("no status line in {response:?}"));
    status.parse().unwrap()
}

#[tokio::test]
async fn middleware_releases_a_delivery_the_handler_failed() {
    let app = App::new(64 * 1024);
    app.answers
        .lock()
        .unwrap()
        .push(StatusCode::INTERNAL_SERVER_ERROR);
    let url = server(&app).await;
    let delivery = signed(EventBuilder::end_of_call().call_id("call_retry"));

    // The handler fails: the sender sees the failure and will retry.
    assert_eq!(
        post_delivery(&url, &delivery).await.0,
        StatusCode::INTERNAL_SERVER_ERROR
    );
    // The retry is processed, not dropped as a duplicate.
    assert_eq!(post_delivery(&url, &delivery).await.0, StatusCode::OK);
    // Once handled, further repeats are duplicates.
    assert_eq!(
        post_delivery(&url, &delivery).await,
        (StatusCode::OK, "duplicate delivery ignored".into())
    );
    let handled = app.handled();
    assert_eq!(handled.len(), 2);
    assert!(
        handled
            .iter()
            .all(|d| d.event.call_id() == Some("call_retry"))
    );

    // The middleware refuses forged deliveries before the handler too.
    let mut forged = delivery.clone();
    forged.body.push(b' ');
    assert_eq!(
        post_delivery(&url, &forged).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.handled().len(), 2);
}
