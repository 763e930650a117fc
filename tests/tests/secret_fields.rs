//! Third-party credentials held by generated types (API tool header values, an assistant's
//! `preCall.apiPlan.headers` and NDR `webhookToken`, the web call's LiveKit `token`) never show in
//! `Debug` or `{:#?}` of the types, their `types::builder` counterparts or the operation builders
//! that carry them; every other field still shows, and serde still sends the real value, on the
//! wire too (a plain loopback server captures the body).

use mirai_voice_generated::prelude::*;
use mirai_voice_generated::{ClientContext, Credentials, types};
use mirai_voice_tests::{OBJECT_ID, checked};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SECRET: &str = "Bearer tool_s3cr3t_7f1e2d";
const HOOK_TOKEN: &str = "ndr_hook_s3cr3t_41c2";
const LIVEKIT: &str = "eyJ_livekit_s3cr3t_0b9a";

/// `{:?}` and `{:#?}` of `value`, each checked not to contain any secret.
fn shown<T: std::fmt::Debug>(value: &T) -> (String, String) {
    let compact = format!("{value:?}");
    let pretty = format!("{value:#?}");
    for text in [&compact, &pretty] {
        for secret in [SECRET, "tool_s3cr3t", HOOK_TOKEN, LIVEKIT] {
            assert!(!text.contains(secret), "{secret} shown in {text}");
        }
    }
    (compact, pretty)
}

fn tool_request() -> types::CreateApiToolRequest {
    types::CreateApiToolRequest::new(
        checked::<types::CreateApiToolRequestName>("Check Order Status"),
        checked::<types::CreateApiToolRequestDescription>("Look up an order"),
        "https://api.example.com/orders/status",
        types::CreateApiToolRequestMethod::Post,
    )
    .headers(vec![
        types::ToolHeader::new("Authorization", SECRET),
        types::ToolHeader::new("X-Trace", "trace-1"),
    ])
}

/// A response as the client decodes it from the server's JSON.
fn decoded<T: serde::de::DeserializeOwned>(wire: Value) -> T {
    serde_json::from_value(wire).expect("the response matches the spec's schema")
}

#[test]
fn a_tool_header_hides_its_value_and_keeps_its_name() {
    let header = types::ToolHeader::new("Authorization", SECRET);
    let (compact, pretty) = shown(&header);
    assert_eq!(
        compact,
        r#"ToolHeader { key: "Authorization", value: <redacted> }"#
    );
    assert!(pretty.contains("key: \"Authorization\",\n"), "{pretty}");
    assert!(pretty.contains("value: <redacted>,\n"), "{pretty}");
    assert_eq!(
        serde_json::to_value(&header).unwrap(),
        json!({"key": "Authorization", "value": SECRET}),
        "serialization sends the real value"
    );
}

#[test]
fn api_tool_requests_and_the_stored_tool_hide_header_values() {
    let create = tool_request();
    let (compact, pretty) = shown(&create);
    for visible in [
        "Check Order Status",
        "Authorization",
        "X-Trace",
        "orders/status",
    ] {
        assert!(
            compact.contains(visible),
            "{visible} missing from {compact}"
        );
        assert!(pretty.contains(visible), "{visible} missing from {pretty}");
    }
    assert_eq!(compact.matches("value: <redacted>").count(), 2, "{compact}");
    let sent = serde_json::to_value(&create).unwrap();
    assert_eq!(sent["headers"][0]["value"], SECRET);

    let update = types::UpdateApiToolRequest::new()
        .name(checked::<types::UpdateApiToolRequestName>("Renamed tool"))
        .headers(vec![types::ToolHeader::new("Authorization", SECRET)]);
    let (compact, _) = shown(&update);
    assert!(compact.contains("Renamed tool"), "{compact}");
    assert!(compact.contains("Authorization"), "{compact}");
    assert_eq!(
        serde_json::to_value(&update).unwrap()["headers"][0]["value"],
        SECRET
    );

    let tool: types::ApiTool = decoded(json!({
        "_id": OBJECT_ID,
        "name": "Check Order Status",
        "config": {
            "url": "https://api.example.com/orders/status",
            "method": "post",
            "headers": [{"key": "Authorization", "value": SECRET}]
        }
    }));
    let (compact, _) = shown(&tool);
    for visible in ["Check Order Status", OBJECT_ID, "Authorization"] {
        assert!(
            compact.contains(visible),
            "{visible} missing from {compact}"
        );
    }
    assert_eq!(
        serde_json::to_value(&tool).unwrap()["config"]["headers"][0]["value"],
        SECRET
    );
}

