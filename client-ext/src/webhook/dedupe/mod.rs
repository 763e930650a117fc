//! De-duplication of repeated deliveries.
//!
//! The API may deliver an event more than once and gives it no id, so a
//! delivery is identified by its event type, its call id and the SHA-256 digest
//! of its raw body ([`DedupeKey`]). The type and call id make keys readable in
//! a shared store; the digest tells apart events that share both, such as two
//! actions raised during one call. A [`Deduper`] remembers keys for a time to
//! live (TTL) and answers, atomically, whether a key is new.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::event::WebhookEvent;

mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use memory::{Clock, MemoryDeduper, SystemClock};
#[cfg(feature = "redis")]
pub use redis::RedisDeduper;

/// How long a delivery is remembered by default: one day. The API documents no
/// retry schedule, so the window errs on the long side; a key costs about a
/// hundred bytes.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// The future returned by [`Deduper`] methods.
pub type DedupeFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, DedupeError>> + Send + 'a>>;

/// Whether a delivery was seen before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The first delivery of this key within the TTL: process it.
    First,
    /// A repeat of a delivery still remembered: acknowledge and skip it.
    Duplicate,
}

/// A store that remembers deliveries.
///
/// Implementations must make [`Deduper::claim`] atomic: of several concurrent
/// claims of one key (across every receiver sharing the store), exactly one
/// sees [`Delivery::First`].
pub trait Deduper: fmt::Debug + Send + Sync {
    /// Records `key` and says whether it was new.
    fn claim<'a>(&'a self, key: &'a DedupeKey) -> DedupeFuture<'a, Delivery>;

    /// Forgets `key`, so that a redelivery is processed again. Call it when
    /// handling a claimed delivery failed.
    fn release<'a>(&'a self, key: &'a DedupeKey) -> DedupeFuture<'a, ()>;
}

impl<D: Deduper + ?Sized> Deduper for std::sync::Arc<D> {
    fn claim<'a>(&'a self, key: &'a DedupeKey) -> DedupeFuture<'a, Delivery> {
        (**self).claim(key)
    }

    fn release<'a>(&'a self, key: &'a DedupeKey) -> DedupeFuture<'a, ()> {
        (**self).release(key)
    }
}

/// The de-duplication store failed (e.g. Redis is unreachable).
#[derive(Debug, thiserror::Error)]
#[error("webhook de-duplication store failed: {source}")]
pub struct DedupeError {
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl DedupeError {
    /// Wraps a backend error. Make sure its `Display` holds no credentials
    /// (e.g. a Redis URL with a password).
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        DedupeError {
            source: source.into(),
        }
    }
}

/// Identifies a delivery: `"<event type>:<call id or ->:<sha-256 of the body, hex>"`.
///
/// ```
/// use mirai_voice::webhook::DedupeKey;
///
/// let key = DedupeKey::new("call.completed", Some("call_1"), b"{}");
/// assert_eq!(
///     key.as_str(),
///     "call.completed:call_1:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DedupeKey(String);

impl DedupeKey {
    /// Longest event type or call id kept in a key, so that a key stays small
    /// whatever the body says; the digest still covers the whole body.
    const MAX_PART_CHARS: usize = 128;

    /// The key of a delivery of `event_type` about `call_id` with raw body
    /// `body`.
    pub fn new(event_type: &str, call_id: Option<&str>, body: &[u8]) -> Self {
        let digest = Sha256::digest(body);
        let part = |s: &str| s.chars().take(Self::MAX_PART_CHARS).collect::<String>();
        DedupeKey(format!(
            "{}:{}:{}",
            part(event_type),
            call_id.map_or_else(|| "-".to_owned(), part),
            hex::encode(digest)
        ))
    }

    /// The key of a parsed delivery and its raw body.
    pub fn for_event(event: &WebhookEvent, body: &[u8]) -> Self {
        DedupeKey::new(event.event_type(), event.call_id(), body)
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DedupeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
