//! State shared by every request handler, the control API and the delivery workers.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::Value;

use crate::faults::{FaultTable, RequestRecord};
use crate::logs::{BoundedLog, LogsReport};
use crate::state::World;
use crate::webhooks::Dispatcher;

/// Everything one emulator instance holds.
pub(crate) struct Shared {
    world: Mutex<World>,
    pub(crate) dispatcher: Dispatcher,
    pub(crate) faults: Mutex<FaultTable>,
    pub(crate) requests: Mutex<BoundedLog<RequestRecord>>,
    /// Bodies accepted by `POST /v2/webhooks/call-events`.
    pub(crate) received: Mutex<BoundedLog<Value>>,
}

/// The axum state: a handle on [`Shared`].
pub(crate) type AppState = Arc<Shared>;

/// Locks a mutex, recovering the data if a panicking thread poisoned it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// A fresh, seeded instance whose deliveries run on `runtime` and whose logs keep at
    /// most `log_cap` entries each.
    pub(crate) fn new(runtime: tokio::runtime::Handle, log_cap: usize) -> Self {
        Self {
            world: Mutex::new(World::seeded()),
            dispatcher: Dispatcher::new(runtime, log_cap),
            faults: Mutex::new(FaultTable::default()),
            requests: Mutex::new(BoundedLog::new(log_cap)),
            received: Mutex::new(BoundedLog::new(log_cap)),
        }
    }

    /// The fill of every log.
    pub(crate) fn logs(&self) -> LogsReport {
        LogsReport {
            requests: lock(&self.requests).stats(),
            deliveries: self.dispatcher.log_stats(),
            received_events: lock(&self.received).stats(),
        }
    }

    /// Runs `f` on the world, then queues the webhook events it produced before unlocking, so
    /// that events are queued in the order they happened.
    pub(crate) fn with_world<R>(&self, f: impl FnOnce(&mut World) -> R) -> R {
        let mut world = lock(&self.world);
        let result = f(&mut world);
        let events = std::mem::take(&mut world.outbox);
        if !events.is_empty() {
            self.dispatcher.enqueue(events);
        }
        result
    }

    /// Restores the seeded state and forgets faults, logs and received events.
    pub(crate) fn reset(&self) {
        self.with_world(|world| *world = World::seeded());
        self.dispatcher.reset();
        *lock(&self.faults) = FaultTable::default();
        lock(&self.requests).clear();
        lock(&self.received).clear();
    }
}
