//! Verify, parse and de-duplicate in one call, independent of any web
//! framework.

use std::sync::Arc;

use http::HeaderMap;

use super::dedupe::{DedupeError, DedupeKey, Deduper, Delivery, MemoryDeduper};
use super::error::WebhookError;
use super::event::WebhookEvent;
use super::verify::{PUBLIC_KEY_HEADER, Verifier};

/// A delivery that passed verification, parsing and de-duplication.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedEvent {
    /// The parsed event.
    pub event: WebhookEvent,
    /// The `x-public-key` header: which organization sent it.
    pub public_key: Option<String>,
    /// The key the delivery was claimed under; pass it to
    /// [`WebhookReceiver::release`] if handling fails.
    pub dedupe_key: DedupeKey,
}

/// The outcome of [`WebhookReceiver::receive`].
// Returned once per delivery and matched right away, so the size of the
// `New` variant costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Received {
    /// A new delivery: handle it, then answer `200`.
    New(VerifiedEvent),
    /// A verified repeat of a delivery already claimed: answer `200` and do
    /// nothing else.
    Duplicate(DedupeKey),
}

/// Everything a webhook endpoint does before the application sees an event:
/// verify the raw body, parse it, and drop duplicates.
///
/// Deliveries are de-duplicated in memory ([`MemoryDeduper::default`]) unless
/// another [`Deduper`] is set. Cheap to clone.
///
/// ```
/// use mirai_voice::webhook::{testing, Received, Verifier, WebhookReceiver};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let secret = testing::test_secret();
/// let receiver = WebhookReceiver::new(Verifier::with_secret(secret.clone()));
/// let delivery = testing::EventBuilder::end_of_call().signed(testing::TEST_PUBLIC_KEY, &secret);
///
/// let first = receiver.receive(&delivery.headers, &delivery.body).await.unwrap();
/// assert!(matches!(first, Received::New(_)));
/// let again = receiver.receive(&delivery.headers, &delivery.body).await.unwrap();
/// assert!(matches!(again, Received::Duplicate(_)));
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct WebhookReceiver {
    verifier: Verifier,
    deduper: Option<Arc<dyn Deduper>>,
}

impl WebhookReceiver {
    /// A receiver that verifies with `verifier` and de-duplicates in memory.
    pub fn new(verifier: Verifier) -> Self {
        WebhookReceiver {
            verifier,
            deduper: Some(Arc::new(MemoryDeduper::default())),
        }
    }

    /// De-duplicates with `deduper` (e.g. a shared Redis).
    pub fn with_deduper(mut self, deduper: impl Deduper + 'static) -> Self {
        self.deduper = Some(Arc::new(deduper));
        self
    }

    /// Turns de-duplication off: every verified delivery is handed on.
    pub fn without_dedupe(mut self) -> Self {
        self.deduper = None;
        self
    }

    /// The verifier, e.g. for its body limit.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// Verifies, parses and de-duplicates one delivery.
    ///
    /// Verification failures are logged at `warn` (as the API documentation
    /// recommends, for security monitoring) without the signature or body.
    pub async fn receive(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Received, WebhookError> {
        let public_key = headers
            .get(PUBLIC_KEY_HEADER)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        if let Err(error) = self.verifier.verify(headers, body) {
            tracing::warn!(%error, public_key = public_key.as_deref(), "webhook delivery rejected");
            return Err(error.into());
        }
        let event = WebhookEvent::from_slice(body).inspect_err(|error| {
            // Position only: the message may quote customer data from the body.
            tracing::warn!(
                line = error.line(),
                column = error.column(),
                "verified webhook delivery is not a valid event"
            );
        })?;
        let dedupe_key = DedupeKey::for_event(&event, body);
        if let Some(deduper) = &self.deduper
            && deduper.claim(&dedupe_key).await? == Delivery::Duplicate
        {
            tracing::debug!(key = %dedupe_key, "duplicate webhook delivery skipped");
            return Ok(Received::Duplicate(dedupe_key));
        }
        Ok(Received::New(VerifiedEvent {
            event,
            public_key,
            dedupe_key,
        }))
    }

    /// Forgets a claimed delivery so its redelivery is processed: call it when
    /// handling failed. Does nothing when de-duplication is off.
    pub async fn release(&self, key: &DedupeKey) -> Result<(), DedupeError> {
        match &self.deduper {
            Some(deduper) => deduper.release(key).await,
            None => Ok(()),
        }
    }
}
