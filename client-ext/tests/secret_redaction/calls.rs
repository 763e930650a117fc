//! The call operations carrying credentials: `initiateCall` (per-call values such as a `token` feeding the
//! assistant's pre-call header templates) and `initiateWebCall` (the LiveKit `token` of its answer).

use std::collections::HashMap;

use mirai_voice::Error;
use mirai_voice::api::{InitiateCall, WebCall};
use mirai_voice::types;
use mirai_voice_mock::{FaultBody, FaultKind};
use serde_json::json;

use crate::harness::{Harness, kept_body, logs_show};

pub async fn exercise(h: &Harness) {
    let assistant_id = h
        .create_assistant(
            types::AdminAssistantRequest::new(
                "Order updates"
                    .parse::<types::AdminAssistantRequestName>()
                    .expect("a valid assistant name"),
                types::AdminAssistantRequestVariant::new(
                    types::AdminAssistantRequestVariantType::Custom,
                ),
                types::AdminAssistantRequestAgent::new(types::AgentIdentity::new().name("Priya"))
                    .system_prompt("Hello {{customerName}}, about order {{orderId}}."),
            )
            .pre_call(
                types::PreCall::new().api_plan(
                    types::PreCallApiPlan::new()
                        .url("https://crm.example.test/lookup")
                        .headers(HashMap::from([(
                            "Authorization".to_string(),
                            types::PreCallApiPlanHeadersValue::String(
                                "Bearer {{variableValues.token}}".to_string(),
                            ),
                        )])),
                ),
            ),
        )
        .await;

    initiate_call(h, &assistant_id).await;
    web_call(h, &assistant_id).await;
}

async fn initiate_call(h: &Harness, assistant_id: &mirai_voice::ids::AssistantId) {
    let call_token = h.secret("calltoken-8e2a6c4f19");
    let nested_token = h.secret("callvartoken-1d5f9b3e72");
    let callback_key = h.secret("callbackkey-4b8e2d6a03");
    let call = |callback_url: &str| {
        InitiateCall::new("+15550100".parse().unwrap(), assistant_id)
            .custom_payload(
                json!({
                    "customerName": "Jane",
                    "orderId": "AC-1042",
                    "token": call_token,
                    "variableValues": {"token": nested_token},
                })
                .as_object()
                .expect("an object")
                .clone(),
            )
            .callback_url(callback_url)
    };
    let callback = format!("https://hooks.example.test/mirai?token={callback_key}");
    // The SDK's request type. (The generated `types::CustomPayload` is a bare map: its `Debug` is typify's.)
    let debug = format!("{:?}", call(&callback));
    h.assert_hidden("InitiateCall's Debug", &debug);
    assert!(
        debug.contains(r#""token":"[redacted]""#) && debug.contains("AC-1042"),
        "keys and other values stay: {debug}"
    );

    // A success: the emulator really received the credentials, so the checks can fail.
    let placed = h
        .client
        .calls()
        .initiate(call(&callback))
        .await
        .expect("call placed");
    let snapshot = h.control().call(&placed.call_id).expect("the call exists");
    let payload = snapshot.payload.to_string();
    for secret in [&call_token, &nested_token] {
        assert!(
            payload.contains(secret.as_str()),
            "the call's payload holds {secret}: {payload}"
        );
    }

    // A truncated answer: the call was accepted, its id lost.
    h.fault("initiateCall", FaultKind::TruncatedJson);
    let error = h
        .client
        .calls()
        .initiate(call(&callback))
        .await
        .expect_err("a truncated body");
    assert!(matches!(error, Error::OutcomeUnknown(_)), "{error:?}");
    h.check_error("truncated initiateCall", &error);

    // A 500 and a 400, both keeping their body.
    for status in [500, 400] {
        h.fault(
            "initiateCall",
            FaultKind::Status {
                status,
                body: FaultBody::Json,
            },
        );
        let error = h
            .client
            .calls()
            .initiate(call(&callback))
            .await
            .expect_err("an injected error");
        h.check_error(&format!("{status} on initiateCall"), &error);
    }

    // Rejected with a 400 whose message quotes the callback URL, credential included.
    let rejected = format!("https://[bad-host]/mirai?token={callback_key}");
    let error = h
        .client
        .calls()
        .initiate(call(&rejected))
        .await
        .expect_err("an invalid callback URL");
    let api = error
        .api_error()
        .unwrap_or_else(|| panic!("an API error, got {error:?}"));
    assert_eq!(api.status().as_u16(), 400, "{error:?}");
    assert!(
        api.message()
            .is_some_and(|m| m.contains(callback_key.as_str())),
        "the emulator echoes the URL: {:?}",
        api.message()
    );
    let (display, _) = h.check_error("400 on initiateCall", &error);
    assert!(display.contains("token=[redacted]"), "{display}");
}

async fn web_call(h: &Harness, assistant_id: &mirai_voice::ids::AssistantId) {
    // A success: the answer's token is a credential (the emulator makes it up, so it is registered as it comes).
    let answer = h
        .client
        .calls()
        .web(WebCall::new(assistant_id))
        .await
        .expect("web call started");
    let token = answer.token.clone().expect("a LiveKit token");
    h.secret(&token);
    let signature = token.rsplit('.').next().expect("a JWT-shaped token");
    h.secret(signature);
    h.assert_hidden("the web call answer's Debug", &format!("{answer:?}"));
    h.assert_hidden(
        "the web call answer's pretty Debug",
        &format!("{answer:#?}"),
    );

    // A truncated answer: the kept raw body holds the start of a token, withheld when shown.
    h.fault("initiateWebCall", FaultKind::TruncatedJson);
    let error = h
        .client
        .calls()
        .web(WebCall::new(assistant_id))
        .await
        .expect_err("a truncated body");
    let body = kept_body(&error).unwrap_or_else(|| panic!("a kept body in {error:?}"));
    let kept = body
        .text()
        .split_once(r#""token":""#)
        .map(|(_, rest)| rest.split('"').next().unwrap_or(rest).to_owned())
        .unwrap_or_default();
    assert!(
        kept.len() >= 40,
        "the kept half holds a good part of the token: {}",
        body.text()
    );
    h.secret(kept);
    let (_, debug) = h.check_error("truncated initiateWebCall", &error);
    assert!(debug.contains("bytes withheld"), "{debug}");

    // Gateway HTML: withheld.
    h.fault(
        "initiateWebCall",
        FaultKind::Status {
            status: 502,
            body: FaultBody::Html,
        },
    );
    let error = h
        .client
        .calls()
        .web(WebCall::new(assistant_id))
        .await
        .expect_err("an injected 502");
    let (_, debug) = h.check_error("HTML 502 on initiateWebCall", &error);
    assert!(debug.contains("bytes withheld"), "{debug}");
}

/// What the captured logs must show of this section: the call's body traced, its credentials masked.
pub fn check_logs(logs: &str) {
    assert!(
        logs_show(logs, r#""token":"[redacted]""#),
        "the call's body was traced, token masked: {logs}"
    );
    assert!(logs.contains("initiateWebCall"), "{logs}");
}
