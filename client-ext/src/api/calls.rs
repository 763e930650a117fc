//! Calls: place a phone or web call, abort it, replace its payload.

use futures::FutureExt;
use futures::future::{self, Either};
use mirai_voice_generated::prelude::*;
use mirai_voice_generated::types;
use mirai_voice_generated::{OperationSpec, operations};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::payload::{CallPayload, PayloadError};
use super::require_id;
use crate::call_status::CallStatus;
use crate::client::Client;
use crate::error::{Error, ValidationError};
use crate::ids::{AssistantId, CallId};
use crate::phone::PhoneNumber;
use crate::redact::RedactedJson;

/// The call operations; see [`Client::calls`].
#[derive(Clone, Copy, Debug)]
pub struct Calls<'a> {
    client: &'a Client,
}

/// A phone call to place with [`Calls::initiate`].
///
/// Only `phone_number` and `assistant` are required. The payload is a [`CallPayload`] whose variant matches the
/// assistant's (an [`AbandonedCart`](super::payload::AbandonedCart), a
/// [`ShopifyOrder`](super::payload::ShopifyOrder), an [`NdrFollowup`](super::payload::NdrFollowup) or a custom
/// map); a payload that cannot be sent as built (no line item, a zero quantity, an empty custom map) is refused
/// by [`Calls::initiate`] with [`ValidationError::InvalidRequest`](crate::error::ValidationError::InvalidRequest)
/// naming every problem, before anything is sent.
///
/// Free-form keys are kept: metadata entries ([`InitiateCall::metadata_entry`]) are sent next to the typed
/// `discount` and echoed on every webhook event of the call; the `extra` keys of a Shopify order or NDR
/// follow-up payload are sent next to their typed fields. A free-form key that names a typed property
/// (`discount`, or `name` in a Shopify order payload) would be written twice, so [`Calls::initiate`] refuses it
/// the same way: set the typed field instead.
///
/// ```
/// use mirai_voice::PhoneNumber;
/// use mirai_voice::api::InitiateCall;
/// use mirai_voice::api::payload::CallPayload;
/// use mirai_voice::ids::AssistantId;
///
/// let to: PhoneNumber = "+15550100".parse()?;
/// let assistant = AssistantId::from("6650f0c2a1b2c3d4e5f60718");
/// let call = InitiateCall::new(to.clone(), &assistant)
///     .payload(CallPayload::custom_entries([("orderId", "1001"), ("customerName", "Jane")]))
///     .callback_url("https://example.com/mirai/webhook")
///     .priority(true);
/// assert_eq!(call.priority, Some(true));
///
/// let tagged = InitiateCall::new(to, &assistant)
///     .metadata_entry("internalOrderId", "8842")
///     .metadata_entry("userId", "u_991");
/// assert_eq!(tagged.metadata.unwrap().extra["internalOrderId"], "8842");
/// # Ok::<(), mirai_voice::phone::InvalidPhoneNumber>(())
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct InitiateCall {
    /// The number to dial, checked E.164.
    pub phone_number: PhoneNumber,
    /// The assistant that makes the call.
    pub assistant: AssistantId,
    /// Per-call values for the assistant's flow; its variant must match the assistant's.
    pub payload: Option<CallPayload>,
    /// The HTTPS URL that receives this call's webhook events.
    pub callback_url: Option<String>,
    /// Metadata echoed on every webhook event of the call: the typed per-contact `discount` and free-form keys
    /// (`extra`).
    pub metadata: Option<types::InitiateCallRequestMetadata>,
    /// Whether the call jumps the queue.
    pub priority: Option<bool>,
}

impl InitiateCall {
    /// A call to `phone_number` by the assistant `assistant`.
    pub fn new(phone_number: PhoneNumber, assistant: impl Into<AssistantId>) -> Self {
        Self {
            phone_number,
            assistant: assistant.into(),
            payload: None,
            callback_url: None,
            metadata: None,
            priority: None,
        }
    }

    /// Sets the payload: a [`CallPayload`], or any variant's builder
    /// ([`AbandonedCart`](super::payload::AbandonedCart), [`ShopifyOrder`](super::payload::ShopifyOrder),
    /// [`NdrFollowup`](super::payload::NdrFollowup)) or a custom map, each converted with `From`.
    pub fn payload(mut self, payload: impl Into<CallPayload>) -> Self {
        self.payload = Some(payload.into());
        self
    }

