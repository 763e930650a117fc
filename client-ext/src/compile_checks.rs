//! Mistakes the types turn into compile errors, checked by rustdoc: each `compile_fail` block must fail with
//! the error code it names, and the block before it, the same code done right, must compile.
//!
//! # An id of one kind where another belongs
//!
//! ```
//! # async fn right(client: mirai_voice::Client, call: mirai_voice::ids::CallId) {
//! let _ = client.calls().abort(call).await;
//! # }
//! ```
//!
//! ```compile_fail,E0277
//! # async fn wrong(client: mirai_voice::Client, assistant: mirai_voice::ids::AssistantId) {
//! let _ = client.calls().abort(assistant).await;
//! # }
//! ```
//!
//! ```compile_fail,E0277
//! # async fn wrong(client: mirai_voice::Client, tool: mirai_voice::ids::ToolId) {
//! let _ = client.assistants().get(tool).await;
//! # }
//! ```
//!
//! # `InitiateCall::new(phone, assistant)` with the arguments swapped
//!
//! ```
//! use mirai_voice::{PhoneNumber, api::InitiateCall, ids::AssistantId};
//! let to: PhoneNumber = "+15550100".parse().unwrap();
//! let assistant = AssistantId::from("6650f0c2a1b2c3d4e5f60718");
//! let _ = InitiateCall::new(to, assistant);
//! ```
//!
//! ```compile_fail,E0308
//! use mirai_voice::{PhoneNumber, api::InitiateCall, ids::AssistantId};
//! let to: PhoneNumber = "+15550100".parse().unwrap();
//! let assistant = AssistantId::from("6650f0c2a1b2c3d4e5f60718");
//! let _ = InitiateCall::new(assistant, to);
//! ```
//!
//! A phone number is never a bare string: it is checked when parsed.
//!
//! ```compile_fail,E0308
//! use mirai_voice::api::InitiateCall;
//! let _ = InitiateCall::new("+15550100", "6650f0c2a1b2c3d4e5f60718");
//! ```
//!
//! # A missing required field
//!
//! ```compile_fail,E0061
//! use mirai_voice::{api::InitiateCall, ids::AssistantId};
//! let _ = InitiateCall::new(AssistantId::from("6650f0c2a1b2c3d4e5f60718"));
//! ```
//!
//! ```
//! use mirai_voice::api::payload::{Customer, NdrFollowup};
//! let _ = NdrFollowup::new("190123456789", "customer_unavailable", Customer::new("John"));
//! ```
//!
//! ```compile_fail,E0061
//! use mirai_voice::api::payload::NdrFollowup;
//! let _ = NdrFollowup::new("190123456789", "customer_unavailable");
//! ```
