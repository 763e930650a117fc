//! `shiprocketNdrWebhook`: the token travels in the `x-api-key` header only.

use mirai_voice::secret::{ExposeSecret, SecretString};
use mirai_voice::types;
use mirai_voice_mock::{FaultBody, FaultKind};
use serde_json::{Map, Value, json};

use crate::harness::Harness;

fn ndr_event() -> Map<String, Value> {
    json!({
        "awb": "190123456789", "courier_name": "Delhivery", "ndr_reason": "customer_unavailable",
        "customer_name": "John Doe", "customer_phone": "+919876543210",
    })
    .as_object()
    .expect("an object")
    .clone()
}

pub async fn exercise(h: &Harness) {
    let ndr_token = SecretString::from(h.secret("ndrtoken-3e8f1b62aa"));
    let wrong = SecretString::from(h.secret("wrongndr-6c5d4e3f21"));
    h.assert_hidden("a SecretString's Debug", &format!("{ndr_token:?}"));

    let assistant_id = h
        .create_assistant(types::AdminAssistantRequest::new(
            "NDR follow-up"
                .parse::<types::AdminAssistantRequestName>()
                .expect("a valid assistant name"),
            types::AdminAssistantRequestVariant::new(
                types::AdminAssistantRequestVariantType::NdrFollowup,
            )
            .config(types::VariantConfigs::new().ndr_followup(
                types::VariantConfigsNdrFollowup::new().webhook_token(ndr_token.expose_secret()),
            )),
            types::AdminAssistantRequestAgent::new(types::AgentIdentity::new().name("Asha"))
                .system_prompt(""),
        ))
        .await;

    let outcome = h
        .client
        .shiprocket_ndr_webhook(&assistant_id, ndr_event(), Some(&ndr_token))
        .await
        .expect("the right token is accepted");
    assert!(outcome.is_queued(), "{outcome:?}");
    let error = h
        .client
        .shiprocket_ndr_webhook(&assistant_id, ndr_event(), Some(&wrong))
        .await
        .expect_err("a wrong token");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401), "{error:?}");
    h.check_error("401 on shiprocketNdrWebhook", &error);
    for kind in [
        FaultKind::TruncatedJson,
        FaultKind::Status {
            status: 400,
            body: FaultBody::Json,
        },
    ] {
        h.fault("shiprocketNdrWebhook", kind.clone());
        let error = h
            .client
            .shiprocket_ndr_webhook(&assistant_id, ndr_event(), Some(&ndr_token))
            .await
            .expect_err("an injected fault");
        h.check_error(&format!("{kind:?} on shiprocketNdrWebhook"), &error);
    }
}

/// What the captured logs must show of this section.
pub fn check_logs(logs: &str) {
    assert!(logs.contains("shiprocketNdrWebhook"), "{logs}");
}
