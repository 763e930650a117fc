//! Project automation. `cargo xtask codegen` regenerates the raw client from `swagger.yaml`.

pub mod codegen;
pub mod extra_fields;
pub mod forward_compat;
pub mod preprocess;
pub mod secret_headers;
pub mod spec;
