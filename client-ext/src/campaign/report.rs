//! What a campaign run reports: each row's state, and the counts a person acts on.

use super::identity::CampaignId;
use super::journal::{JournalError, RowState};
use super::rows::RowKey;

/// Where one row stands after a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowReport {
    /// The row's key.
    pub key: RowKey,
    /// The line of the rows file where it starts.
    pub line: u64,
    /// The `phone` cell as written.
    pub phone: String,
    /// Its state in the journal; `None` when the run stopped before claiming it.
    pub state: Option<RowState>,
    /// Whether this run claimed it (and so dialed it, or found it invalid).
    pub this_run: bool,
    /// A warning about this row, e.g. a result the journal could not record.
    pub note: Option<String>,
}

impl RowReport {
    /// Whether a person must check this row before it is dialed again: its outcome is unknown or its worker
    /// stopped mid-call.
    pub fn needs_check(&self) -> bool {
        self.state.as_ref().is_some_and(RowState::needs_check)
    }
}

/// The counts of a [`CampaignReport`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Rows whose call the API accepted (this run or before).
    pub placed: usize,
    /// Rows not placed: invalid, never sent, or refused.
    pub failed: usize,
    /// Rows whose outcome is unknown ([`RowState::Unknown`] or [`RowState::Abandoned`]): check them.
    pub unknown: usize,
    /// Rows another worker is dialing right now.
    pub in_progress: usize,
    /// Rows this run did not reach (stopped early).
    pub not_started: usize,
    /// Rows this run dialed or found invalid (the others were settled before, or by another worker).
    pub this_run: usize,
}

/// The result of [`Campaign::run`](super::Campaign::run): every row of the file, in file order.
#[derive(Debug)]
pub struct CampaignReport {
    /// The campaign.
    pub campaign: CampaignId,
    /// Each row.
    pub rows: Vec<RowReport>,
    /// The rows reopened for this run (`retry_failed`, `retry_unknown`, `retry_rows`).
    pub reopened: Vec<RowKey>,
    /// Whether the run was asked to stop before every row was handled.
    pub stopped: bool,
    /// The journal failure that stopped the run, if one did: no row was dialed after it.
    pub journal_error: Option<JournalError>,
}

impl CampaignReport {
    /// The counts.
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for row in &self.rows {
            summary.this_run += usize::from(row.this_run);
            match &row.state {
                None => summary.not_started += 1,
                Some(RowState::Placed { .. }) => summary.placed += 1,
                Some(RowState::Failed { .. }) => summary.failed += 1,
                Some(RowState::Unknown { .. } | RowState::Abandoned) => summary.unknown += 1,
                Some(RowState::Dialing) => summary.in_progress += 1,
            }
        }
        summary
    }

    /// The rows a person must check before they are dialed again.
    pub fn needs_check(&self) -> impl Iterator<Item = &RowReport> {
        self.rows.iter().filter(|row| row.needs_check())
    }
}
