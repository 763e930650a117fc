//! Verify, parse and claim in one call, independent of any web framework.

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::HeaderMap;

use super::dedupe::{
    ClaimOutcome, ClaimToken, CommitOutcome, DEFAULT_LEASE, DEFAULT_TTL, DedupeError, DedupeKey,
    Deduper, MemoryDeduper, ReleaseOutcome,
};
use super::error::WebhookError;
use super::event::WebhookEvent;
use super::verify::{PUBLIC_KEY_HEADER, Verifier};
use crate::tracker::CallTracker;

/// A delivery that passed verification and parsing.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedEvent {
    /// The parsed event.
    pub event: WebhookEvent,
    /// The `x-public-key` header: which organization sent it.
    pub public_key: Option<String>,
    /// The key the delivery is de-duplicated under.
    pub dedupe_key: DedupeKey,
}

/// The outcome of [`WebhookReceiver::receive`].
// Returned once per delivery and matched right away, so the size of the
// `New` variant costs nothing worth a box.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Received {
    /// A delivery to handle now: handle it, then
    /// [commit](Claim::commit) the claim and answer `2xx`, or
    /// [release](Claim::release) it (or just drop it) and answer non-`2xx`.
    New(Claim),
    /// Another attempt of this delivery is being handled right now and may
    /// still fail: answer with a retry-later status (the axum integration
    /// answers `503` with `Retry-After`), never `2xx`, so that the sender
    /// tries again.
    InProgress(DedupeKey),
    /// A verified repeat of a delivery already handled successfully: answer
    /// `200` and do nothing else.
    Duplicate(DedupeKey),
}

/// A delivery claimed for handling: the event, plus a short lease on its
/// de-duplication key that this guard settles.
///
/// * [`Claim::commit`] after the delivery was handled successfully: repeats
///   are then acknowledged as duplicates for the receiver's TTL;
/// * [`Claim::release`] after handling failed: the sender's retry is then
///   processed;
/// * dropping the claim unsettled (an early `return`, `?`, a panic, a
///   cancelled future) releases it too. `Drop` cannot wait, so the release
///   runs right away when the store answers without waiting
///   ([`MemoryDeduper`]) and otherwise as a task spawned on the current tokio
///   runtime. Outside a runtime (or if the process dies first) nothing can
///   run, and the lease expiring (the receiver's lease, 60 s by default) frees
///   the key.
///
/// Without de-duplication ([`WebhookReceiver::without_dedupe`]), commit and
/// release have nothing to record and report success. Dereferences to the
/// [`VerifiedEvent`].
#[must_use = "a claim is released when dropped: commit it once the delivery is handled"]
pub struct Claim {
    event: VerifiedEvent,
    lease: Option<Lease>,
}

/// What settling a claim needs.
struct Lease {
    deduper: Arc<dyn Deduper>,
    token: ClaimToken,
    ttl: Duration,
}

impl Claim {
    /// The delivery.
    pub fn event(&self) -> &VerifiedEvent {
        &self.event
    }

    /// The de-duplication key of the delivery.
    pub fn key(&self) -> &DedupeKey {
        &self.event.dedupe_key
    }

    /// Records the delivery as handled, so that repeats are acknowledged
    /// without handling them again.
    ///
    /// When the lease ran out before the commit and another attempt claimed
    /// the key since, nothing is overwritten and the outcome says so
    /// ([`CommitOutcome::ClaimedByOther`]): that attempt's own result
    /// decides. Either way the delivery was handled, so answer `2xx`. On a
    /// store error the lease expires on its own.
    pub async fn commit(mut self) -> Result<CommitOutcome, DedupeError> {
        // The lease stays in `self` while the store works, so a commit whose
        // future is dropped half-way still releases (a no-op if the commit
        // landed, thanks to the owner token).
        let outcome = match &self.lease {
            Some(lease) => {
                lease
                    .deduper
                    .commit(&self.event.dedupe_key, &lease.token, lease.ttl)
                    .await
            }
            None => Ok(CommitOutcome::Committed),
        };
        self.lease = None;
        let key = &self.event.dedupe_key;
        match &outcome {
            Ok(CommitOutcome::Committed) => {
                tracing::debug!(%key, "webhook delivery committed");
            }
            Ok(other) => {
                tracing::warn!(%key, outcome = ?other, "webhook claim lapsed before its commit; a longer lease avoids parallel handling");
            }
            Err(error) => {
                tracing::error!(%error, %key, "could not commit a handled webhook delivery")
            }
        }
        outcome
    }

    /// Frees the claim so that a redelivery is processed: call it when
    /// handling failed. On a store error the lease expires on its own.
    pub async fn release(mut self) -> Result<ReleaseOutcome, DedupeError> {
        let outcome = match &self.lease {
            Some(lease) => {
                lease
                    .deduper
                    .release(&self.event.dedupe_key, &lease.token)
                    .await
            }
            None => Ok(ReleaseOutcome::Released),
        };
        self.lease = None;
        if let Err(error) = &outcome {
            let key = &self.event.dedupe_key;
            tracing::error!(%error, %key, "could not release a failed webhook delivery; its lease expires on its own");
        }
        outcome
    }
}

impl Deref for Claim {
    type Target = VerifiedEvent;

    fn deref(&self) -> &VerifiedEvent {
        &self.event
    }
}

