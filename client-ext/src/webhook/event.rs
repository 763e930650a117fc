//! Typed webhook events.
//!
//! Every delivery is an envelope `{metadata, event: {type, data}}`. The `type`
//! decides how `data` is read:
//!
//! * the fourteen call event types (`call.initiate` … `call.lifecycle-ended`,
//!   `end-of-call`) carry [`CallEventData`];
//! * `action` carries an [`ActionEvent`], whose `action` field decides how its
//!   `payload` is read;
//! * any other type becomes [`Event::Unknown`] with its `data` kept as raw JSON.
//!
//! Every field the documentation marks optional may be missing or `null`, and
//! enum values added to the API later (statuses, actions, reasons) parse into
//! `Unknown` variants that keep the value, so a new server release does not
//! make a receiver reject deliveries.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::call_status::CallStatus;

/// A whole webhook delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookEvent {
    /// The `metadata` object given when the call was initiated, echoed on every
    /// event (empty when absent or `null`).
    pub metadata: Map<String, Value>,
    /// The event itself.
    pub event: Event,
}

impl WebhookEvent {
    /// Parses a raw body. Verify the signature first: see
    /// [`Verifier::verify_and_parse`](super::Verifier::verify_and_parse).
    ///
    /// ```
    /// use mirai_voice::webhook::{Action, Event, WebhookEvent};
    ///
    /// let body = br#"{"event":{"type":"action","data":{
    ///     "action":"send_whatsapp","call":{"id":"call_1"},"payload":{"number":"+14155550100"}}}}"#;
    /// let event = WebhookEvent::from_slice(body).unwrap();
    /// let Event::Action(action) = &event.event else { panic!("not an action") };
    /// let Action::SendWhatsapp(whatsapp) = &action.action else { panic!("not send_whatsapp") };
    /// assert_eq!(whatsapp.number.as_deref(), Some("+14155550100"));
    /// assert_eq!(event.call_id(), Some("call_1"));
    /// ```
    pub fn from_slice(body: &[u8]) -> Result<Self, ParseError> {
        serde_json::from_slice(body).map_err(ParseError::from)
    }

    /// Serializes the event to the JSON the API sends.
    pub fn to_vec(&self) -> Vec<u8> {
        // Only string-keyed maps and plain data are involved, so serde_json
        // cannot fail here.
        serde_json::to_vec(self).expect("webhook events always serialize to JSON")
    }

    /// The wire value of `event.type`, e.g. `"end-of-call"`.
    pub fn event_type(&self) -> &str {
        self.event.event_type()
    }

    /// The id of the call the event is about, when the event names one.
    pub fn call_id(&self) -> Option<&str> {
        self.event.call_id()
    }
}

impl std::str::FromStr for WebhookEvent {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WebhookEvent::from_slice(s.as_bytes())
    }
}

/// The body is not a webhook event (invalid JSON, no `event.type`, or a field
/// of the wrong type).
#[derive(Debug, thiserror::Error)]
#[error("webhook body is not a valid event: {source}")]
pub struct ParseError {
    #[source]
    source: serde_json::Error,
}

impl ParseError {
    /// Line of the body where parsing failed (1-based; 0 if unknown).
    pub fn line(&self) -> usize {
        self.source.line()
    }

    /// Column of the body where parsing failed (1-based; 0 if unknown).
    pub fn column(&self) -> usize {
        self.source.column()
    }
}

impl From<serde_json::Error> for ParseError {
    fn from(source: serde_json::Error) -> Self {
        ParseError { source }
    }
}

/// The `event` part of a delivery.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// A call lifecycle event (every documented type except `action`).
    Call(CallEvent),
    /// An `action` event: the conversation asks the app to do something.
    Action(ActionEvent),
    /// An event type this SDK does not know.
    Unknown(UnknownEvent),
}

impl Event {
    /// The wire value of `event.type`.
    pub fn event_type(&self) -> &str {
        match self {
            Event::Call(call) => call.kind.as_str(),
            Event::Action(_) => ActionEvent::EVENT_TYPE,
            Event::Unknown(unknown) => &unknown.event_type,
        }
    }

    /// The id of the call the event is about, when the event names one.
    pub fn call_id(&self) -> Option<&str> {
        match self {
            Event::Call(call) => call.data.call.as_ref()?.id.as_ref().map(|id| id.as_str()),
            Event::Action(action) => action.call.as_ref().map(|call| call.id.as_str()),
            Event::Unknown(unknown) => unknown.data.get("call")?.get("id")?.as_str(),
        }
    }

