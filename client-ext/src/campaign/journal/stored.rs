//! The written form of a journal entry, shared by the file and Redis journals: one JSON object.
//!
//! `{"row":"row-7","state":"placed","callId":"…","phone":"+15550100","worker":"host:42:1a2b3c4d","at":"2026-01-01T00:00:00.123Z"}`
//!
//! `state` is `dialing`, `placed` (with `callId`), `failed` or `unknown` (with `reason`); the file journal also
//! writes `reopened` lines, which remove a row's entry. `at` has millisecond precision, so an entry read back
//! compares equal to the one written (the Redis journal's compare-and-set relies on it).

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

use super::{JournalEntry, RowResult, RowState};
use crate::campaign::identity::WorkerId;
use crate::campaign::rows::RowKey;
use crate::ids::CallId;

/// A state as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub(super) enum StoredState {
    Dialing,
    Placed {
        #[serde(rename = "callId")]
        call_id: CallId,
    },
    Failed {
        reason: String,
    },
    Unknown {
        reason: String,
    },
    /// A person reopened the row: it has no entry any more (file journal only).
    Reopened,
}

impl StoredState {
    /// The `state` tag.
    pub(super) fn tag(&self) -> &'static str {
        match self {
            StoredState::Dialing => "dialing",
            StoredState::Placed { .. } => "placed",
            StoredState::Failed { .. } => "failed",
            StoredState::Unknown { .. } => "unknown",
            StoredState::Reopened => "reopened",
        }
    }
}

impl From<&RowResult> for StoredState {
    fn from(result: &RowResult) -> Self {
        match result.clone() {
            RowResult::Placed { call_id } => StoredState::Placed { call_id },
            RowResult::Failed { reason } => StoredState::Failed { reason },
            RowResult::Unknown { reason } => StoredState::Unknown { reason },
        }
    }
}

/// One written entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct StoredEntry {
    pub(super) row: RowKey,
    #[serde(flatten)]
    pub(super) state: StoredState,
    pub(super) phone: String,
    pub(super) worker: WorkerId,
    pub(super) at: String,
}

impl StoredEntry {
    /// An entry written now.
    pub(super) fn now(row: &RowKey, phone: &str, state: StoredState, worker: &WorkerId) -> Self {
        StoredEntry {
            row: row.clone(),
            state,
            phone: phone.to_owned(),
            worker: worker.clone(),
            at: timestamp(Utc::now()),
        }
    }

    /// The JSON text.
    pub(super) fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a journal entry serializes")
    }

    /// The entry as a reader sees it; `alive` tells whether the claiming worker still runs. `None` for a
    /// `reopened` line.
    pub(super) fn view(&self, alive: impl FnOnce(&WorkerId) -> bool) -> Option<JournalEntry> {
        let state = match &self.state {
            StoredState::Dialing if alive(&self.worker) => RowState::Dialing,
            StoredState::Dialing => RowState::Abandoned,
            StoredState::Placed { call_id } => RowState::Placed {
                call_id: call_id.clone(),
            },
            StoredState::Failed { reason } => RowState::Failed {
                reason: reason.clone(),
            },
            StoredState::Unknown { reason } => RowState::Unknown {
                reason: reason.clone(),
            },
            StoredState::Reopened => return None,
        };
        Some(JournalEntry {
            row: self.row.clone(),
            phone: self.phone.clone(),
            state,
            worker: self.worker.clone(),
            at: parse_timestamp(&self.at).unwrap_or(DateTime::UNIX_EPOCH),
        })
    }

    /// Whether this written entry is the one a reader saw as `entry` (same state, worker and time).
    pub(super) fn is(&self, entry: &JournalEntry) -> bool {
        let same_state = match (&self.state, &entry.state) {
            (StoredState::Dialing, RowState::Dialing | RowState::Abandoned) => true,
            (StoredState::Placed { call_id: a }, RowState::Placed { call_id: b }) => a == b,
            (StoredState::Failed { reason: a }, RowState::Failed { reason: b })
            | (StoredState::Unknown { reason: a }, RowState::Unknown { reason: b }) => a == b,
            _ => false,
        };
        same_state
            && self.row == entry.row
            && self.worker == entry.worker
            && self.at == timestamp(entry.at)
    }
}

/// A journal time: RFC 3339, UTC, milliseconds.
pub(super) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_back_as_written() {
        let worker = WorkerId::new("w1");
        let entry = StoredEntry::now(
            &RowKey::new("row-1"),
            "+15550100",
            StoredState::Placed {
                call_id: CallId::new("call_9"),
            },
            &worker,
        );
        let json = entry.to_json();
        assert!(
            json.contains(r#""state":"placed","callId":"call_9""#),
            "{json}"
        );
        let back: StoredEntry = serde_json::from_str(&json).unwrap();
        assert_eq!(back, entry);
        let view = back.view(|_| true).unwrap();
        assert!(
            back.is(&view),
            "a viewed entry is recognised for compare-and-set"
        );
    }

    #[test]
    fn a_claim_of_a_stopped_worker_reads_as_abandoned() {
        let entry = StoredEntry::now(
            &RowKey::new("row-1"),
            "+15550100",
            StoredState::Dialing,
            &WorkerId::new("gone"),
        );
        assert_eq!(entry.view(|_| false).unwrap().state, RowState::Abandoned);
        assert_eq!(entry.view(|_| true).unwrap().state, RowState::Dialing);
        let reopened = StoredEntry::now(
            &RowKey::new("row-1"),
            "+15550100",
            StoredState::Reopened,
            &WorkerId::new("w"),
        );
        assert_eq!(reopened.view(|_| true), None);
    }
}
