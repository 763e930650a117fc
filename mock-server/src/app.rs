//! State shared by every request handler, the control API and the delivery workers.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::Value;

use crate::conformance::StatusLog;
use crate::faults::{FaultTable, RequestRecord};
use crate::state::World;
use crate::webhooks::Dispatcher;

/// Everything one emulator instance holds.
pub(crate) struct Shared {
    world: Mutex<World>,
    pub(crate) dispatcher: Dispatcher,
    pub(crate) faults: Mutex<FaultTable>,
    pub(crate) requests: Mutex<Vec<RequestRecord>>,
    /// Bodies accepted by `POST /v2/webhooks/call-events`.
    pub(crate) received: Mutex<Vec<Value>>,
    /// Whether JSON operations accept bodies of any content type (else `415`).
    pub(crate) lenient_content_type: AtomicBool,
    /// Where each response's status is appended when the status log is on.
    pub(crate) status_log: Option<StatusLog>,
}

/// The axum state: a handle on [`Shared`].
pub(crate) type AppState = Arc<Shared>;

/// Locks a mutex, recovering the data if a panicking thread poisoned it.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    /// A fresh, seeded instance whose deliveries run on `runtime`.
    pub(crate) fn new(runtime: tokio::runtime::Handle) -> Self {
        Self {
            world: Mutex::new(World::seeded()),
            dispatcher: Dispatcher::new(runtime),
            faults: Mutex::new(FaultTable::default()),
            requests: Mutex::new(Vec::new()),
            received: Mutex::new(Vec::new()),
            lenient_content_type: AtomicBool::new(false),
            status_log: StatusLog::from_env(),
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
