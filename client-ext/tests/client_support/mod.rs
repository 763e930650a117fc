//! Shared code for the `client_*` integration tests: a client pointed at a loopback server, a responder
//! giving every operation a body it accepts, and a call of every operation through `mirai_voice::Client`.

#![allow(dead_code)]

use std::time::Duration;

use mirai_voice::Client;
use mirai_voice::api::{ArchiveTarget, InitiateCall, NumberSearch, ShowcaseCallsQuery, WebCall};
use mirai_voice::knowledge_base::Upload;
use mirai_voice::retry::RetryConfig;
use mirai_voice_generated::OperationSpec;
use mirai_voice_generated::operations::OPERATIONS;
use mirai_voice_generated::types;
use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

pub const PUBLIC_KEY: &str = "pk_5a1b2c3d4e5f60718293a4b5c6d7e8f9";
pub const PRIVATE_KEY: &str = "sk_9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0";
pub const WORKSPACE: &str = "6650f0c2a1b2c3d4e5f60001";
pub const OTHER_WORKSPACE: &str = "6650f0c2a1b2c3d4e5f60009";
pub const ORGANIZATION: &str = "6650f0c2a1b2c3d4e5f60002";
pub const OBJECT_ID: &str = "6650f0c2a1b2c3d4e5f60718";

/// A builder for a client of `base_url` with both keys and quick retries; add a workspace and organization as
/// the test needs.
pub fn builder(base_url: &str) -> mirai_voice::ClientBuilder {
    Client::builder()
        .public_key(PUBLIC_KEY)
        .private_key(PRIVATE_KEY)
        .base_url(base_url)
        .retry(RetryConfig::default().with_initial_backoff(Duration::from_millis(10)))
}

/// A client with both keys, a workspace and an organization.
pub fn full_client(base_url: &str) -> Client {
    builder(base_url)
        .workspace(WORKSPACE)
        .organization(ORGANIZATION)
        .build()
        .expect("valid configuration")
}

/// A constrained field's value (e.g. `types::CreateApiToolRequestName`), parsed with the spec's checks; the
/// tests' literals are valid, so a failure is a broken test.
pub fn checked<T>(value: &str) -> T
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    value
        .parse()
        .unwrap_or_else(|e| panic!("{value:?} is a valid value: {e}"))
}

/// The API tool the tests create: `GET https://example.com/orders`, named `lookup`.
pub fn lookup_tool() -> types::CreateApiToolRequest {
    types::CreateApiToolRequest::new(
        checked::<types::CreateApiToolRequestName>("lookup"),
        checked::<types::CreateApiToolRequestDescription>("Looks up an order"),
        "https://example.com/orders",
        types::CreateApiToolRequestMethod::Get,
    )
}

/// Asserts that `text` contains neither test key nor a 16-hex-digit fragment of them.
pub fn assert_no_key_material(text: &str) {
    for key in [PUBLIC_KEY, PRIVATE_KEY] {
        let hex = &key[3..];
        for start in (0..=hex.len() - 16).step_by(4) {
            let fragment = &hex[start..start + 16];
            assert!(!text.contains(fragment), "key material in: {text}");
        }
    }
}

/// The table entry a request was for, found by method and path template.
pub fn operation_of(request: &Request) -> &'static OperationSpec {
    let segments: Vec<&str> = request.url.path().trim_matches('/').split('/').collect();
    OPERATIONS
        .iter()
        .filter(|op| op.http_method == request.method.as_str())
        .filter_map(|op| {
            let template: Vec<&str> = op.path.trim_matches('/').split('/').collect();
            if template.len() != segments.len() {
                return None;
            }
            let mut literals = 0;
            for (t, s) in template.iter().zip(&segments) {
                if t.starts_with('{') {
                    if s.is_empty() {
                        return None;
                    }
                } else if t == s {
                    literals += 1;
                } else {
                    return None;
                }
            }
            Some((literals, op))
        })
        .max_by_key(|(literals, _)| *literals)
        .map(|(_, op)| op)
        .unwrap_or_else(|| panic!("no operation for {} {}", request.method, request.url))
}

