// The page is generated from `swagger.yaml` by `tests/error_catalogue.rs`; edit the generator, not the page.
#![doc = include_str!("catalogue.md")]