    /// The call event, if this is one.
    pub fn as_call(&self) -> Option<&CallEvent> {
        match self {
            Event::Call(call) => Some(call),
            _ => None,
        }
    }

    /// The action event, if this is one.
    pub fn as_action(&self) -> Option<&ActionEvent> {
        match self {
            Event::Action(action) => Some(action),
            _ => None,
        }
    }

    fn from_parts(
        event_type: String,
        data: Option<Box<RawValue>>,
    ) -> Result<Self, serde_json::Error> {
        if let Some(kind) = CallEventType::from_wire(&event_type) {
            // `data` is required by the spec, but every field inside it is
            // optional, so an absent `data` reads as an empty one.
            let data = match data {
                Some(raw) => serde_json::from_str(raw.get())?,
                None => CallEventData::default(),
            };
            return Ok(Event::Call(CallEvent { kind, data }));
        }
        if event_type == ActionEvent::EVENT_TYPE {
            let raw = data.ok_or_else(|| serde_json::Error::missing_field("data"))?;
            return Ok(Event::Action(serde_json::from_str(raw.get())?));
        }
        let data = match data {
            Some(raw) => serde_json::from_str(raw.get())?,
            None => Value::Null,
        };
        Ok(Event::Unknown(UnknownEvent { event_type, data }))
    }
}

/// An event whose type this SDK does not know, kept as raw JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct UnknownEvent {
    /// The wire value of `event.type`.
    pub event_type: String,
    /// `event.data` as sent (`Null` when absent).
    pub data: Value,
}

/// A call lifecycle event.
#[derive(Debug, Clone, PartialEq)]
pub struct CallEvent {
    /// Which lifecycle event this is.
    pub kind: CallEventType,
    /// The call, analysis, credits and report, as far as the event carries them.
    pub data: CallEventData,
}

impl CallEvent {
    /// The call's status as the event reports it.
    pub fn status(&self) -> Option<&CallStatus> {
        self.data.call.as_ref()?.status.as_ref()
    }
}

/// The fourteen documented call event types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallEventType {
    /// `call.initiate`: queued and being dialled.
    Initiate,
    /// `call.in-progress`: answered; the conversation started.
    InProgress,
    /// `call.ended`: the phone connection dropped.
    Ended,
    /// `call.completed`: recording, transcript and duration processed.
    Completed,
    /// `call.timeout`: exceeded the maximum duration.
    Timeout,
    /// `call.failed`: general connection failure.
    Failed,
    /// `call.validation-failed`: pre-call validation failed.
    ValidationFailed,
    /// `call.busy`: the line was busy.
    Busy,
    /// `call.no-answer`: nobody picked up.
    NoAnswer,
    /// `call.skip`: skipped, e.g. a DND number.
    Skip,
    /// `call.rescheduled`: a callback was scheduled; the lifecycle continues.
    Rescheduled,
    /// `call.aborted`: cancelled through the abort API.
    Aborted,
    /// `call.lifecycle-ended`: the final event; no further attempts.
    LifecycleEnded,
    /// `end-of-call`: analysis is complete (summary, success, insights, credits).
    EndOfCall,
}

impl CallEventType {
    /// Every call event type, in the order the spec lists them.
    pub const ALL: [CallEventType; 14] = [
        CallEventType::Initiate,
        CallEventType::InProgress,
        CallEventType::Ended,
        CallEventType::Completed,
        CallEventType::Timeout,
        CallEventType::Failed,
        CallEventType::ValidationFailed,
        CallEventType::Busy,
        CallEventType::NoAnswer,
        CallEventType::Skip,
        CallEventType::Rescheduled,
        CallEventType::Aborted,
        CallEventType::LifecycleEnded,
        CallEventType::EndOfCall,
    ];

