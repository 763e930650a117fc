//! Which statuses the emulator may send, and the status log that lets a whole test suite prove
//! it sent no other.
//!
//! A response status is allowed for an operation when the spec declares it for that operation,
//! or when it is one of [`GLOBAL_STATUSES`], which apply to every route whether the vendor's spec
//! lists them or not (most operations do not declare `401`, yet every keyed one can answer it).
//! `5xx` statuses are allowed only when an injected fault produced them. Requests no operation
//! matches may only get `404` or `405`.
//!
//! When the environment variable [`STATUS_LOG_ENV`] names a directory, every emulator instance
//! appends one JSON line per response ([`StatusRecord`]) to its own file there;
//! [`check_status_log`] then checks every line of every file. `cargo xtask test` sets the variable
//! for `cargo test` and runs the check afterwards (`mirai-voice-mock --check-status-log DIR`).
//!
//! ```
//! use mirai_voice_mock::conformance::{Allowed, status_allowed};
//!
//! assert_eq!(status_allowed(Some("abortCall"), 404, false), Ok(Allowed::Declared));
//! assert!(matches!(status_allowed(Some("abortCall"), 401, false), Ok(Allowed::Global(_))));
//! assert_eq!(status_allowed(Some("abortCall"), 503, true), Ok(Allowed::Fault));
//! assert!(status_allowed(Some("abortCall"), 503, false).is_err());
//! assert!(status_allowed(Some("listApiTools"), 404, false).is_err());
//! ```

use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::app::lock;
use crate::faults::RequestRecord;
use crate::spec;

/// The environment variable naming the directory the status log is written to.
pub const STATUS_LOG_ENV: &str = "MIRAI_MOCK_STATUS_LOG";

/// Statuses any operation may answer, with the reason each applies everywhere.
pub const GLOBAL_STATUSES: &[(u16, &str)] = &[
    (401, "missing or invalid API keys"),
    (
        403,
        "the keys' role, or the workspace or organization header, does not grant access",
    ),
    (
        413,
        "the request body or one of its fields is over its limit",
    ),
    (
        415,
        "the request body is not of the operation's content type",
    ),
    (429, "rate limited (injected by a fault)"),
];

/// Why a status is allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allowed {
    /// The spec declares it for the operation.
    Declared,
    /// It is one of [`GLOBAL_STATUSES`]; the text says why it applies everywhere.
    Global(&'static str),
    /// A `5xx` produced by an injected fault.
    Fault,
    /// `404` or `405` for a request no operation matches.
    Unrouted,
}

/// Why a status is not allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Why(pub String);

impl fmt::Display for Why {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether the emulator may answer `status` for `operation_id` (`None`: no operation matched);
/// `from_fault` says whether an injected fault produced the status rather than the handler.
///
/// # Errors
///
/// [`Why`] names the operation, the status, and what would have been allowed.
pub fn status_allowed(
    operation_id: Option<&str>,
    status: u16,
    from_fault: bool,
) -> Result<Allowed, Why> {
    let Some(id) = operation_id else {
        return if matches!(status, 404 | 405) {
            Ok(Allowed::Unrouted)
        } else {
            Err(Why(format!(
                "{status} for a request no operation matches (only 404 or 405 are)"
            )))
        };
    };
    if spec::operation(id).is_none() {
        return Err(Why(format!("{id} is not an operationId of the spec")));
    }
    let declared = spec::declared_statuses(id);
    if declared.contains(&status) {
        return Ok(Allowed::Declared);
    }
    if let Some((_, reason)) = GLOBAL_STATUSES.iter().find(|(s, _)| *s == status) {
        return Ok(Allowed::Global(reason));
    }
    if from_fault && (500..=599).contains(&status) {
        return Ok(Allowed::Fault);
    }
    let globals: Vec<String> = GLOBAL_STATUSES.iter().map(|(s, _)| s.to_string()).collect();
    Err(Why(format!(
        "{id} answered {status}{}: the spec declares {declared:?}, every route may answer {}{}",
        if from_fault { " (from a fault)" } else { "" },
        globals.join(", "),
        ", and 5xx from faults"
    )))
}

/// One response, as written to the status log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusRecord {
    /// HTTP method.
    pub method: String,
    /// Concrete path, without the query.
    pub path: String,
    /// The spec operation the request was routed to.
    pub operation_id: Option<String>,
    /// The status sent.
    pub status: u16,
    /// Whether an injected fault (status, rate-limit or connection-reset) produced the status
    /// instead of the operation's handler.
    pub from_fault: bool,
}

