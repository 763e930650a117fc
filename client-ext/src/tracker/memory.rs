//! Call histories kept in process memory.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::sync::watch;

use super::{
    DEFAULT_MAX_EVENTS_PER_CALL, DEFAULT_RETENTION, EventStream, RecordFuture, RecordOutcome,
    TrackError, TrackerStore,
};
use crate::webhook::event::WebhookEvent;
use crate::webhook::{Clock, SystemClock};

/// Keeps each call's events in memory, for a receiver and waiters in one
/// process.
///
/// At most `capacity` calls (default 10 000) are kept, each for the retention
/// (default 24 h) after its latest event. When a new call finds the map full,
/// calls past their retention are forgotten first, then the call updated
/// longest ago; a call somebody is watching is never forgotten, and when
/// every call is watched the event is refused with [`TrackError::Full`] (the
/// receiver answers `503` and the sender retries). Size the capacity to the
/// calls placed within the retention, or a waiter that starts late may find a
/// forgotten call's history gone. Replicas behind a load balancer need a
/// shared store: `RedisTracker` (feature `redis`).
///
/// ```
/// use std::time::Duration;
/// use mirai_voice::tracker::{CallTracker, MemoryTracker};
///
/// let tracker = CallTracker::new(
///     MemoryTracker::new(50_000).with_retention(Duration::from_secs(6 * 60 * 60)),
/// );
/// # drop(tracker);
/// ```
#[derive(Clone)]
pub struct MemoryTracker {
    shared: Arc<Shared>,
}

struct Shared {
    clock: Arc<dyn Clock>,
    capacity: usize,
    retention: Duration,
    max_events: usize,
    calls: Mutex<HashMap<String, CallLog>>,
}

/// One call's history, and the signal its watchers wait on.
struct CallLog {
    events: Vec<WebhookEvent>,
    keys: HashSet<String>,
    updated: Instant,
    /// Carries the number of events; watchers wake when it changes.
    changed: watch::Sender<usize>,
}

impl CallLog {
    fn new(now: Instant) -> Self {
        CallLog {
            events: Vec::new(),
            keys: HashSet::new(),
            updated: now,
            changed: watch::Sender::new(0),
        }
    }

    fn watched(&self) -> bool {
        self.changed.receiver_count() > 0
    }

    fn expired(&self, now: Instant, retention: Duration) -> bool {
        now.saturating_duration_since(self.updated) >= retention
    }
}

impl MemoryTracker {
    /// The default number of calls kept.
    pub const DEFAULT_CAPACITY: usize = 10_000;

    /// A tracker that keeps at most `capacity` calls (at least one).
    pub fn new(capacity: usize) -> Self {
        MemoryTracker::with_clock(capacity, SystemClock)
    }

