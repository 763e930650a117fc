//! The progress bar on stderr: drawn only on a terminal, so logs and pipes stay clean.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mirai_voice::campaign::{RowReport, RowState};

/// Counts rows as they settle and shows them.
pub struct Progress {
    bar: ProgressBar,
    placed: AtomicUsize,
    failed: AtomicUsize,
    unknown: AtomicUsize,
}

impl Progress {
    /// A bar of `total` rows, labelled `what`.
    pub fn new(total: u64, what: &str) -> Self {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        bar.set_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} {msg} ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        bar.set_prefix(what.to_owned());
        Progress {
            bar,
            placed: AtomicUsize::new(0),
            failed: AtomicUsize::new(0),
            unknown: AtomicUsize::new(0),
        }
    }

    /// Counts one settled row.
    pub fn row(&self, row: &RowReport) {
        let counter = match &row.state {
            Some(RowState::Placed { .. }) => Some(&self.placed),
            Some(RowState::Failed { .. }) => Some(&self.failed),
            Some(RowState::Unknown { .. } | RowState::Abandoned) => Some(&self.unknown),
            _ => None,
        };
        if let Some(counter) = counter {
            counter.fetch_add(1, Ordering::Relaxed);
        }
        self.bar.set_message(format!(
            "placed {} failed {} unknown {}",
            self.placed.load(Ordering::Relaxed),
            self.failed.load(Ordering::Relaxed),
            self.unknown.load(Ordering::Relaxed)
        ));
        self.bar.inc(1);
    }

    /// Advances by one without counting a state (the wait for outcomes).
    pub fn tick(&self) {
        self.bar.inc(1);
    }

    /// Removes the bar.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