    /// The wire value, e.g. `"call.no-answer"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CallEventType::Initiate => "call.initiate",
            CallEventType::InProgress => "call.in-progress",
            CallEventType::Ended => "call.ended",
            CallEventType::Completed => "call.completed",
            CallEventType::Timeout => "call.timeout",
            CallEventType::Failed => "call.failed",
            CallEventType::ValidationFailed => "call.validation-failed",
            CallEventType::Busy => "call.busy",
            CallEventType::NoAnswer => "call.no-answer",
            CallEventType::Skip => "call.skip",
            CallEventType::Rescheduled => "call.rescheduled",
            CallEventType::Aborted => "call.aborted",
            CallEventType::LifecycleEnded => "call.lifecycle-ended",
            CallEventType::EndOfCall => "end-of-call",
        }
    }

    /// The type for a wire value, if it is a documented call event type.
    pub fn from_wire(value: &str) -> Option<Self> {
        CallEventType::ALL
            .into_iter()
            .find(|kind| kind.as_str() == value)
    }

    /// The call status this event normally reports (`end-of-call` and
    /// `call.lifecycle-ended` report the status the call ended with, usually
    /// `completed`).
    pub fn typical_status(self) -> CallStatus {
        match self {
            CallEventType::Initiate => CallStatus::Initiate,
            CallEventType::InProgress => CallStatus::InProgress,
            CallEventType::Ended => CallStatus::Ended,
            CallEventType::Completed | CallEventType::EndOfCall | CallEventType::LifecycleEnded => {
                CallStatus::Completed
            }
            CallEventType::Timeout => CallStatus::Timeout,
            CallEventType::Failed => CallStatus::Failed,
            CallEventType::ValidationFailed => CallStatus::ValidationFailed,
            CallEventType::Busy => CallStatus::Busy,
            CallEventType::NoAnswer => CallStatus::NoAnswer,
            CallEventType::Skip => CallStatus::Skip,
            CallEventType::Rescheduled => CallStatus::Rescheduled,
            CallEventType::Aborted => CallStatus::Aborted,
        }
    }
}

impl fmt::Display for CallEventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `event.data` of a call event (`CallEventData` in the spec). Which parts are
/// present depends on the event: `end-of-call` carries analysis and credits,
/// `call.lifecycle-ended` a report.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CallEventData {
    /// The call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<CallInfo>,
    /// The post-call analysis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub analysis: Option<Analysis>,
    /// Credits used and left.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credits: Option<Credits>,
    /// Attempt counters for the call task.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<Report>,
}

/// The call an event is about.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CallInfo {
    /// The call id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<crate::ids::CallId>,
    /// The call's status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<CallStatus>,
    /// When the call was answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    /// When the call ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    /// URL of the call recording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_url: Option<String>,
    /// URL of the call's page in the dashboard.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_url: Option<String>,
    /// Duration of the call in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<f64>,
}

/// Output of the assistant's analysis plan.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Analysis {
    /// What the success criteria plan decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    /// Output of the summary plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Post-call actions the analysis asked for, e.g. `create-order`.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub required_actions: Vec<String>,
    /// Structured fields from the call insight plan.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub insights: Map<String, Value>,
    /// Variant-specific extraction result; empty when the variant has none.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Map::is_empty"
    )]
    pub outcome: Map<String, Value>,
}

/// Credits consumed by a call, and the balance after it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Credits {
    /// Credits used by this call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used: Option<f64>,
    /// Credits left after this call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<f64>,
}

/// Attempt counters of a call task.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Report {
    /// Re-attempts made after no pickup or low engagement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub re_attempt_count: Option<u32>,
    /// Times the call was rescheduled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rescheduled_count: Option<u32>,
    /// Final status of the call task. The lifecycle guide shows it on
    /// `call.lifecycle-ended`; the spec's schema does not list it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_status: Option<CallStatus>,
}

/// An `action` event (`ActionEventData` in the spec).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ActionEvent {
    /// What to do, with its payload.
    pub action: Action,
    /// The call that produced the action.
    pub call: Option<ActionCall>,
    /// Set when the action exists because something was missing.
    pub reason: Option<ActionReason>,
}

impl ActionEvent {
    /// The `event.type` of action events.
    pub const EVENT_TYPE: &'static str = "action";

    /// An action event about the call `call_id`.
    pub fn new(action: Action, call_id: Option<crate::ids::CallId>) -> Self {
        ActionEvent {
            action,
            call: call_id.map(|id| ActionCall { id }),
            reason: None,
        }
    }
}

/// The call named by an action event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCall {
    /// The call id.
    pub id: crate::ids::CallId,
}

