//! Shared helpers for the workspace integration tests.
//!
//! [`call_every_operation`] sends each generated operation of the raw client once, with
//! minimal valid arguments, so tests can check what goes over the wire for all of them.

use mirai_voice_generated::prelude::*;
use mirai_voice_generated::types;
use mirai_voice_generated::{ByteStream, Client, Error, ResponseValue, describe_error};
use std::num::NonZeroU64;

/// A 24-hex-digit id, as the API's Mongo ObjectIds are.
pub const OBJECT_ID: &str = "6650f0c2a1b2c3d4e5f60718";

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
            .body(types::CustomOnboardingRequest::new(
                "Acme",
                checked::<types::CustomOnboardingRequestCurrencyCode>("USD"),
                "UTC",
                types::CustomOnboardingRequestSupportContacts::new("+15550100"),
                types::CustomOnboardingRequestTrustSignals::new("Fast shipping"),
            ))
            .send()
    );
    call!(
        "initializeWorkspace",
        client
            .initialize_workspace()
            .body(types::OnboardingRequest::new(
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
            .send()
    );
    call!(
        "adminGetAssistant",
        client.admin_get_assistant().assistant_id(id).send()
    );
    call!("adminListAssistants", client.admin_list_assistants().send());
    call!(
        "adminCreateAssistant",
        client
            .admin_create_assistant()
            .body(types::AdminAssistantRequest::new(
                checked::<types::AdminAssistantRequestName>("Cart saver"),
                types::AdminAssistantRequestVariant::new(
                    types::AdminAssistantRequestVariantType::Custom
                ),
                types::AdminAssistantRequestAgent::new(types::AgentIdentity::new().name("Asha")),
            ))
            .send()
    );
    call!(
        "adminUpdateAssistant",
        client
            .admin_update_assistant()
            .assistant_id(id)
            .body(
                types::AdminAssistantUpdateRequest::new()
                    .name(checked::<types::AdminAssistantUpdateRequestName>("Renamed"),)
            )
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
            .body(types::PurchaseNumberRequest::new(
                checked::<types::PurchaseNumberRequestNumber>("+15550123"),
                checked::<types::PurchaseNumberRequestCountryCode>("US"),
                types::PurchaseNumberRequestNumberType::Local,
            ))
            .send()
    );
    call!(
        "releaseNumber",
        client.release_number().telephony_number_id(id).send()
    );
    call!("listApiTools", client.list_api_tools().send());
    call!(
        "createApiTool",
        client
            .create_api_tool()
            .body(types::CreateApiToolRequest::new(
                checked::<types::CreateApiToolRequestName>("lookup"),
                checked::<types::CreateApiToolRequestDescription>("Looks up an order"),
                "https://example.com/orders",
                types::CreateApiToolRequestMethod::Get,
            ))
            .send()
    );
    call!(
        "updateApiTool",
        client
            .update_api_tool()
            .tool_id(id)
            .body(types::UpdateApiToolRequest::new().is_active(false))
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
            .body(
                types::StartUploadSessionRequest::new(
                    checked::<types::StartUploadSessionRequestFileName>("faq.txt"),
                    NonZeroU64::MIN,
                    NonZeroU64::new(12).expect("12 is not zero"),
                )
                .mime_type("text/plain"),
            )
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
            .body(types::InitiateCallRequest::new("+15550100", id))
            .send()
    );
    call!(
        "initiateWebCall",
        client
            .initiate_web_call()
            .body(types::InitiateWebCallRequest::new(id))
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
            .body(types::AbortCallRequest::new(id))
            .send()
    );
    call!(
        "updateCallPayload",
        client
            .update_call_payload()
            .call_id(id)
            .body(types::UpdateCallPayloadBody::new(
                serde_json::Map::from_iter([(
                    "orderId".to_string(),
                    serde_json::Value::from("1001"),
                )])
            ))
            .send()
    );
    call!(
        "archiveOrganizationOrWorkspace",
        client
            .archive_organization_or_workspace()
            .body(types::ArchiveUnarchiveRequest::new(
                types::ArchiveUnarchiveRequestType::Workspace,
                checked::<types::ArchiveUnarchiveRequestId>(id),
            ))
            .send()
    );
    call!(
        "unarchiveOrganizationOrWorkspace",
        client
            .unarchive_organization_or_workspace()
            .body(types::ArchiveUnarchiveRequest::new(
                types::ArchiveUnarchiveRequestType::Workspace,
                checked::<types::ArchiveUnarchiveRequestId>(id),
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
