//! The assistant operations (`adminCreateAssistant`, `adminUpdateAssistant`, `adminGetAssistant`,
//! `adminListAssistants`): `preCall.apiPlan.headers` values, credentials in `preCall.apiPlan.url`, and an NDR
//! follow-up variant's `webhookToken`, which the API returns as stored.

use std::collections::HashMap;

use mirai_voice::Error;
use mirai_voice::types;
use mirai_voice_mock::{FaultBody, FaultKind};
use serde_json::{Map, Value};

use crate::harness::{Harness, kept_body, logs_show};

/// A webhook token longer than everything else in a get or list answer: a truncated answer (the emulator keeps
/// the first half) then always ends inside it, whatever the key order, so the kept raw body holds its start.
struct LongToken {
    value: String,
    head: String,
}

impl LongToken {
    fn new(h: &Harness, head: &str, tail: &str) -> Self {
        let head = h.secret(head);
        let filler = "0f1e2d3c4b5a6978".repeat(1000);
        // Any part of the filler is the token too.
        h.secret(&filler[..48]);
        let value = format!("{head}{filler}{}", h.secret(tail));
        Self { value, head }
    }
}

/// The NDR follow-up variant's configuration with its webhook token.
fn ndr_config(webhook_token: &str) -> types::VariantConfigs {
    types::VariantConfigs::new().ndr_followup(
        types::VariantConfigsNdrFollowup::new()
            .max_reschedule_days(3.0)
            .webhook_token(webhook_token),
    )
}

/// `preCall` headers: `Authorization` with the credential, and a plain `X-Tenant`.
fn pre_call_headers(
    authorization: &str,
    tenant: Option<&str>,
) -> HashMap<String, types::PreCallApiPlanHeadersValue> {
    let header = |value: &str| types::PreCallApiPlanHeadersValue::String(value.to_string());
    let mut headers = HashMap::from([("Authorization".to_string(), header(authorization))]);
    if let Some(tenant) = tenant {
        headers.insert("X-Tenant".to_string(), header(tenant));
    }
    headers
}

fn ndr_assistant(
    name: &str,
    url: &str,
    authorization: &str,
    webhook_token: &str,
) -> types::AdminAssistantRequest {
    let name = name
        .parse::<types::AdminAssistantRequestName>()
        .expect("a valid assistant name");
    types::AdminAssistantRequest::new(
        name,
        types::AdminAssistantRequestVariant::new(
            types::AdminAssistantRequestVariantType::NdrFollowup,
        )
        .config(ndr_config(webhook_token)),
        types::AdminAssistantRequestAgent::new(types::AgentIdentity::new().name("Asha"))
            .system_prompt(""),
    )
    .pre_call(
        types::PreCall::new().api_plan(
            types::PreCallApiPlan::new()
                .method(types::PreCallApiPlanMethod::Post)
                .url(url)
                .headers(pre_call_headers(authorization, Some("acme")))
                .body(Map::from_iter([(
                    "orderId".to_string(),
                    Value::from("{{variableValues.orderId}}"),
                )])),
        ),
    )
}

/// An update replacing the pre-call URL and `Authorization` header.
fn pre_call_update(url: &str, authorization: &str) -> types::PreCall {
    types::PreCall::new().api_plan(
        types::PreCallApiPlan::new()
            .url(url)
            .headers(pre_call_headers(authorization, None)),
    )
}

