//! `mirai calls …`: call workflows built on several operations (the single call operations are the generated
//! subcommands, e.g. `mirai initiate-call`).
//!
//! This group is where campaign commands live: add a variant to [`CallsCommand`] and its arm to [`run`].

use clap::Subcommand;

use crate::failure::Failure;
use crate::global::GlobalArgs;

/// The subcommands of `mirai calls`.
#[derive(Debug, Subcommand)]
pub enum CallsCommand {}

/// Runs a `mirai calls` subcommand.
pub async fn run(command: CallsCommand, _global: &GlobalArgs) -> Result<(), Failure> {
    match command {}
}
