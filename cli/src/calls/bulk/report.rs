//! What `mirai calls bulk` prints and writes: a summary on stderr, a JSON report on stdout, the results CSV.

use std::collections::HashMap;
use std::path::Path;

use mirai_voice::campaign::{CampaignId, CampaignReport, CampaignRow, RowKey, RowReport, RowState};
use serde_json::{Value, json};

use super::wait::Outcome;
use crate::output;

/// `--dry-run`: what the file holds, without touching the journal or the API.
pub fn print_plan(campaign: &CampaignId, rows: &[CampaignRow]) {
    let invalid: Vec<Value> = rows
        .iter()
        .filter_map(|row| {
            let error = row.call.as_ref().err()?;
            Some(json!({
                "row": row.key.as_str(),
                "line": row.line,
                "phone": row.phone,
                "error": error.to_string(),
            }))
        })
        .collect();
    output::json(&json!({
        "campaign": campaign.as_str(),
        "rows": rows.len(),
        "valid": rows.len() - invalid.len(),
        "invalid": invalid,
    }));
}

/// Why a row needs a person, in words.
fn explain(row: &RowReport) -> String {
    match &row.state {
        Some(RowState::Abandoned) => {
            "claimed by a run that stopped before recording its result: the call may have been placed".to_owned()
        }
        Some(RowState::Unknown { reason }) => reason.clone(),
        Some(RowState::Failed { reason }) => reason.clone(),
        _ => String::new(),
    }
}

fn state_name(row: &RowReport) -> &'static str {
    row.state.as_ref().map_or("not-started", RowState::name)
}

/// The summary on stderr and the JSON report on stdout.
pub fn print_summary(
    report: &CampaignReport,
    outcomes: &HashMap<RowKey, Outcome>,
    results: Option<&Path>,
) {
    let summary = report.summary();
    eprintln!(
        "placed {}, failed {}, unknown {}, being dialed elsewhere {}, not reached {} ({} dialed by this run)",
        summary.placed,
        summary.failed,
        summary.unknown,
        summary.in_progress,
        summary.not_started,
        summary.this_run
    );
    let check: Vec<&RowReport> = report.needs_check().collect();
    if !check.is_empty() {
        eprintln!("check these rows before dialing them again (--retry-row ROW):");
        for row in &check {
            eprintln!(
                "  {} (line {}, {}): {}: {}",
                row.key,
                row.line,
                row.phone,
                state_name(row),
                explain(row)
            );
        }
    }
    for row in report.rows.iter().filter(|row| row.note.is_some()) {
        eprintln!(
            "warning: {}: {}",
            row.key,
            row.note.as_deref().unwrap_or_default()
        );
    }
    if !outcomes.is_empty() {
        let ended = outcomes.values().filter(|o| o.is_ok()).count();
        eprintln!(
            "{ended} of {} call(s) ended within the wait",
            outcomes.len()
        );
    }
    if let Some(path) = results {
        eprintln!("results: {}", path.display());
    }
    let listed = |rows: Vec<&RowReport>| -> Vec<Value> {
        rows.into_iter()
            .map(|row| {
                json!({
                    "row": row.key.as_str(),
                    "line": row.line,
                    "phone": row.phone,
                    "state": state_name(row),
                    "reason": explain(row),
                })
            })
            .collect()
    };
    let failed = report
        .rows
        .iter()
        .filter(|row| matches!(row.state, Some(RowState::Failed { .. })))
        .collect();
    output::json(&json!({
        "campaign": report.campaign.as_str(),
        "rows": report.rows.len(),
        "placed": summary.placed,
        "failed": summary.failed,
        "unknown": summary.unknown,
        "inProgress": summary.in_progress,
        "notStarted": summary.not_started,
        "thisRun": summary.this_run,
        "stopped": report.stopped,
        "reopened": report.reopened.iter().map(RowKey::as_str).collect::<Vec<_>>(),
        "needsCheck": listed(check),
        "failedRows": listed(failed),
        "results": results.map(|p| p.display().to_string()),
    }));
}

/// The results CSV header.
const RESULT_COLUMNS: [&str; 11] = [
    "row",
    "line",
    "phone",
    "state",
    "callId",
    "finalStatus",
    "answered",
    "attempts",
    "success",
    "summary",
    "detail",
];

/// One line per row: its state and call id, and with `--wait` the call's final status and analysis.
pub fn write_results(
    path: &Path,
    report: &CampaignReport,
    outcomes: &HashMap<RowKey, Outcome>,
) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_path(path)?;
    writer.write_record(RESULT_COLUMNS)?;
    for row in &report.rows {
        let call_id = match &row.state {
            Some(RowState::Placed { call_id }) => call_id.to_string(),
            _ => String::new(),
        };
        let mut detail = explain(row);
        let (mut status, mut answered, mut attempts, mut success, mut summary) = (
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
        );
        match outcomes.get(&row.key) {
            Some(Ok(outcome)) => {
                status = outcome.status().map(|s| s.to_string()).unwrap_or_default();
                answered = outcome.was_answered().to_string();
                attempts = outcome.attempts.len().to_string();
                if let Some(analysis) = &outcome.analysis {
                    success = analysis.success.map(|s| s.to_string()).unwrap_or_default();
                    summary = analysis.summary.clone().unwrap_or_default();
                }
            }
            Some(Err(waited)) => detail = waited.clone(),
            None => {}
        }
        writer.write_record([
            row.key.as_str(),
            &row.line.to_string(),
            &row.phone,
            state_name(row),
            &call_id,
            &status,
            &answered,
            &attempts,
            &success,
            &summary,
            &detail,
        ])?;
    }
    writer.flush()
}
