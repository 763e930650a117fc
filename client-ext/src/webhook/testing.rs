//! Helpers for testing webhook handlers: signing, realistic events and a
//! manual clock.
//!
//! These produce exactly what the API sends, so a handler can be exercised
//! end to end without the service:
//!
//! ```
//! use mirai_voice::webhook::{testing, Action, Verifier};
//!
//! let secret = testing::test_secret();
//! let delivery = testing::EventBuilder::create_order()
//!     .call_id("call_42")
//!     .metadata("orderRef", "ORD-001")
//!     .signed(testing::TEST_PUBLIC_KEY, &secret);
//!
//! let event = Verifier::with_secret(secret).verify_and_parse(&delivery.headers, &delivery.body).unwrap();
//! assert_eq!(event.call_id(), Some("call_42"));
//! assert!(matches!(event.event.as_action().unwrap().action, Action::CreateOrder(_)));
//! ```

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use http::{HeaderMap, HeaderValue};
use serde_json::{Map, Value, json};

use super::dedupe::Clock;
use super::event::{
    Action, ActionEvent, ActionReason, Analysis, CallEvent, CallEventData, CallEventType, CallInfo,
    CreateOrderData, Credits, Discount, Event, Report, SendWhatsapp, ShippingAddress, UnknownEvent,
    WebhookEvent,
};
use super::keys::WebhookSecret;
use super::verify::{PUBLIC_KEY_HEADER, SIGNATURE_HEADER, signature_hex};
use crate::call_status::CallStatus;

/// A public key in the API's format (`pk_` + 32 hex digits), for tests.
pub const TEST_PUBLIC_KEY: &str = "pk_0123456789abcdef0123456789abcdef";

/// A private key in the API's format (`sk_` + 64 hex digits), for tests only.
pub fn test_secret() -> WebhookSecret {
    WebhookSecret::new("sk_fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210")
}

/// The `x-signature` the API would send for `body`: lowercase hex
/// HMAC-SHA256 keyed with `secret`.
pub fn sign(secret: &WebhookSecret, body: &[u8]) -> String {
    signature_hex(secret, body)
}

/// The headers of a delivery of `body`: `x-signature`, `x-public-key` and a
/// JSON content type.
pub fn signed_headers(public_key: &str, secret: &WebhookSecret, body: &[u8]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        SIGNATURE_HEADER,
        HeaderValue::from_str(&sign(secret, body)).expect("hex is a valid header value"),
    );
    // A public key that is not a valid header value (which the API never
    // sends) is left out, as a proxy would drop it.
    if let Ok(value) = HeaderValue::from_str(public_key) {
        headers.insert(PUBLIC_KEY_HEADER, value);
    }
    headers
}

/// A signed delivery: the raw body and the headers the API sends with it.
#[derive(Debug, Clone)]
pub struct SignedDelivery {
    /// The raw body.
    pub body: Vec<u8>,
    /// `x-signature`, `x-public-key` and `content-type`.
    pub headers: HeaderMap,
}

impl SignedDelivery {
    /// Signs `body` as the organization `public_key` / `secret`.
    pub fn new(public_key: &str, secret: &WebhookSecret, body: impl Into<Vec<u8>>) -> Self {
        let body = body.into();
        let headers = signed_headers(public_key, secret, &body);
        SignedDelivery { body, headers }
    }

    /// The `x-signature` value.
    pub fn signature(&self) -> &str {
        self.headers
            .get(SIGNATURE_HEADER)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
    }
}

/// Builds realistic webhook events, shaped like the documentation's examples.
///
/// Each constructor fills what that event carries (timestamps and recording
/// for finished calls, analysis and credits for `end-of-call`, a report for
/// `call.lifecycle-ended`, an order for `create_order`); setters change single
/// fields.
#[derive(Debug, Clone)]
pub struct EventBuilder {
    event: WebhookEvent,
}