    /// Sets a custom assistant's payload, sent as it is: the same as `payload(CallPayload::custom(values))`.
    pub fn custom_payload(self, values: Map<String, Value>) -> Self {
        self.payload(CallPayload::custom(values))
    }

    /// Sets the webhook URL for this call's events.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Sets the metadata echoed on the call's webhook events (replacing any set before).
    pub fn metadata(mut self, metadata: types::InitiateCallRequestMetadata) -> Self {
        self.metadata = Some(metadata);
        self
    }

    /// Adds one free-form metadata key (e.g. your order id), echoed on every webhook event of the call. Setting
    /// the same key again replaces its value. A key that names a typed metadata property (`discount`) is refused
    /// by [`Calls::initiate`]: use [`InitiateCall::discount`].
    pub fn metadata_entry(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.metadata
            .get_or_insert_with(Default::default)
            .extra
            .insert(key.into(), value.into());
        self
    }

    /// Adds free-form metadata keys, as [`InitiateCall::metadata_entry`] does for each.
    pub fn metadata_entries<K, V>(mut self, entries: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<Value>,
    {
        let extra = &mut self.metadata.get_or_insert_with(Default::default).extra;
        extra.extend(entries.into_iter().map(|(k, v)| (k.into(), v.into())));
        self
    }

    /// Sets the per-contact discount the agent may offer (the typed `metadata.discount`).
    pub fn discount(mut self, discount: types::InitiateCallRequestMetadataDiscount) -> Self {
        self.metadata.get_or_insert_with(Default::default).discount = Some(discount);
        self
    }

    /// Sets whether the call jumps the queue.
    pub fn priority(mut self, priority: bool) -> Self {
        self.priority = Some(priority);
        self
    }
}

impl std::fmt::Debug for InitiateCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The payload and metadata are free-form and may hold credentials (a `token` feeding the assistant's
        // pre-call header templates), the callback URL a query key: shown redacted, as in the `TRACE` log.
        f.debug_struct("InitiateCall")
            .field("phone_number", &self.phone_number)
            .field("assistant", &self.assistant)
            .field("payload", &self.payload)
            .field(
                "callback_url",
                &self.callback_url.as_ref().map(RedactedJson),
            )
            .field("metadata", &self.metadata.as_ref().map(RedactedJson))
            .field("priority", &self.priority)
            .finish()
    }
}

impl TryFrom<InitiateCall> for types::InitiateCallRequest {
    type Error = PayloadError;

    /// The generated request; fails only on a payload that cannot be sent as built.
    fn try_from(call: InitiateCall) -> Result<Self, PayloadError> {
        Ok(Self {
            phone_number: call.phone_number.into(),
            assistant: call.assistant,
            payload: call.payload.map(TryInto::try_into).transpose()?,
            callback_url: call.callback_url,
            metadata: call.metadata,
            priority: call.priority,
        })
    }
}

static INITIATE_CALL: &OperationSpec = operations::INITIATE_CALL;

/// The checked request `Calls::initiate` sends.
fn initiate_request(call: InitiateCall) -> crate::Result<types::InitiateCallRequest> {
    static OP: &OperationSpec = INITIATE_CALL;
    require_id(OP.operation_id, "assistant", call.assistant.as_str())?;
    let request = types::InitiateCallRequest::try_from(call)
        .map_err(|error| invalid_payload(OP.operation_id, error))?;
    if let Some(message) = extra_key_collisions(&request).into_iter().next() {
        return Err(ValidationError::InvalidRequest {
            operation_id: Some(OP.operation_id),
            message,
        }
        .into());
    }
    Ok(request)
}

/// Free-form metadata keys of an initiate request that name a typed metadata property, one message each. Such a
/// key would be written twice in the JSON body (the typed field and the flattened map), leaving the server to
/// pick one; refusing it is the only rule that neither drops nor silently overrides a value. (The payloads'
/// own `extra` keys are checked by [`CallPayload`]'s conversion.)
pub(crate) fn extra_key_collisions(request: &types::InitiateCallRequest) -> Vec<String> {
    let Some(metadata) = &request.metadata else {
        return Vec::new();
    };
    metadata
        .extra
        .keys()
        .filter(|k| types::InitiateCallRequestMetadata::NAMED_PROPERTIES.contains(&k.as_str()))
        .map(|k| {
            format!(
                "metadata key `{k}` names a typed property: set it with `InitiateCall::discount` or the typed field, not as a free-form entry"
            )
        })
        .collect()
}

