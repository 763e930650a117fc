//! Rust SDK for the Mirai Minds Voice Agent API.
