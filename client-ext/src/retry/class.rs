//! Which operations may be repeated, and after what: one row per operation of the spec.

use std::fmt::Write as _;
use std::sync::OnceLock;

use rustc_hash::FxHashMap;

use crate::operation::Idempotency;

/// How an operation may be repeated after a failure.
///
/// The class decides what the retry policy does after an *ambiguous* failure (a timeout, a lost connection or a
/// `5xx` once the request was sent). Failures that prove the request was not processed (connect errors, `429`)
/// are retried for every class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryClass {
    /// A read, or a replace with the same values (`GET`, `PUT`): repeating it is harmless.
    Idempotent,
    /// A `POST` whose repeat is harmless (aborting an aborted call is refused, a chunk is filed under its
    /// index): retried like an idempotent operation.
    Repeatable,
    /// A `POST` whose repeat would duplicate its effect (a second call dialled, a second number bought): never
    /// repeated once it may have reached the server; the caller gets
    /// [`OutcomeUnknown`](crate::error::OutcomeUnknown) instead.
    SideEffecting,
    /// A `DELETE`: retried like an idempotent operation; a `404` after such a retry is flagged
    /// ([`ApiError::is_not_found_after_retry`](crate::error::ApiError::is_not_found_after_retry)) because the
    /// earlier attempt probably deleted the resource.
    Delete,
}

impl RetryClass {
    /// The class HTTP semantics alone give a method, for operations missing from [`OPERATION_RETRY_CLASSES`]:
    /// `DELETE` is [`Delete`](Self::Delete), `GET`/`HEAD`/`OPTIONS`/`PUT` are
    /// [`Idempotent`](Self::Idempotent), everything else is [`SideEffecting`](Self::SideEffecting).
    ///
    /// ```
    /// use mirai_voice::retry::RetryClass;
    /// assert_eq!(RetryClass::for_method("delete"), RetryClass::Delete);
    /// assert_eq!(RetryClass::for_method("POST"), RetryClass::SideEffecting);
    /// ```
    pub fn for_method(method: &str) -> Self {
        if method.eq_ignore_ascii_case("DELETE") {
            Self::Delete
        } else if Idempotency::for_method(method).is_idempotent() {
            Self::Idempotent
        } else {
            Self::SideEffecting
        }
    }

    /// The class of `operation_id` in [`OPERATION_RETRY_CLASSES`], if it is there.
    ///
    /// ```
    /// use mirai_voice::retry::RetryClass;
    /// assert_eq!(RetryClass::of_operation("abortCall"), Some(RetryClass::Repeatable));
    /// assert_eq!(RetryClass::of_operation("initiateCall"), Some(RetryClass::SideEffecting));
    /// assert_eq!(RetryClass::of_operation("noSuchOperation"), None);
    /// ```
    pub fn of_operation(operation_id: &str) -> Option<Self> {
        // Every request asks (twice): a hash index built once, not a scan comparing strings. The first row for an
        // id wins, as the scan would decide.
        static INDEX: OnceLock<FxHashMap<&'static str, RetryClass>> = OnceLock::new();
        INDEX
            .get_or_init(|| {
                let mut index = FxHashMap::default();
                for row in OPERATION_RETRY_CLASSES {
                    index.entry(row.operation_id).or_insert(row.class);
                }
                index
            })
            .get(operation_id)
            .copied()
    }

    /// Whether the operation may be repeated after an ambiguous failure (everything but
    /// [`SideEffecting`](Self::SideEffecting)).
    pub fn retries_ambiguous_failures(self) -> bool {
        self != Self::SideEffecting
    }

    /// [`Idempotency::NonIdempotent`] for [`SideEffecting`](Self::SideEffecting), otherwise
    /// [`Idempotency::Idempotent`].
    pub fn idempotency(self) -> Idempotency {
        if self.retries_ambiguous_failures() {
            Idempotency::Idempotent
        } else {
            Idempotency::NonIdempotent
        }
    }

    /// The class's name as the README table shows it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Idempotent => "idempotent",
            Self::Repeatable => "repeatable",
            Self::SideEffecting => "side-effecting",
            Self::Delete => "delete",
        }
    }

    /// What is retried for this class, in one line.
    pub fn retried(self) -> &'static str {
        match self {
            Self::Idempotent | Self::Repeatable => {
                "connect errors, timeouts, lost connections, 429, 502, 503, 504"
            }
            Self::Delete => {
                "connect errors, timeouts, lost connections, 429, 502, 503, 504; a 404 after such a retry is flagged"
            }
            Self::SideEffecting => {
                "only connect errors and 429; anything ambiguous is OutcomeUnknown"
            }
        }
    }
}

