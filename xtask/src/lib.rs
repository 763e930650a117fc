//! Project automation. `cargo xtask codegen` regenerates the raw client from `swagger.yaml`.

pub mod codegen;
pub mod forward_compat;
pub mod preprocess;
pub mod spec;