/// A call the API accepted: its id and first status.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct InitiatedCall {
    /// The call's id: pass it to [`Calls::abort`] or [`Calls::update_payload`], and match it in webhook events.
    #[serde(rename = "callId")]
    pub call_id: CallId,
    /// The status reported at creation (usually `initiate`); statuses added to the API later are kept as
    /// [`CallStatus::Unknown`].
    #[serde(default)]
    pub status: Option<CallStatus>,
}

impl InitiatedCall {
    /// The view of a decoded response, without re-reading its JSON; a response with no call id is handed back,
    /// for the JSON route to report.
    fn from_generated(
        response: types::InitiateCallResponse,
    ) -> Result<Self, types::InitiateCallResponse> {
        // Destructured, not read field by field: a field added to the response must be considered here.
        let types::InitiateCallResponse { call_id, status } = response;
        match call_id {
            Some(call_id) => Ok(InitiatedCall {
                call_id,
                status: status.map(CallStatus::from),
            }),
            None => Err(types::InitiateCallResponse { call_id, status }),
        }
    }
}

/// A browser (web) call to start with [`Calls::web`].
///
/// ```
/// use mirai_voice::api::WebCall;
/// use mirai_voice::ids::AssistantId;
///
/// let call = WebCall::new(AssistantId::from("6650f0c2a1b2c3d4e5f60718")).system_prompt("Greet the visitor in Hindi.");
/// assert_eq!(call.assistant, "6650f0c2a1b2c3d4e5f60718");
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct WebCall {
    /// The assistant that takes the call.
    pub assistant: AssistantId,
    /// Per-call values for the assistant's flow; its variant must match the assistant's.
    pub payload: Option<CallPayload>,
    /// Metadata kept with the call.
    pub metadata: Map<String, Value>,
    /// A system prompt replacing the assistant's for this call.
    pub system_prompt: Option<String>,
}

impl WebCall {
    /// A web call with the assistant `assistant`.
    pub fn new(assistant: impl Into<AssistantId>) -> Self {
        Self {
            assistant: assistant.into(),
            payload: None,
            metadata: Map::new(),
            system_prompt: None,
        }
    }

    /// Sets the payload, as [`InitiateCall::payload`] does.
    pub fn payload(mut self, payload: impl Into<CallPayload>) -> Self {
        self.payload = Some(payload.into());
        self
    }

    /// Sets a custom assistant's payload, sent as it is: the same as `payload(CallPayload::custom(values))`.
    pub fn custom_payload(self, values: Map<String, Value>) -> Self {
        self.payload(CallPayload::custom(values))
    }

    /// Sets the metadata kept with the call.
    pub fn metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.metadata = metadata;
        self
    }

    /// Replaces the assistant's system prompt for this call.
    pub fn system_prompt(mut self, prompt: impl Into<String>) -> Self {
        self.system_prompt = Some(prompt.into());
        self
    }
}

impl std::fmt::Debug for WebCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // As for `InitiateCall`: the payload and metadata may hold credentials.
        f.debug_struct("WebCall")
            .field("assistant", &self.assistant)
            .field("payload", &self.payload)
            .field("metadata", &RedactedJson(&self.metadata))
            .field("system_prompt", &self.system_prompt)
            .finish()
    }
}

impl TryFrom<WebCall> for types::InitiateWebCallRequest {
    type Error = PayloadError;

    /// The generated request; fails only on a payload that cannot be sent as built.
    fn try_from(call: WebCall) -> Result<Self, PayloadError> {
        Ok(Self {
            assistant: call.assistant,
            payload: call.payload.map(TryInto::try_into).transpose()?,
            metadata: call.metadata,
            system_prompt: call.system_prompt,
        })
    }
}