/// One row of [`OPERATION_RETRY_CLASSES`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperationRetry {
    /// The spec's operation id.
    pub operation_id: &'static str,
    /// How it may be repeated.
    pub class: RetryClass,
    /// Why, in one line.
    pub reason: &'static str,
}

const fn row(
    operation_id: &'static str,
    class: RetryClass,
    reason: &'static str,
) -> OperationRetry {
    OperationRetry {
        operation_id,
        class,
        reason,
    }
}

use RetryClass::{Delete, Idempotent, Repeatable, SideEffecting};

/// The retry class of every operation in `swagger.yaml` (the table the README shows, generated from this one).
///
/// A test checks that it covers exactly the operations of the generated operation table.
#[doc = ""]
#[doc = include_str!("classes.md")]
pub const OPERATION_RETRY_CLASSES: &[OperationRetry] = &[
    row("getHealthMonitor", Idempotent, "a read"),
    row(
        "onboardCustomWorkspace",
        SideEffecting,
        "creates a workspace; a repeat creates another or is refused with 409",
    ),
    row(
        "initializeWorkspace",
        SideEffecting,
        "creates a workspace and configures billing",
    ),
    row("adminGetAssistant", Idempotent, "a read"),
    row("adminListAssistants", Idempotent, "a read"),
    row(
        "adminCreateAssistant",
        SideEffecting,
        "creates an assistant; a repeat is refused with 409 although the first took effect",
    ),
    row(
        "adminUpdateAssistant",
        Idempotent,
        "writes the same fields again",
    ),
    row("searchAvailableNumbers", Idempotent, "a read"),
    row(
        "purchaseNumber",
        SideEffecting,
        "buys a number and charges credit",
    ),
    row(
        "releaseNumber",
        Delete,
        "releasing twice leaves it released (a repeat answers 404 or 409)",
    ),
    row("listApiTools", Idempotent, "a read"),
    row(
        "createApiTool",
        SideEffecting,
        "creates a tool; a repeat is refused with 409 although the first took effect",
    ),
    row("updateApiTool", Idempotent, "writes the same fields again"),
    row("deleteApiTool", Delete, "deleting twice leaves it deleted"),
    row("listKnowledgeBaseFiles", Idempotent, "a read"),
    row("getKnowledgeBaseFile", Idempotent, "a read"),
    row(
        "startKnowledgeBaseUpload",
        SideEffecting,
        "opens an upload session; a repeat opens a second one",
    ),
    row(
        "uploadKnowledgeBaseChunk",
        Repeatable,
        "the chunk is filed under its index; a repeat replaces it",
    ),
    row(
        "completeKnowledgeBaseUpload",
        SideEffecting,
        "starts processing; a repeat is refused with 400 although the first took effect",
    ),
    row(
        "deleteKnowledgeBaseCollection",
        Delete,
        "deleting twice leaves it deleted",
    ),
    row(
        "initiateCall",
        SideEffecting,
        "queues a phone call; a repeat dials the customer twice",
    ),
    row(
        "initiateWebCall",
        SideEffecting,
        "starts a web call session",
    ),
    row(
        "shiprocketNdrWebhook",
        SideEffecting,
        "may queue a follow-up call",
    ),
    row(
        "abortCall",
        Repeatable,
        "aborting an aborted call is refused as `already aborted`, nothing is duplicated",
    ),
    row(
        "updateCallPayload",
        Idempotent,
        "replaces the payload with the same one",
    ),
    row(
        "callEventsWebhook",
        SideEffecting,
        "the service's inbound webhook, never sent by this client; treated as unsafe to repeat",
    ),
    row(
        "archiveOrganizationOrWorkspace",
        Repeatable,
        "sets a state; a repeat leaves it archived",
    ),
    row(
        "unarchiveOrganizationOrWorkspace",
        Repeatable,
        "sets a state; a repeat leaves it unarchived",
    ),
    row("getVoiceGallery", Idempotent, "a read"),
    row("listShowcaseCalls", Idempotent, "a read"),
    row("getShowcaseCall", Idempotent, "a read"),
    row("listShowcaseFlows", Idempotent, "a read"),
    row("getShowcaseFlow", Idempotent, "a read"),
];