/// The business action an `action` event asks for, discriminated by its
/// `action` field.
// One action per delivery: keeping the order inline makes it easier to build
// and match than a box would, and the size does not matter at that rate.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Action {
    /// `create_order`: place the order described by the payload.
    CreateOrder(CreateOrderData),
    /// `send_whatsapp`: send a WhatsApp follow-up.
    SendWhatsapp(SendWhatsapp),
    /// `mark_prepaid`: the customer chose prepaid. The payload is not
    /// documented and is kept as raw JSON (`Null` when absent).
    MarkPrepaid {
        /// The payload as sent.
        payload: Value,
    },
    /// `update_address`: the customer gave a corrected address. The payload is
    /// not documented and is kept as raw JSON (`Null` when absent).
    UpdateAddress {
        /// The payload as sent.
        payload: Value,
    },
    /// `confirmed_address`: the customer confirmed the address on file. The
    /// payload is not documented and is kept as raw JSON (`Null` when absent).
    ConfirmedAddress {
        /// The payload as sent.
        payload: Value,
    },
    /// An action this SDK does not know.
    Unknown {
        /// The wire value of `action`.
        action: String,
        /// The payload as sent (`Null` when absent).
        payload: Value,
    },
}

impl Action {
    /// The wire value of `action`, e.g. `"create_order"`.
    pub fn name(&self) -> &str {
        match self {
            Action::CreateOrder(_) => "create_order",
            Action::SendWhatsapp(_) => "send_whatsapp",
            Action::MarkPrepaid { .. } => "mark_prepaid",
            Action::UpdateAddress { .. } => "update_address",
            Action::ConfirmedAddress { .. } => "confirmed_address",
            Action::Unknown { action, .. } => action,
        }
    }

    fn from_parts(action: String, payload: Option<&RawValue>) -> Result<Self, serde_json::Error> {
        fn typed<T: Default + for<'de> Deserialize<'de>>(
            payload: Option<&RawValue>,
        ) -> Result<T, serde_json::Error> {
            payload.map_or_else(|| Ok(T::default()), |raw| serde_json::from_str(raw.get()))
        }
        let raw = || typed::<Value>(payload);
        Ok(match action.as_str() {
            "create_order" => Action::CreateOrder(typed(payload)?),
            "send_whatsapp" => Action::SendWhatsapp(typed(payload)?),
            "mark_prepaid" => Action::MarkPrepaid { payload: raw()? },
            "update_address" => Action::UpdateAddress { payload: raw()? },
            "confirmed_address" => Action::ConfirmedAddress { payload: raw()? },
            _ => Action::Unknown {
                payload: raw()?,
                action,
            },
        })
    }
}

/// Why an action was raised instead of completing normally.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ActionReason {
    /// `missing_address`: the shipping address is incomplete.
    MissingAddress,
    /// `missing_first_name`: the customer's name could not be determined.
    MissingFirstName,
    /// `invalid_cart_data`: cart data is malformed or missing.
    InvalidCartData,
    /// A reason this SDK does not know, kept verbatim.
    Unknown(String),
}

impl ActionReason {
    /// The wire value, e.g. `"missing_address"`.
    pub fn as_str(&self) -> &str {
        match self {
            ActionReason::MissingAddress => "missing_address",
            ActionReason::MissingFirstName => "missing_first_name",
            ActionReason::InvalidCartData => "invalid_cart_data",
            ActionReason::Unknown(other) => other,
        }
    }
}

impl From<&str> for ActionReason {
    fn from(value: &str) -> Self {
        match value {
            "missing_address" => ActionReason::MissingAddress,
            "missing_first_name" => ActionReason::MissingFirstName,
            "invalid_cart_data" => ActionReason::InvalidCartData,
            other => ActionReason::Unknown(other.to_owned()),
        }
    }
}

impl fmt::Display for ActionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ActionReason {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ActionReason {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(ActionReason::from(value.as_ref()))
    }
}

/// Payload of `create_order` (`CreateOrderData` in the spec).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CreateOrderData {
    /// Customer e-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Customer phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Line items; the spec leaves their shape open (e.g. `title`,
    /// `variantId`, `quantity`), so they stay raw JSON.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub line_items: Vec<Value>,
    /// Where to ship.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping_address: Option<ShippingAddress>,
    /// Cart total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cart_total: Option<f64>,
    /// Cash-on-delivery charge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cod_charge: Option<f64>,
    /// Discount applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount: Option<Discount>,
    /// Free-text note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Shopify abandoned checkout the order recovers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abandoned_checkout_id: Option<String>,
    /// Payment mode (e.g. `cod`). The lifecycle guide's example has it; the
    /// spec's schema does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_mode: Option<String>,
}

