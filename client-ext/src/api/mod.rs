//! The operations of the API, grouped by area.
//!
//! Each area is a short-lived view of a [`Client`](crate::Client), obtained from it (`client.calls()`,
//! `client.assistants()`, ...). Every method sends one operation of `swagger.yaml` (the knowledge-base upload
//! sends several) with exactly the headers the operation needs, and returns [`Error`] on failure.
//!
//! | area | operations |
//! |---|---|
//! | [`Calls`] | `initiateCall`, `initiateWebCall`, `abortCall`, `updateCallPayload` |
//! | [`Assistants`] | `adminCreateAssistant`, `adminListAssistants`, `adminGetAssistant`, `adminUpdateAssistant` |
//! | [`Numbers`] | `searchAvailableNumbers`, `purchaseNumber`, `releaseNumber` |
//! | [`Tools`] | `listApiTools`, `createApiTool`, `updateApiTool`, `deleteApiTool` |
//! | [`Workspaces`] | `onboardCustomWorkspace`, `initializeWorkspace` |
//! | [`Organizations`] | `archiveOrganizationOrWorkspace`, `unarchiveOrganizationOrWorkspace` |
//! | [`KnowledgeBase`] | `listKnowledgeBaseFiles`, `getKnowledgeBaseFile`, `deleteKnowledgeBaseCollection`, `startKnowledgeBaseUpload`, `uploadKnowledgeBaseChunk`, `completeKnowledgeBaseUpload` |
//! | [`Voices`] | `getVoiceGallery` |
//! | [`Showcase`] | `listShowcaseCalls`, `getShowcaseCall`, `listShowcaseFlows`, `getShowcaseFlow` |
//! | [`Client`](crate::Client) | `getHealthMonitor` ([`health`](crate::Client::health)), `shiprocketNdrWebhook` ([`shiprocket_ndr_webhook`](crate::Client::shiprocket_ndr_webhook)) |
//!
//! # Requests
//!
//! Every request is built with a constructor that takes its required fields, so a missing one does not compile,
//! and setters taking `impl Into<…>` for the rest: [`InitiateCall::new`]`(phone, assistant)` with a
//! [`CallPayload`] (one constructor per assistant variant, amounts as [`Money`]), [`CreateAssistant::new`] with
//! an [`AssistantVariant`], and for the other bodies the generated types' own `new(<required fields>)` (e.g.
//! `types::CreateApiToolRequest::new(..)`). Methods taking a body also accept the generated type and its
//! fallible builder; a value the builder rejects becomes an [`Error::Validation`] before anything is sent. Ids
//! are typed ([`ids`](crate::ids)): a method taking an `AssistantId` does not take a `CallId`.
//!
//! # Results
//!
//! One convention: a method returns the resource, the `data` of the API's `{ "data": … }` envelope. Where the
//! resource has an id, it comes as a [`Resource<Id, T>`](Resource): `id` is the typed id, not an `Option` (a body
//! without it is an [`Error::Decode`] naming the field), and the body is `data`, reachable through `Deref`. Lists
//! return a `Vec` of the same. Where the envelope holds more than the resource (a showcase page's `total`), the
//! method returns the envelope's `data` object as a whole. Where the API answers 409 for a name that exists,
//! `get_or_create` ([`Assistants::get_or_create`], [`Tools::get_or_create`]) returns the existing resource
//! ([`GetOrCreate::Existing`]); that costs a second request (the list).
//!
//! Where a response carries a status the API may extend (call status, knowledge-base status, number status and
//! type, NDR outcome), this crate returns its own types that keep unknown values instead of failing; every
//! generated enum keeps unknown values too (`Unknown(String)`). Should a body hold a value a generated type cannot
//! represent, the result is an [`Error::Decode`] that keeps the status and the raw body.
//!
//! Any operation of the generated client, including one added to the spec after this crate was written, can be
//! sent through the same pipeline with [`Client::send`](crate::Client::send).

#![warn(missing_docs)]

mod assistant_variant;
mod assistants;
mod calls;
mod create_assistant;
mod knowledge_base;
mod numbers;
mod organizations;
pub mod payload;
mod platform;
mod resource;
mod showcase;
mod tools;
mod voices;
mod workspaces;

pub use assistant_variant::{
    AbandonedCartVariant, AddressVerificationVariant, AssistantVariant, CodToPrepaidVariant,
    CustomVariant, NdrFollowupVariant, OrderConfirmationVariant, SupportContacts,
};
pub use assistants::{Assistant, Assistants, CreatedAssistant};
pub use calls::{AbortOutcome, Calls, InitiateCall, InitiatedCall, WebCall};
pub use create_assistant::{
    ASSISTANT_NAME_MAX_CHARS, AgentIdentity, AssistantError, CreateAssistant,
};
pub use knowledge_base::KnowledgeBase;
pub use numbers::{AvailableNumber, NumberSearch, Numbers, OwnedNumber};
pub use organizations::{ArchiveTarget, Organizations};
pub use payload::{CallPayload, Money};
pub use platform::NdrWebhookOutcome;
pub use resource::{GetOrCreate, Resource};
pub use showcase::{Showcase, ShowcaseCallsQuery};
pub use tools::{Tool, ToolHeader, Tools};
pub use voices::Voices;
pub use workspaces::Workspaces;

use reqwest::StatusCode;
use serde::Deserialize;

use crate::error::{DecodeError, Error, RawBody, ValidationError};
use crate::operation::OperationContext;
use mirai_voice_generated::OperationSpec;

/// `{ "data": T }`, the envelope most successes use. `data` may be missing or `null`.
#[derive(Deserialize)]
pub(crate) struct Envelope<T> {
    #[serde(default)]
    pub(crate) data: Option<T>,
}

/// `{ "data": [T] }`; a missing or `null` list is empty.
#[derive(Deserialize)]
pub(crate) struct ListEnvelope<T> {
    #[serde(default)]
    data: Option<Vec<T>>,
}

impl<T> ListEnvelope<T> {
    pub(crate) fn into_items(self) -> Vec<T> {
        self.data.unwrap_or_default()
    }
}

/// Rejects an empty path parameter before sending: it would address another route.
pub(crate) fn require_id(operation_id: &'static str, name: &str, value: &str) -> crate::Result<()> {
    if value.trim().is_empty() {
        return Err(ValidationError::InvalidRequest {
            operation_id: Some(operation_id),
            message: format!("`{name}` is empty"),
        }
        .into());
    }
    Ok(())
}

/// The error for a success response without the `data` it documents.
pub(crate) fn missing_data(operation: &'static OperationSpec, status: StatusCode) -> Error {
    missing_field(operation, status, "data")
}

/// The error for a success response without a field the flow needs.
pub(crate) fn missing_field(
    operation: &'static OperationSpec,
    status: StatusCode,
    field: &str,
) -> Error {
    DecodeError::new(
        OperationContext::from(operation),
        Some(status),
        RawBody::empty(),
        // Not backticked: decoder details of secret-bearing operations have their quoted values masked, and the
        // field name is ours, not the server's.
        format!("the response has no {field} field"),
    )
    .into()
}
