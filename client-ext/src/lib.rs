//! Rust SDK for the Mirai Minds Voice Agent API.

pub mod call_status;
pub mod config;
pub mod error;
pub mod executor;
pub mod knowledge_base;
pub mod operation;
pub mod retry;
pub mod secret;
pub mod webhook;

#[cfg(test)]
mod test_support;

pub use config::{ClientBuilder, ClientConfig, Environment};
pub use error::Error;

/// The result type of every fallible operation in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
