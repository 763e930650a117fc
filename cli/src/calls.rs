//! `mirai calls …`: call workflows built on several operations (the single call operations are the generated
//! subcommands, e.g. `mirai initiate-call`).
//!
//! This group is where campaign commands live: add a variant to [`CallsCommand`] and its arm to [`run`].

mod bulk;

use clap::Subcommand;

pub use bulk::BulkArgs;

use crate::failure::Failure;
use crate::global::GlobalArgs;

/// The subcommands of `mirai calls`.
#[derive(Debug, Subcommand)]
pub enum CallsCommand {
    /// One call per row of a CSV file, with a progress bar, a rate limit and a journal that never dials a row
    /// twice across restarts (Ctrl-C, kill -9, crash) and workers.
    Bulk(BulkArgs),
}

/// Runs a `mirai calls` subcommand.
pub async fn run(command: CallsCommand, global: &GlobalArgs) -> Result<(), Failure> {
    match command {
        CallsCommand::Bulk(args) => bulk::run(args, global).await,
    }
}
