//! Webhook delivery against a real receiver on 127.0.0.1: signatures (verified here with an
//! independent HMAC), order, metadata echo, payload schemas, retries and duplicates.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use mirai_voice_mock::{DeliveryState, DuplicateRule, MockServer, Outcome, WebhookConfig, spec};
use serde_json::{Value, json};
use sha2::Sha256;

#[derive(Clone, Debug)]
struct Received {
    signature: String,
    public_key: String,
    body: Bytes,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("deliveries are JSON")
    }
    fn event_type(&self) -> String {
        self.json()["event"]["type"].as_str().unwrap().to_owned()
    }
}

#[derive(Clone, Default)]
struct Receiver {
    received: Arc<Mutex<Vec<Received>>>,
    /// Requests still to be answered with 503 before accepting.
    fail_next: Arc<AtomicUsize>,
}

async fn hook(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    receiver.received.lock().unwrap().push(Received {
        signature: header("x-signature"),
        public_key: header("x-public-key"),
        body,
    });
    let failing = receiver
        .fail_next
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    if failing {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    }
}

impl Receiver {
    async fn start() -> (Self, String) {
        let receiver = Self::default();
        let app = Router::new()
            .route("/hook", post(hook))
            .with_state(receiver.clone());
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (receiver, url)
    }

    fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    fn types(&self) -> Vec<String> {
        self.all().iter().map(Received::event_type).collect()
    }
}

/// An HMAC computed here, independently of the emulator's code.
fn expected_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

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

    async fn post(&self, path: &str, body: Value) -> Value {
        let creds = self.server.credentials();
        let response = self
            .http
            .post(format!("{}{path}", self.server.base_url()))
            .header("x-public-key", &creds.public_key)
            .header("x-private-key", &creds.private_key)
            .header("workspace", &creds.workspace_id)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }

    async fn assistant(&self, variant: Value) -> String {
        let body = json!({
            "name": "Caller",
            "variant": variant,
            "agent": { "identity": { "name": "Neha" }, "systemPrompt": "Hello." },
            "callSettings": {
                "slots": [{ "startTime": "09:00", "endTime": "18:00" }],
                "retryProtocol": { "maxAttemptsNoPickup": 1, "reAttemptPeriod": 120 },
            },
        });
        let created = self.post("/v1/admin/assistant/create", body).await;
        created["data"]["assistantId"].as_str().unwrap().to_owned()
    }

    async fn call(&self, assistant: &str, number: &str, callback: &str, payload: Value) -> String {
        let body = json!({
            "phoneNumber": number,
            "assistant": assistant,
            "callbackUrl": callback,
            "payload": payload,
            "metadata": { "orderId": "ORD-1", "nested": { "n": 1 } },
        });
        self.post("/v2/call/initiate", body).await["callId"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

fn validate_component(name: &str, instance: &Value) {
    let schema = spec::component_schema(name).unwrap();
    if let Err(errors) = spec::validate(&schema, instance) {
        panic!("{name}: {errors:?}\n{instance:#}");
    }
}

#[tokio::test]
async fn events_are_signed_ordered_and_echo_metadata() {
    let fx = Fixture::new().await;
    let (receiver, url) = Receiver::start().await;
    let assistant = fx.assistant(json!({ "type": "custom" })).await;
    let call = fx.call(&assistant, "+14155552671", &url, json!({})).await;

    let report = fx.server.control().advance(120).await;
    assert!(report.deliveries_settled);
    assert_eq!(
        receiver.types(),
        [
            "call.initiate",
            "call.in-progress",
            "call.ended",
            "call.completed",
            "end-of-call",
            "call.lifecycle-ended"
        ]
    );
    let creds = fx.server.credentials();
    for delivery in receiver.all() {
        assert_eq!(
            delivery.signature,
            expected_signature(&creds.private_key, &delivery.body)
        );
        assert_eq!(delivery.public_key, creds.public_key);
        let body = delivery.json();
        assert_eq!(
            body["metadata"],
            json!({ "orderId": "ORD-1", "nested": { "n": 1 } })
        );
        assert_eq!(body["event"]["data"]["call"]["id"], call);
        validate_component(
            "WebhookEvent",
            &json!({ "event": { "type": body["event"]["type"], "data": {} } }),
        );
        validate_component("CallEventData", &body["event"]["data"]);
    }
    let end = receiver.all()[4].json();
    assert_eq!(end["event"]["data"]["analysis"]["success"], true);
    assert_eq!(
        end["event"]["data"]["credits"],
        json!({ "used": 1.0, "available": 99.0 })
    );
    assert_eq!(end["event"]["data"]["call"]["durationSeconds"], 45);
    let last = receiver.all()[5].json();
    assert_eq!(last["event"]["data"]["report"]["finalStatus"], "completed");

    let log = fx.server.control().deliveries(Some(&call));
    assert_eq!(log.len(), 6);
    assert!(
        log.iter()
            .all(|d| d.state == DeliveryState::Delivered && d.attempts.len() == 1)
    );
    assert_eq!(log[0].attempts[0].status, Some(200));
}

#[tokio::test]
async fn a_failing_receiver_is_retried_without_breaking_the_order() {
    let fx = Fixture::new().await;
    let (receiver, url) = Receiver::start().await;
    receiver.fail_next.store(2, Ordering::SeqCst);
    fx.server.control().set_webhook_config(WebhookConfig {
        max_attempts: 4,
        retry_delay_ms: 5,
        timeout_ms: 2_000,
    });
    let assistant = fx.assistant(json!({ "type": "custom" })).await;
    let call = fx.call(&assistant, "+14155552671", &url, json!({})).await;
    fx.server.control().advance(120).await;

    let types = receiver.types();
    assert_eq!(
        types[..3],
        ["call.initiate", "call.initiate", "call.initiate"],
        "the first event was retried twice"
    );
    let mut accepted = types[2..].to_vec();
    accepted.dedup();
    assert_eq!(
        accepted,
        [
            "call.initiate",
            "call.in-progress",
            "call.ended",
            "call.completed",
            "end-of-call",
            "call.lifecycle-ended"
        ]
    );
    let first = &fx.server.control().deliveries(Some(&call))[0];
    let statuses: Vec<Option<u16>> = first.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(503), Some(503), Some(200)]);
    assert_eq!(first.state, DeliveryState::Delivered);
}