/// What [`Calls::abort`] achieved.
///
/// The API refuses an abort (HTTP 400) once a call is in progress, ended, completed, timed out or already aborted;
/// those refusals are outcomes, not errors. Any other 400 (a malformed request, a validation error, a message that
/// names no such state) stays an [`Error::Api`](crate::Error::Api): it is never passed off as a refusal.
///
/// | answer | outcome |
/// |---|---|
/// | `2xx` | [`Aborted`](AbortOutcome::Aborted) |
/// | `400` whose message names only states that forbid an abort (`aborted`, `in progress`, `completed`, `ended`, `timed out`) | [`NotAbortable`](AbortOutcome::NotAbortable) with `code`, `message` and the state when exactly one is named |
/// | `404` | [`NotFound`](AbortOutcome::NotFound) with `code` and `message` |
/// | any other `400`, other statuses | `Err(Error::Api)` (or another [`Error`]) |
///
/// `abortCall` is retried after an ambiguous failure (a repeat is harmless), so after a retry
/// `NotAbortable { state: Some(CallStatus::Aborted), .. }` usually means the earlier attempt did abort the call.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AbortOutcome {
    /// The call and its remaining attempts were cancelled; a `call.aborted` webhook event follows.
    Aborted {
        /// The API's message.
        message: Option<String>,
    },
    /// The call exists but can no longer be aborted.
    NotAbortable {
        /// The numeric code from the body (`code` or `status_code`), if there was one.
        code: Option<i64>,
        /// The API's explanation, e.g. `Call already aborted`.
        message: String,
        /// The call's state, when the message names exactly one (e.g. `already aborted` → `aborted`).
        state: Option<CallStatus>,
    },
    /// No call with this id exists in the workspace.
    NotFound {
        /// The numeric code from the body, if there was one.
        code: Option<i64>,
        /// The API's message, e.g. `Call not found`.
        message: Option<String>,
    },
}

impl<'a> Calls<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Places a phone call (`initiateCall`).
    ///
    /// Not retried after an ambiguous failure: a timeout or a 5xx after sending gives
    /// [`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown) instead of risking a second dial.
    ///
    /// ```no_run
    /// use mirai_voice::api::InitiateCall;
    ///
    /// # async fn example(client: mirai_voice::Client) -> Result<(), Box<dyn std::error::Error>> {
    /// let to = "+15550100".parse()?;
    /// let call = client.calls().initiate(InitiateCall::new(to, "6650f0c2a1b2c3d4e5f60718")).await?;
    /// println!("queued {} ({:?})", call.call_id, call.status);
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// The call is checked and converted when this is called; sending starts when the future is first polled.
    pub fn initiate(
        &self,
        call: InitiateCall,
    ) -> impl Future<Output = crate::Result<InitiatedCall>> + Send + '_ {
        // Converted before the future is built: an `async fn` would keep the 776-byte call and its request in its
        // state, in the future every caller holds while the call is in flight.
        let request = match initiate_request(call) {
            Ok(request) => request,
            Err(error) => return Either::Left(future::ready(Err(error))),
        };
        Either::Right(
            self.client
                .run_tolerant_with(
                    INITIATE_CALL,
                    move |c| c.initiate_call().body(request).send(),
                    InitiatedCall::from_generated,
                )
                .map(|result| result.map(|(_, call)| call)),
        )
    }

    /// Starts a web call (`initiateWebCall`) and returns the token the browser joins it with.
    pub async fn web(
        &self,
        call: impl Into<WebCall>,
    ) -> crate::Result<types::InitiateWebCallResponse> {
        static OP: &OperationSpec = operations::INITIATE_WEB_CALL;
        let request = types::InitiateWebCallRequest::try_from(call.into())
            .map_err(|error| invalid_payload(OP.operation_id, error))?;
        require_id(OP.operation_id, "assistant", request.assistant.as_str())?;
        let response = self
            .client
            .run(OP, |c| c.initiate_web_call().body(request).send())
            .await?;
        Ok(response.into_inner())
    }

    /// Aborts a call and its remaining attempts (`abortCall`).
    ///
    /// A documented refusal (a 400 naming the call's state) is [`AbortOutcome::NotAbortable`] and an unknown id
    /// (404) is [`AbortOutcome::NotFound`]; any other 400 and every other failure is an error (see
    /// [`AbortOutcome`] for the table).
    ///
    /// ```no_run
    /// use mirai_voice::api::AbortOutcome;
    ///
    /// # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
    /// let call_id = mirai_voice::ids::CallId::from("6650f0c2a1b2c3d4e5f60718");
    /// match client.calls().abort(&call_id).await? {
    ///     AbortOutcome::Aborted { .. } => println!("aborted"),
    ///     AbortOutcome::NotAbortable { state, message, .. } => println!("too late ({state:?}): {message}"),
    ///     AbortOutcome::NotFound { .. } => println!("no such call"),
    ///     _ => {}
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn abort(&self, call_id: impl Into<CallId>) -> crate::Result<AbortOutcome> {
        static OP: &OperationSpec = operations::ABORT_CALL;
        let call_id = call_id.into();
        require_id(OP.operation_id, "call_id", call_id.as_str())?;
        let request = types::AbortCallRequest { call_id };
        let result = self
            .client
            .run(OP, |c| c.abort_call().body(request).send())
            .await;
        match result {
            Ok(response) => Ok(AbortOutcome::Aborted {
                message: response.into_inner().message,
            }),
            Err(Error::Api(api)) => {
                match abort_outcome_for(api.status(), api.code(), api.message()) {
                    Some(outcome) => Ok(outcome),
                    None => Err(Error::Api(api)),
                }
            }
            Err(error) => Err(error),
        }
    }

    /// Replaces the payload of a call that has not been attempted yet (`updateCallPayload`). The payload is
    /// replaced, not merged. It takes the same [`CallPayload`] as [`InitiateCall::payload`] (a custom map
    /// converts with `From`), checked the same way before sending.
    pub async fn update_payload(
        &self,
        call_id: impl Into<CallId>,
        payload: impl Into<CallPayload>,
    ) -> crate::Result<types::UpdateCallPayloadResponse> {
        static OP: &OperationSpec = operations::UPDATE_CALL_PAYLOAD;
        let call_id = call_id.into();
        require_id(OP.operation_id, "call_id", call_id.as_str())?;
        let payload = types::InitiateCallRequestPayload::try_from(payload.into())
            .map_err(|error| invalid_payload(OP.operation_id, error))?;
        let payload = match serde_json::to_value(payload) {
            Ok(Value::Object(map)) => map,
            // Every payload variant is a JSON object; anything else is reported, never sent half-converted.
            Ok(_) | Err(_) => {
                return Err(ValidationError::InvalidRequest {
                    operation_id: Some(OP.operation_id),
                    message: "the payload did not convert to a JSON object".into(),
                }
                .into());
            }
        };
        let body = types::UpdateCallPayloadBody { payload };
        let response = self
            .client
            .run(OP, |c| {
                c.update_call_payload().call_id(&call_id).body(body).send()
            })
            .await?;
        Ok(response.into_inner())
    }
}

