//! In-process, bounded de-duplication.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::{DEFAULT_TTL, DedupeFuture, DedupeKey, Deduper, Delivery};

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

/// Remembers deliveries in memory: at most `capacity` keys, each for `ttl`.
///
/// When full, the oldest key is forgotten first, so a repeat of a delivery
/// older than the last `capacity` deliveries may pass. It serves one process;
/// replicas behind a load balancer need a shared store such as `RedisDeduper`
/// (feature `redis`).
///
/// ```
/// use mirai_voice::webhook::{DedupeKey, Deduper, Delivery, MemoryDeduper};
/// # tokio_test_block_on(async {
/// let dedupe = MemoryDeduper::new(1_000, std::time::Duration::from_secs(3600));
/// let key = DedupeKey::new("call.completed", Some("call_1"), b"{}");
/// assert_eq!(dedupe.claim(&key).await.unwrap(), Delivery::First);
/// assert_eq!(dedupe.claim(&key).await.unwrap(), Delivery::Duplicate);
/// # });
/// # fn tokio_test_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
/// # }
/// ```
pub struct MemoryDeduper {
    capacity: usize,
    ttl: Duration,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

/// Keys with their expiry, plus the order they were claimed in. The TTL is the
/// same for every key, so claim order is also expiry order, and both eviction
/// and expiry pop from the front of `order`.
#[derive(Default)]
struct State {
    expiry: HashMap<DedupeKey, Instant>,
    order: VecDeque<(DedupeKey, Instant)>,
}

impl State {
    /// Drops `order`'s front entry, and the key too unless it was claimed
    /// again after that entry (then `expiry` holds a later instant).
    fn pop_front(&mut self) {
        if let Some((key, expires)) = self.order.pop_front()
            && self.expiry.get(&key) == Some(&expires)
        {
            self.expiry.remove(&key);
        }
    }

    fn purge_expired(&mut self, now: Instant) {
        while self
            .order
            .front()
            .is_some_and(|(_, expires)| *expires <= now)
        {
            self.pop_front();
        }
    }

    fn claim(&mut self, key: &DedupeKey, now: Instant, ttl: Duration, capacity: usize) -> Delivery {
        self.purge_expired(now);
        if self.expiry.contains_key(key) {
            return Delivery::Duplicate;
        }
        let expires = now + ttl;
        self.expiry.insert(key.clone(), expires);
        self.order.push_back((key.clone(), expires));
        while self.expiry.len() > capacity {
            self.pop_front();
        }
        // Released keys leave stale entries in `order`; keep it proportional
        // to the live keys.
        if self.order.len() > capacity.saturating_mul(2).max(16) {
            let expiry = &self.expiry;
            self.order
                .retain(|(key, expires)| expiry.get(key) == Some(expires));
        }
        Delivery::First
    }
}

impl MemoryDeduper {
    /// Default number of keys kept.
    pub const DEFAULT_CAPACITY: usize = 100_000;

    /// Remembers at most `capacity` keys (at least one), each for `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        MemoryDeduper {
            capacity: capacity.max(1),
            ttl,
            clock: Arc::new(SystemClock),
            state: Mutex::new(State::default()),
        }
    }

    /// Uses `clock` instead of the system clock.
    pub fn with_clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Number of keys currently remembered (expired ones may linger until the
    /// next claim).
    pub fn len(&self) -> usize {
        self.lock().expiry.len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked mid-update
        // (at worst a key is forgotten early), so a poisoned lock is used as is.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn claim_now(&self, key: &DedupeKey) -> Delivery {
        let now = self.clock.now();
        self.lock().claim(key, now, self.ttl, self.capacity)
    }
}

impl Default for MemoryDeduper {
    /// [`MemoryDeduper::DEFAULT_CAPACITY`] keys for
    /// [`DEFAULT_TTL`](super::DEFAULT_TTL).
    fn default() -> Self {
        MemoryDeduper::new(Self::DEFAULT_CAPACITY, DEFAULT_TTL)
    }
}

impl fmt::Debug for MemoryDeduper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryDeduper")
            .field("capacity", &self.capacity)
            .field("ttl", &self.ttl)
            .field("len", &self.len())
            .finish()
    }
}

impl Deduper for MemoryDeduper {
    fn claim<'a>(&'a self, key: &'a DedupeKey) -> DedupeFuture<'a, Delivery> {
        let delivery = self.claim_now(key);
        Box::pin(async move { Ok(delivery) })
    }

    fn release<'a>(&'a self, key: &'a DedupeKey) -> DedupeFuture<'a, ()> {
        self.lock().expiry.remove(key);
        Box::pin(async { Ok(()) })
    }
}