#[tokio::test]
async fn deliveries_give_up_after_the_attempt_limit() {
    let fx = Fixture::new().await;
    let (receiver, url) = Receiver::start().await;
    receiver.fail_next.store(usize::MAX, Ordering::SeqCst);
    let control = fx.server.control();
    control.set_webhook_config(WebhookConfig {
        max_attempts: 3,
        retry_delay_ms: 1,
        timeout_ms: 2_000,
    });
    let assistant = fx.assistant(json!({ "type": "custom" })).await;
    let call = fx.call(&assistant, "+14155550005", &url, json!({})).await;
    // A closed port: connection errors are retried the same way.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", listener.local_addr().unwrap())
    };
    let unreachable = fx
        .call(&assistant, "+14155550005", &closed, json!({}))
        .await;
    control.advance(5).await;

    let log = control.deliveries(Some(&call));
    assert_eq!(
        log.iter()
            .map(|d| d.event_type.as_str())
            .collect::<Vec<_>>(),
        ["call.skip", "call.lifecycle-ended"]
    );
    for delivery in &log {
        assert_eq!(delivery.state, DeliveryState::Failed);
        assert_eq!(delivery.attempts.len(), 3);
    }
    assert_eq!(receiver.all().len(), 6);
    let log = control.deliveries(Some(&unreachable));
    assert!(log.iter().all(|d| d.state == DeliveryState::Failed));
    assert!(
        log[0]
            .attempts
            .iter()
            .all(|a| a.status.is_none() && a.error.is_some()),
        "{:?}",
        log[0].attempts
    );
}

#[tokio::test]
async fn duplicates_can_be_injected_and_deliveries_replayed() {
    let fx = Fixture::new().await;
    let (receiver, url) = Receiver::start().await;
    let control = fx.server.control();
    control.duplicate_deliveries(DuplicateRule {
        event_type: Some("end-of-call".into()),
        copies: 2,
        ..DuplicateRule::default()
    });
    let assistant = fx.assistant(json!({ "type": "custom" })).await;
    fx.call(&assistant, "+14155552671", &url, json!({})).await;
    control.advance(120).await;

    let ends: Vec<Received> = receiver
        .all()
        .into_iter()
        .filter(|r| r.event_type() == "end-of-call")
        .collect();
    assert_eq!(ends.len(), 3);
    assert!(
        ends.iter()
            .all(|r| r.body == ends[0].body && r.signature == ends[0].signature)
    );
    assert_eq!(
        receiver.types().last().unwrap(),
        "call.lifecycle-ended",
        "copies come right after the original"
    );

    let log = control.deliveries(None);
    let original = log
        .iter()
        .find(|d| d.event_type == "end-of-call" && d.duplicate_of.is_none())
        .unwrap();
    assert_eq!(
        log.iter()
            .filter(|d| d.duplicate_of.as_deref() == Some(original.id.as_str()))
            .count(),
        2
    );
    let replay = control.redeliver(&log[0].id).unwrap();
    assert_eq!(replay.duplicate_of.as_deref(), Some(log[0].id.as_str()));
    assert!(
        control
            .wait_for_deliveries(std::time::Duration::from_secs(5))
            .await
    );
    assert_eq!(receiver.types().last().unwrap(), "call.initiate");
    assert!(control.redeliver("dlv_999").is_err());
}

