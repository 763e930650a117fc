//! Receiving webhooks in an [axum](https://docs.rs/axum) application
//! (feature `axum`).
//!
//! Two pieces that work together, as with `tower-sessions` or `axum-login`:
//!
//! * the [`middleware`] verifies, parses and claims each delivery before the
//!   handler runs, and settles the claim from what the handler did: a `2xx`
//!   response commits it, any other response, a panic or a cancelled handler
//!   (e.g. by a timeout layer) releases it, so the sender's retry is
//!   processed;
//! * the [`Webhook`] extractor hands the handler the verified event. It only
//!   reads what the middleware left: without the middleware it answers `500`
//!   and logs an error, and nothing is claimed (an extractor cannot see the
//!   handler's response, so it could not tell success from failure).
//!
//! | Delivery | Answer |
//! | --- | --- |
//! | bad, missing or unknown signature / public key | `401` |
//! | body over the limit | `413` |
//! | verified, but not an event | `400` |
//! | new | the handler's response; `2xx` commits, anything else releases |
//! | another attempt of it is being handled | `503` with `Retry-After`, handler not called |
//! | handled successfully before (within the TTL) | `200`, handler not called |
//! | de-duplication store down | `503` |
//! | call tracker ([`WebhookReceiver::with_tracker`](super::WebhookReceiver::with_tracker)) could not record it | `503`, claim released, handler not called |
//! | [`Webhook`] used without the middleware | `500`, nothing claimed |
//!
//! ```no_run
//! use axum::{http::StatusCode, middleware::from_fn_with_state, routing::post, Router};
//! use mirai_voice::webhook::axum::{middleware, Webhook};
//! use mirai_voice::webhook::{Event, Verifier, WebhookReceiver};
//!
//! async fn call_events(Webhook(delivery): Webhook) -> StatusCode {
//!     if let Event::Action(action) = &delivery.event.event {
//!         println!("action {} for call {:?}", action.action.name(), delivery.event.call_id());
//!     }
//!     // `2xx`: handled, repeats are acknowledged without calling this again.
//!     // Anything else (or a panic): the sender's retry calls this again.
//!     StatusCode::OK
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let receiver = WebhookReceiver::new(Verifier::with_secret(std::env::var("MIRAI_PRIVATE_KEY")?));
//! let app = Router::new()
//!     .route("/webhooks/call-events", post(call_events))
//!     .route_layer(from_fn_with_state(receiver, middleware));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```

use std::panic::AssertUnwindSafe;
use std::pin::Pin;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::FutureExt;

use super::error::WebhookError;
use super::receiver::{Received, VerifiedEvent, WebhookReceiver};
use super::verify::VerifyError;

/// The `Retry-After` (seconds) sent with a redelivery that arrives while
/// another attempt of it is being handled. Short: that attempt usually ends
/// within seconds, and either outcome is then final for the retry (a `200`
/// duplicate, or a fresh claim).
pub const IN_PROGRESS_RETRY_AFTER_SECS: u32 = 5;

/// The verified, parsed delivery the [`middleware`] claimed for this handler.
///
/// Only valid behind the [`middleware`], which settles the claim from the
/// handler's response (see the [module documentation](self)); used without
/// it, extraction fails with [`WebhookRejection::MiddlewareMissing`] (`500`).
/// `Extension<VerifiedEvent>` reads the same value.
#[derive(Debug, Clone)]
pub struct Webhook(pub VerifiedEvent);

/// Why a delivery did not reach the handler; its response is what the
/// sender gets.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// A verified repeat of a delivery already handled: answered with `200`.
    Duplicate,
    /// A verified repeat of a delivery whose handling is still under way:
    /// answered with `503 Service Unavailable` and `Retry-After`
    /// ([`IN_PROGRESS_RETRY_AFTER_SECS`]).
    ///
    /// Not `2xx`: the ongoing attempt may still fail, and only a sender that
    /// retries can then get the delivery handled. `503` rather than `409`
    /// because webhook senders commonly treat `4xx` as final and give up,
    /// while `503` (with `Retry-After`) means "try again later" to all of
    /// them.
    InProgress,
    /// The delivery was refused (see [`WebhookError::http_status`]).
    Refused(WebhookError),
    /// The request body could not be read.
    BodyUnreadable,
    /// [`Webhook`] was extracted on a route without the [`middleware`]:
    /// answered with `500` (the sender retries) and logged as an error.
    MiddlewareMissing,
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        match self {
            WebhookRejection::Duplicate => {
                (StatusCode::OK, "duplicate delivery ignored").into_response()
            }
            WebhookRejection::InProgress => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(
                    header::RETRY_AFTER,
                    HeaderValue::from(IN_PROGRESS_RETRY_AFTER_SECS),
                )],
                "delivery in progress, retry later",
            )
                .into_response(),
            WebhookRejection::Refused(error) => {
                let status = StatusCode::from_u16(error.http_status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                // The sender learns the category only; details go to the log.
                let message = match &error {
                    WebhookError::Verify(VerifyError::BodyTooLarge { .. }) => "payload too large",
                    WebhookError::Verify(_) => "invalid signature",
                    WebhookError::Parse(_) => "invalid event payload",
                    WebhookError::Dedupe(_) | WebhookError::Track(_) => "temporarily unavailable",
                };
                (status, message).into_response()
            }
            WebhookRejection::BodyUnreadable => {
                (StatusCode::BAD_REQUEST, "unreadable body").into_response()
            }
            WebhookRejection::MiddlewareMissing => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "webhook receiver misconfigured",
            )
                .into_response(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Webhook {
    type Rejection = WebhookRejection;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        match parts.extensions.get::<VerifiedEvent>() {
            Some(verified) => Ok(Webhook(verified.clone())),
            None => {
                tracing::error!(
                    path = %parts.uri.path(),
                    "the Webhook extractor needs mirai_voice::webhook::axum::middleware on its \
                     route (e.g. .route_layer(from_fn_with_state(receiver, middleware)))"
                );
                Err(WebhookRejection::MiddlewareMissing)
            }
        }
    }
}

