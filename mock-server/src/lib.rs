//! A stateful emulator of the Mirai Minds Voice Agent API.
//!
//! It serves every operation of the vendored `swagger.yaml` with in-memory state per
//! organization and workspace, authenticates like the service, runs calls through their
//! lifecycle on a virtual clock, POSTs signed webhooks to each call's `callbackUrl`, and lets
//! tests inject faults. Tests drive it through [`Control`] (in-process) or the same operations
//! over HTTP under `/__control`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use mirai_voice_mock::{CallStatus, MockServer};
//! use serde_json::{Value, json};
//!
//! let server = MockServer::start().await;
//! let creds = server.credentials();
//! let http = reqwest::Client::new();
//! let post = |path: &str, body: Value| {
//!     http.post(format!("{}{path}", server.base_url()))
//!         .header("x-public-key", &creds.public_key)
//!         .header("x-private-key", &creds.private_key)
//!         .header("workspace", &creds.workspace_id)
//!         .json(&body)
//!         .send()
//! };
//!
//! let created: Value = post("/v1/admin/assistant/create", json!({
//!     "name": "Support",
//!     "variant": { "type": "custom" },
//!     "agent": { "identity": { "name": "Priya" }, "systemPrompt": "Be helpful." },
//! })).await.unwrap().json().await.unwrap();
//! let assistant = created["data"]["assistantId"].as_str().unwrap();
//!
//! // Numbers ending in 0001 never pick up.
//! let call: Value = post("/v2/call/initiate", json!({
//!     "phoneNumber": "+14155550001",
//!     "assistant": assistant,
//! })).await.unwrap().json().await.unwrap();
//! let call_id = call["callId"].as_str().unwrap();
//!
//! server.control().advance(60).await;
//! let state = server.control().call(call_id).unwrap();
//! assert_eq!(state.status, Some(CallStatus::NoAnswer));
//! assert!(!state.lifecycle_ended, "a re-attempt is scheduled");
//! # }
//! ```
//!
//! Behaviour worth knowing:
//!
//! * Time stands still until the control API moves it; see [`lifecycle`] for each outcome's
//!   timeline, the retry rules and how phone numbers steer outcomes. [`ClockMode::Realtime`]
//!   (the standalone binary's default) moves it with the wall clock instead.
//! * [`MockServer::builder`] also caps the logs, loads a [`Seed`] and restores and saves a
//!   state file; `/__dashboard` shows organizations, calls and deliveries live.
//! * `GET /health`, the showcase and the Shiprocket NDR webhook need no keys; every other
//!   operation needs `x-public-key` and `x-private-key`, plus `workspace` or `organization`
//!   where the spec declares it.
//! * Request bodies are validated against the spec's schemas (formats included). Error bodies
//!   take the shape the upstream docs show for the operation: `{status_code, message}` for the
//!   voice gallery (its documented `401`) and the health check, `{success: false, code, message}`
//!   for the showcase, `{code, message}` everywhere else.
//! * Every status is one the spec declares for the operation, or one of
//!   [`conformance::GLOBAL_STATUSES`] (`401`, `403`, `413`, `415`, `429`), or a `5xx` from an
//!   injected fault. The vendor's spec itself leaves `401` undeclared on most keyed operations,
//!   `403` on most, and `413`, `415` and `429` on all; those are the only differences. To stay
//!   inside it, a missing or unknown `workspace`/`organization` header is `400`/`404` only
//!   where the operation declares that status, `403` elsewhere; archiving an unknown id is `400`;
//!   onboarding a Shopify workspace that exists is `400`. With `MIRAI_MOCK_STATUS_LOG=DIR` each
//!   instance logs every status it sends, for [`conformance::check_status_log`].
//! * JSON bodies must say `Content-Type: application/json` (or `…+json`), else `415`, unless the
//!   emulator runs with `--lenient-content-type` ([`MockServerBuilder::lenient_content_type`]);
//!   the chunk upload needs `multipart/form-data`, lenient or not. Limits, each `413` when
//!   exceeded: JSON bodies [`MAX_JSON_BODY_BYTES`], the chunk upload's text fields
//!   [`MAX_CHUNK_TEXT_FIELD_BYTES`], bodies a connection-reset fault reads
//!   [`MAX_FAULT_BUFFERED_BYTES`]; a chunk over [`MAX_CHUNK_BYTES`] is the spec's `400`.
//! * Knowledge-base files are `ready` 30 virtual seconds after completion (`failed` when the
//!   file name contains `corrupt`). A collection is in use while an assistant's
//!   `knowledgeBase.documents[].url` contains its name.
//! * Number purchases cost the setup fee plus one month (100 cents) from the organization's
//!   credit balance (1 credit = 100 cents); answered calls cost 0.5 credit per started 30 s.
//! * Names in any script work: slugs keep letters, digits and marks of every script, so tools or
//!   workspaces named only in, say, Japanese neither fail nor collide.
//! * `call.lifecycle-ended` is always a call's last event: a call past it cannot be aborted
//!   (`400 Call already completed`).
//!
//! Not emulated (accepted, stored and returned, but without effect on calls):
//! `callSettings.slots` (calls are dialled at once whatever the time of day),
//! `callSettings.concurrentCallCount` (any number of calls run at once), `priority` (calls run
//! in the order their transitions fall due) and the overdraft limit (`negativeCreditAllowance`
//! is reported, but calls are charged without limit and never refused for credit).

#![warn(missing_docs)]

mod app;
mod auth;
mod builder;
mod clock;
mod clock_driver;
pub mod conformance;
mod control;
mod dashboard;
mod error;
mod faults;
mod ids;
pub mod lifecycle;
mod logs;
mod request_log;
mod routes;
mod seed;
mod server;
pub mod spec;
mod standalone;
mod state;
mod state_file;
mod webhooks;

pub use builder::{MockServerBuilder, StartError};
pub use clock::CLOCK_START_UNIX;
pub use clock_driver::ClockMode;
pub use control::{
    AdvanceReport, CallSnapshot, ClockReading, Control, ControlError, HistoryEntry,
    NewOrganization, OrganizationInfo, OrganizationPatch,
};
pub use faults::{
    FaultBody, FaultInfo, FaultKind, FaultMatch, FaultRule, MAX_FAULT_BUFFERED_BYTES, RequestRecord,
};
pub use lifecycle::{CallStatus, Outcome};
pub use logs::{DEFAULT_LOG_CAP, LogStats, LogsReport};
pub use routes::{MAX_CHUNK_TEXT_FIELD_BYTES, MAX_JSON_BODY_BYTES};
pub use seed::{Seed, SeedError, SeedOrganization, SeedWorkspace};
pub use server::MockServer;
pub use standalone::{StandaloneOptions, shutdown_signal};
pub use state::kb::{MAX_CHUNK_BYTES, MAX_CHUNKS, MAX_FILE_BYTES};
pub use state::org::{
    Credentials, DEFAULT_ORGANIZATION_ID, DEFAULT_PRIVATE_KEY, DEFAULT_PUBLIC_KEY,
    DEFAULT_WORKSPACE_ID, Role,
};
pub use state_file::StateFileError;
pub use webhooks::{DeliveryAttempt, DeliveryRecord, DeliveryState, DuplicateRule, WebhookConfig};

/// Computes the `x-signature` the emulator sends: lowercase hex HMAC-SHA256 of `body` keyed by
/// the organization's private key.
pub fn webhook_signature(private_key: &str, body: &[u8]) -> String {
    state::call::sign(private_key, body)
}
