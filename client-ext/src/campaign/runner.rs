//! The runner: claim, dial and record each row, with bounded concurrency and a rate limit.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use futures::StreamExt;

use super::identity::CampaignId;
use super::journal::{
    ClaimOutcome, Journal, JournalEntry, JournalError, RecordOutcome, RowResult, RowState,
};
use super::pacer::{Pacer, Rate};
use super::report::{CampaignReport, RowReport};
use super::rows::{CAMPAIGN_METADATA_KEY, CampaignRow, ROW_METADATA_KEY, RowCall, RowKey};
use crate::api::InitiateCall;
use crate::client::Client;
use crate::error::Error;
use crate::ids::AssistantId;
use crate::redact::RedactedJson;

/// How a campaign runs.
#[derive(Clone)]
#[non_exhaustive]
pub struct CampaignOptions {
    /// The most calls in flight at once (at least 1).
    pub concurrency: usize,
    /// The most calls started per second; `None` for no limit.
    pub rate: Option<Rate>,
    /// The URL that receives every call's webhook events.
    pub callback_url: Option<String>,
    /// Dial rows recorded as failed by an earlier run again (they were never placed).
    pub retry_failed: bool,
    /// Dial rows whose outcome is unknown (unknown or abandoned) again, after a person checked that they were
    /// not placed. Rows that become unknown during this run are not retried by it.
    pub retry_unknown: bool,
    /// Dial these rows again if they are failed, unknown or abandoned (a person checked each one); placed rows
    /// and rows another worker is dialing are left alone.
    pub retry_rows: Vec<RowKey>,
}

impl Default for CampaignOptions {
    fn default() -> Self {
        CampaignOptions {
            concurrency: 4,
            rate: None,
            callback_url: None,
            retry_failed: false,
            retry_unknown: false,
            retry_rows: Vec::new(),
        }
    }
}

impl std::fmt::Debug for CampaignOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The callback URL may carry a key in its query or user-info: shown redacted, as in `InitiateCall`.
        f.debug_struct("CampaignOptions")
            .field("concurrency", &self.concurrency)
            .field("rate", &self.rate)
            .field(
                "callback_url",
                &self.callback_url.as_ref().map(RedactedJson),
            )
            .field("retry_failed", &self.retry_failed)
            .field("retry_unknown", &self.retry_unknown)
            .field("retry_rows", &self.retry_rows)
            .finish()
    }
}

impl CampaignOptions {
    /// The defaults: 4 calls in flight, no rate limit, no callback URL, no retries.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the most calls in flight at once (0 counts as 1).
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Sets the most calls started per second.
    pub fn rate(mut self, rate: impl Into<Option<Rate>>) -> Self {
        self.rate = rate.into();
        self
    }

    /// Sets the URL that receives every call's webhook events.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Dials rows recorded as failed again.
    pub fn retry_failed(mut self, retry: bool) -> Self {
        self.retry_failed = retry;
        self
    }

    /// Dials rows whose outcome is unknown again (only after a person checked them).
    pub fn retry_unknown(mut self, retry: bool) -> Self {
        self.retry_unknown = retry;
        self
    }

    /// Dials these rows again if they are failed, unknown or abandoned (only after a person checked them).
    pub fn retry_rows(mut self, rows: impl IntoIterator<Item = RowKey>) -> Self {
        self.retry_rows = rows.into_iter().collect();
        self
    }
}

/// Asks a running campaign to start no further calls; calls in flight finish and are recorded. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct StopSignal(Arc<AtomicBool>);

impl StopSignal {
    /// A signal not yet given.
    pub fn new() -> Self {
        Self::default()
    }