impl fmt::Debug for Claim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claim")
            .field("event", &self.event)
            .field("settled", &self.lease.is_none())
            .finish()
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let Some(lease) = self.lease.take() else {
            return;
        };
        let key = self.event.dedupe_key.clone();
        let mut release = Box::pin(async move {
            match lease.deduper.release(&key, &lease.token).await {
                Ok(outcome) => {
                    tracing::debug!(%key, ?outcome, "unsettled webhook claim released on drop");
                }
                Err(error) => {
                    tracing::error!(%error, %key, "could not release a dropped webhook claim; its lease expires on its own");
                }
            }
        });
        // A store that answers without waiting is done after one poll.
        let mut context = Context::from_waker(futures::task::noop_waker_ref());
        if let Poll::Ready(()) = release.as_mut().poll(&mut context) {
            return;
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(release);
            }
            Err(_) => tracing::warn!(
                key = %self.event.dedupe_key,
                "webhook claim dropped outside a tokio runtime; its lease expires on its own"
            ),
        }
    }
}

/// Everything a webhook endpoint does before the application sees an event:
/// verify the raw body, parse it, and claim it against repeats.
///
/// Claims are kept in memory ([`MemoryDeduper::default`]) unless another
/// [`Deduper`] is set. A claim is a lease of
/// [`DEFAULT_LEASE`](super::dedupe::DEFAULT_LEASE) (60 s), committed for
/// [`DEFAULT_TTL`](super::dedupe::DEFAULT_TTL) (24 h) when handling succeeds;
/// both are configurable. Cheap to clone.
///
/// ```
/// use mirai_voice::webhook::{testing, Received, Verifier, WebhookReceiver};
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let secret = testing::test_secret();
/// let receiver = WebhookReceiver::new(Verifier::with_secret(secret.clone()));
/// let delivery = testing::EventBuilder::end_of_call().signed(testing::TEST_PUBLIC_KEY, &secret);
///
/// let Received::New(claim) = receiver.receive(&delivery.headers, &delivery.body).await.unwrap() else {
///     panic!("a first delivery is new");
/// };
/// // While it is handled, a redelivery must be retried later.
/// let again = receiver.receive(&delivery.headers, &delivery.body).await.unwrap();
/// assert!(matches!(again, Received::InProgress(_)));
///
/// println!("handling {:?}", claim.event.call_id());
/// claim.commit().await.unwrap(); // handled: repeats are now duplicates
/// let again = receiver.receive(&delivery.headers, &delivery.body).await.unwrap();
/// assert!(matches!(again, Received::Duplicate(_)));
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct WebhookReceiver {
    verifier: Verifier,
    deduper: Option<Arc<dyn Deduper>>,
    tracker: Option<CallTracker>,
    lease: Duration,
    ttl: Duration,
}

impl WebhookReceiver {
    /// A receiver that verifies with `verifier` and keeps claims in memory.
    pub fn new(verifier: Verifier) -> Self {
        WebhookReceiver {
            verifier,
            deduper: Some(Arc::new(MemoryDeduper::default())),
            tracker: None,
            lease: DEFAULT_LEASE,
            ttl: DEFAULT_TTL,
        }
    }

    /// Keeps claims in `deduper` (e.g. a shared Redis).
    pub fn with_deduper(mut self, deduper: impl Deduper + 'static) -> Self {
        self.deduper = Some(Arc::new(deduper));
        self
    }

    /// Records every claimed delivery in `tracker`, so that code waiting on
    /// a call ([`CallTracker::outcome`], [`CallTracker::watch`]) sees it.
    ///
    /// Recording is part of receiving: it happens after the claim and before
    /// the handler, and a delivery that cannot be recorded is refused
    /// ([`WebhookError::Track`], answered `503`) with its claim released, so
    /// that the sender retries it. A retried delivery recorded already is not
    /// recorded twice.
    pub fn with_tracker(mut self, tracker: CallTracker) -> Self {
        self.tracker = Some(tracker);
        self
    }

    /// The call tracker deliveries are recorded in, if any.
    pub fn tracker(&self) -> Option<&CallTracker> {
        self.tracker.as_ref()
    }

    /// Turns de-duplication off: every verified delivery is handed on.
    pub fn without_dedupe(mut self) -> Self {
        self.deduper = None;
        self
    }

    /// How long a claim holds while its delivery is handled (default 60 s).
    /// Longer than the slowest handler, or a redelivery may be handled in
    /// parallel; short enough that a crashed handler does not hold up the
    /// sender's retries for long.
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// How long a handled delivery is remembered (default 24 h).
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The verifier, e.g. for its body limit.
    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The lease of a claim.
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// How long a handled delivery is remembered.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Verifies, parses and claims one delivery, and records it in the call
    /// tracker if one is set ([`WebhookReceiver::with_tracker`]).
    ///
    /// Verification failures are logged at `warn` (as the API documentation
    /// recommends, for security monitoring) without the signature or body.
    /// Nothing is claimed for a delivery that fails verification or parsing.
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
        let lease = match &self.deduper {
            None => None,
            Some(deduper) => match deduper.claim(&dedupe_key, self.lease).await? {
                ClaimOutcome::Claimed(token) => Some(Lease {
                    deduper: deduper.clone(),
                    token,
                    ttl: self.ttl,
                }),
                ClaimOutcome::InProgress => {
                    tracing::debug!(key = %dedupe_key, "webhook delivery already in progress");
                    return Ok(Received::InProgress(dedupe_key));
                }
                ClaimOutcome::Done => {
                    tracing::debug!(key = %dedupe_key, "duplicate webhook delivery skipped");
                    return Ok(Received::Duplicate(dedupe_key));
                }
            },
        };
        let claim = Claim {
            event: VerifiedEvent {
                event,
                public_key,
                dedupe_key,
            },
            lease,
        };
        if let Some(tracker) = &self.tracker
            && let Err(error) = tracker.record(&claim.event.event).await
        {
            tracing::error!(%error, key = %claim.key(), "could not record a webhook delivery in the call tracker; refusing it so that it is retried");
            // A release error is logged by `release`; the lease expires anyway.
            let _ = claim.release().await;
            return Err(error.into());
        }
        Ok(Received::New(claim))
    }
}