/// Call id the builders use unless told otherwise.
pub const DEFAULT_CALL_ID: &str = "call_6701abc123";

fn at(rfc3339: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(rfc3339)
        .ok()
        .map(|time| time.with_timezone(&Utc))
}

impl EventBuilder {
    /// A call event of `kind` for [`DEFAULT_CALL_ID`].
    pub fn call(kind: CallEventType) -> Self {
        use CallEventType as K;
        let answered = matches!(
            kind,
            K::InProgress | K::Ended | K::Completed | K::Timeout | K::EndOfCall | K::LifecycleEnded
        );
        let finished = answered && kind != K::InProgress;
        let processed = matches!(kind, K::Completed | K::EndOfCall | K::LifecycleEnded);
        let mut call = CallInfo {
            id: Some(DEFAULT_CALL_ID.into()),
            status: Some(kind.typical_status()),
            ..CallInfo::default()
        };
        if answered {
            call.started_at = at("2026-06-30T10:00:00.000Z");
        }
        if finished {
            call.ended_at = at("2026-06-30T10:05:32.000Z");
            call.duration_seconds = Some(332.0);
        }
        if processed {
            call.recording_url = Some(format!(
                "https://storage.miraiminds.co/recordings/{DEFAULT_CALL_ID}.wav"
            ));
            call.detail_url = Some(format!("https://app.miraiminds.co/calls/{DEFAULT_CALL_ID}"));
        }
        let mut data = CallEventData {
            call: Some(call),
            ..CallEventData::default()
        };
        if kind == K::EndOfCall {
            data.analysis = Some(Analysis {
                success: Some(true),
                summary: Some(
                    "Customer confirmed the order and chose cash on delivery.".to_owned(),
                ),
                required_actions: vec!["create-order".to_owned()],
                insights: object(json!({ "interested": true, "callback_requested": false })),
                outcome: Map::new(),
            });
            data.credits = Some(Credits {
                used: Some(1.5),
                available: Some(98.5),
            });
        }
        if matches!(kind, K::EndOfCall | K::LifecycleEnded) {
            data.report = Some(Report {
                re_attempt_count: Some(0),
                rescheduled_count: Some(0),
                final_status: (kind == K::LifecycleEnded).then_some(CallStatus::Completed),
            });
        }
        EventBuilder::from_event(Event::Call(CallEvent { kind, data }))
    }

    /// A `call.completed` event.
    pub fn call_completed() -> Self {
        EventBuilder::call(CallEventType::Completed)
    }

    /// An `end-of-call` event with analysis, credits and report.
    pub fn end_of_call() -> Self {
        EventBuilder::call(CallEventType::EndOfCall)
    }

    /// An `action` event for [`DEFAULT_CALL_ID`].
    pub fn action(action: Action) -> Self {
        EventBuilder::from_event(Event::Action(ActionEvent::new(
            action,
            Some(DEFAULT_CALL_ID.into()),
        )))
    }

    /// A `create_order` action with a complete order.
    pub fn create_order() -> Self {
        EventBuilder::action(Action::CreateOrder(CreateOrderData {
            email: Some("jane@example.com".to_owned()),
            phone: Some("+919876543210".to_owned()),
            line_items: vec![json!({ "title": "Sample Product", "quantity": 1 })],
            shipping_address: Some(ShippingAddress {
                first_name: Some("Jane".to_owned()),
                last_name: Some("Smith".to_owned()),
                address1: Some("12 MG Road".to_owned()),
                city: Some("Bengaluru".to_owned()),
                province: Some("Karnataka".to_owned()),
                zip: Some("560001".to_owned()),
                country: Some("India".to_owned()),
                phone: Some("+919876543210".to_owned()),
                ..ShippingAddress::default()
            }),
            cart_total: Some(1895.0),
            cod_charge: Some(50.0),
            discount: Some(Discount {
                code: Some("SAVE10".to_owned()),
                reason: Some("abandoned cart recovery".to_owned()),
            }),
            note: Some("Customer confirmed on call".to_owned()),
            abandoned_checkout_id: Some(
                "gid://shopify/AbandonedCheckout/66509168181329".to_owned(),
            ),
            payment_mode: None,
        }))
    }