    /// Like [`MemoryTracker::new`], reading the time from `clock` (for tests
    /// of the retention).
    pub fn with_clock(capacity: usize, clock: impl Clock + 'static) -> Self {
        MemoryTracker {
            shared: Arc::new(Shared {
                clock: Arc::new(clock),
                capacity: capacity.max(1),
                retention: DEFAULT_RETENTION,
                max_events: DEFAULT_MAX_EVENTS_PER_CALL,
                calls: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// Keeps a call's events for `retention` after its latest one (default
    /// 24 h). Set it before sharing the tracker: clones made earlier keep
    /// their settings.
    pub fn with_retention(self, retention: Duration) -> Self {
        self.rebuild(|shared| shared.retention = retention)
    }

    /// Refuses events past `max_events` per call (default
    /// [`DEFAULT_MAX_EVENTS_PER_CALL`], at least one).
    pub fn with_max_events_per_call(self, max_events: usize) -> Self {
        self.rebuild(|shared| shared.max_events = max_events.max(1))
    }

    fn rebuild(self, change: impl FnOnce(&mut Shared)) -> Self {
        let mut shared = Shared {
            clock: self.shared.clock.clone(),
            capacity: self.shared.capacity,
            retention: self.shared.retention,
            max_events: self.shared.max_events,
            calls: Mutex::new(std::mem::take(&mut *self.shared.lock())),
        };
        change(&mut shared);
        MemoryTracker {
            shared: Arc::new(shared),
        }
    }

    /// How many calls are kept right now.
    pub fn len(&self) -> usize {
        self.shared.lock().len()
    }

    /// Whether no call is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Default for MemoryTracker {
    fn default() -> Self {
        MemoryTracker::new(MemoryTracker::DEFAULT_CAPACITY)
    }
}

impl fmt::Debug for MemoryTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTracker")
            .field("capacity", &self.shared.capacity)
            .field("retention", &self.shared.retention)
            .field("max_events_per_call", &self.shared.max_events)
            .field("calls", &self.len())
            .finish()
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, CallLog>> {
        // Every update leaves the map consistent, so a panic elsewhere while
        // holding the lock does not make it unusable.
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The log of `call_id`, created (making room if needed) when absent,
    /// and emptied when its retention ran out and nobody watches it.
    fn log<'m>(
        &self,
        calls: &'m mut HashMap<String, CallLog>,
        call_id: &str,
        now: Instant,
    ) -> Result<&'m mut CallLog, TrackError> {
        if !calls.contains_key(call_id) {
            self.make_room(calls, now)?;
            calls.insert(call_id.to_owned(), CallLog::new(now));
        }
        let log = calls
            .get_mut(call_id)
            .ok_or_else(|| TrackError::store("call log vanished while locked"))?;
        if log.expired(now, self.retention) && !log.watched() {
            log.events.clear();
            log.keys.clear();
            log.updated = now;
        }
        Ok(log)
    }

    /// Frees one slot when the map is full: expired calls first, then the
    /// least recently updated one; never a watched call.
    fn make_room(
        &self,
        calls: &mut HashMap<String, CallLog>,
        now: Instant,
    ) -> Result<(), TrackError> {
        if calls.len() < self.capacity {
            return Ok(());
        }
        calls.retain(|_, log| log.watched() || !log.expired(now, self.retention));
        if calls.len() < self.capacity {
            return Ok(());
        }
        let oldest = calls
            .iter()
            .filter(|(_, log)| !log.watched())
            .min_by_key(|(_, log)| log.updated)
            .map(|(id, _)| id.clone());
        match oldest {
            Some(id) => {
                tracing::warn!(call_id = %id, capacity = self.capacity, "call tracker full: forgetting the call updated longest ago");
                calls.remove(&id);
                Ok(())
            }
            None => Err(TrackError::Full {
                capacity: self.capacity,
            }),
        }
    }

    fn record(
        &self,
        call_id: &str,
        key: &str,
        event: &WebhookEvent,
    ) -> Result<RecordOutcome, TrackError> {
        let now = self.clock.now();
        let mut calls = self.lock();
        let log = self.log(&mut calls, call_id, now)?;
        if log.keys.contains(key) {
            return Ok(RecordOutcome::Duplicate);
        }
        if log.events.len() >= self.max_events {
            return Err(TrackError::CallHistoryFull {
                limit: self.max_events,
            });
        }
        log.events.push(event.clone());
        log.keys.insert(key.to_owned());
        log.updated = now;
        log.changed.send_replace(log.events.len());
        Ok(RecordOutcome::Recorded)
    }

    /// Subscribes to `call_id`'s log, creating it so that events recorded
    /// from now on reach the watcher.
    fn subscribe(&self, call_id: &str) -> Result<watch::Receiver<usize>, TrackError> {
        let now = self.clock.now();
        let mut calls = self.lock();
        let log = self.log(&mut calls, call_id, now)?;
        Ok(log.changed.subscribe())
    }

    /// The event at `index` of `call_id`'s history, if it was recorded.
    fn event_at(&self, call_id: &str, index: usize) -> Option<WebhookEvent> {
        self.lock().get(call_id)?.events.get(index).cloned()
    }
}

/// Where a watcher stands.
struct Cursor {
    shared: Arc<Shared>,
    call_id: String,
    next: usize,
    changed: watch::Receiver<usize>,
}

impl TrackerStore for MemoryTracker {
    fn record<'a>(
        &'a self,
        call_id: &'a str,
        key: &'a str,
        event: &'a WebhookEvent,
    ) -> RecordFuture<'a> {
        let result = self.shared.record(call_id, key, event);
        Box::pin(async move { result })
    }

    fn watch(&self, call_id: &str) -> EventStream {
        let changed = match self.shared.subscribe(call_id) {
            Ok(changed) => changed,
            Err(error) => return futures::stream::once(async { Err(error) }).boxed(),
        };
        let cursor = Cursor {
            shared: self.shared.clone(),
            call_id: call_id.to_owned(),
            next: 0,
            changed,
        };
        futures::stream::unfold(Some(cursor), |cursor| async move {
            let mut cursor = cursor?;
            loop {
                // The receiver was subscribed before the history was read, so
                // an event recorded in between still wakes `changed`.
                if let Some(event) = cursor.shared.event_at(&cursor.call_id, cursor.next) {
                    cursor.next += 1;
                    return Some((Ok(event), Some(cursor)));
                }
                if cursor.changed.changed().await.is_err() {
                    // Only a log nobody watches is dropped, so this is not
                    // expected; end the stream with a typed error.
                    let error = TrackError::store("the call's history was dropped while watched");
                    return Some((Err(error), None));
                }
            }
        })
        .boxed()
    }
}
