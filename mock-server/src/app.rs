//! State shared by every request handler, the control API and the delivery workers.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError};

use serde_json::Value;

use crate::conformance::StatusLog;
use crate::faults::{FaultTable, RequestRecord};
use crate::logs::{BoundedLog, LogsReport};
use crate::seed::{Seed, SeedError};
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
    /// Applied on top of the built-in data at start and on every reset.
    seed: Option<Seed>,
    /// Where `POST /__control/state/save` and periodic saves write, when configured.
    pub(crate) state_file: OnceLock<PathBuf>,
    /// Whether JSON operations accept bodies of any content type (else `415`).
    pub(crate) lenient_content_type: AtomicBool,
    /// Where each response's status is appended when the status log is on.
    pub(crate) status_log: Option<StatusLog>,
}

/// The built-in data with `seed` applied on top.
pub(crate) fn seeded_world(seed: Option<&Seed>) -> Result<World, SeedError> {
    let mut world = World::seeded();
    if let Some(seed) = seed {
        world.apply_seed(seed)?;
    }
    Ok(world)
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
    ///
    /// `seed` must have been applied to a fresh world once already ([`seeded_world`]), so
    /// that applying it again cannot fail.
    pub(crate) fn new(runtime: tokio::runtime::Handle, log_cap: usize, seed: Option<Seed>) -> Self {
        Self {
            world: Mutex::new(seeded_world(seed.as_ref()).unwrap_or_else(|_| World::seeded())),
            dispatcher: Dispatcher::new(runtime, log_cap),
            faults: Mutex::new(FaultTable::default()),
            requests: Mutex::new(BoundedLog::new(log_cap)),
            received: Mutex::new(BoundedLog::new(log_cap)),
            seed,
            state_file: OnceLock::new(),
            lenient_content_type: AtomicBool::new(false),
            status_log: StatusLog::from_env(),
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
        let fresh = seeded_world(self.seed.as_ref()).unwrap_or_else(|_| World::seeded());
        self.with_world(|world| *world = fresh);
        self.dispatcher.reset();
        *lock(&self.faults) = FaultTable::default();
        lock(&self.requests).clear();
        lock(&self.received).clear();
    }
}
