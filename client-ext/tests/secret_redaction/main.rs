//! Third-party credentials never show in `TRACE` logs, in `Debug`/`Display` of errors or of the SDK's request and
//! response types, whatever the emulator answers: successes, truncated JSON, validation errors echoing the request,
//! gateway HTML. Every operation of [`SECRET_BEARING_OPERATIONS`] is exercised, each with a success and a failure;
//! the emulator's request log proves it, so a row added to the table without a test here fails.
//!
//! Alone in its test binary: `tracing` caches per-callsite interest, which tests running in parallel with a
//! thread-local subscriber could disturb.

mod assistants;
mod calls;
mod harness;
#[path = "../log_capture/mod.rs"]
mod log_capture;
mod shiprocket;
mod tools;

use mirai_voice::redact::SECRET_BEARING_OPERATIONS;
use mirai_voice_mock::RequestRecord;

use crate::harness::{Captured, Harness, sdk_trace_subscriber};

#[tokio::test]
async fn secret_bearing_operations_leak_nothing_formatted_or_logged() {
    let captured = Captured::default();
    let _guard = tracing::subscriber::set_default(sdk_trace_subscriber(&captured));
    let h = Harness::start().await;

    tools::exercise(&h).await;
    shiprocket::exercise(&h).await;
    assistants::exercise(&h).await;
    calls::exercise(&h).await;

    let logs = captured.text();
    tools::check_logs(&logs);
    shiprocket::check_logs(&logs);
    assistants::check_logs(&logs);
    calls::check_logs(&logs);
    h.assert_hidden("the TRACE logs", &logs);

    let uncovered = uncovered_rows(&h.control().requests());
    assert!(
        uncovered.is_empty(),
        "secret-bearing operations not exercised here: {uncovered:?}"
    );
}

/// The rows of the table not fully exercised by `requests`: each needs a request of its operation that succeeded
/// untouched, and one that met a fault or an error status.
fn uncovered_rows(requests: &[RequestRecord]) -> Vec<String> {
    let mut missing = Vec::new();
    for row in SECRET_BEARING_OPERATIONS {
        let of_row = || {
            requests
                .iter()
                .filter(|r| r.operation_id.as_deref() == Some(row.operation_id))
        };
        let succeeded = of_row()
            .any(|r| r.fault.is_none() && r.status.is_some_and(|s| (200..300).contains(&s)));
        let failed = of_row().any(|r| r.fault.is_some() || r.status.is_some_and(|s| s >= 400));
        if !succeeded {
            missing.push(format!("{}: no success", row.operation_id));
        }
        if !failed {
            missing.push(format!("{}: no failure", row.operation_id));
        }
    }
    missing
}

#[test]
fn the_coverage_check_reports_rows_without_a_success_or_a_failure() {
    let record = |status, fault: Option<&str>| RequestRecord {
        method: "POST".into(),
        path: "/v1/admin/tool/api".into(),
        operation_id: Some("createApiTool".into()),
        status,
        fault: fault.map(str::to_owned),
        ..RequestRecord::default()
    };
    let uncovered = uncovered_rows(&[record(Some(200), None)]);
    assert!(
        uncovered.contains(&"createApiTool: no failure".to_owned()),
        "{uncovered:?}"
    );
    assert!(
        uncovered.contains(&"initiateWebCall: no success".to_owned()),
        "{uncovered:?}"
    );
    let uncovered = uncovered_rows(&[record(Some(200), Some("truncatedJson")), record(None, None)]);
    assert!(
        uncovered.contains(&"createApiTool: no success".to_owned()),
        "{uncovered:?}"
    );
    assert!(
        !uncovered.contains(&"createApiTool: no failure".to_owned()),
        "{uncovered:?}"
    );
    assert_eq!(
        uncovered.len(),
        2 * SECRET_BEARING_OPERATIONS.len() - 1,
        "every other row lacks both: {uncovered:?}"
    );
}