impl StatusRecord {
    /// The status record of a request-log entry; `None` when the connection was reset (no
    /// status was sent).
    pub fn from_request(request: &RequestRecord) -> Option<Self> {
        Some(Self {
            method: request.method.clone(),
            path: request.path.clone(),
            operation_id: request.operation_id.clone(),
            status: request.status?,
            // These faults answer in the handler's place; the others pass its status on.
            from_fault: matches!(
                request.fault.as_deref(),
                Some("status" | "rateLimit" | "connectionReset")
            ),
        })
    }

    /// Checks this record with [`status_allowed`].
    ///
    /// # Errors
    ///
    /// As [`status_allowed`], with the method and path added.
    pub fn check(&self) -> Result<Allowed, Why> {
        status_allowed(self.operation_id.as_deref(), self.status, self.from_fault)
            .map_err(|Why(why)| Why(format!("{} {}: {why}", self.method, self.path)))
    }
}

/// What [`check_status_log`] read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogSummary {
    /// Files read.
    pub files: usize,
    /// Responses checked.
    pub records: usize,
    /// Distinct operations seen.
    pub operations: usize,
}

/// Checks every record of every `*.jsonl` file in `dir`.
///
/// # Errors
///
/// One line per violation (file, line, reason); also when the directory cannot be read, holds
/// no record at all (the check must not pass vacuously) or a line is not a [`StatusRecord`].
pub fn check_status_log(dir: &Path) -> Result<LogSummary, Vec<String>> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| vec![format!("cannot read {}: {e}", dir.display())])?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    files.sort();
    let mut summary = LogSummary::default();
    let mut operations = std::collections::BTreeSet::new();
    let mut violations = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file)
            .map_err(|e| vec![format!("cannot read {}: {e}", file.display())])?;
        summary.files += 1;
        for (number, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
            let at = format!("{}:{}", file.display(), number + 1);
            match serde_json::from_str::<StatusRecord>(line) {
                Ok(record) => {
                    summary.records += 1;
                    if let Some(id) = &record.operation_id {
                        operations.insert(id.clone());
                    }
                    if let Err(why) = record.check() {
                        violations.push(format!("{at}: {why}"));
                    }
                }
                Err(e) => violations.push(format!("{at}: not a status record ({e})")),
            }
        }
    }
    summary.operations = operations.len();
    if summary.records == 0 {
        violations.push(format!(
            "{} holds no status record: was {STATUS_LOG_ENV} set for the tests?",
            dir.display()
        ));
    }
    if violations.is_empty() {
        Ok(summary)
    } else {
        Err(violations)
    }
}

/// The file one emulator instance appends its status records to.
#[derive(Debug)]
pub(crate) struct StatusLog {
    file: Mutex<File>,
}

