//! De-duplication of repeated deliveries: claim, then commit or release.
//!
//! The API may deliver an event more than once and gives it no id, so a
//! delivery is identified by its event type, its call id and the SHA-256 digest
//! of its raw body ([`DedupeKey`]). The type and call id make keys readable in
//! a shared store; the digest tells apart events that share both, such as two
//! actions raised during one call.
//!
//! A [`Deduper`] never marks a delivery as handled before it was: a key goes
//! through three states, with an owner token so that only the claimant can
//! settle its claim.
//!
//! | State of the key | [`Deduper::claim`] answers | Lives for |
//! | --- | --- | --- |
//! | absent (new, released or expired) | [`ClaimOutcome::Claimed`] with a fresh [`ClaimToken`]; the key becomes *leased* | — |
//! | *leased*: a delivery is being handled | [`ClaimOutcome::InProgress`] | the lease (default [`DEFAULT_LEASE`], 60 s) |
//! | *done*: handled successfully | [`ClaimOutcome::Done`] | the TTL (default [`DEFAULT_TTL`], 24 h) |
//!
//! The claimant then either [commits](Deduper::commit) (handling succeeded:
//! *leased* → *done* for the TTL) or [releases](Deduper::release) (handling
//! failed: *leased* → absent, so the sender's retry is processed). Both check
//! the owner token: a claimant whose lease ran out and whose key another
//! replica claimed since can neither commit nor release that other claim
//! ([`CommitOutcome::ClaimedByOther`], [`ReleaseOutcome::NotHeld`]). A
//! claimant that dies without settling (crash, killed task) leaves a lease
//! that expires on its own, after which the delivery is processed again.
//!
//! [`WebhookReceiver`](super::WebhookReceiver) drives these steps through a
//! [`Claim`](super::Claim) guard; implement [`Deduper`] only to add a store.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::event::WebhookEvent;

mod memory;
#[cfg(feature = "redis")]
mod redis;
mod table;

pub use memory::{Clock, MemoryDeduper, SystemClock};
#[cfg(feature = "redis")]
pub use redis::RedisDeduper;

/// How long a handled delivery is remembered by default: one day. The API
/// documents no retry schedule, so the window errs on the long side; a key
/// costs about a hundred bytes.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// How long a claim is held while its delivery is handled, by default: one
/// minute. A handler that dies without settling its claim (a crashed process)
/// blocks redeliveries for at most this long; a handler slower than this may
/// see a redelivery handled in parallel, so keep handlers fast (the API asks
/// receivers to answer quickly and queue the work).
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// The future returned by [`Deduper`] methods.
pub type DedupeFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, DedupeError>> + Send + 'a>>;

/// Identifies one claim of a key, so that only its claimant can commit or
/// release it. Random (128 bits), never reused.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClaimToken(String);

impl ClaimToken {
    /// A fresh random token.
    pub fn random() -> Self {
        ClaimToken(format!("{:032x}", rand::random::<u128>()))
    }

    /// The token as text (32 lowercase hex digits).
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClaimToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The answer of [`Deduper::claim`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// The key was free and is now leased to the caller: handle the delivery,
    /// then commit or release with this token.
    Claimed(ClaimToken),
    /// Another claim of the key is being handled (its lease runs): ask the
    /// sender to retry later, as that handling may still fail.
    InProgress,
    /// The delivery was handled successfully within the TTL: acknowledge it
    /// without handling it again.
    Done,
}

/// The answer of [`Deduper::commit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitOutcome {
    /// The key is now *done* for the TTL. Also the answer when the caller's
    /// lease had run out but nobody claimed the key since.
    Committed,
    /// The caller's lease ran out and another claim holds the key now; it was
    /// left alone, and that claimant settles it.
    ClaimedByOther,
    /// The caller's lease ran out and another claim of the same delivery
    /// committed already: the delivery was handled twice.
    AlreadyDone,
}

/// The answer of [`Deduper::release`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReleaseOutcome {
    /// The caller's claim was removed: a redelivery will be processed.
    Released,
    /// The key was not leased with this token (its lease ran out, or another
    /// claim holds or committed it): nothing was changed.
    NotHeld,
}

/// A store of delivery claims (see the [module documentation](self) for the
/// states and transitions).
///
/// Implementations must make each method atomic across every receiver that
/// shares the store: of several concurrent claims of a free key exactly one
/// sees [`ClaimOutcome::Claimed`], and commit and release change the key only
/// when it is leased with the given token.
pub trait Deduper: fmt::Debug + Send + Sync {
    /// Leases `key` for `lease` if it is free, or says why not.
    fn claim<'a>(&'a self, key: &'a DedupeKey, lease: Duration) -> DedupeFuture<'a, ClaimOutcome>;

    /// Marks `key` as handled for `ttl` if the caller's claim (`token`) still
    /// holds it or nobody does.
    fn commit<'a>(
        &'a self,
        key: &'a DedupeKey,
        token: &'a ClaimToken,
        ttl: Duration,
    ) -> DedupeFuture<'a, CommitOutcome>;

    /// Frees `key` if the caller's claim (`token`) still holds it, so that a
    /// redelivery is processed again.
    fn release<'a>(
        &'a self,
        key: &'a DedupeKey,
        token: &'a ClaimToken,
    ) -> DedupeFuture<'a, ReleaseOutcome>;
}

impl<D: Deduper + ?Sized> Deduper for std::sync::Arc<D> {
    fn claim<'a>(&'a self, key: &'a DedupeKey, lease: Duration) -> DedupeFuture<'a, ClaimOutcome> {
        (**self).claim(key, lease)
    }

    fn commit<'a>(
        &'a self,
        key: &'a DedupeKey,
        token: &'a ClaimToken,
        ttl: Duration,
    ) -> DedupeFuture<'a, CommitOutcome> {
        (**self).commit(key, token, ttl)
    }

    fn release<'a>(
        &'a self,
        key: &'a DedupeKey,
        token: &'a ClaimToken,
    ) -> DedupeFuture<'a, ReleaseOutcome> {
        (**self).release(key, token)
    }
}

/// The de-duplication store failed (e.g. Redis is unreachable, or the
/// in-memory table is full of deliveries in progress).
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