    /// Gives the signal.
    pub fn stop(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether the signal was given.
    pub fn is_stopped(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// One call per row, each claimed in a [`Journal`] before it is sent (see the [module documentation](super)).
#[derive(Debug)]
pub struct Campaign {
    client: Client,
    assistant: AssistantId,
    journal: Arc<dyn Journal>,
    options: CampaignOptions,
}

/// What the rows share while a run goes on.
struct RunState<'a> {
    campaign: &'a Campaign,
    known: HashMap<RowKey, JournalEntry>,
    pacer: Pacer,
    stop: &'a StopSignal,
    journal_error: Mutex<Option<JournalError>>,
}

impl Campaign {
    /// A campaign placing calls with `assistant` through `client`, recorded in `journal`.
    pub fn new(
        client: Client,
        assistant: impl Into<AssistantId>,
        journal: impl Journal + 'static,
        options: CampaignOptions,
    ) -> Self {
        Campaign {
            client,
            assistant: assistant.into(),
            journal: Arc::new(journal),
            options,
        }
    }

    /// The journal.
    pub fn journal(&self) -> &dyn Journal {
        &*self.journal
    }

    /// The campaign's id (the journal's).
    pub fn id(&self) -> &CampaignId {
        self.journal.campaign()
    }

    /// Runs the campaign over `rows`: every row without an entry in the journal is claimed and dialed, at most
    /// [`CampaignOptions::concurrency`] at once and [`CampaignOptions::rate`] per second; rows settled before
    /// are reported as they stand. `on_row` sees each row once, as it is settled (for a progress bar).
    ///
    /// Fails only when the journal cannot be read at the start. A journal failure later stops the run (no row
    /// is dialed without its claim on record) and is returned in [`CampaignReport::journal_error`].
    pub async fn run(
        &self,
        rows: &[CampaignRow],
        stop: &StopSignal,
        on_row: impl Fn(&RowReport) + Send + Sync,
    ) -> Result<CampaignReport, JournalError> {
        let mut known: HashMap<_, _> = self
            .journal
            .entries()
            .await?
            .into_iter()
            .map(|entry| (entry.row.clone(), entry))
            .collect();
        let reopened = self.reopen(rows, &mut known).await?;
        let state = RunState {
            campaign: self,
            known,
            pacer: Pacer::new(self.options.rate),
            stop,
            journal_error: Mutex::new(None),
        };
        let mut settled: HashMap<_, _> = futures::stream::iter(rows)
            .map(|row| {
                let state = &state;
                let on_row = &on_row;
                async move {
                    let report = state.settle(row).await;
                    on_row(&report);
                    (row.key.clone(), report)
                }
            })
            .buffer_unordered(self.options.concurrency.max(1))
            .collect()
            .await;
        // Rows settled elsewhere may have moved on (another worker finished them): report them as they stand now.
        if let Ok(entries) = self.journal.entries().await {
            for entry in entries {
                if let Some(report) = settled.get_mut(&entry.row)
                    && !report.this_run
                {
                    report.state = Some(entry.state);
                }
            }
        }
        let journal_error = state
            .journal_error
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(CampaignReport {
            campaign: self.id().clone(),
            rows: rows
                .iter()
                .filter_map(|row| settled.remove(&row.key))
                .collect(),
            reopened,
            stopped: stop.is_stopped(),
            journal_error,
        })
    }

    /// Removes the entries the options say to retry (of rows in this file), before anything is dialed.
    async fn reopen(
        &self,
        rows: &[CampaignRow],
        known: &mut HashMap<RowKey, JournalEntry>,
    ) -> Result<Vec<RowKey>, JournalError> {
        let mut reopened = Vec::new();
        for row in rows {
            let Some(entry) = known.get(&row.key) else {
                continue;
            };
            let named = self.options.retry_rows.contains(&row.key);
            let retry = match entry.state {
                RowState::Failed { .. } => self.options.retry_failed || named,
                RowState::Unknown { .. } | RowState::Abandoned => {
                    self.options.retry_unknown || named
                }
                RowState::Dialing | RowState::Placed { .. } => false,
            };
            if retry && self.journal.reopen(entry).await? {
                known.remove(&row.key);
                reopened.push(row.key.clone());
            }
        }
        Ok(reopened)
    }

    fn call(&self, row: &CampaignRow, call: &RowCall) -> InitiateCall {
        let mut request = InitiateCall::new(call.phone.clone(), self.assistant.clone())
            .metadata_entries(call.metadata.clone())
            .metadata_entry(CAMPAIGN_METADATA_KEY, self.id().as_str())
            .metadata_entry(ROW_METADATA_KEY, row.key.as_str());
        if let Some(payload) = &call.payload {
            request = request.custom_payload(payload.clone());
        }
        if let Some(url) = &self.options.callback_url {
            request = request.callback_url(url.clone());
        }
        request
    }
}

impl RunState<'_> {
    /// Claims, dials and records one row, or reports it as the journal has it.
    async fn settle(&self, row: &CampaignRow) -> RowReport {
        let mut report = RowReport {
            key: row.key.clone(),
            line: row.line,
            phone: row.phone.clone(),
            state: None,
            this_run: false,
            note: None,
        };
        if let Some(entry) = self.known.get(&row.key) {
            report.state = Some(entry.state.clone());
            return report;
        }
        if self.stopped() {
            return report;
        }
        let call = match &row.call {
            Ok(call) => call,
            Err(problem) => {
                // Nothing is sent for an invalid row; it is recorded so that the run's counts include it.
                let result = RowResult::Failed {
                    reason: problem.to_string(),
                };
                return self.claim_and(row, report, |_| async { result }).await;
            }
        };
        self.pacer.acquire().await;
        if self.stopped() {
            self.pacer.refund();
            return report;
        }
        let request = self.campaign.call(row, call);
        let client = &self.campaign.client;
        let report = self
            .claim_and(row, report, |_| async move {
                match client.calls().initiate(request).await {
                    Ok(placed) => RowResult::Placed {
                        call_id: placed.call_id,
                    },
                    Err(error) => classify(&error),
                }
            })
            .await;
        if !report.this_run {
            // Claimed elsewhere in the meantime: the slot was not used.
            self.pacer.refund();
        }
        report
    }

    /// Claims the row; if claimed, runs `dial` and records its result.
    async fn claim_and<F, Fut>(
        &self,
        row: &CampaignRow,
        mut report: RowReport,
        dial: F,
    ) -> RowReport
    where
        F: FnOnce(&CampaignRow) -> Fut,
        Fut: Future<Output = RowResult>,
    {
        let journal = &self.campaign.journal;
        match journal.claim(&row.key, &row.phone).await {
            Ok(ClaimOutcome::Claimed) => {}
            Ok(ClaimOutcome::Taken(entry)) => {
                report.state = Some(entry.state);
                return report;
            }
            Err(error) => {
                self.fail(error);
                return report;
            }
        }
        report.this_run = true;
        let result = dial(row).await;
        let state = RowState::from(result.clone());
        match journal.record(&row.key, &result).await {
            Ok(RecordOutcome::Recorded) => {}
            Ok(RecordOutcome::NotHeld(found)) => {
                report.note = Some(format!(
                    "the journal no longer held this worker's claim (found {}), so the result was not recorded",
                    found.map_or("no entry", |e| e.state.name())
                ));
            }
            Err(error) => {
                report.note = Some(format!(
                    "the journal could not record this result ({error}); the next run reports the row as abandoned"
                ));
                self.fail(error);
            }
        }
        report.state = Some(state);
        report
    }

    fn stopped(&self) -> bool {
        self.stop.is_stopped()
    }

    /// Stops the run after a journal failure: nothing may be dialed without its claim on record.
    fn fail(&self, error: JournalError) {
        tracing::error!(%error, "campaign journal failed; no further rows are dialed");
        let mut slot = self
            .journal_error
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        slot.get_or_insert(error);
        self.stop.stop();
    }
}

/// What a failed `initiateCall` means for the row: [`RowResult::Failed`] when the call was certainly not placed
/// (refused before sending, never sent, or answered with a 4xx), [`RowResult::Unknown`] when it may have been.
pub fn classify(error: &Error) -> RowResult {
    let reason = error.to_string();
    let not_placed = match error {
        Error::Validation(_) | Error::Config(_) => true,
        Error::Api(api) => !api.status().is_server_error(),
        Error::Transport(transport) => transport.request_not_sent(),
        Error::Timeout(timeout) => timeout.request_not_sent(),
        // Sent and accepted or unanswered: only webhooks or the dashboard can tell.
        Error::OutcomeUnknown(_) | Error::Decode(_) | Error::KnowledgeBase(_) => false,
    };
    if not_placed {
        RowResult::Failed { reason }
    } else {
        RowResult::Unknown { reason }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_debug_hides_a_key_in_the_callback_url() {
        let options = CampaignOptions::new()
            .callback_url("https://hooks:pa55word@example.com/calls?token=s3cret")
            .concurrency(0);
        let shown = format!("{options:?}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("pa55word"),
            "{shown}"
        );
        assert!(shown.contains("example.com"), "{shown}");
        assert_eq!(options.concurrency, 1, "at least one call in flight");
    }
}