/// Answers every operation with a body its SDK method accepts.
pub struct EveryOperation;

impl Respond for EveryOperation {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body = match operation_of(request).operation_id {
            "adminListAssistants"
            | "searchAvailableNumbers"
            | "listApiTools"
            | "listKnowledgeBaseFiles"
            | "getVoiceGallery" => json!({"message": "ok", "data": []}),
            "getKnowledgeBaseFile" => json!({"data": {"_id": OBJECT_ID, "status": "ready"}}),
            "purchaseNumber" | "releaseNumber" => {
                json!({"data": {"_id": OBJECT_ID, "status": "active"}})
            }
            "initiateCall" => json!({"callId": "call-1", "status": "initiate"}),
            "startKnowledgeBaseUpload" => json!({"message": "ok", "sessionId": "session-1"}),
            "completeKnowledgeBaseUpload" => {
                json!({"knowledgeBaseId": OBJECT_ID, "knowledgeBaseStatus": "processing"})
            }
            "abortCall" => json!({"message": "Call aborted"}),
            // Resources come back with their ids (the SDK returns them typed, never optional).
            "onboardCustomWorkspace" | "adminGetAssistant" | "createApiTool" | "updateApiTool" => {
                json!({"data": {"_id": OBJECT_ID}})
            }
            "getShowcaseCall" => json!({"data": {
                "_id": OBJECT_ID, "title": "Cart recovery", "language": "en", "languageLabel": "English",
                "category": "abandoned_cart", "brandName": "Acme", "description": "A recovered cart",
                "durationSecs": 60, "audioUrl": "https://example.com/a.mp3", "sortOrder": 1
            }}),
            "getShowcaseFlow" => json!({"data": {
                "_id": OBJECT_ID, "flowType": "abandoned_cart", "title": "Cart recovery", "tagline": "Recover",
                "description": "A flow", "durationSecs": 60, "audioUrl": "https://example.com/a.mp3",
                "sortOrder": 1, "workspace": OBJECT_ID, "organization": OBJECT_ID, "assistant_id": OBJECT_ID
            }}),
            "initializeWorkspace" => json!({"workspace": OBJECT_ID}),
            "adminCreateAssistant" => json!({"data": {"assistantId": OBJECT_ID}}),
            "listShowcaseCalls" => json!({"data": {"calls": [], "total": 0}}),
            "listShowcaseFlows" => json!({"data": {"flows": []}}),
            _ => json!({}),
        };
        // The statuses the spec documents for each success.
        let status = match operation_of(request).operation_id {
            "initializeWorkspace"
            | "purchaseNumber"
            | "createApiTool"
            | "startKnowledgeBaseUpload"
            | "initiateWebCall" => 201,
            _ => 200,
        };
        ResponseTemplate::new(status).set_body_json(body)
    }
}

