//! Call campaigns: one call per row of a CSV file, each dialed at most once, even across crashes and workers.
//!
//! A campaign reads its rows ([`parse_csv`]), then [`Campaign::run`] claims each row in a [`Journal`] before
//! sending its `initiateCall`, and records the result after. The API defines no idempotency key for
//! `initiateCall` (see `swagger.yaml` and the upstream call docs), so the journal is the only guard against a
//! second dial: a row is never claimed twice, and a row whose outcome is unknown is listed for a person to check
//! rather than dialed again. Each call carries the campaign's id and the row's key in its metadata
//! (`campaign`, `campaignRow`), echoed on every webhook event, so such a row can be reconciled against the
//! webhooks or the dashboard.
//!
//! | state in the journal | a restart |
//! |---|---|
//! | none | dials the row |
//! | `dialing`, worker still running | leaves it to that worker |
//! | `dialing`, worker stopped ([`RowState::Abandoned`]) | reports it as unknown; dials it only with `retry_unknown` |
//! | `placed` | skips it |
//! | `failed` | skips it; dials it only with `retry_failed` |
//! | `unknown` | reports it; dials it only with `retry_unknown` |
//!
//! | journal | shared by | a claim is | "still running" means |
//! |---|---|---|---|
//! | [`FileJournal`] | one process (an exclusive lock on the file) | a JSON line, `fsync`ed before the request is sent | this process |
//! | `RedisJournal` (feature `redis`) | every worker connected to the Redis, on any machine | a Lua compare-and-set on the campaign's hash | the worker's heartbeat key exists |
//!
//! Calls start at most [`CampaignOptions::concurrency`] at a time and at most at [`CampaignOptions::rate`].
//!
//! ```no_run
//! use mirai_voice::Client;
//! use mirai_voice::campaign::{parse_csv, Campaign, CampaignId, CampaignOptions, FileJournal, StopSignal, WorkerId};
//! use mirai_voice::ids::AssistantId;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let bytes = std::fs::read("orders.csv")?;
//! let rows = parse_csv(&bytes)?;
//! let assistant = AssistantId::from("6650f0c2a1b2c3d4e5f60718");
//! let id = CampaignId::derive(&bytes, &assistant);
//! let journal = FileJournal::open("orders.csv.journal", id, WorkerId::generate())?;
//! let options = CampaignOptions::new().concurrency(8).rate("5/s".parse::<mirai_voice::campaign::Rate>()?);
//! let campaign = Campaign::new(Client::from_env()?, assistant, journal, options);
//! let report = campaign.run(&rows, &StopSignal::new(), |_row| {}).await?;
//! let summary = report.summary();
//! println!("placed {}, failed {}, unknown {}", summary.placed, summary.failed, summary.unknown);
//! for row in report.needs_check() {
//!     println!("check line {} ({}): {:?}", row.line, row.phone, row.state);
//! }
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

mod identity;
mod journal;
mod pacer;
mod report;
mod rows;
mod runner;

pub use identity::{CampaignId, InvalidCampaignName, WorkerId};
#[cfg(feature = "redis")]
pub use journal::RedisJournal;
pub use journal::{
    ClaimOutcome, FileJournal, Journal, JournalEntry, JournalError, JournalFuture, RecordOutcome,
    RowResult, RowState,
};
pub use pacer::{InvalidRate, Pacer, Rate, Schedule};
pub use report::{CampaignReport, RowReport, Summary};
pub use rows::{
    CAMPAIGN_METADATA_KEY, CampaignRow, CsvError, ID_COLUMN, METADATA_PREFIX, PAYLOAD_COLUMN,
    PAYLOAD_PREFIX, PHONE_COLUMN, ROW_METADATA_KEY, RowCall, RowError, RowKey, parse_csv,
};
pub use runner::{Campaign, CampaignOptions, StopSignal, classify};
