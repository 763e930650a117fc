//! What the client knows about the operation a request belongs to.
//!
//! Errors, retry decisions and tracing all need the same few facts about an operation: its id from `swagger.yaml`,
//! its HTTP method and path template, and whether repeating it is harmless (its [`RetryClass`], from the
//! per-operation table [`OPERATION_RETRY_CLASSES`](crate::retry::OPERATION_RETRY_CLASSES)). [`OperationContext`]
//! carries them.

#![warn(missing_docs)]

use std::fmt;

use crate::retry::RetryClass;

/// Whether sending a request twice has the same effect as sending it once.
///
/// This decides what the retry policy may do after a failure whose outcome is ambiguous (a timeout or a 5xx after
/// the request was sent): idempotent operations are retried, the others report
/// [`OutcomeUnknown`](crate::error::OutcomeUnknown) instead, because the API has no idempotency key and a second
/// attempt could, for example, dial a customer twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Idempotency {
    /// Repeating the request is harmless (`GET`, `PUT`, `DELETE`).
    Idempotent,
    /// The request has side effects that a repeat would duplicate (`POST`: initiate call, web call, purchase,
    /// creates, onboarding, uploads, archive).
    NonIdempotent,
}

impl Idempotency {
    /// The idempotency HTTP semantics give a method: `GET`, `HEAD`, `OPTIONS`, `PUT` and `DELETE` are idempotent,
    /// everything else (notably `POST` and `PATCH`) is not. Case-insensitive.
    ///
    /// ```
    /// use mirai_voice::operation::Idempotency;
    /// assert_eq!(Idempotency::for_method("put"), Idempotency::Idempotent);
    /// assert_eq!(Idempotency::for_method("POST"), Idempotency::NonIdempotent);
    /// ```
    pub fn for_method(method: &str) -> Self {
        const IDEMPOTENT: [&str; 5] = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"];
        if IDEMPOTENT.iter().any(|m| m.eq_ignore_ascii_case(method)) {
            Self::Idempotent
        } else {
            Self::NonIdempotent
        }
    }

    /// Returns `true` for [`Idempotency::Idempotent`].
    pub fn is_idempotent(self) -> bool {
        self == Self::Idempotent
    }
}

/// The facts about one API operation that errors, retries and tracing refer to.
///
/// ```
/// use mirai_voice::operation::{Idempotency, OperationContext};
/// use mirai_voice::retry::RetryClass;
///
/// // The class comes from the per-operation table, not from the method alone.
/// let abort = OperationContext::new("abortCall", "POST", "/v2/call/abort");
/// assert_eq!(abort.operation_id(), "abortCall");
/// assert_eq!(abort.retry_class(), RetryClass::Repeatable);
/// assert_eq!(abort.idempotency(), Idempotency::Idempotent);
/// let initiate = OperationContext::new("initiateCall", "POST", "/v2/call/initiate");
/// assert_eq!(initiate.idempotency(), Idempotency::NonIdempotent);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OperationContext {
    operation_id: &'static str,
    method: &'static str,
    path_template: &'static str,
    retry_class: RetryClass,
}

impl OperationContext {
    /// Describes the operation `operation_id` (the spec's camelCase id) sent as `method` to `path_template`
    /// (with `{placeholders}`, never the filled-in path). Its [`RetryClass`] is the one the per-operation table
    /// gives `operation_id`; an id missing from the table follows [`RetryClass::for_method`].
    pub fn new(
        operation_id: &'static str,
        method: &'static str,
        path_template: &'static str,
    ) -> Self {
        Self {
            operation_id,
            method,
            path_template,
            retry_class: RetryClass::of_operation(operation_id)
                .unwrap_or_else(|| RetryClass::for_method(method)),
        }
    }