/// The error for a payload that cannot be sent as built.
fn invalid_payload(operation_id: &'static str, error: PayloadError) -> Error {
    ValidationError::InvalidRequest {
        operation_id: Some(operation_id),
        message: error.to_string(),
    }
    .into()
}

/// Status phrases, longest first so `validation failed` is not read as `failed`.
const STATE_PHRASES: &[(&[&str], CallStatus)] = &[
    (&["validation", "failed"], CallStatus::ValidationFailed),
    (&["no", "answer"], CallStatus::NoAnswer),
    (&["in", "progress"], CallStatus::InProgress),
    (&["timed", "out"], CallStatus::Timeout),
    (&["timeout"], CallStatus::Timeout),
    (&["completed"], CallStatus::Completed),
    (&["ended"], CallStatus::Ended),
    (&["aborted"], CallStatus::Aborted),
    (&["busy"], CallStatus::Busy),
    (&["failed"], CallStatus::Failed),
    (&["rescheduled"], CallStatus::Rescheduled),
    (&["skip"], CallStatus::Skip),
    (&["skipped"], CallStatus::Skip),
    (&["initiate"], CallStatus::Initiate),
];

/// The states in which the API refuses an abort (documented: in progress, completed, ended, timeout, aborted).
const REFUSING_STATES: &[CallStatus] = &[
    CallStatus::InProgress,
    CallStatus::Completed,
    CallStatus::Ended,
    CallStatus::Timeout,
    CallStatus::Aborted,
];

