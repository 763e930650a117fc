//! Tag `Call`: initiate, web calls, Shiprocket NDR events, abort, payload updates and the
//! call-events webhook receiver.

use std::sync::OnceLock;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::{SpecJson, text};
use crate::app::{AppState, lock};
use crate::auth::{KeyAuth, WorkspaceAuth};
use crate::error::ApiError;
use crate::spec;
use crate::state::call::{NewCall, sign};

/// `POST /v2/call/initiate`: queues the call; it is dialled once the virtual clock moves.
pub(crate) async fn initiate(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    SpecJson(body): SpecJson,
) -> Result<Json<Value>, ApiError> {
    let call = NewCall {
        assistant: text(&body, "/assistant").unwrap_or_default(),
        phone_number: text(&body, "/phoneNumber").unwrap_or_default(),
        payload: body.get("payload").cloned().unwrap_or_else(|| json!({})),
        callback_url: text(&body, "/callbackUrl"),
        metadata: body.get("metadata").cloned().unwrap_or_else(|| json!({})),
    };
    let id = state.with_world(|w| w.initiate_call(&auth.workspace, call))?;
    Ok(Json(json!({ "status": "initiate", "callId": id })))
}

fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + 3);
    for group in bytes.chunks(3) {
        let n = group
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=group.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// `POST /v2/call/web`: returns a JWT-shaped join token.
pub(crate) async fn web(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    SpecJson(body): SpecJson,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let assistant = text(&body, "/assistant").unwrap_or_default();
    let (room, issued) = state.with_world(|w| {
        let found = w.find_assistant(&auth.workspace, &assistant)?;
        if found.is_archived() {
            return Err(ApiError::bad_request(
                "Assistant is archived and cannot place calls",
            ));
        }
        Ok((w.new_id(), w.clock.unix_now()))
    })?;
    let header = base64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims =
        json!({ "iss": "mirai-voice-mock", "room": room, "assistant": assistant, "iat": issued });
    let claims = base64url(claims.to_string().as_bytes());
    let signature = base64url(
        &hex::decode(sign(
            "mock-web-call",
            format!("{header}.{claims}").as_bytes(),
        ))
        .unwrap_or_default(),
    );
    Ok((
        StatusCode::CREATED,
        Json(
            json!({ "success": true, "token": format!("{header}.{claims}.{signature}"), "error": null }),
        ),
    ))
}

/// Maps a Shiprocket NDR event onto the `NdrFollowupPayload` shape.
fn ndr_payload(event: &Value) -> Value {
    let field = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| event.get(*n).and_then(Value::as_str))
            .map(str::to_owned)
    };
    let full_name = field(&["customer_name", "customerName"]).unwrap_or_default();
    let (first, last) = full_name
        .split_once(' ')
        .unwrap_or((full_name.as_str(), ""));
    let mut customer = json!({ "firstName": first, "lastName": last });
    if let Some(phone) = field(&["customer_phone", "phone"]) {
        customer["phone"] = json!(phone);
    }
    json!({
        "awb": field(&["awb", "awb_code"]),
        "courierName": field(&["courier_name", "courierName"]),
        "ndrReason": field(&["ndr_reason", "reason"]).unwrap_or_else(|| "unknown".to_owned()),
        "orderId": field(&["order_id", "orderId"]),
        "customer": customer,
    })
}

/// `POST /v1/shiprocket/ndr-webhook/{assistantId}`: no key headers; `x-api-key` must match the
/// assistant's `webhookToken` when one is configured.
pub(crate) async fn shiprocket_ndr(
    State(state): State<AppState>,
    Path(assistant_id): Path<String>,
    headers: HeaderMap,
    SpecJson(event): SpecJson,
) -> Result<Json<Value>, ApiError> {
    let api_key = headers
        .get("x-api-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let reply = state.with_world(|w| {
        let assistant = w
            .assistants
            .get(&assistant_id)
            .ok_or_else(|| ApiError::not_found("Assistant not found"))?;
        if assistant.variant_type != "ndr_followup" {
            return Err(ApiError::bad_request(
                "Assistant is not an NDR follow-up assistant",
            ));
        }
        let token = assistant
            .variant_config
            .pointer("/ndr_followup/webhookToken")
            .and_then(Value::as_str)
            .filter(|t| !t.is_empty());
        if let Some(token) = token
            && api_key.as_deref() != Some(token)
        {
            return Err(ApiError::unauthorized("Invalid webhook token"));
        }
        if assistant.is_archived() || w.workspace_archived(&assistant.workspace) {
            return Err(ApiError::bad_request("Assistant is archived"));
        }
        let workspace = assistant.workspace.clone();
        let payload = ndr_payload(&event);
        let phone = payload
            .pointer("/customer/phone")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let Some(phone) = phone else {
            return Ok(json!({ "status": "skipped", "reason": "Missing customer phone" }));
        };
        if payload.get("awb").is_none_or(Value::is_null) {
            return Ok(json!({ "status": "skipped", "reason": "Missing AWB" }));
        }
        let id = w.queue_call(
            &workspace,
            NewCall {
                assistant: assistant_id.clone(),
                phone_number: phone,
                payload,
                callback_url: None,
                metadata: json!({ "source": "shiprocket" }),
            },
        );
        Ok(json!({ "status": "queued", "callId": id }))
    })?;
    Ok(Json(reply))
}

