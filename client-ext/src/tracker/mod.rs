//! Await a call's outcome: a call tracker fed by the verified, de-duplicated
//! webhook events.
//!
//! The API has no route to read a call: whether it was answered, its status
//! after re-attempts and its end-of-call analysis only arrive by webhook, on
//! whichever receiver replica the load balancer picked. A [`CallTracker`]
//! keeps each call's events and lets the code that placed the call wait for
//! them:
//!
//! * [`CallTracker::outcome`] returns the [`CallOutcome`] once
//!   `call.lifecycle-ended` arrived (every attempt, the final status after
//!   re-attempts, the end-of-call analysis), or after a timeout an
//!   [`OutcomeError::TimedOut`] that carries what was seen so far;
//! * [`CallTracker::watch`] streams a call's events: those already recorded
//!   first, then the new ones as they arrive;
//! * [`WebhookReceiver::with_tracker`](crate::webhook::WebhookReceiver::with_tracker)
//!   records every delivery it claims, so an app only adds the tracker.
//!
//! Events are recorded per call, in arrival order, each delivery once: the
//! receiver records after the de-duplication claim and before the handler
//! runs, and a delivery that cannot be recorded is refused (`503`) so that
//! the sender retries it; a retried delivery that was recorded already is not
//! recorded twice. An event recorded before anybody waits is still seen by a
//! later waiter (history is kept for a retention period, 24 h by default).
//!
//! | Store | Shared by | History | Live events |
//! | --- | --- | --- | --- |
//! | [`MemoryTracker`] ([`CallTracker::memory`]) | one process | bounded map of calls, retention from a call's last event | wake-ups in process |
//! | `RedisTracker` (`CallTracker::redis`, feature `redis`) | every replica using the Redis | one stream per call (`XADD`), expiring after the retention | `XREAD BLOCK` |
//!
//! ```
//! use std::time::Duration;
//! use mirai_voice::call_status::CallStatus;
//! use mirai_voice::tracker::CallTracker;
//! use mirai_voice::webhook::{testing::EventBuilder, CallEventType};
//! # tokio::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
//! let tracker = CallTracker::memory();
//! // What the webhook receiver records as the call progresses:
//! for kind in [CallEventType::Initiate, CallEventType::InProgress, CallEventType::EndOfCall,
//!              CallEventType::LifecycleEnded] {
//!     tracker.record(&EventBuilder::call(kind).call_id("call_1").build()).await?;
//! }
//! // The code that placed the call:
//! let outcome = tracker.outcome("call_1", Duration::from_secs(600)).await?;
//! assert_eq!(outcome.final_status, Some(CallStatus::Completed));
//! assert_eq!(outcome.analysis.and_then(|a| a.success), Some(true));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
#![warn(missing_docs)]

mod call_tracker;
mod memory;
mod outcome;
#[cfg(feature = "redis")]
mod redis;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures::stream::BoxStream;

use crate::webhook::event::WebhookEvent;

pub use call_tracker::{CallTracker, OutcomeError};
pub use memory::MemoryTracker;
pub use outcome::{Attempt, CallOutcome};
#[cfg(feature = "redis")]
pub use redis::RedisTracker;

/// How long a call's events are kept after its latest one by default: one
/// day, like handled deliveries in the de-duplication store.
pub const DEFAULT_RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// The most events kept for one call by default. A call produces a few
/// dozen at most (about six per attempt); a call that reaches the cap is
/// refused further events with [`TrackError::CallHistoryFull`] rather than
/// losing old ones.
pub const DEFAULT_MAX_EVENTS_PER_CALL: usize = 1_000;

/// The future returned by [`TrackerStore::record`].
pub type RecordFuture<'a> =
    Pin<Box<dyn Future<Output = Result<RecordOutcome, TrackError>> + Send + 'a>>;

/// A call's events, as [`TrackerStore::watch`] and [`CallTracker::watch`]
/// stream them: recorded ones first, then live ones. It never ends on its
/// own; an error ends it.
pub type EventStream = BoxStream<'static, Result<WebhookEvent, TrackError>>;

/// What [`CallTracker::record`] did with an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordOutcome {
    /// Added to the call's history; waiters see it.
    Recorded,
    /// The same event was recorded already (a redelivery): left out.
    Duplicate,
    /// The event names no call (an event type this SDK does not know, without
    /// `data.call.id`): nothing to track.
    NoCall,
}

/// Where a tracker keeps each call's events (see the [module
/// documentation](self) for the stores this crate has).
///
/// Implementations must record atomically across everyone sharing the store:
/// an event is appended to its call's history at most once per `key`, in
/// the order the records happened, and every watcher of the call sees it.
pub trait TrackerStore: fmt::Debug + Send + Sync {
    /// Appends `event` to the history of `call_id`, unless an event with the
    /// same `key` is there already.
    fn record<'a>(
        &'a self,
        call_id: &'a str,
        key: &'a str,
        event: &'a WebhookEvent,
    ) -> RecordFuture<'a>;

    /// The events of `call_id`: its history first, then each new one as it
    /// is recorded.
    fn watch(&self, call_id: &str) -> EventStream;
}

impl<T: TrackerStore + ?Sized> TrackerStore for std::sync::Arc<T> {
    fn record<'a>(
        &'a self,
        call_id: &'a str,
        key: &'a str,
        event: &'a WebhookEvent,
    ) -> RecordFuture<'a> {
        (**self).record(call_id, key, event)
    }

    fn watch(&self, call_id: &str) -> EventStream {
        (**self).watch(call_id)
    }
}

/// The tracker's store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TrackError {
    /// The store could not be reached or answered with an error (e.g. Redis
    /// is down).
    #[error("call tracker store failed: {source}")]
    Store {
        /// What the store said.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The call already has the most events a call may keep: the event was
    /// not recorded.
    #[error("call tracker refused an event: the call already has {limit} events")]
    CallHistoryFull {
        /// The cap per call.
        limit: usize,
    },
    /// The in-memory tracker is full of calls that are being watched: the
    /// event was not recorded.
    #[error("call tracker is full: {capacity} calls, all being watched")]
    Full {
        /// The most calls the tracker keeps.
        capacity: usize,
    },
    /// A stored event could not be read back (the store holds something this
    /// SDK did not write).
    #[error("call tracker holds an unreadable event: {reason}")]
    Unreadable {
        /// What was wrong, without the stored value.
        reason: String,
    },
}

impl TrackError {
    /// Wraps a backend error. Make sure its `Display` holds no credentials
    /// (e.g. a Redis URL with a password).
    pub fn store(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        TrackError::Store {
            source: source.into(),
        }
    }
}