#[tokio::test]
async fn abort_while_waiting_for_a_reattempt_ends_the_chain() {
    let fx = Fixture::new().await;
    let (receiver, url) = Receiver::start().await;
    let assistant = fx.assistant(json!({ "type": "custom" })).await;
    let call = fx.call(&assistant, "+14155550001", &url, json!({})).await;
    let control = fx.server.control();
    control.advance(60).await;
    assert_eq!(receiver.types(), ["call.initiate", "call.no-answer"]);

    let aborted = fx.post("/v2/call/abort", json!({ "callId": call })).await;
    assert_eq!(aborted, json!({ "message": "Call aborted successfully" }));
    assert!(
        control
            .wait_for_deliveries(std::time::Duration::from_secs(5))
            .await
    );
    control.advance(3600).await;
    assert_eq!(
        receiver.types(),
        [
            "call.initiate",
            "call.no-answer",
            "call.aborted",
            "call.lifecycle-ended"
        ]
    );
    let last = receiver.all()[3].json();
    assert_eq!(
        last["event"]["data"]["report"],
        json!({ "reAttemptCount": 0, "rescheduledCount": 0, "finalStatus": "aborted" })
    );
}

#[tokio::test]
async fn steered_retries_then_success() {
    let fx = Fixture::new().await;
    let (receiver, url) = Receiver::start().await;
    let assistant = fx.assistant(json!({ "type": "custom" })).await;
    let call = fx.call(&assistant, "+14155552671", &url, json!({})).await;
    let control = fx.server.control();
    control
        .set_call_outcomes(&call, vec![Outcome::Busy])
        .unwrap();
    control.run_until_idle().await;
    assert_eq!(
        receiver.types(),
        [
            "call.initiate",
            "call.busy",
            "call.initiate",
            "call.in-progress",
            "call.ended",
            "call.completed",
            "end-of-call",
            "call.lifecycle-ended"
        ]
    );
    let last = receiver.all()[7].json();
    assert_eq!(last["event"]["data"]["report"]["reAttemptCount"], 1);
    let snapshot = control.call(&call).unwrap();
    assert_eq!(
        snapshot.history[2].elapsed_seconds,
        1 + 3 + 120,
        "re-dialled reAttemptPeriod after the busy signal"
    );
}

#[tokio::test]
async fn action_events_carry_the_variant_action() {
    let fx = Fixture::new().await;
    let (receiver, url) = Receiver::start().await;
    let assistant = fx
        .assistant(json!({ "type": "abandoned_cart", "config": { "abandoned_cart": { "paymentPlan": { "mode": "online" } } } }))
        .await;
    let payload = json!({
        "customer": { "firstName": "John", "phone": "+919876543210", "email": "john@example.com" },
        "lineItems": [{ "title": "Shoes", "quantity": 1 }],
        "totalLineItemsPriceSet": { "shopMoney": { "amount": "1895.0" } },
        "subtotalPriceSet": { "shopMoney": { "amount": "1895.0" } },
        "totalDiscountSet": { "shopMoney": { "amount": "0.0" } },
        "totalPriceSet": { "shopMoney": { "amount": "1895.0" } },
        "shippingAddress": { "address1": "12 MG Road", "city": "Bengaluru" },
    });
    fx.call(&assistant, "+919876543210", &url, payload).await;
    fx.server.control().advance(120).await;
    let action = receiver
        .all()
        .into_iter()
        .find(|r| r.event_type() == "action")
        .unwrap()
        .json();
    let mut data = action["event"]["data"].clone();
    assert_eq!(data["action"], "create_order");
    assert_eq!(data["payload"]["cartTotal"], 1895.0);
    validate_component("CreateOrderData", &data["payload"]);
    data.as_object_mut().unwrap().remove("payload");
    validate_component("ActionEventData", &data);
}