impl StatusLog {
    /// Opens a new file in the directory [`STATUS_LOG_ENV`] names; `None` when it is unset
    /// or the file cannot be created (the log is a test aid: serving goes on without it).
    pub(crate) fn from_env() -> Option<Self> {
        static INSTANCE: AtomicU64 = AtomicU64::new(0);
        let dir = PathBuf::from(std::env::var_os(STATUS_LOG_ENV)?);
        std::fs::create_dir_all(&dir).ok()?;
        let name = format!(
            "{}-{}.jsonl",
            std::process::id(),
            INSTANCE.fetch_add(1, Ordering::Relaxed)
        );
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join(name))
            .ok()?;
        Some(Self {
            file: Mutex::new(file),
        })
    }

    /// Appends one record as a line, written in one call so lines never interleave.
    pub(crate) fn append(&self, record: &StatusRecord) {
        if let Ok(mut line) = serde_json::to_vec(record) {
            line.push(b'\n');
            let _ = lock(&self.file).write_all(&line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_statuses_are_allowed() {
        for op in spec::operations() {
            for status in spec::declared_statuses(&op.operation_id) {
                assert_eq!(
                    status_allowed(Some(&op.operation_id), status, false),
                    Ok(Allowed::Declared)
                );
            }
        }
    }

    #[test]
    fn the_global_list_applies_to_every_operation() {
        for op in spec::operations() {
            for (status, _) in GLOBAL_STATUSES {
                assert!(status_allowed(Some(&op.operation_id), *status, false).is_ok());
            }
        }
    }

    #[test]
    fn undeclared_statuses_are_refused_with_the_reason() {
        let why = status_allowed(Some("archiveOrganizationOrWorkspace"), 404, false).unwrap_err();
        assert!(
            why.0
                .contains("archiveOrganizationOrWorkspace answered 404"),
            "{why}"
        );
        assert!(why.0.contains("[200, 400, 401, 403]"), "{why}");
        assert!(status_allowed(Some("listApiTools"), 400, false).is_err());
        assert!(status_allowed(Some("nope"), 200, false).is_err());
    }

    #[test]
    fn server_errors_only_from_faults() {
        assert_eq!(
            status_allowed(Some("initiateCall"), 502, true),
            Ok(Allowed::Fault)
        );
        assert!(status_allowed(Some("initiateCall"), 500, false).is_err());
        assert!(
            status_allowed(Some("initiateCall"), 418, true).is_err(),
            "a fault's 4xx must still be declared or global"
        );
    }

    #[test]
    fn unrouted_requests_get_404_or_405_only() {
        assert_eq!(status_allowed(None, 404, false), Ok(Allowed::Unrouted));
        assert_eq!(status_allowed(None, 405, false), Ok(Allowed::Unrouted));
        assert!(status_allowed(None, 200, false).is_err());
    }

    fn record(operation_id: &str, status: u16) -> StatusRecord {
        StatusRecord {
            method: "POST".into(),
            path: "/x".into(),
            operation_id: Some(operation_id.into()),
            status,
            from_fault: false,
        }
    }

    fn write(dir: &Path, name: &str, records: &[StatusRecord]) {
        let text: String = records
            .iter()
            .map(|r| serde_json::to_string(r).unwrap() + "\n")
            .collect();
        std::fs::write(dir.join(name), text).unwrap();
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mirai-status-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_log_check_names_each_violation_and_refuses_an_empty_log() {
        let dir = temp_dir("check");
        let errors = check_status_log(&dir).unwrap_err();
        assert!(errors[0].contains("holds no status record"), "{errors:?}");

        write(
            &dir,
            "1-0.jsonl",
            &[record("abortCall", 200), record("abortCall", 404)],
        );
        write(&dir, "1-1.jsonl", &[record("initiateCall", 200)]);
        assert_eq!(
            check_status_log(&dir),
            Ok(LogSummary {
                files: 2,
                records: 3,
                operations: 2
            })
        );

        write(
            &dir,
            "2-0.jsonl",
            &[
                record("archiveOrganizationOrWorkspace", 404),
                record("listApiTools", 409),
            ],
        );
        std::fs::write(dir.join("3-0.jsonl"), "not json\n").unwrap();
        let errors = check_status_log(&dir).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].contains("2-0.jsonl:1: POST /x: archiveOrganizationOrWorkspace answered 404")
        );
        assert!(errors[1].contains("2-0.jsonl:2"));
        assert!(errors[2].contains("3-0.jsonl:1: not a status record"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_instance_appends_lines_to_its_own_file() {
        let dir = temp_dir("append");
        let file = dir.join("one.jsonl");
        let log = StatusLog {
            file: Mutex::new(
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(&file)
                    .unwrap(),
            ),
        };
        log.append(&record("abortCall", 200));
        log.append(&record("abortCall", 400));
        assert_eq!(check_status_log(&dir).unwrap().records, 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