#[test]
fn builders_hide_the_value_and_say_whether_it_was_set() {
    let unset = format!("{:?}", types::ToolHeader::builder());
    assert!(
        unset.contains(r#"value: Err("no value supplied for value")"#),
        "{unset}"
    );
    let header = types::ToolHeader::builder()
        .key("Authorization")
        .value(SECRET);
    let (compact, _) = shown(&header);
    assert_eq!(
        compact,
        r#"ToolHeader { key: Ok("Authorization"), value: Ok(<redacted>) }"#
    );

    let request = types::CreateApiToolRequest::builder()
        .name(
            "Check Order Status"
                .parse::<types::CreateApiToolRequestName>()
                .unwrap(),
        )
        .description(
            "Look up an order"
                .parse::<types::CreateApiToolRequestDescription>()
                .unwrap(),
        )
        .url("https://api.example.com/orders/status")
        .method(types::CreateApiToolRequestMethod::Post)
        .headers(vec![types::ToolHeader::try_from(header).unwrap()]);
    let (compact, _) = shown(&request);
    assert!(compact.contains("Check Order Status"), "{compact}");
    assert!(compact.contains("Authorization"), "{compact}");
    let built = types::CreateApiToolRequest::try_from(request).unwrap();
    assert_eq!(
        serde_json::to_value(&built).unwrap()["headers"][0]["value"],
        SECRET
    );
}

#[test]
fn assistant_pre_call_headers_show_names_only_and_the_ndr_token_is_hidden() {
    let pre_call = types::PreCall::new().api_plan(
        types::PreCallApiPlan::new()
            .url("https://crm.acme.test/lookup")
            .headers(std::collections::HashMap::from([
                (
                    "Authorization".to_string(),
                    types::PreCallApiPlanHeadersValue::String(SECRET.to_string()),
                ),
                ("X-Retries".to_string(), 3.0.into()),
            ])),
    );
    let (compact, pretty) = shown(&pre_call);
    assert!(compact.contains("crm.acme.test"), "{compact}");
    assert!(
        compact.contains("\"Authorization\": <redacted>"),
        "{compact}"
    );
    assert!(compact.contains("\"X-Retries\": <redacted>"), "{compact}");
    assert!(
        pretty.contains("\"Authorization\": <redacted>,\n"),
        "{pretty}"
    );
    assert_eq!(
        serde_json::to_value(&pre_call).unwrap()["apiPlan"]["headers"]["Authorization"],
        SECRET
    );
    let plan_builder = types::PreCallApiPlan::builder().headers(
        pre_call
            .api_plan
            .as_ref()
            .map(|plan| plan.headers.clone())
            .unwrap(),
    );
    let (compact, _) = shown(&plan_builder);
    assert!(compact.contains("Authorization"), "{compact}");

    let ndr = types::VariantConfigs::new().ndr_followup(
        types::VariantConfigsNdrFollowup::new()
            .max_reschedule_days(3.0)
            .webhook_token(HOOK_TOKEN),
    );
    let (compact, _) = shown(&ndr);
    assert!(
        compact.contains("webhook_token: Some(<redacted>)"),
        "{compact}"
    );
    assert!(
        compact.contains("max_reschedule_days: Some(3.0)"),
        "{compact}"
    );
    assert_eq!(
        serde_json::to_value(&ndr).unwrap()["ndr_followup"]["webhookToken"],
        HOOK_TOKEN
    );
    let without = types::VariantConfigsNdrFollowup::new().max_reschedule_days(2.0);
    assert!(
        format!("{without:?}").contains("webhook_token: None"),
        "{without:?}"
    );
}

#[test]
fn the_web_call_token_is_hidden() {
    let response: types::InitiateWebCallResponse =
        decoded(json!({"success": true, "token": LIVEKIT}));
    let (compact, _) = shown(&response);
    assert!(compact.contains("success: Some(true)"), "{compact}");
    assert!(compact.contains("token: Some(<redacted>)"), "{compact}");
    let builder: types::builder::InitiateWebCallResponse = response.clone().into();
    let (compact, _) = shown(&builder);
    assert!(compact.contains("token: Ok(Some(<redacted>))"), "{compact}");
    assert_eq!(serde_json::to_value(&response).unwrap()["token"], LIVEKIT);
}

#[tokio::test]
async fn the_operation_builder_hides_the_header_value_and_sends_it() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/admin/tool/api"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    let credentials = Credentials::new(
        "pk_0123456789abcdef0123456789abcdef",
        "sk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    )
    .unwrap()
    .with_workspace(OBJECT_ID)
    .unwrap();
    let client = mirai_voice_generated::Client::new(
        &server.uri(),
        ClientContext::with_credentials(credentials),
    );
    let builder = client.create_api_tool().body(tool_request());
    let (compact, _) = shown(&builder);
    assert!(compact.contains("Check Order Status"), "{compact}");

    // The result of the call does not matter here (the answer is not a whole tool); the body
    // that reached the server does.
    let _ = builder.send().await;
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 1);
    let sent: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        sent["headers"][0],
        json!({"key": "Authorization", "value": SECRET})
    );
}