/// The outcome an `abortCall` error answer stands for, or `None` when it is an error to return as is.
///
/// Pure. A `404` is [`AbortOutcome::NotFound`]. A `400` is [`AbortOutcome::NotAbortable`] only when its message
/// names at least one call state and every state it names forbids an abort; a `400` without a message, or one
/// about anything else (`callId is required`, `Validation Error`), is not a refusal and gives `None`.
pub(crate) fn abort_outcome_for(
    status: StatusCode,
    code: Option<i64>,
    message: Option<&str>,
) -> Option<AbortOutcome> {
    match status.as_u16() {
        404 => Some(AbortOutcome::NotFound {
            code,
            message: message.map(str::to_owned),
        }),
        400 => {
            let message = message?;
            let states = states_named_in(message);
            let refusal = !states.is_empty() && states.iter().all(|s| REFUSING_STATES.contains(s));
            refusal.then(|| AbortOutcome::NotAbortable {
                code,
                message: message.to_owned(),
                state: the_only_state(&states),
            })
        }
        _ => None,
    }
}

/// The call state an abort refusal names, when it names exactly one: `Call already aborted` → `aborted`,
/// `Call is in progress` → `in-progress`. A message listing several states (`already aborted, in progress, or
/// completed`) names none in particular.
fn the_only_state(states: &[CallStatus]) -> Option<CallStatus> {
    match states {
        [only] => Some(only.clone()),
        _ => None,
    }
}

