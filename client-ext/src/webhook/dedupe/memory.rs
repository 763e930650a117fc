//! In-process, bounded de-duplication.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::table::ClaimTable;
use super::{
    ClaimOutcome, ClaimToken, CommitOutcome, DedupeError, DedupeFuture, DedupeKey, Deduper,
    ReleaseOutcome,
};

/// A source of the current time, injectable so tests can move it by hand
/// (see [`testing::ManualClock`](crate::webhook::testing::ManualClock)).
pub trait Clock: fmt::Debug + Send + Sync {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The system's monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// Keeps claims in memory: at most `capacity` keys, leases and committed
/// deliveries together.
///
/// When full, the committed key closest to expiry is forgotten first, so a
/// repeat of a delivery older than the last `capacity` deliveries may be
/// handled again. A delivery in progress is never forgotten: a claim that
/// finds every slot leased fails with a [`DedupeError`] (the receiver answers
/// `503` and the sender retries). It serves one process; replicas behind a
/// load balancer need a shared store such as `RedisDeduper` (feature `redis`).
/// Every operation completes without waiting, which also lets a dropped
/// [`Claim`](crate::webhook::Claim) release itself on the spot.
///
/// ```
/// use std::time::Duration;
/// use mirai_voice::webhook::{ClaimOutcome, DedupeKey, Deduper, MemoryDeduper};
/// # tokio_test_block_on(async {
/// let dedupe = MemoryDeduper::new(1_000);
/// let key = DedupeKey::new("call.completed", Some("call_1"), b"{}");
/// let lease = Duration::from_secs(60);
/// let ClaimOutcome::Claimed(token) = dedupe.claim(&key, lease).await.unwrap() else { panic!() };
/// assert_eq!(dedupe.claim(&key, lease).await.unwrap(), ClaimOutcome::InProgress);
/// dedupe.commit(&key, &token, Duration::from_secs(3600)).await.unwrap();
/// assert_eq!(dedupe.claim(&key, lease).await.unwrap(), ClaimOutcome::Done);
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
pub struct MemoryDeduper {
    clock: Arc<dyn Clock>,
    table: Mutex<ClaimTable>,
}

impl MemoryDeduper {
    /// Default number of keys kept.
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// Keeps at most `capacity` keys (at least one).
    pub fn new(capacity: usize) -> Self {
        MemoryDeduper {
            clock: Arc::new(SystemClock),
            table: Mutex::new(ClaimTable::new(capacity)),
        }
    }

    /// Uses `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Number of keys currently kept, leased or committed (expired ones may
    /// linger until the next operation).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no key is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClaimTable> {
        // Every table operation leaves it consistent before anything can
        // panic, so a poisoned lock is used as is.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for MemoryDeduper {
    /// [`MemoryDeduper::DEFAULT_CAPACITY`] keys.
    fn default() -> Self {
        MemoryDeduper::new(Self::DEFAULT_CAPACITY)
    }
}

impl fmt::Debug for MemoryDeduper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let table = self.lock();
        f.debug_struct("MemoryDeduper")
            .field("capacity", &table.capacity())
            .field("len", &table.len())
            .finish()
    }
}

// The work happens when the method is called, not when the future is first
// polled: the returned futures are always ready.
impl Deduper for MemoryDeduper {
    fn claim<'a>(&'a self, key: &'a DedupeKey, lease: Duration) -> DedupeFuture<'a, ClaimOutcome> {
        let now = self.clock.now();
        let outcome = self
            .lock()
            .claim(key, ClaimToken::random(), now, lease)
            .map_err(DedupeError::new);
        Box::pin(async move { outcome })
    }

    fn commit<'a>(
        &'a self,
        key: &'a DedupeKey,
        token: &'a ClaimToken,
        ttl: Duration,
    ) -> DedupeFuture<'a, CommitOutcome> {
        let now = self.clock.now();
        let outcome = self.lock().commit(key, token, now, ttl);
        Box::pin(async move { Ok(outcome) })
    }

    fn release<'a>(
        &'a self,
        key: &'a DedupeKey,
        token: &'a ClaimToken,
    ) -> DedupeFuture<'a, ReleaseOutcome> {
        let now = self.clock.now();
        let outcome = self.lock().release(key, token, now);
        Box::pin(async move { Ok(outcome) })
    }
}
