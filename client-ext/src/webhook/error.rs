//! The error of the combined verify, parse and de-duplicate steps.

use super::dedupe::DedupeError;
use super::event::ParseError;
use super::verify::VerifyError;
use crate::tracker::TrackError;

/// Why a delivery was not accepted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// The signature check failed, or the body is too large.
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// The signature is valid but the body is not a webhook event.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The de-duplication store could not be reached.
    #[error(transparent)]
    Dedupe(#[from] DedupeError),
    /// The call tracker could not record the delivery
    /// ([`WebhookReceiver::with_tracker`](super::WebhookReceiver::with_tracker)).
    #[error(transparent)]
    Track(#[from] TrackError),
}

impl WebhookError {
    /// The HTTP status a receiver should answer with:
    ///
    /// * `413` for a body over the limit;
    /// * `401` for any other verification failure, as the API documentation
    ///   asks;
    /// * `400` for a verified body that is not an event, matching the
    ///   documented `400 Invalid event payload`;
    /// * `503` when the de-duplication store is down, so the delivery is retried
    ///   later instead of being processed twice or lost, and when the call
    ///   tracker could not record it, so that no waiter misses it.
    pub fn http_status(&self) -> u16 {
        match self {
            WebhookError::Verify(VerifyError::BodyTooLarge { .. }) => 413,
            WebhookError::Verify(_) => 401,
            WebhookError::Parse(_) => 400,
            WebhookError::Dedupe(_) | WebhookError::Track(_) => 503,
        }
    }
}
