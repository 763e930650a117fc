//! Verify, parse and de-duplicate webhook deliveries.
//!
//! The API POSTs every call event to the `callbackUrl` given when the call was
//! initiated. Each delivery carries two headers:
//!
//! * `x-signature`: the lowercase hex HMAC-SHA256 of the **raw request body**,
//!   keyed with the organization's private key (`sk_…`);
//! * `x-public-key`: the organization's public key (`pk_…`), which names the
//!   secret to verify with.
//!
//! There is no timestamp, no replay window and no event id, and deliveries can
//! repeat, so a receiver verifies the raw bytes first, parses second and
//! de-duplicates third. [`WebhookReceiver`] does all three; the pieces are
//! available on their own:
//!
//! * [`Verifier`] checks the signature in constant time against a
//!   [`KeyStore`] ([`SingleSecret`] or [`StaticKeyStore`]) and enforces a body
//!   size limit;
//! * [`WebhookEvent`] is the typed envelope: call events, action events and an
//!   `Unknown` passthrough for types this SDK does not know yet;
//! * a [`Deduper`] keeps delivery claims: a claim is a short processing lease
//!   (60 s by default), *committed* for a long TTL (24 h by default) once the
//!   handler succeeded, *released* when it failed, panicked or was dropped, so
//!   no delivery is marked handled before it was. A redelivery that finds a
//!   claim in progress is told to retry later, one that finds a committed
//!   claim is acknowledged without handling. [`MemoryDeduper`] (bounded, the
//!   default) or `RedisDeduper` (feature `redis`) for receivers that run as
//!   several replicas; see [`dedupe`] for the states;
//! * [`WebhookReceiver::receive`] returns a [`Claim`] guard to commit or
//!   release (dropping it releases);
//! * [`WebhookReceiver::with_tracker`] records every claimed delivery in a
//!   [`CallTracker`](crate::tracker::CallTracker), where the code that placed
//!   a call awaits its outcome (see [`tracker`](crate::tracker));
//! * the `axum` module (feature `axum`) provides a middleware that settles the
//!   claim from the handler's response status, and an extractor for the event;
//! * [`testing`] signs bodies and builds realistic events, for unit tests of
//!   your handlers.
//!
//! ```
//! use mirai_voice::webhook::{testing, Event, Verifier, WebhookSecret};
//!
//! let secret = WebhookSecret::new("sk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
//! let verifier = Verifier::with_secret(secret.clone());
//!
//! // What the API would send:
//! let delivery = testing::EventBuilder::end_of_call().signed(testing::TEST_PUBLIC_KEY, &secret);
//!
//! let event = verifier.verify_and_parse(&delivery.headers, &delivery.body)?;
//! match &event.event {
//!     Event::Call(call) => println!("{} for call {:?}", call.kind, event.call_id()),
//!     Event::Action(action) => println!("action {}", action.action.name()),
//!     other => println!("not handled: {}", other.event_type()),
//! }
//! # Ok::<(), mirai_voice::webhook::WebhookError>(())
//! ```
#![warn(missing_docs)]

#[cfg(feature = "axum")]
pub mod axum;
pub mod dedupe;
mod error;
pub mod event;
pub mod keys;
mod receiver;
pub mod testing;
pub mod verify;

pub use crate::call_status::CallStatus;
#[cfg(feature = "redis")]
pub use dedupe::RedisDeduper;
pub use dedupe::{
    ClaimOutcome, ClaimToken, Clock, CommitOutcome, DedupeError, DedupeKey, Deduper, MemoryDeduper,
    ReleaseOutcome, SystemClock,
};
pub use error::WebhookError;
pub use event::{
    Action, ActionCall, ActionEvent, ActionReason, Analysis, CallEvent, CallEventData,
    CallEventType, CallInfo, CreateOrderData, Credits, Discount, Event, ParseError, Report,
    SendWhatsapp, ShippingAddress, UnknownEvent, WebhookEvent,
};
pub use keys::{KeyLookupError, KeyStore, SingleSecret, StaticKeyStore, WebhookSecret};
pub use receiver::{Claim, Received, VerifiedEvent, WebhookReceiver};
pub use verify::{
    DEFAULT_MAX_BODY_BYTES, PUBLIC_KEY_HEADER, SIGNATURE_HEADER, SignatureFormatError, Verifier,
    VerifyError, verify_signature,
};
