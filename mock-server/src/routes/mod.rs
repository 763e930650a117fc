//! The emulated API: one module per tag of the spec.

mod assistant;
mod call;
mod knowledge_base;
mod onboarding;
mod organization;
mod setting;
mod showcase;
mod telephony;
mod tools;
mod voice_gallery;

use axum::Router;
use axum::body::to_bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::middleware;
use axum::routing::{delete, get, post, put};
use serde_json::Value;

use crate::app::AppState;
use crate::error::ApiError;
use crate::faults::{self, OperationId};
use crate::spec;

/// Largest JSON body accepted.
const JSON_BODY_LIMIT: usize = 2 * 1024 * 1024;

/// Every operation of the spec, behind the fault and error-shaping middleware.
pub(crate) fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/health", get(setting::health))
        .route("/v2/workspace/onboard/custom", post(onboarding::custom))
        .route("/v2/workspace/onboard/shopify", post(onboarding::shopify))
        .route("/v1/admin/assistant/get/{assistantId}", get(assistant::get))
        .route("/v1/admin/assistant/list", get(assistant::list))
        .route("/v1/admin/assistant/create", post(assistant::create))
        .route(
            "/v1/admin/assistant/update/{assistantId}",
            put(assistant::update),
        )
        .route("/v1/number-pool/search", get(telephony::search))
        .route("/v1/number-pool/purchase", post(telephony::purchase))
        .route(
            "/v1/number-pool/{telephonyNumberId}",
            delete(telephony::release),
        )
        .route("/v1/admin/tool/api", get(tools::list).post(tools::create))
        .route(
            "/v1/admin/tool/api/{toolId}",
            put(tools::update).delete(tools::delete),
        )
        .route("/v1/knowledge-base/files", get(knowledge_base::list))
        .route(
            "/v1/knowledge-base/files/{knowledgeBaseId}",
            get(knowledge_base::get),
        )
        .route(
            "/v1/knowledge-base/upload/start",
            post(knowledge_base::start),
        )
        .route(
            "/v1/knowledge-base/upload/chunk/{sessionId}",
            // The handler counts the chunk itself so that an oversized one gets the documented 400.
            post(knowledge_base::chunk).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/v1/knowledge-base/upload/complete/{sessionId}",
            post(knowledge_base::complete),
        )
        .route(
            "/v1/knowledge-base/collection/{collectionName}",
            delete(knowledge_base::delete_collection),
        )
        .route("/v2/call/initiate", post(call::initiate))
        .route("/v2/call/web", post(call::web))
        .route(
            "/v1/shiprocket/ndr-webhook/{assistantId}",
            post(call::shiprocket_ndr),
        )
        .route("/v2/call/abort", post(call::abort))
        .route("/v2/call/{callId}", put(call::update_payload))
        .route("/v2/webhooks/call-events", post(call::events_webhook))
        .route(
            "/v1/admin/organization/archive",
            post(organization::archive),
        )
        .route(
            "/v1/admin/organization/unarchive",
            post(organization::unarchive),
        )
        .route("/v1/admin/voice-gallery", get(voice_gallery::list))
        .route("/v1/showcase/calls", get(showcase::calls))
        .route("/v1/showcase/calls/{call_id}", get(showcase::call))
        .route("/v1/showcase/flows", get(showcase::flows))
        .route("/v1/showcase/flows/{flow_id}", get(showcase::flow))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state, faults::middleware))
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
    )
}

/// Answers requests no route matches.
pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found("Route not found")
}

/// A JSON request body, validated against the operation's request schema from the spec.
#[derive(Debug, Clone)]
pub(crate) struct SpecJson(pub(crate) Value);

impl FromRequest<AppState> for SpecJson {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &AppState) -> Result<Self, ApiError> {
        let operation = request.extensions().get::<OperationId>().copied();
        let bytes = to_bytes(request.into_body(), JSON_BODY_LIMIT)
            .await
            .map_err(|_| {
                ApiError::new(
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "Request body is too large",
                )
            })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request(
                "Validation error: a JSON request body is required",
            ));
        }
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| {
            ApiError::bad_request(format!("Validation error: invalid JSON body ({e})"))
        })?;
        if let Some(validator) = operation.and_then(|OperationId(id)| spec::request_validator(id)) {
            spec::check(validator, &value).map_err(|errors| {
                let shown: Vec<String> = errors.into_iter().take(3).collect();
                ApiError::bad_request(format!("Validation error: {}", shown.join("; ")))
            })?;
        }
        Ok(Self(value))
    }
}

/// The string at `pointer` in a validated body.
pub(crate) fn text(body: &Value, pointer: &str) -> Option<String> {
    body.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
}