/// The markdown table of [`OPERATION_RETRY_CLASSES`] (operation, method, class, what is retried, why), in the
/// order of the generated operation table. `classes.md` holds a copy that a test keeps current.
pub fn retry_classes_markdown() -> String {
    let mut out = String::from(
        "| operation | method | class | retried after | why |\n|---|---|---|---|---|\n",
    );
    for spec in mirai_voice_generated::operations::OPERATIONS {
        let (class, reason) = match OPERATION_RETRY_CLASSES
            .iter()
            .find(|row| row.operation_id == spec.operation_id)
        {
            Some(row) => (row.class, row.reason),
            None => (
                RetryClass::for_method(spec.http_method),
                "not in the table: follows the method",
            ),
        };
        // Writing to a `String` cannot fail.
        let _ = writeln!(
            out,
            "| `{}` | `{}` | {} | {} | {} |",
            spec.operation_id,
            spec.http_method,
            class.name(),
            class.retried(),
            reason
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use mirai_voice_generated::operations::OPERATIONS;

    use super::*;

    #[test]
    fn the_table_covers_exactly_the_operations_of_the_spec() {
        let spec: BTreeSet<&str> = OPERATIONS.iter().map(|op| op.operation_id).collect();
        let table: BTreeSet<&str> = OPERATION_RETRY_CLASSES
            .iter()
            .map(|row| row.operation_id)
            .collect();
        assert_eq!(
            table.len(),
            OPERATION_RETRY_CLASSES.len(),
            "each operation appears once"
        );
        assert_eq!(table, spec);
        assert!(
            table.contains("uploadKnowledgeBaseChunk"),
            "the hand-written chunk upload has a class too"
        );
    }

    #[test]
    fn classes_agree_with_the_methods() {
        for row in OPERATION_RETRY_CLASSES {
            let spec = OPERATIONS
                .iter()
                .find(|op| op.operation_id == row.operation_id)
                .expect("in the spec");
            let expected: &[RetryClass] = match spec.http_method {
                "GET" | "PUT" => &[Idempotent],
                "DELETE" => &[Delete],
                "POST" => &[SideEffecting, Repeatable],
                other => panic!("unexpected method {other}"),
            };
            assert!(
                expected.contains(&row.class),
                "{} {:?}",
                row.operation_id,
                row.class
            );
            assert!(!row.reason.is_empty());
        }
    }

    #[test]
    fn the_side_effecting_operations_are_the_ones_that_must_not_repeat() {
        let side_effecting: BTreeSet<&str> = OPERATION_RETRY_CLASSES
            .iter()
            .filter(|row| row.class == SideEffecting)
            .map(|row| row.operation_id)
            .collect();
        for id in [
            "initiateCall",
            "initiateWebCall",
            "purchaseNumber",
            "adminCreateAssistant",
            "createApiTool",
            "onboardCustomWorkspace",
            "initializeWorkspace",
            "startKnowledgeBaseUpload",
        ] {
            assert!(side_effecting.contains(id), "{id}");
        }
        assert_eq!(RetryClass::of_operation("abortCall"), Some(Repeatable));
        assert!(!SideEffecting.retries_ambiguous_failures());
        assert!(!SideEffecting.idempotency().is_idempotent());
        assert!(Repeatable.idempotency().is_idempotent());
    }

    /// `classes.md` is what the README shows; `MIRAI_UPDATE_RETRY_CLASSES=1` rewrites it.
    #[test]
    fn the_checked_in_table_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/src/retry/classes.md");
        let generated = retry_classes_markdown();
        if std::env::var_os("MIRAI_UPDATE_RETRY_CLASSES").is_some() {
            std::fs::write(path, &generated).expect("classes.md is writable");
        }
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            checked_in == generated,
            "src/retry/classes.md is stale; rerun with MIRAI_UPDATE_RETRY_CLASSES=1:\n{generated}"
        );
    }

    /// The README's retry table is the same generated table, between its markers.
    #[test]
    fn the_readme_shows_the_current_table() {
        let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
            .expect("the workspace README is readable");
        let start = readme
            .find("<!-- retry-classes:start")
            .and_then(|at| readme[at..].find('\n').map(|end| at + end + 1))
            .expect("the README marks where the retry table starts");
        let end = readme
            .find("<!-- retry-classes:end -->")
            .expect("the README marks where the retry table ends");
        assert_eq!(
            &readme[start..end],
            retry_classes_markdown(),
            "README.md's retry table is stale: paste src/retry/classes.md between its markers"
        );
    }
}
