//! Project automation. `cargo xtask codegen` regenerates the raw client from `swagger.yaml`; `cargo xtask test`
//! installs what the tests need and runs everything CI checks.

pub mod bench;
pub mod changelog;
pub mod cli_commands;
pub mod codegen;
pub mod conformance;
pub mod direct_hooks;
pub mod eager_request;
pub mod extra_fields;
pub mod forward_compat;
pub mod operation_trait;
pub mod optional_setters;
pub mod owned_status;
pub mod packaging;
pub mod parsed_base_url;
#[cfg(test)]
mod pass_test_support;
pub mod preprocess;
pub mod prerequisites;
pub mod rebuildable_request;
pub mod required_constructors;
pub mod response_headers;
pub mod root;
pub mod scoped_body;
pub mod secret_fields;
pub mod secret_headers;
mod send_tokens;
pub mod single_header;
pub mod spec;
pub mod spec_diff;
pub mod spec_report;