/// Every call state a message names, in order, each once. "be aborted" describes the request, not the state.
fn states_named_in(message: &str) -> Vec<CallStatus> {
    let text = message.to_ascii_lowercase();
    let words: Vec<&str> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut found: Vec<CallStatus> = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let matched = STATE_PHRASES
            .iter()
            .find(|(phrase, _)| words[i..].starts_with(phrase));
        match matched {
            Some((phrase, status)) => {
                let describes_request =
                    *status == CallStatus::Aborted && i > 0 && words[i - 1] == "be";
                if !describes_request && !found.contains(status) {
                    found.push(status.clone());
                }
                i += phrase.len();
            }
            None => i += 1,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state_named_in(message: &str) -> Option<CallStatus> {
        the_only_state(&states_named_in(message))
    }

    #[test]
    fn refusal_messages_name_the_state() {
        let cases = [
            ("Call already aborted", Some(CallStatus::Aborted)),
            ("Call is in progress", Some(CallStatus::InProgress)),
            (
                "Cannot abort: call status is in-progress",
                Some(CallStatus::InProgress),
            ),
            ("Call already completed", Some(CallStatus::Completed)),
            ("Call has ended", Some(CallStatus::Ended)),
            ("Call timed out", Some(CallStatus::Timeout)),
            (
                "Call cannot be aborted because it is completed",
                Some(CallStatus::Completed),
            ),
            ("Call failed validation", Some(CallStatus::Failed)),
            (
                "status: validation-failed",
                Some(CallStatus::ValidationFailed),
            ),
            ("Call already aborted, in progress, or completed", None),
            ("Bad Request", None),
            ("", None),
        ];
        for (message, expected) in cases {
            assert_eq!(state_named_in(message), expected, "{message}");
        }
    }

    /// Status, code, message, expected outcome.
    type Case<'a> = (u16, Option<i64>, Option<&'a str>, Option<AbortOutcome>);

    fn classify(status: u16, code: Option<i64>, message: Option<&str>) -> Option<AbortOutcome> {
        abort_outcome_for(StatusCode::from_u16(status).unwrap(), code, message)
    }

    fn refused(
        code: Option<i64>,
        message: &str,
        state: Option<CallStatus>,
    ) -> Option<AbortOutcome> {
        Some(AbortOutcome::NotAbortable {
            code,
            message: message.into(),
            state,
        })
    }

    #[test]
    fn abort_answers_are_classified_without_guessing() {
        let cases: [Case; 16] = [
            // The documented refusals, and their wording variants.
            (
                400,
                Some(400),
                Some("Call already aborted"),
                refused(Some(400), "Call already aborted", Some(CallStatus::Aborted)),
            ),
            (
                400,
                Some(400),
                Some("Call already in progress"),
                refused(
                    Some(400),
                    "Call already in progress",
                    Some(CallStatus::InProgress),
                ),
            ),
            (
                400,
                None,
                Some("Call already completed"),
                refused(None, "Call already completed", Some(CallStatus::Completed)),
            ),
            (
                400,
                Some(7),
                Some("Call has ended"),
                refused(Some(7), "Call has ended", Some(CallStatus::Ended)),
            ),
            (
                400,
                Some(400),
                Some("Call timed out"),
                refused(Some(400), "Call timed out", Some(CallStatus::Timeout)),
            ),
            (
                400,
                Some(400),
                Some("Call already aborted, in progress, or completed"),
                refused(
                    Some(400),
                    "Call already aborted, in progress, or completed",
                    None,
                ),
            ),
            (
                400,
                Some(400),
                Some("Call cannot be aborted because it is completed"),
                refused(
                    Some(400),
                    "Call cannot be aborted because it is completed",
                    Some(CallStatus::Completed),
                ),
            ),
            // Not refusals: malformed requests, validation errors, states that allow an abort, no message.
            (400, Some(400), Some("Validation Error"), None),
            (400, Some(400), Some("\"callId\" is required"), None),
            (400, Some(400), Some("Call failed validation"), None),
            (400, Some(400), Some("Call is busy"), None),
            (400, Some(400), Some("Call cannot be aborted"), None),
            (400, Some(400), None, None),
            // Not found keeps its code and message; other statuses are errors.
            (
                404,
                Some(404),
                Some("Call not found"),
                Some(AbortOutcome::NotFound {
                    code: Some(404),
                    message: Some("Call not found".into()),
                }),
            ),
            (
                404,
                None,
                None,
                Some(AbortOutcome::NotFound {
                    code: None,
                    message: None,
                }),
            ),
            (409, Some(409), Some("Call already aborted"), None),
        ];
        for (status, code, message, expected) in cases {
            assert_eq!(
                classify(status, code, message),
                expected,
                "{status} {message:?}"
            );
        }
        for status in [401, 403, 422, 429, 500, 502] {
            assert_eq!(
                classify(status, None, Some("Call already aborted")),
                None,
                "{status}"
            );
        }
    }

    #[test]
    fn initiate_call_converts_to_the_generated_request() {
        let call = InitiateCall::new("+15550100".parse().unwrap(), "a1")
            .callback_url("https://example.com/hook")
            .priority(false);
        let request = types::InitiateCallRequest::try_from(call).unwrap();
        let json = serde_json::to_value(&request).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "phoneNumber": "+15550100", "assistant": "a1",
                "callbackUrl": "https://example.com/hook", "priority": false
            })
        );
    }

    #[test]
    fn custom_payload_is_sent_verbatim() {
        let payload = serde_json::json!({"orderId": "1001", "nested": {"a": [1, 2]}});
        let call = InitiateCall::new("+15550100".parse().unwrap(), "a1")
            .custom_payload(payload.as_object().unwrap().clone());
        let json =
            serde_json::to_value(types::InitiateCallRequest::try_from(call).unwrap()).unwrap();
        assert_eq!(json["payload"], payload);
        let web = WebCall::new("a1").custom_payload(payload.as_object().unwrap().clone());
        let json =
            serde_json::to_value(types::InitiateWebCallRequest::try_from(web).unwrap()).unwrap();
        assert_eq!(json["payload"], payload);
    }

    /// The direct conversion gives what re-reading the JSON gives, for every status and none.
    #[test]
    fn initiated_call_from_the_generated_response_matches_the_json_route() {
        let statuses = CallStatus::KNOWN
            .iter()
            .map(|s| Some(s.as_str().to_owned()))
            .chain([Some("voicemail".to_owned()), None]);
        for status in statuses {
            let mut body = serde_json::json!({"callId": "6650f0c2a1b2c3d4e5f60718"});
            if let Some(status) = &status {
                body["status"] = serde_json::json!(status);
            }
            let generated: types::InitiateCallResponse =
                serde_json::from_value(body.clone()).unwrap();
            let direct = InitiatedCall::from_generated(generated).expect("a call id");
            let via_json: InitiatedCall = serde_json::from_value(body).unwrap();
            assert_eq!(direct, via_json, "status {status:?}");
        }
        let without_id: types::InitiateCallResponse =
            serde_json::from_str(r#"{"status":"initiate"}"#).unwrap();
        let handed_back = InitiatedCall::from_generated(without_id.clone()).unwrap_err();
        assert_eq!(
            serde_json::to_value(handed_back).unwrap(),
            serde_json::to_value(without_id).unwrap()
        );
    }

    #[test]
    fn initiated_call_keeps_unknown_statuses() {
        let call: InitiatedCall =
            serde_json::from_str(r#"{"callId":"c1","status":"voicemail"}"#).unwrap();
        assert_eq!(call.call_id, "c1");
        assert_eq!(call.status, Some(CallStatus::Unknown("voicemail".into())));
    }
}