/// A shipping address of a `create_order` payload.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ShippingAddress {
    /// First name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// First address line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address1: Option<String>,
    /// Second address line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address2: Option<String>,
    /// City.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Province or state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<String>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zip: Option<String>,
    /// Country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Phone number for delivery.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// A discount of a `create_order` payload.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Discount {
    /// Discount code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Why it was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Payload of `send_whatsapp` (`SendWhatsapp` in the spec). The lifecycle
/// guide shows this action with no payload at all, which reads as no number.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SendWhatsapp {
    /// Number to message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
}

/// Reads `null` like an absent field for collections.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

// Wire shapes. `data` and `payload` are read as raw JSON first because the
// field that says how to read them may come after them in the object.

#[derive(Deserialize)]
struct EnvelopeIn {
    #[serde(default, deserialize_with = "null_as_default")]
    metadata: Map<String, Value>,
    event: EventIn,
}

/// `event`, read in one pass when `type` comes before `data` (as the API
/// sends it): `data` is then parsed straight into its typed form. Only when
/// `data` comes first is it kept as raw JSON and parsed once `type` is known.
struct EventIn(Event);

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum EventField {
    Type,
    Data,
    #[serde(other)]
    Other,
}

/// `event.data` as read so far: typed when `type` was already known.
// Lives only on the stack while one object is read; boxing would cost an
// allocation per delivery.
#[allow(clippy::large_enum_variant)]
enum DataIn {
    Typed(Event),
    Deferred(Option<Box<RawValue>>),
}

impl<'de> Deserialize<'de> for EventIn {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EventVisitor)
    }
}

struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = EventIn;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event object with a `type`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EventIn, A::Error> {
        let mut event_type: Option<String> = None;
        let mut data: Option<DataIn> = None;
        while let Some(field) = map.next_key::<EventField>()? {
            match field {
                EventField::Type => {
                    if event_type.is_some() {
                        return Err(A::Error::duplicate_field("type"));
                    }
                    event_type = Some(map.next_value()?);
                }
                EventField::Data => {
                    if data.is_some() {
                        return Err(A::Error::duplicate_field("data"));
                    }
                    data = Some(match &event_type {
                        Some(event_type) => {
                            DataIn::Typed(map.next_value_seed(DataSeed(event_type))?)
                        }
                        None => DataIn::Deferred(map.next_value()?),
                    });
                }
                EventField::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        let event_type = event_type.ok_or_else(|| A::Error::missing_field("type"))?;
        let raw = match data {
            Some(DataIn::Typed(event)) => return Ok(EventIn(event)),
            Some(DataIn::Deferred(raw)) => raw,
            None => None,
        };
        Event::from_parts(event_type, raw)
            .map(EventIn)
            .map_err(|error| A::Error::custom(format_args!("event.data: {error}")))
    }
}

/// Reads `event.data` for a known `type`, with the same rules as
/// [`Event::from_parts`] (absent or `null` data of a call event reads as
/// empty; an action event needs its data).
struct DataSeed<'a>(&'a str);

impl<'de> DeserializeSeed<'de> for DataSeed<'_> {
    type Value = Event;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Event, D::Error> {
        let event_type = self.0;
        if let Some(kind) = CallEventType::from_wire(event_type) {
            let data = Option::<CallEventData>::deserialize(deserializer)?.unwrap_or_default();
            return Ok(Event::Call(CallEvent { kind, data }));
        }
        if event_type == ActionEvent::EVENT_TYPE {
            let action = Option::<ActionEvent>::deserialize(deserializer)?
                .ok_or_else(|| D::Error::missing_field("data"))?;
            return Ok(Event::Action(action));
        }
        Ok(Event::Unknown(UnknownEvent {
            event_type: event_type.to_owned(),
            data: Value::deserialize(deserializer)?,
        }))
    }
}

#[derive(Deserialize)]
struct ActionIn {
    action: String,
    #[serde(default)]
    call: Option<ActionCall>,
    #[serde(default)]
    reason: Option<ActionReason>,
    #[serde(default)]
    payload: Option<Box<RawValue>>,
}

#[derive(Serialize)]
struct EnvelopeOut<'a> {
    metadata: &'a Map<String, Value>,
    event: EventOut<'a>,
}