    /// A `send_whatsapp` action to `number`.
    pub fn send_whatsapp(number: impl Into<String>) -> Self {
        EventBuilder::action(Action::SendWhatsapp(SendWhatsapp {
            number: Some(number.into()),
        }))
    }

    /// An event of a type this SDK does not know.
    pub fn unknown(event_type: impl Into<String>, data: Value) -> Self {
        EventBuilder::from_event(Event::Unknown(UnknownEvent {
            event_type: event_type.into(),
            data,
        }))
    }

    fn from_event(event: Event) -> Self {
        let mut metadata = Map::new();
        metadata.insert("internalOrderId".to_owned(), Value::from("8842"));
        EventBuilder {
            event: WebhookEvent { metadata, event },
        }
    }

    /// Sets the call id.
    pub fn call_id(mut self, id: impl Into<String>) -> Self {
        let id = id.into();
        match &mut self.event.event {
            Event::Call(call) => {
                call.data.call.get_or_insert_with(CallInfo::default).id = Some(id.into());
            }
            Event::Action(action) => {
                action.call = Some(super::event::ActionCall { id: id.into() });
            }
            Event::Unknown(unknown) => {
                if let Value::Object(data) = &mut unknown.data {
                    data.insert("call".to_owned(), json!({ "id": id }));
                }
            }
        }
        self
    }

    /// Sets the call status of a call event.
    pub fn status(mut self, status: CallStatus) -> Self {
        if let Event::Call(call) = &mut self.event.event {
            call.data.call.get_or_insert_with(CallInfo::default).status = Some(status);
        }
        self
    }

    /// Sets the analysis of a call event.
    pub fn analysis(mut self, analysis: Analysis) -> Self {
        if let Event::Call(call) = &mut self.event.event {
            call.data.analysis = Some(analysis);
        }
        self
    }

    /// Sets the credits of a call event.
    pub fn credits(mut self, used: f64, available: f64) -> Self {
        if let Event::Call(call) = &mut self.event.event {
            call.data.credits = Some(Credits {
                used: Some(used),
                available: Some(available),
            });
        }
        self
    }

    /// Sets the report of a call event.
    pub fn report(mut self, report: Report) -> Self {
        if let Event::Call(call) = &mut self.event.event {
            call.data.report = Some(report);
        }
        self
    }

    /// Sets the reason of an action event.
    pub fn reason(mut self, reason: ActionReason) -> Self {
        if let Event::Action(action) = &mut self.event.event {
            action.reason = Some(reason);
        }
        self
    }

    /// Adds a metadata entry.
    pub fn metadata(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.event.metadata.insert(key.into(), value.into());
        self
    }

    /// Replaces all metadata.
    pub fn metadata_object(mut self, metadata: Map<String, Value>) -> Self {
        self.event.metadata = metadata;
        self
    }

    /// The event.
    pub fn build(self) -> WebhookEvent {
        self.event
    }

    /// The JSON body the API would send.
    pub fn body(&self) -> Vec<u8> {
        self.event.to_vec()
    }

    /// The body, signed as the organization `public_key` / `secret`.
    pub fn signed(&self, public_key: &str, secret: &WebhookSecret) -> SignedDelivery {
        SignedDelivery::new(public_key, secret, self.body())
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// A [`Clock`] that only moves when told to, for TTL tests.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<Instant>>,
}

impl ManualClock {
    /// A clock stopped at the current instant.
    pub fn new() -> Self {
        ManualClock {
            now: Arc::new(Mutex::new(Instant::now())),
        }
    }

    /// Moves the clock (and every clone of it) forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        ManualClock::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