/// Calls every operation once through the SDK, and returns each method's label and whether it succeeded
/// (with the error). The knowledge-base upload sends `startKnowledgeBaseUpload`, `uploadKnowledgeBaseChunk` and
/// `completeKnowledgeBaseUpload`.
pub async fn call_every_operation(client: &Client) -> Vec<(&'static str, mirai_voice::Result<()>)> {
    let id = OBJECT_ID;
    let mut out = Vec::new();
    macro_rules! call {
        ($label:literal, $fut:expr) => {{
            let result = $fut.await.map(|_| ());
            out.push(($label, result));
        }};
    }
    call!("health", client.health());
    call!(
        "workspaces.onboard_custom",
        client
            .workspaces()
            .onboard_custom(types::CustomOnboardingRequest::new(
                "Acme",
                checked::<types::CustomOnboardingRequestCurrencyCode>("USD"),
                "UTC",
                types::CustomOnboardingRequestSupportContacts::new("+15550100"),
                types::CustomOnboardingRequestTrustSignals::new("Fast shipping"),
            ))
    );
    call!(
        "workspaces.onboard_shopify",
        client
            .workspaces()
            .onboard_shopify(types::OnboardingRequest::new(
                "Acme Store",
                "INR",
                "Asia/Kolkata",
                types::OnboardingRequestSupportContacts::new("+15550100"),
                types::TrustSignals::new("Fast shipping"),
                types::PolicyFramework::new(
                    types::ReturnPolicy::new(),
                    types::ShippingPolicy::new(),
                    types::CodPolicy::new(),
                ),
            ))
    );
    call!("assistants.get", client.assistants().get(id));
    call!("assistants.list", client.assistants().list());
    call!(
        "assistants.create",
        client
            .assistants()
            .create(types::AdminAssistantRequest::new(
                checked::<types::AdminAssistantRequestName>("Cart saver"),
                types::AdminAssistantRequestVariant::new(
                    types::AdminAssistantRequestVariantType::Custom
                ),
                types::AdminAssistantRequestAgent::new(types::AgentIdentity::new().name("Asha")),
            ))
    );
    call!(
        "assistants.update",
        client.assistants().update(
            id,
            types::AdminAssistantUpdateRequest::new()
                .name(checked::<types::AdminAssistantUpdateRequestName>("Renamed"))
        )
    );
    call!(
        "numbers.search",
        client.numbers().search(NumberSearch::new("US"))
    );
    call!(
        "numbers.purchase",
        client.numbers().purchase(types::PurchaseNumberRequest::new(
            checked::<types::PurchaseNumberRequestNumber>("+15550123"),
            checked::<types::PurchaseNumberRequestCountryCode>("US"),
            types::PurchaseNumberRequestNumberType::Local,
        ))
    );
    call!("numbers.release", client.numbers().release(id));
    call!("tools.list", client.tools().list());
    call!("tools.create", client.tools().create(lookup_tool()));
    call!(
        "tools.update",
        client
            .tools()
            .update(id, types::UpdateApiToolRequest::new().is_active(false))
    );
    call!("tools.delete", client.tools().delete(id));
    call!("knowledge_base.list", client.knowledge_base().list());
    call!("knowledge_base.get", client.knowledge_base().get(id));
    call!(
        "knowledge_base.upload",
        client
            .knowledge_base()
            .upload(Upload::bytes(
                "faq.txt",
                b"Returns within 30 days.".to_vec()
            ))
            .send()
    );
    call!(
        "knowledge_base.delete_collection",
        client.knowledge_base().delete_collection("faq")
    );
    call!(
        "calls.initiate",
        client
            .calls()
            .initiate(InitiateCall::new("+15550100".parse().unwrap(), id))
    );
    call!("calls.web", client.calls().web(WebCall::new(id)));
    call!(
        "shiprocket_ndr_webhook",
        client.shiprocket_ndr_webhook(id, serde_json::Map::new(), None)
    );
    call!("calls.abort", client.calls().abort(id));
    call!(
        "calls.update_payload",
        client.calls().update_payload(
            id,
            serde_json::Map::from_iter([("orderId".to_string(), Value::from("1001"))])
        )
    );
    call!(
        "organizations.archive",
        client.organizations().archive(ArchiveTarget::workspace(id))
    );
    call!(
        "organizations.unarchive",
        client
            .organizations()
            .unarchive(ArchiveTarget::workspace(id))
    );
    call!("voices.list", client.voices().list());
    call!(
        "showcase.list_calls",
        client.showcase().list_calls(ShowcaseCallsQuery::default())
    );
    call!("showcase.get_call", client.showcase().get_call(id));
    call!("showcase.list_flows", client.showcase().list_flows());
    call!("showcase.get_flow", client.showcase().get_flow(id));
    out
}