#[derive(Serialize)]
struct EventOut<'a> {
    #[serde(rename = "type")]
    event_type: &'a str,
    data: DataOut<'a>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum DataOut<'a> {
    Call(&'a CallEventData),
    Action(&'a ActionEvent),
    Unknown(&'a Value),
}

#[derive(Serialize)]
struct ActionOut<'a> {
    action: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    call: Option<&'a ActionCall>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a ActionReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<PayloadOut<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum PayloadOut<'a> {
    CreateOrder(&'a CreateOrderData),
    SendWhatsapp(&'a SendWhatsapp),
    Raw(&'a Value),
}

impl<'de> Deserialize<'de> for WebhookEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let envelope = EnvelopeIn::deserialize(deserializer)?;
        Ok(WebhookEvent {
            metadata: envelope.metadata,
            event: envelope.event.0,
        })
    }
}

impl Serialize for WebhookEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let data = match &self.event {
            Event::Call(call) => DataOut::Call(&call.data),
            Event::Action(action) => DataOut::Action(action),
            Event::Unknown(unknown) => DataOut::Unknown(&unknown.data),
        };
        EnvelopeOut {
            metadata: &self.metadata,
            event: EventOut {
                event_type: self.event.event_type(),
                data,
            },
        }
        .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for ActionEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = ActionIn::deserialize(deserializer)?;
        let action = Action::from_parts(raw.action, raw.payload.as_deref())
            .map_err(|error| D::Error::custom(format_args!("payload: {error}")))?;
        Ok(ActionEvent {
            action,
            call: raw.call,
            reason: raw.reason,
        })
    }
}

impl Serialize for ActionEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let payload = match &self.action {
            Action::CreateOrder(order) => Some(PayloadOut::CreateOrder(order)),
            Action::SendWhatsapp(whatsapp) => Some(PayloadOut::SendWhatsapp(whatsapp)),
            Action::MarkPrepaid { payload }
            | Action::UpdateAddress { payload }
            | Action::ConfirmedAddress { payload }
            | Action::Unknown { payload, .. } => {
                (!payload.is_null()).then_some(PayloadOut::Raw(payload))
            }
        };
        ActionOut {
            action: self.action.name(),
            call: self.call.as_ref(),
            reason: self.reason.as_ref(),
            payload,
        }
        .serialize(serializer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_may_come_after_data() {
        let body =
            br#"{"event":{"data":{"action":"mark_prepaid","call":{"id":"c"}},"type":"action"}}"#;
        let event = WebhookEvent::from_slice(body).unwrap();
        assert!(matches!(
            event.event.as_action().map(|a| &a.action),
            Some(Action::MarkPrepaid {
                payload: Value::Null
            })
        ));
    }

    #[test]
    fn both_orders_of_type_and_data_read_the_same_event() {
        for (event_type, data) in [
            (
                "end-of-call",
                r#"{"call":{"id":"c","status":"later"},"credits":{"used":0.1}}"#,
            ),
            ("call.busy", "null"),
            (
                "action",
                r#"{"action":"send_whatsapp","payload":{"number":"1"}}"#,
            ),
            ("call.voicemail", r#"{"call":{"id":"c"},"extra":[1.5]}"#),
        ] {
            let type_first =
                format!(r#"{{"event":{{"type":"{event_type}","x":1,"data":{data}}}}}"#);
            let data_first =
                format!(r#"{{"event":{{"data":{data},"x":1,"type":"{event_type}"}}}}"#);
            let a = WebhookEvent::from_slice(type_first.as_bytes()).unwrap();
            let b = WebhookEvent::from_slice(data_first.as_bytes()).unwrap();
            assert_eq!(a, b, "{event_type}");
            assert_eq!(a.event_type(), event_type);
        }
        for body in [
            r#"{"event":{"type":"action","data":null}}"#,
            r#"{"event":{"type":"call.busy","type":"call.busy","data":{}}}"#,
            r#"{"event":{"type":"call.busy","data":{},"data":{}}}"#,
            r#"{"event":{"data":{}}}"#,
        ] {
            assert!(WebhookEvent::from_slice(body.as_bytes()).is_err(), "{body}");
        }
    }

    #[test]
    fn every_call_event_type_round_trips() {
        for kind in CallEventType::ALL {
            assert_eq!(CallEventType::from_wire(kind.as_str()), Some(kind));
        }
        assert_eq!(CallEventType::from_wire("action"), None);
    }
}
