//! The journal: the record of which rows were dialed, written before each call is sent.
//!
//! The API takes no idempotency key for `initiateCall`, so the journal is the only guard against dialing a row
//! twice. A row is *claimed* (written durably as `dialing`, with the worker's id) before its request is sent,
//! and its result is recorded after; a worker only records over its own claim. What a restart does with each
//! state:
//!
//! | state in the journal | meaning | a restart |
//! |---|---|---|
//! | none | never claimed | dials it |
//! | [`Dialing`](RowState::Dialing) | claimed by a worker that is still running | leaves it to that worker |
//! | [`Abandoned`](RowState::Abandoned) | claimed by a worker that stopped before recording a result (crash, `kill -9`) | does not dial it: outcome unknown, listed for a person to check; dialed again only after [`Journal::reopen`] |
//! | [`Placed`](RowState::Placed) | the API accepted the call | skips it |
//! | [`Failed`](RowState::Failed) | refused or never sent (a bad number, a 4xx) | skips it; dialed again only after [`Journal::reopen`] |
//! | [`Unknown`](RowState::Unknown) | sent, no clear answer ([`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown)) | does not dial it: listed for a person to check; dialed again only after [`Journal::reopen`] |
//!
//! | journal | shared by | claim | "still running" |
//! |---|---|---|---|
//! | [`FileJournal`] | one process (an exclusive lock on the file) | a JSON line, `fsync`ed before the request is sent | only this process |
//! | `RedisJournal` (feature `redis`) | every worker connected to the Redis | a Lua compare-and-set on the campaign's hash | the worker's heartbeat key exists |

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use chrono::{DateTime, Utc};

use super::identity::{CampaignId, WorkerId};
use super::rows::RowKey;
use crate::ids::CallId;

mod file;
#[cfg(feature = "redis")]
mod redis;
mod stored;

pub use file::FileJournal;
#[cfg(feature = "redis")]
pub use redis::RedisJournal;

/// The future returned by [`Journal`] methods.
pub type JournalFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, JournalError>> + Send + 'a>>;

/// Where a row stands, as a reader of the journal sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowState {
    /// Claimed by a worker that is still running: its request may be in flight.
    Dialing,
    /// Claimed by a worker that stopped before recording a result: the call may or may not have been placed.
    Abandoned,
    /// The API accepted the call.
    Placed {
        /// The call's id.
        call_id: CallId,
    },
    /// The call was not placed: the row was invalid, the request was never sent, or the API refused it.
    Failed {
        /// Why.
        reason: String,
    },
    /// The request was sent and no clear answer came back: the call may or may not have been placed.
    Unknown {
        /// What happened.
        reason: String,
    },
}

impl RowState {
    /// Whether a person must check this row before it is dialed again ([`Abandoned`](Self::Abandoned) or
    /// [`Unknown`](Self::Unknown)).
    pub fn needs_check(&self) -> bool {
        matches!(self, RowState::Abandoned | RowState::Unknown { .. })
    }

    /// A short lowercase name: `dialing`, `abandoned`, `placed`, `failed` or `unknown`.
    pub fn name(&self) -> &'static str {
        match self {
            RowState::Dialing => "dialing",
            RowState::Abandoned => "abandoned",
            RowState::Placed { .. } => "placed",
            RowState::Failed { .. } => "failed",
            RowState::Unknown { .. } => "unknown",
        }
    }
}

/// The result a worker records over its claim.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RowResult {
    /// The API accepted the call.
    Placed {
        /// The call's id.
        call_id: CallId,
    },
    /// The call was not placed.
    Failed {
        /// Why.
        reason: String,
    },
    /// The call may or may not have been placed.
    Unknown {
        /// What happened.
        reason: String,
    },
}

impl From<RowResult> for RowState {
    fn from(result: RowResult) -> Self {
        match result {
            RowResult::Placed { call_id } => RowState::Placed { call_id },
            RowResult::Failed { reason } => RowState::Failed { reason },
            RowResult::Unknown { reason } => RowState::Unknown { reason },
        }
    }
}

/// One row of the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JournalEntry {
    /// The row.
    pub row: RowKey,
    /// The number the row dials, as claimed.
    pub phone: String,
    /// Where it stands.
    pub state: RowState,
    /// The worker that claimed it (and recorded its result).
    pub worker: WorkerId,
    /// When its state was last written (the writer's clock).
    pub at: DateTime<Utc>,
}

/// The answer of [`Journal::claim`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimOutcome {
    /// The row is now `dialing` for this worker, durably: send its request, then [`record`](Journal::record).
    Claimed,
    /// The row has an entry already (this run's, an earlier run's or another worker's): do not dial it.
    Taken(JournalEntry),
}