/// Middleware that verifies, parses and claims each delivery, runs the
/// handler, and settles the claim from the outcome (see the
/// [module documentation](self) for every answer):
///
/// * a `2xx` response commits the claim, so repeats get `200` without the
///   handler;
/// * any other response releases it, so the sender's retry is handled;
/// * a panic releases it before the panic continues (to axum, or to a
///   `CatchPanic` layer outside);
/// * a handler future dropped before it finished (a timeout layer, a server
///   shutting down) releases it through [`Claim`](super::Claim)'s `Drop`.
///
/// The handler reads the event with the [`Webhook`] extractor (or
/// `Extension<VerifiedEvent>`); the request body it sees is empty. Put it on
/// the webhook routes with `route_layer`, so other routes are left alone.
///
/// ```no_run
/// use axum::{middleware::from_fn_with_state, routing::post, Router};
/// use mirai_voice::webhook::{axum::{middleware, Webhook}, Verifier, WebhookReceiver};
///
/// async fn call_events(Webhook(delivery): Webhook) -> axum::http::StatusCode {
///     // A 5xx here makes the sender retry, and the retry is processed again.
///     axum::http::StatusCode::OK
/// }
///
/// # fn app(receiver: WebhookReceiver) -> Router {
/// Router::new()
///     .route("/webhooks/call-events", post(call_events))
///     .route_layer(from_fn_with_state(receiver, middleware))
/// # }
/// ```
pub async fn middleware(
    State(receiver): State<WebhookReceiver>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let claim = match receive(&receiver, &parts.headers, body).await {
        Ok(Received::New(claim)) => claim,
        Ok(Received::Duplicate(_)) => return WebhookRejection::Duplicate.into_response(),
        Ok(Received::InProgress(_)) => return WebhookRejection::InProgress.into_response(),
        Err(rejection) => return rejection.into_response(),
    };
    let mut request = Request::from_parts(parts, Body::empty());
    request.extensions_mut().insert(claim.event().clone());
    // Unwinding does not cross an await, so the panic is caught here and the
    // release awaited before the panic continues.
    match AssertUnwindSafe(next.run(request)).catch_unwind().await {
        Ok(response) if response.status().is_success() => {
            // A store error is logged by `commit`; the delivery was handled,
            // so the sender still gets the handler's success.
            let _ = claim.commit().await;
            response
        }
        Ok(response) => {
            let _ = claim.release().await;
            response
        }
        Err(panic) => {
            let _ = claim.release().await;
            std::panic::resume_unwind(panic)
        }
    }
}

async fn receive(
    receiver: &WebhookReceiver,
    headers: &HeaderMap,
    body: Body,
) -> Result<Received, WebhookRejection> {
    let limit = receiver.verifier().body_limit();
    let body = read_limited(headers, body, limit).await?;
    receiver
        .receive(headers, &body)
        .await
        .map_err(WebhookRejection::Refused)
}

/// Reads the body, stopping as soon as it exceeds `limit` so an oversized
/// request is never buffered whole.
async fn read_limited(
    headers: &HeaderMap,
    mut body: Body,
    limit: usize,
) -> Result<Bytes, WebhookRejection> {
    let too_large =
        || WebhookRejection::Refused(WebhookError::Verify(VerifyError::BodyTooLarge { limit }));
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(too_large());
    }
    let mut buffer = Vec::with_capacity(declared.map_or(0, |len| len as usize));
    while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|_| WebhookRejection::BodyUnreadable)?;
        if let Ok(data) = frame.into_data() {
            if buffer.len() + data.len() > limit {
                return Err(too_large());
            }
            buffer.extend_from_slice(&data);
        }
    }
    Ok(Bytes::from(buffer))
}
