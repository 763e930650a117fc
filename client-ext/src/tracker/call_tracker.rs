//! The waiting API: record events, watch a call, await its outcome.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;

use super::memory::MemoryTracker;
use super::outcome::CallOutcome;
use super::{EventStream, RecordOutcome, TrackError, TrackerStore};
use crate::ids::CallId;
use crate::webhook::dedupe::DedupeKey;
use crate::webhook::event::WebhookEvent;

/// Keeps each call's webhook events so that the code which placed a call can
/// await its outcome or stream its events, whichever replica received them.
///
/// Cheap to clone: clones share the store. Feed it by giving it to the
/// webhook receiver ([`WebhookReceiver::with_tracker`](crate::webhook::WebhookReceiver::with_tracker)),
/// or call [`CallTracker::record`] yourself. Calls are named by their
/// [`CallId`] (`&placed.call_id` of an initiated call, or a `&str` read
/// elsewhere).
///
/// ```no_run
/// use std::time::Duration;
/// use mirai_voice::api::InitiateCall;
/// use mirai_voice::tracker::{CallTracker, OutcomeError};
/// use mirai_voice::webhook::{Verifier, WebhookReceiver};
///
/// # async fn run(client: mirai_voice::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let tracker = CallTracker::memory();
/// // The receiver behind your callback URL records every verified delivery.
/// let receiver = WebhookReceiver::new(Verifier::with_secret(std::env::var("MIRAI_PRIVATE_KEY")?))
///     .with_tracker(tracker.clone());
/// # drop(receiver);
///
/// let call = InitiateCall::new("+14155550100".parse()?, "6650f0c2a1b2c3d4e5f60718")
///     .callback_url("https://example.com/webhooks/call-events");
/// let placed = client.calls().initiate(call).await?;
/// match tracker.outcome(&placed.call_id, Duration::from_secs(3600)).await {
///     Ok(outcome) => println!(
///         "{} after {} attempt(s): {:?}",
///         outcome.final_status.map(|s| s.to_string()).unwrap_or_default(),
///         outcome.attempts.len(),
///         outcome.analysis.and_then(|a| a.summary),
///     ),
///     Err(OutcomeError::TimedOut { partial, .. }) => {
///         println!("still going: {:?}", partial.status())
///     }
///     Err(other) => return Err(other.into()),
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct CallTracker {
    store: Arc<dyn TrackerStore>,
}

impl CallTracker {
    /// A tracker over `store`.
    pub fn new(store: impl TrackerStore + 'static) -> Self {
        CallTracker {
            store: Arc::new(store),
        }
    }

    /// A tracker for one process: [`MemoryTracker::default`].
    pub fn memory() -> Self {
        CallTracker::new(MemoryTracker::default())
    }

    /// A tracker shared by every replica connected to the Redis at `url`
    /// (`redis://host:port/db`): [`RedisTracker::connect`](super::RedisTracker::connect).
    #[cfg(feature = "redis")]
    pub async fn redis(url: &str) -> Result<Self, TrackError> {
        Ok(CallTracker::new(super::RedisTracker::connect(url).await?))
    }

    /// The store.
    pub fn store(&self) -> &dyn TrackerStore {
        &*self.store
    }

    /// Records one verified event in its call's history. Recording the same
    /// event again (a redelivery) is a [`RecordOutcome::Duplicate`]; an
    /// event that names no call is not kept ([`RecordOutcome::NoCall`]).
    ///
    /// Events are told apart by their content (type, call id and the digest
    /// of their JSON), like deliveries in the de-duplication store.
    pub async fn record(&self, event: &WebhookEvent) -> Result<RecordOutcome, TrackError> {
        let Some(call_id) = event.call_id() else {
            return Ok(RecordOutcome::NoCall);
        };
        let key = DedupeKey::for_event(event, &event.to_vec());
        self.store.record(call_id, key.as_str(), event).await
    }