/// The answer of [`Journal::record`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordOutcome {
    /// The result replaced this worker's claim.
    Recorded,
    /// The row no longer holds this worker's claim (a person reopened it in between); the entry found was left
    /// alone.
    NotHeld(Option<JournalEntry>),
}

/// The journal could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JournalError {
    /// Reading or writing the journal failed.
    #[error("campaign journal {path}: {source}")]
    Io {
        /// The journal's file.
        path: String,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// Another process holds the file journal.
    #[error(
        "campaign journal {path} is in use by another process; run one process per file journal, or share a Redis journal between workers"
    )]
    Locked {
        /// The journal's file.
        path: String,
    },
    /// The journal was written for another campaign (the rows file or the assistant changed).
    #[error(
        "campaign journal {path} belongs to campaign {found}, not {expected}: the rows file or the assistant changed since it was written. Use another journal for a new campaign, or name the campaign (--campaign) to keep this one"
    )]
    OtherCampaign {
        /// The journal's file.
        path: String,
        /// The campaign it holds.
        found: String,
        /// The campaign being run.
        expected: String,
    },
    /// A line other than the last could not be read: the file was altered.
    #[error(
        "campaign journal {path} line {line} is unreadable ({reason}); the journal was altered, fix or move it"
    )]
    Corrupt {
        /// The journal's file.
        path: String,
        /// The line (1-based).
        line: usize,
        /// Why.
        reason: String,
    },
    /// The shared store failed (e.g. Redis is down).
    #[error("campaign journal store failed: {0}")]
    Store(String),
}

/// Where a campaign records which rows were dialed.
///
/// | state in the journal | meaning | a restart |
/// |---|---|---|
/// | none | never claimed | dials it |
/// | [`Dialing`](RowState::Dialing) | claimed by a worker that is still running | leaves it to that worker |
/// | [`Abandoned`](RowState::Abandoned) | claimed by a worker that stopped before recording a result (crash, `kill -9`) | does not dial it: outcome unknown, listed for a person to check; dialed again only after [`Journal::reopen`] |
/// | [`Placed`](RowState::Placed) | the API accepted the call | skips it |
/// | [`Failed`](RowState::Failed) | refused or never sent (a bad number, a 4xx) | skips it; dialed again only after [`Journal::reopen`] |
/// | [`Unknown`](RowState::Unknown) | sent, no clear answer ([`Error::OutcomeUnknown`](crate::Error::OutcomeUnknown)) | does not dial it: listed for a person to check; dialed again only after [`Journal::reopen`] |
///
/// Implementations make [`claim`](Journal::claim) atomic across everyone sharing the journal and durable before
/// it returns [`ClaimOutcome::Claimed`], and [`record`](Journal::record) a compare-and-set on the caller's own
/// claim.
pub trait Journal: fmt::Debug + Send + Sync {
    /// The campaign this journal belongs to.
    fn campaign(&self) -> &CampaignId;

    /// The worker writing through this handle.
    fn worker(&self) -> &WorkerId;

    /// Claims `row` for dialing `phone`, if it has no entry.
    fn claim<'a>(&'a self, row: &'a RowKey, phone: &'a str) -> JournalFuture<'a, ClaimOutcome>;

    /// Records `result` over this worker's claim of `row`.
    fn record<'a>(
        &'a self,
        row: &'a RowKey,
        result: &'a RowResult,
    ) -> JournalFuture<'a, RecordOutcome>;

    /// Removes the entry of a row that a person checked, so that the next run dials it: only when the row still
    /// holds exactly `entry` and it is [`Failed`](RowState::Failed), [`Unknown`](RowState::Unknown) or
    /// [`Abandoned`](RowState::Abandoned). Answers whether it was removed.
    fn reopen<'a>(&'a self, entry: &'a JournalEntry) -> JournalFuture<'a, bool>;

    /// Every entry, in no particular order.
    fn entries(&self) -> JournalFuture<'_, Vec<JournalEntry>>;
}

impl<J: Journal + ?Sized> Journal for std::sync::Arc<J> {
    fn campaign(&self) -> &CampaignId {
        (**self).campaign()
    }

    fn worker(&self) -> &WorkerId {
        (**self).worker()
    }

    fn claim<'a>(&'a self, row: &'a RowKey, phone: &'a str) -> JournalFuture<'a, ClaimOutcome> {
        (**self).claim(row, phone)
    }

    fn record<'a>(
        &'a self,
        row: &'a RowKey,
        result: &'a RowResult,
    ) -> JournalFuture<'a, RecordOutcome> {
        (**self).record(row, result)
    }

    fn reopen<'a>(&'a self, entry: &'a JournalEntry) -> JournalFuture<'a, bool> {
        (**self).reopen(entry)
    }

    fn entries(&self) -> JournalFuture<'_, Vec<JournalEntry>> {
        (**self).entries()
    }
}