    /// Overrides the idempotency from the table: `NonIdempotent` makes the operation
    /// [`RetryClass::SideEffecting`]; `Idempotent` makes a side-effecting one [`RetryClass::Delete`] for `DELETE`,
    /// [`RetryClass::Repeatable`] for `POST`/`PATCH` and [`RetryClass::Idempotent`] otherwise, and leaves any other
    /// class as it is.
    pub fn with_idempotency(mut self, idempotency: Idempotency) -> Self {
        self.retry_class = match (idempotency, self.retry_class) {
            (Idempotency::NonIdempotent, _) => RetryClass::SideEffecting,
            (Idempotency::Idempotent, RetryClass::SideEffecting) => {
                match RetryClass::for_method(self.method) {
                    RetryClass::SideEffecting => RetryClass::Repeatable,
                    other => other,
                }
            }
            (Idempotency::Idempotent, class) => class,
        };
        self
    }

    /// Overrides the retry class from the table.
    pub fn with_retry_class(mut self, retry_class: RetryClass) -> Self {
        self.retry_class = retry_class;
        self
    }

    /// The operation id from `swagger.yaml`, e.g. `initiateCall`.
    pub fn operation_id(&self) -> &'static str {
        self.operation_id
    }

    /// The HTTP method, e.g. `POST`.
    pub fn method(&self) -> &'static str {
        self.method
    }

    /// The path template, e.g. `/v1/admin/assistant/get/{assistantId}`.
    pub fn path_template(&self) -> &'static str {
        self.path_template
    }

    /// Whether the operation may be repeated safely (derived from its [`RetryClass`]).
    pub fn idempotency(&self) -> Idempotency {
        self.retry_class.idempotency()
    }

    /// How the operation may be repeated after a failure.
    pub fn retry_class(&self) -> RetryClass {
        self.retry_class
    }
}

impl fmt::Display for OperationContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({} {})",
            self.operation_id, self.method, self.path_template
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idempotency_follows_the_method() {
        for method in ["GET", "get", "PUT", "DELETE", "HEAD", "OPTIONS"] {
            assert!(Idempotency::for_method(method).is_idempotent(), "{method}");
        }
        for method in ["POST", "post", "PATCH", "CONNECT", ""] {
            assert!(!Idempotency::for_method(method).is_idempotent(), "{method}");
        }
    }

    #[test]
    fn override_and_display() {
        let op = OperationContext::new(
            "getAssistant",
            "GET",
            "/v1/admin/assistant/get/{assistantId}",
        )
        .with_idempotency(Idempotency::NonIdempotent);
        assert_eq!(op.idempotency(), Idempotency::NonIdempotent);
        assert_eq!(op.retry_class(), RetryClass::SideEffecting);
        assert_eq!(op.method(), "GET");
        assert_eq!(op.path_template(), "/v1/admin/assistant/get/{assistantId}");
        assert_eq!(
            op.to_string(),
            "getAssistant (GET /v1/admin/assistant/get/{assistantId})"
        );
    }

    #[test]
    fn the_class_comes_from_the_table_and_overrides_keep_its_flavour() {
        let abort = OperationContext::new("abortCall", "POST", "/v2/call/abort");
        assert_eq!(abort.retry_class(), RetryClass::Repeatable);
        let delete =
            OperationContext::new("deleteApiTool", "DELETE", "/v1/admin/tool/api/{toolId}");
        assert_eq!(delete.retry_class(), RetryClass::Delete);
        let unknown = OperationContext::new("notInTheSpec", "POST", "/x");
        assert_eq!(unknown.retry_class(), RetryClass::SideEffecting);
        assert_eq!(
            unknown
                .with_idempotency(Idempotency::Idempotent)
                .retry_class(),
            RetryClass::Repeatable
        );
        assert_eq!(
            delete
                .with_idempotency(Idempotency::Idempotent)
                .retry_class(),
            RetryClass::Delete
        );
        assert_eq!(
            abort
                .with_retry_class(RetryClass::SideEffecting)
                .idempotency(),
            Idempotency::NonIdempotent
        );
    }
}