    /// The events of `call_id` as they come: those recorded already first,
    /// then each new one. The stream never ends on its own (a late
    /// `call.aborted` may follow `call.lifecycle-ended`); stop reading when
    /// you have what you need. A store error ends it with that error.
    ///
    /// ```
    /// use futures::StreamExt;
    /// use mirai_voice::tracker::CallTracker;
    /// use mirai_voice::webhook::{testing::EventBuilder, CallEventType};
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let tracker = CallTracker::memory();
    /// let mut events = tracker.watch("call_1");
    /// tracker.record(&EventBuilder::call(CallEventType::Initiate).call_id("call_1").build()).await?;
    /// let first = events.next().await.expect("the stream does not end")?;
    /// assert_eq!(first.event_type(), "call.initiate");
    /// # Ok::<(), mirai_voice::tracker::TrackError>(())
    /// # }).unwrap();
    /// ```
    pub fn watch(&self, call_id: impl Into<CallId>) -> EventStream {
        self.store.watch(call_id.into().as_str())
    }

    /// Waits until `call.lifecycle-ended` of `call_id` was recorded, at most
    /// `timeout`, and returns the [`CallOutcome`] of every event recorded for
    /// the call: each attempt, the final status after re-attempts, the
    /// end-of-call analysis.
    ///
    /// Events recorded before the call returns count too, so it does not
    /// matter whether the wait starts before or after they arrive. The
    /// timeout needs a tokio runtime with time enabled.
    ///
    /// # Errors
    ///
    /// [`OutcomeError::TimedOut`] when the lifecycle did not end within
    /// `timeout`, [`OutcomeError::Store`] when the store failed; both carry
    /// the partial outcome folded so far.
    pub async fn outcome(
        &self,
        call_id: impl Into<CallId>,
        timeout: Duration,
    ) -> Result<CallOutcome, OutcomeError> {
        let call_id = call_id.into();
        let deadline = tokio::time::Instant::now() + timeout;
        let mut events = self.store.watch(call_id.as_str());
        let mut outcome = CallOutcome::new(call_id);
        loop {
            let next = match tokio::time::timeout_at(deadline, events.next()).await {
                Ok(next) => next,
                Err(_) => {
                    return Err(OutcomeError::TimedOut {
                        partial: Box::new(outcome),
                        waited: timeout,
                    });
                }
            };
            match next {
                Some(Ok(event)) => {
                    outcome.apply(&event);
                    if outcome.is_final() {
                        return Ok(outcome);
                    }
                }
                Some(Err(source)) => {
                    return Err(OutcomeError::Store {
                        source,
                        partial: Box::new(outcome),
                    });
                }
                None => {
                    return Err(OutcomeError::Store {
                        source: TrackError::store("the call's event stream ended"),
                        partial: Box::new(outcome),
                    });
                }
            }
        }
    }
}

/// Why [`CallTracker::outcome`] returned without a final outcome. Both
/// variants carry what was seen so far.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OutcomeError {
    /// The lifecycle did not end within the timeout. The call may still end
    /// later: wait again, or read `partial` for where it stands.
    #[error(
        "call {} did not end within {waited:?} ({} event(s) seen)",
        partial.call_id,
        partial.events_seen
    )]
    TimedOut {
        /// The outcome folded from the events seen so far (not final).
        partial: Box<CallOutcome>,
        /// How long the wait lasted.
        waited: Duration,
    },
    /// The tracker's store failed while waiting.
    #[error("could not follow call {}: {source}", partial.call_id)]
    Store {
        /// What failed.
        #[source]
        source: TrackError,
        /// The outcome folded from the events seen before the failure.
        partial: Box<CallOutcome>,
    },
}

impl OutcomeError {
    /// What was seen before the wait ended.
    pub fn partial(&self) -> &CallOutcome {
        match self {
            OutcomeError::TimedOut { partial, .. } | OutcomeError::Store { partial, .. } => partial,
        }
    }
}
