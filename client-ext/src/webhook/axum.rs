//! Receiving webhooks in an [axum](https://docs.rs/axum) application
//! (feature `axum`).
//!
//! Two ways in, with the same answers to the sender:
//!
//! * the [`Webhook`] extractor: the handler receives a verified, parsed,
//!   first-seen event, and is not called otherwise;
//! * the [`middleware`] function: the same checks in front of any handler,
//!   plus automatic [`release`](super::WebhookReceiver::release) of the
//!   delivery when the handler answers with a non-2xx status, so that the
//!   sender's retry is processed instead of skipped as a duplicate.
//!
//! | Delivery | Answer |
//! | --- | --- |
//! | bad, missing or unknown signature / public key | `401` |
//! | body over the limit | `413` |
//! | verified, but not an event | `400` |
//! | verified duplicate | `200`, handler not called |
//! | de-duplication store down | `503` |
//!
//! ```no_run
//! use axum::{routing::post, Router};
//! use mirai_voice::webhook::{axum::Webhook, Event, Verifier, WebhookReceiver};
//!
//! async fn call_events(Webhook(delivery): Webhook) -> &'static str {
//!     if let Event::Action(action) = &delivery.event.event {
//!         println!("action {} for call {:?}", action.action.name(), delivery.event.call_id());
//!     }
//!     "ok"
//! }
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let receiver = WebhookReceiver::new(Verifier::with_secret(std::env::var("MIRAI_PRIVATE_KEY")?));
//! let app = Router::new()
//!     .route("/webhooks/call-events", post(call_events))
//!     .with_state(receiver);
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await?;
//! axum::serve(listener, app).await?;
//! # Ok(())
//! # }
//! ```

use std::pin::Pin;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{FromRef, FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::WebhookError;
use super::receiver::{Received, VerifiedEvent, WebhookReceiver};
use super::verify::VerifyError;

/// Extracts a verified, parsed, first-seen delivery.
///
/// Needs a [`WebhookReceiver`] in the router state (directly or through
/// [`FromRef`]). When the [`middleware`] already ran for the request, the
/// extractor takes its result instead of reading the body again.
#[derive(Debug, Clone)]
pub struct Webhook(pub VerifiedEvent);

/// Why [`Webhook`] did not hand a delivery to the handler; its response is
/// what the sender gets.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// A verified repeat of a delivery already handled: answered with `200`.
    Duplicate,
    /// The delivery was refused (see [`WebhookError::http_status`]).
    Refused(WebhookError),
    /// The request body could not be read.
    BodyUnreadable,
}

impl IntoResponse for WebhookRejection {
    fn into_response(self) -> Response {
        match self {
            WebhookRejection::Duplicate => {
                (StatusCode::OK, "duplicate delivery ignored").into_response()
            }
            WebhookRejection::Refused(error) => {
                let status = StatusCode::from_u16(error.http_status())
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                // The sender learns the category only; details go to the log.
                let message = match &error {
                    WebhookError::Verify(VerifyError::BodyTooLarge { .. }) => "payload too large",
                    WebhookError::Verify(_) => "invalid signature",
                    WebhookError::Parse(_) => "invalid event payload",
                    WebhookError::Dedupe(_) => "temporarily unavailable",
                };
                (status, message).into_response()
            }
            WebhookRejection::BodyUnreadable => {
                (StatusCode::BAD_REQUEST, "unreadable body").into_response()
            }
        }
    }
}

impl<S> FromRequest<S> for Webhook
where
    WebhookReceiver: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = WebhookRejection;

    async fn from_request(mut request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if let Some(verified) = request.extensions_mut().remove::<VerifiedEvent>() {
            return Ok(Webhook(verified));
        }
        let receiver = WebhookReceiver::from_ref(state);
        match receive(&receiver, request).await? {
            Received::New(verified) => Ok(Webhook(verified)),
            Received::Duplicate(_) => Err(WebhookRejection::Duplicate),
        }
    }
}

/// Middleware that verifies, parses and de-duplicates before the handler
/// runs, and releases the delivery when the handler answers with a non-2xx
/// status.
///
/// The handler reads the event with the [`Webhook`] extractor (or
/// `Extension<VerifiedEvent>`); the request body it sees is empty.
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
///     .route_layer(from_fn_with_state(receiver.clone(), middleware))
///     .with_state(receiver)
/// # }
/// ```
pub async fn middleware(
    State(receiver): State<WebhookReceiver>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    let verified = match receive(&receiver, Request::from_parts(parts.clone(), body)).await {
        Ok(Received::New(verified)) => verified,
        Ok(Received::Duplicate(_)) => return WebhookRejection::Duplicate.into_response(),
        Err(rejection) => return rejection.into_response(),
    };
    let key = verified.dedupe_key.clone();
    let mut request = Request::from_parts(parts, Body::empty());
    request.extensions_mut().insert(verified);
    let response = next.run(request).await;
    if !response.status().is_success()
        && let Err(error) = receiver.release(&key).await
    {
        tracing::error!(%error, key = %key, "could not release a failed webhook delivery");
    }
    response
}

async fn receive(
    receiver: &WebhookReceiver,
    request: Request,
) -> Result<Received, WebhookRejection> {
    let limit = receiver.verifier().body_limit();
    let (parts, body) = request.into_parts();
    let body = read_limited(&parts.headers, body, limit).await?;
    receiver
        .receive(&parts.headers, &body)
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
