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

pub use knowledge_base::MAX_CHUNK_TEXT_FIELD_BYTES;

use axum::Router;
use axum::body::to_bytes;
use std::sync::atomic::Ordering;

use axum::extract::{DefaultBodyLimit, FromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware;
use axum::routing::{delete, get, post, put};
use serde_json::Value;

use crate::app::AppState;
use crate::error::ApiError;
use crate::faults::{self, OperationId};
use crate::spec;

/// Largest JSON body accepted; larger ones get `413`.
pub const MAX_JSON_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Whether a `Content-Type` names JSON (`application/json` or a `+json` type), parameters
/// aside.
fn is_json_media_type(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

/// `415` unless the request says its body is JSON or the emulator was started lenient.
pub(crate) fn require_json_content_type(
    headers: &HeaderMap,
    state: &AppState,
) -> Result<(), ApiError> {
    if state.lenient_content_type.load(Ordering::Relaxed) {
        return Ok(());
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    match content_type {
        Some(ct) if is_json_media_type(ct) => Ok(()),
        Some(ct) => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Unsupported content type {ct}: send application/json"),
        )),
        None => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Missing content type: send application/json",
        )),
    }
}

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
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method not allowed")
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

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let operation = request.extensions().get::<OperationId>().copied();
        let (parts, body) = request.into_parts();
        let bytes = to_bytes(body, MAX_JSON_BODY_BYTES).await.map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("Request body is over the {MAX_JSON_BODY_BYTES}-byte limit"),
            )
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request(
                "Validation error: a JSON request body is required",
            ));
        }
        require_json_content_type(&parts.headers, state)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_media_types() {
        for ok in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/merge-patch+json",
        ] {
            assert!(is_json_media_type(ok), "{ok}");
        }
        for refused in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "",
            "json",
        ] {
            assert!(!is_json_media_type(refused), "{refused}");
        }
    }
}
