//! Bounded logs: the emulator keeps the newest entries of each log and counts what it dropped,
//! so a long-running standalone emulator neither grows without limit nor loses entries silently.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

/// How many entries each log keeps unless told otherwise.
pub const DEFAULT_LOG_CAP: usize = 10_000;

/// The fill of one log, as `GET /__control/logs` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogStats {
    /// The most entries it keeps.
    pub cap: usize,
    /// Entries held now.
    pub held: usize,
    /// Entries dropped (oldest first) to stay within the cap since the last reset.
    pub dropped: u64,
}

/// The fill of every log the emulator keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogsReport {
    /// Requests to the emulated API.
    pub requests: LogStats,
    /// Webhook deliveries (pending deliveries are never dropped).
    pub deliveries: LogStats,
    /// Events accepted by the emulator's own `POST /v2/webhooks/call-events`.
    pub received_events: LogStats,
}

/// A log keeping at most `cap` entries: pushing onto a full log drops the oldest entry.
#[derive(Debug)]
pub(crate) struct BoundedLog<T> {
    entries: VecDeque<T>,
    cap: usize,
    dropped: u64,
}

impl<T: Clone> BoundedLog<T> {
    /// An empty log keeping at most `cap` entries (at least one).
    pub(crate) fn new(cap: usize) -> Self {
        Self {
            entries: VecDeque::new(),
            cap: cap.max(1),
            dropped: 0,
        }
    }

    /// Appends an entry, dropping the oldest ones beyond the cap.
    pub(crate) fn push(&mut self, entry: T) {
        while self.entries.len() >= self.cap {
            self.entries.pop_front();
            self.dropped += 1;
        }
        self.entries.push_back(entry);
    }

    /// The entries held, oldest first.
    pub(crate) fn entries(&self) -> Vec<T> {
        self.entries.iter().cloned().collect()
    }

    /// Forgets every entry and the dropped count.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.dropped = 0;
    }

    /// Cap, fill and dropped count.
    pub(crate) fn stats(&self) -> LogStats {
        LogStats {
            cap: self.cap,
            held: self.entries.len(),
            dropped: self.dropped,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_log_drops_its_oldest_entries_and_counts_them() {
        let mut log = BoundedLog::new(3);
        for n in 1..=5 {
            log.push(n);
        }
        assert_eq!(log.entries(), vec![3, 4, 5]);
        assert_eq!(
            log.stats(),
            LogStats {
                cap: 3,
                held: 3,
                dropped: 2
            }
        );
        log.clear();
        assert_eq!(log.stats().dropped, 0);
        assert!(log.entries().is_empty());
    }

    #[test]
    fn a_zero_cap_still_keeps_the_newest_entry() {
        let mut log = BoundedLog::new(0);
        log.push("a");
        log.push("b");
        assert_eq!(log.entries(), vec!["b"]);
        assert_eq!(log.stats().dropped, 1);
    }
}