pub async fn exercise(h: &Harness) {
    let precall_token = h.secret("precalltoken-4c7e1a9b20");
    let precall_key = h.secret("precallkey-8d3f6b2e17");
    let updated_precall_token = h.secret("precallupdated-6e2b9d4f03");
    let rejected_key = h.secret("precallrejected-2a9e4b7c61");
    let short_ndr_token = h.secret("assistndrshort-7b1d9e3a50");
    let token = LongToken::new(h, "assistndrhead-5a0c7e3b91", "assistndrtail-19e4f0c6d2");
    let updated = LongToken::new(h, "ndrupdatedhead-0f7a3c5e82", "ndrupdatedtail-3c9b1e7f44");
    let assistants = h.client.assistants();
    let url = format!("https://crm.example.test/lookup?api_key={precall_key}");
    let bearer = format!("Bearer {precall_token}");

    // adminCreateAssistant: a success. The credentials are in what the SDK sends, so the checks can fail.
    let request = ndr_assistant("Courier desk", &url, &bearer, &token.value);
    let sent = serde_json::to_string(&request).expect("the request serializes");
    for secret in [&precall_token, &precall_key, &token.head] {
        assert!(
            sent.contains(secret.as_str()),
            "the request carries {secret}"
        );
    }
    h.assert_hidden_except(
        "the assistant request's Debug",
        &format!("{request:?}"),
        // Generated types print URLs as given; credentials in URLs are masked in bodies, logs and errors.
        &[&precall_key],
    );
    let assistant_id = assistants
        .create(request)
        .await
        .expect("assistant created")
        .id;

    // adminGetAssistant and adminListAssistants: the token comes back as stored.
    let got = assistants
        .get(&assistant_id)
        .await
        .expect("assistant fetched");
    let raw = serde_json::to_string(&got).expect("the answer serializes");
    assert!(
        raw.contains(&token.value),
        "the API returned the token: {raw:.200}"
    );
    h.assert_hidden("the fetched assistant's Debug", &format!("{got:?}"));
    let listed = assistants.list().await.expect("assistants listed");
    let raw = serde_json::to_string(&listed).expect("the answer serializes");
    assert!(raw.contains(&token.value), "the API listed the token");
    h.assert_hidden("the listed assistants' Debug", &format!("{listed:#?}"));

    // Both answering truncated JSON: a decode error keeping the first half, withheld when shown.
    h.fault("adminGetAssistant", FaultKind::TruncatedJson);
    let error = assistants
        .get(&assistant_id)
        .await
        .expect_err("a truncated body");
    check_truncated(h, "truncated adminGetAssistant", &error, &token.head);
    h.fault("adminListAssistants", FaultKind::TruncatedJson);
    let error = assistants.list().await.expect_err("a truncated body");
    check_truncated(h, "truncated adminListAssistants", &error, &token.head);

    // adminUpdateAssistant: a success replacing both credentials.
    let update = types::AdminAssistantUpdateRequest::new()
        .variant(types::AdminAssistantUpdateRequestVariant::new().config(
            types::VariantConfigs::new().ndr_followup(
                types::VariantConfigsNdrFollowup::new().webhook_token(updated.value.as_str()),
            ),
        ))
        .pre_call(pre_call_update(
            &url,
            &format!("Bearer {updated_precall_token}"),
        ));
    h.assert_hidden_except(
        "the update request's Debug",
        &format!("{update:?}"),
        &[&precall_key],
    );
    assistants
        .update(&assistant_id, update.clone())
        .await
        .expect("assistant updated");
    let got = assistants
        .get(&assistant_id)
        .await
        .expect("assistant fetched");
    let raw = serde_json::to_string(&got).expect("the answer serializes");
    assert!(raw.contains(&updated.value), "the update took effect");

    // adminUpdateAssistant answering truncated JSON, and gateway HTML.
    h.fault("adminUpdateAssistant", FaultKind::TruncatedJson);
    let error = assistants
        .update(&assistant_id, update.clone())
        .await
        .expect_err("a truncated body");
    h.check_error("truncated adminUpdateAssistant", &error);
    h.fault(
        "adminUpdateAssistant",
        FaultKind::Status {
            status: 400,
            body: FaultBody::Html,
        },
    );
    let error = assistants
        .update(&assistant_id, update)
        .await
        .expect_err("an injected 400");
    let (_, debug) = h.check_error("HTML 400 on adminUpdateAssistant", &error);
    assert!(debug.contains("bytes withheld"), "{debug}");

    // adminCreateAssistant answering truncated JSON (the assistant is created all the same).
    h.fault("adminCreateAssistant", FaultKind::TruncatedJson);
    let error = assistants
        .create(ndr_assistant(
            "Courier desk 2",
            &url,
            &bearer,
            &short_ndr_token,
        ))
        .await
        .expect_err("a truncated body");
    h.check_error("truncated adminCreateAssistant", &error);

    // Both rejected with a 400 whose message quotes the pre-call URL, credential included.
    let rejected_url = format!("https://[bad-host]/lookup?api_key={rejected_key}");
    let error = assistants
        .create(ndr_assistant(
            "Courier desk 3",
            &rejected_url,
            &bearer,
            &short_ndr_token,
        ))
        .await
        .expect_err("an invalid URL");
    check_echoed_400(h, "400 on adminCreateAssistant", &error, &rejected_key);
    let error = assistants
        .update(
            &assistant_id,
            types::AdminAssistantUpdateRequest::new()
                .pre_call(pre_call_update(&rejected_url, &bearer)),
        )
        .await
        .expect_err("an invalid URL");
    check_echoed_400(h, "400 on adminUpdateAssistant", &error, &rejected_key);
}

/// A truncated answer whose kept raw body holds `secret`, which no rendering shows.
fn check_truncated(h: &Harness, what: &str, error: &Error, secret: &str) {
    let body = kept_body(error).unwrap_or_else(|| panic!("{what}: a kept body in {error:?}"));
    assert!(
        body.text().contains(secret),
        "{what}: the raw body, asked for explicitly, holds the token: {:.300}",
        body.text()
    );
    let (_, debug) = h.check_error(what, error);
    assert!(debug.contains("bytes withheld"), "{what}: {debug}");
}

/// A 400 whose message quotes the request's URL with `secret` in its query, masked when shown.
fn check_echoed_400(h: &Harness, what: &str, error: &Error, secret: &str) {
    let api = error
        .api_error()
        .unwrap_or_else(|| panic!("{what}: an API error, got {error:?}"));
    assert_eq!(api.status().as_u16(), 400, "{what}: {error:?}");
    assert!(
        api.message().is_some_and(|m| m.contains(secret)),
        "{what}: the emulator echoes the URL: {:?}",
        api.message()
    );
    let (display, _) = h.check_error(what, error);
    assert!(display.contains("api_key=[redacted]"), "{what}: {display}");
}

/// What the captured logs must show of this section: request bodies traced with names kept, values masked.
pub fn check_logs(logs: &str) {
    for fragment in [
        r#""Authorization":"[redacted]""#,
        r#""webhookToken":"[redacted]""#,
        "api_key=[redacted]",
    ] {
        assert!(
            logs_show(logs, fragment),
            "the logs show {fragment}: {logs}"
        );
    }
    assert!(logs.contains("adminUpdateAssistant"), "{logs}");
}