/// `POST /v2/call/abort`.
pub(crate) async fn abort(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    SpecJson(body): SpecJson,
) -> Result<Json<Value>, ApiError> {
    let call = text(&body, "/callId").unwrap_or_default();
    state.with_world(|w| w.abort_call(&auth.workspace, &call))?;
    Ok(Json(json!({ "message": "Call aborted successfully" })))
}

/// `PUT /v2/call/{callId}`.
pub(crate) async fn update_payload(
    State(state): State<AppState>,
    auth: WorkspaceAuth,
    Path(call): Path<String>,
    SpecJson(body): SpecJson,
) -> Result<Json<Value>, ApiError> {
    let payload = body.get("payload").cloned().unwrap_or_else(|| json!({}));
    state.with_world(|w| w.update_call_payload(&auth.workspace, &call, payload))?;
    Ok(Json(
        json!({ "status_code": 200, "message": "Call payload updated successfully." }),
    ))
}

fn component_validator(name: &str) -> Option<&'static jsonschema::Validator> {
    static CALL: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    static ACTION: OnceLock<Option<jsonschema::Validator>> = OnceLock::new();
    let build = || spec::compile(&spec::component_schema(name)?).ok();
    match name {
        "CallEventData" => CALL.get_or_init(build).as_ref(),
        _ => ACTION.get_or_init(build).as_ref(),
    }
}

/// Checks a `WebhookEvent`. The spec's `oneOf` between `CallEventData` and `ActionEventData`
/// cannot tell them apart (an action body also satisfies `CallEventData`), so the discriminator
/// is applied by hand: `event.type` picks the schema.
fn check_webhook_event(body: &Value) -> Result<(), String> {
    let event_types = spec::document()
        .pointer("/components/schemas/EventType/enum")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let event_type = body
        .pointer("/event/type")
        .filter(|t| event_types.contains(t))
        .and_then(Value::as_str)
        .ok_or("event.type must be one of the EventType values")?;
    if body.get("metadata").is_some_and(|m| !m.is_object()) {
        return Err("metadata must be an object".into());
    }
    let data = body
        .pointer("/event/data")
        .filter(|d| d.is_object())
        .ok_or("event.data must be an object")?;
    let schema = if event_type == "action" {
        "ActionEventData"
    } else {
        "CallEventData"
    };
    let validator = component_validator(schema).ok_or("schema unavailable")?;
    // ActionEventData.payload is another indistinguishable oneOf; check the rest of the object.
    let mut data = data.clone();
    if event_type == "action"
        && let Some(object) = data.as_object_mut()
    {
        object.remove("payload");
    }
    spec::check(validator, &data).map_err(|errors| errors.join("; "))
}

/// `POST /v2/webhooks/call-events`: accepts events signed for an organization (`x-signature`,
/// `x-public-key`) or sent with the key pair, validates them and records them.
pub(crate) async fn events_webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    auth: Result<KeyAuth, ApiError>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    match (header("x-signature"), header("x-public-key")) {
        (Some(signature), Some(public_key)) => {
            let expected = state.with_world(|w| {
                w.org_by_public_key(&public_key)
                    .map(|o| sign(&o.private_key, &body))
            });
            if expected.as_deref() != Some(signature.to_ascii_lowercase().as_str()) {
                return Err(ApiError::unauthorized("Invalid signature"));
            }
        }
        _ => {
            auth?;
        }
    }
    super::require_json_content_type(&headers, &state)?;
    let event: Value = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("Invalid event payload: {e}")))?;
    check_webhook_event(&event)
        .map_err(|e| ApiError::bad_request(format!("Invalid event payload: {e}")))?;
    lock(&state.received).push(event);
    Ok(Json(json!({ "message": "Event received" })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_known_vectors() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foob"), "Zm9vYg");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn webhook_events_are_checked_by_type() {
        let call = json!({"event": {"type": "call.completed", "data": {"call": {"id": "c", "status": "completed"}}}, "metadata": {}});
        assert!(check_webhook_event(&call).is_ok());
        let bad_status =
            json!({"event": {"type": "call.completed", "data": {"call": {"status": "queued"}}}});
        assert!(check_webhook_event(&bad_status).is_err());
        let action = json!({"event": {"type": "action", "data": {"action": "create_order", "call": {"id": "c"}, "payload": {"cartTotal": 1}}}});
        assert!(check_webhook_event(&action).is_ok());
        let no_action = json!({"event": {"type": "action", "data": {"call": {"id": "c"}}}});
        assert!(check_webhook_event(&no_action).is_err());
        assert!(
            check_webhook_event(&json!({"event": {"type": "call.bogus", "data": {}}})).is_err()
        );
    }

    #[test]
    fn ndr_events_map_to_the_followup_payload() {
        let payload = ndr_payload(
            &json!({"awb": "1", "courier_name": "Delhivery", "ndr_reason": "x", "customer_name": "John Doe", "customer_phone": "+919876543210"}),
        );
        assert_eq!(
            payload["customer"],
            json!({"firstName": "John", "lastName": "Doe", "phone": "+919876543210"})
        );
        assert_eq!(payload["courierName"], "Delhivery");
    }
}
