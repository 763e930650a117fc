//! Rust SDK for the Mirai Minds Voice Agent API.
//!
//! # Quick start
//!
//! Set `MIRAI_PUBLIC_KEY`, `MIRAI_PRIVATE_KEY` and `MIRAI_WORKSPACE` (see [`config`] for every variable), then:
//!
//! ```no_run
//! use mirai_voice::api::{AbortOutcome, CallPayload, InitiateCall};
//! use mirai_voice::{Client, PhoneNumber};
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::from_env()?;
//!
//! let to: PhoneNumber = "+15550100".parse()?;
//! let call = client
//!     .calls()
//!     .initiate(
//!         InitiateCall::new(to, "6650f0c2a1b2c3d4e5f60718")
//!             .payload(CallPayload::custom_entries([("orderId", "8842")]))
//!             .metadata_entry("internalOrderId", "8842"),
//!     )
//!     .await?;
//! println!("queued call {}", call.call_id);
//!
//! match client.calls().abort(&call.call_id).await? {
//!     AbortOutcome::Aborted { .. } => println!("aborted"),
//!     AbortOutcome::NotAbortable { state, .. } => println!("too late, the call is {state:?}"),
//!     AbortOutcome::NotFound { .. } => println!("no such call"),
//!     _ => {}
//! }
//! # Ok(())
//! # }
//! ```
//!
//! Every operation returns [`Error`]: match [`Error::Api`] for the API's answers (with
//! [`ErrorKind`](error::ErrorKind), `code` and `message`), and treat [`Error::OutcomeUnknown`] as "check before
//! trying again": operations with side effects (placing a call, purchasing a number, ...) are never repeated
//! after an ambiguous failure. The operations are grouped by area in [`api`]; any other generated operation is
//! built with [`Client::raw`] and sent with [`Client::send`], through the same credentials check, retries and
//! errors.
//!
//! # Conventions
//!
//! - **Ids** are typed per resource ([`ids`]), and phone numbers are checked E.164 ([`PhoneNumber`]).
//! - **Requests** are built with constructors that take the required fields (a missing one does not compile)
//!   and `impl Into` setters; see [`api`] for the request types and the call payload enum.
//! - **Results**: a method returns the resource (the `data` of the API's envelope); a resource with an id comes
//!   as [`api::Resource`], whose `id` is typed and never optional. Details in [`api`].
//! - **Outcomes**: a call's result arrives only by webhook; [`tracker::CallTracker`] lets the code that placed
//!   the call await it.
//!
//! # Features
//!
//! | feature | adds |
//! |---|---|
//! | `axum` | the webhook middleware and extractor ([`webhook::axum`]) |
//! | `redis` | Redis-backed webhook de-duplication and a Redis-backed call tracker, shared by several replicas |
//! | `campaign` | call campaigns from CSV with a journal that never dials a row twice ([`campaign`]); with `redis`, a journal shared by several workers |
//!
//! Without features the crate needs only tokio's `rt`, `time`, `fs`, `io-util` and `sync`.

pub mod api;
pub mod call_status;
#[cfg(feature = "campaign")]
pub mod campaign;
mod client;
pub mod config;
pub mod error;
pub mod executor;
pub mod knowledge_base;
pub mod operation;
pub mod phone;
pub mod redact;
pub mod retry;
pub mod secret;
pub mod tracker;
pub mod webhook;

#[cfg(test)]
mod test_support;

/// Compile-fail checks: swapped ids, swapped arguments and missing required fields do not compile.
#[cfg(doctest)]
pub mod compile_checks;

/// The workspace README's Rust examples, compiled as doctests so they cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

pub use call_status::CallStatus;
pub use client::Client;
pub use config::{ClientBuilder, ClientConfig, Environment};
pub use error::Error;
/// One id type per resource the API names (`AssistantId`, `CallId`, `WorkspaceId`, ...): responses return them and
/// methods take them, so an id of one kind cannot be passed for another. Generated from the spec's id parameters
/// and fields.
pub use mirai_voice_generated::ids;
/// The request and response types of the API, generated from `swagger.yaml`.
pub use mirai_voice_generated::types;
pub use phone::PhoneNumber;

/// The generated client underneath ([`Client::raw`]): its operation builders (bring them into scope with
/// `use mirai_voice::generated::prelude::*`), the [`Operation`](generated::Operation) trait they implement, which
/// [`Client::send`] takes, and `ResponseValue`.
pub use mirai_voice_generated as generated;

/// The result type of every fallible operation in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
