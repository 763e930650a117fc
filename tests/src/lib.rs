//! Shared helpers for the workspace integration tests.
//!
//! [`call_every_operation`] sends each generated operation of the raw client once, with
//! minimal valid arguments, so tests can check what goes over the wire for all of them.

use mirai_voice_generated::prelude::*;
use mirai_voice_generated::types;
use mirai_voice_generated::{ByteStream, Client, Error, ResponseValue, describe_error};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

/// A 24-hex-digit id, as the API's Mongo ObjectIds are.
pub const OBJECT_ID: &str = "6650f0c2a1b2c3d4e5f60718";

/// Builds a request body of type `T` from JSON.
pub fn body<T: DeserializeOwned>(value: Value) -> T {
    serde_json::from_value(value).expect("test body matches the spec's schema")
}

/// The outcome of one call, reduced to what the tests compare.
#[derive(Debug)]
pub enum Outcome {
    /// A success with this status.
    Success(u16),
    /// An error; its HTTP status if it has one, and its text.
    Failure(Option<u16>, String),
}

fn outcome<T>(result: Result<ResponseValue<T>, Error<ByteStream>>) -> Outcome {
    match result {
        Ok(value) => Outcome::Success(value.status().as_u16()),
        Err(e) => Outcome::Failure(e.status().map(|s| s.as_u16()), describe_error(&e)),
    }
}

fn onboarding_contacts() -> Value {
    json!({"phoneNumber": "+15550100"})
}

/// Calls every generated operation once, in spec order, and returns `(operationId, outcome)`.
pub async fn call_every_operation(client: &Client) -> Vec<(&'static str, Outcome)> {
    let id = OBJECT_ID;
    let mut out: Vec<(&'static str, Outcome)> = Vec::new();
    macro_rules! call {
        ($op:literal, $fut:expr) => {{
            let result: Result<_, Error<ByteStream>> = $fut.await;
            out.push(($op, outcome(result)));
        }};
    }
    call!("getHealthMonitor", client.get_health_monitor().send());
    call!(
        "onboardCustomWorkspace",
        client
            .onboard_custom_workspace()
            .body(body::<types::CustomOnboardingRequest>(json!({
                "name": "Acme", "currencyCode": "USD", "timezone": "UTC",
                "supportContacts": onboarding_contacts(),
                "trustSignals": {"valuePropositionOneLiner": "Fast shipping"}
            })))
            .send()
    );
    call!(
        "initializeWorkspace",
        client
            .initialize_workspace()
            .body(body::<types::OnboardingRequest>(json!({
                "name": "Acme Store", "currencyCode": "INR", "timezone": "Asia/Kolkata",
                "supportContacts": onboarding_contacts(),
                "trustSignals": {"valuePropositionOneLiner": "Fast shipping"},
                "policyFramework": {"returnPolicy": {}, "shippingPolicy": {}, "codPolicy": {}}
            })))
            .send()
    );
    call!(
        "adminGetAssistant",
        client.admin_get_assistant().assistant_id(id).send()
    );
    call!("adminListAssistants", client.admin_list_assistants().send());
    call!(
        "adminCreateAssistant",
        client.admin_create_assistant().body(body::<types::AdminAssistantRequest>(json!({
            "name": "Cart saver", "variant": {"type": "custom"}, "agent": {"identity": {"name": "Asha"}}
        }))).send()
    );
    call!(
        "adminUpdateAssistant",
        client
            .admin_update_assistant()
            .assistant_id(id)
            .body(body::<types::AdminAssistantUpdateRequest>(
                json!({"name": "Renamed"})
            ))
            .send()
    );
    call!(
        "searchAvailableNumbers",
        client.search_available_numbers().country_code("US").send()
    );
    call!(
        "purchaseNumber",
        client
            .purchase_number()
            .body(body::<types::PurchaseNumberRequest>(json!({
                "number": "+15550123", "countryCode": "US", "numberType": "local"
            })))
            .send()
    );
    call!(
        "releaseNumber",
        client.release_number().telephony_number_id(id).send()
    );
    call!("listApiTools", client.list_api_tools().send());
    call!(
        "createApiTool",
        client.create_api_tool().body(body::<types::CreateApiToolRequest>(json!({
            "name": "lookup", "description": "Looks up an order", "url": "https://example.com/orders", "method": "get"
        }))).send()
    );
    call!(
        "updateApiTool",
        client
            .update_api_tool()
            .tool_id(id)
            .body(body::<types::UpdateApiToolRequest>(
                json!({"isActive": false})
            ))
            .send()
    );
    call!("deleteApiTool", client.delete_api_tool().tool_id(id).send());
    call!(
        "listKnowledgeBaseFiles",
        client.list_knowledge_base_files().send()
    );
    call!(
        "getKnowledgeBaseFile",
        client
            .get_knowledge_base_file()
            .knowledge_base_id(id)
            .send()
    );
    call!(
        "startKnowledgeBaseUpload",
        client
            .start_knowledge_base_upload()
            .body(body::<types::StartUploadSessionRequest>(json!({
                "fileName": "faq.txt", "totalChunks": 1, "fileSize": 12, "mimeType": "text/plain"
            })))
            .send()
    );
    call!(
        "completeKnowledgeBaseUpload",
        client
            .complete_knowledge_base_upload()
            .session_id(id)
            .send()
    );
    call!(
        "deleteKnowledgeBaseCollection",
        client
            .delete_knowledge_base_collection()
            .collection_name("faq")
            .send()
    );
    call!(
        "initiateCall",
        client
            .initiate_call()
            .body(body::<types::InitiateCallRequest>(json!({
                "phoneNumber": "+15550100", "assistant": id
            })))
            .send()
    );
    call!(
        "initiateWebCall",
        client
            .initiate_web_call()
            .body(body::<types::InitiateWebCallRequest>(
                json!({"assistant": id})
            ))
            .send()
    );
    call!(
        "shiprocketNdrWebhook",
        client
            .shiprocket_ndr_webhook()
            .assistant_id(id)
            .body(serde_json::Map::new())
            .send()
    );
    call!(
        "abortCall",
        client
            .abort_call()
            .body(body::<types::AbortCallRequest>(json!({"callId": id})))
            .send()
    );
    call!(
        "updateCallPayload",
        client
            .update_call_payload()
            .call_id(id)
            .body(body::<types::UpdateCallPayloadBody>(
                json!({"payload": {"orderId": "1001"}})
            ))
            .send()
    );
    call!(
        "archiveOrganizationOrWorkspace",
        client
            .archive_organization_or_workspace()
            .body(body::<types::ArchiveUnarchiveRequest>(
                json!({"type": "workspace", "id": id})
            ))
            .send()
    );
    call!(
        "unarchiveOrganizationOrWorkspace",
        client
            .unarchive_organization_or_workspace()
            .body(body::<types::ArchiveUnarchiveRequest>(
                json!({"type": "workspace", "id": id})
            ))
            .send()
    );
    call!("getVoiceGallery", client.get_voice_gallery().send());
    call!("listShowcaseCalls", client.list_showcase_calls().send());
    call!(
        "getShowcaseCall",
        client.get_showcase_call().call_id(id).send()
    );
    call!("listShowcaseFlows", client.list_showcase_flows().send());
    call!(
        "getShowcaseFlow",
        client.get_showcase_flow().flow_id(id).send()
    );
    out
}
