//! Failures below HTTP: connecting, sending, waiting, reading.

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use crate::operation::OperationContext;
use crate::secret::redact_key_material;

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Where a transport failure happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportPhase {
    /// Resolving the API host name failed; nothing was sent.
    Dns,
    /// Connecting (TCP or TLS) failed; nothing was sent.
    Connect,
    /// The connection failed while sending the request or waiting for the response.
    Request,
    /// The connection failed while reading the response body.
    ResponseBody,
    /// Upgrading the connection failed.
    Upgrade,
}

impl TransportPhase {
    /// Whether a failure in this phase proves the request never reached the server.
    pub fn proves_not_sent(self) -> bool {
        matches!(self, Self::Dns | Self::Connect)
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Dns => "could not resolve the API host",
            Self::Connect => "could not connect to the API",
            Self::Request => {
                "the connection failed while sending the request or awaiting the response"
            }
            Self::ResponseBody => "the connection failed while reading the response body",
            Self::Upgrade => "the connection upgrade failed",
        }
    }
}

/// The request failed below HTTP: no response status was received.
pub struct TransportError {
    operation: OperationContext,
    phase: TransportPhase,
    attempts: u32,
    detail: String,
    source: Option<BoxError>,
}

impl TransportError {
    /// A transport failure in `phase`, described by `detail`.
    pub fn new(
        operation: OperationContext,
        phase: TransportPhase,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            operation,
            phase,
            attempts: 1,
            detail: redact_key_material(&detail.into()).into_owned(),
            source: None,
        }
    }

    /// Classifies a `reqwest` error: DNS, connect, or a failure after sending.
    pub fn from_reqwest(operation: OperationContext, error: reqwest::Error) -> Self {
        let phase = if error.is_dns() {
            TransportPhase::Dns
        } else if error.is_connect() {
            TransportPhase::Connect
        } else if error.is_body() || error.is_decode() {
            TransportPhase::ResponseBody
        } else {
            TransportPhase::Request
        };
        Self::new(operation, phase, error_chain(&error)).with_source(error)
    }

    pub(crate) fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    pub(crate) fn with_phase(mut self, phase: TransportPhase) -> Self {
        self.phase = phase;
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// The operation that failed.
    pub fn operation(&self) -> &OperationContext {
        &self.operation
    }

    /// Where the failure happened.
    pub fn phase(&self) -> TransportPhase {
        self.phase
    }

    /// Whether the request provably never reached the server, so sending it again cannot duplicate anything.
    pub fn request_not_sent(&self) -> bool {
        self.phase.proves_not_sent()
    }

    /// How many attempts were made.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The underlying error chain as text (with key material redacted).
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}",
            self.operation.operation_id(),
            self.phase.describe()
        )?;
        if self.request_not_sent() {
            f.write_str(" (the request was not sent)")?;
        }
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        write!(f, ": {}", self.detail)
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("operation_id", &self.operation.operation_id())
            .field("method", &self.operation.method())
            .field("path", &self.operation.path_template())
            .field("phase", &self.phase)
            .field("request_not_sent", &self.request_not_sent())
            .field("attempts", &self.attempts)
            .field("detail", &self.detail)
            .finish()
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// Which limit a [`TimeoutError`] hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutScope {
    /// Connecting took longer than the connect timeout; nothing was sent.
    Connect,
    /// An attempt took longer than the per-attempt timeout.
    Attempt,
    /// The total deadline for the operation (all attempts and waits) passed.
    Deadline,
    /// Reading the response body took too long.
    ResponseBody,
    /// A retry of a side-effecting operation was not sent: too little time was left before the total deadline
    /// ([`RetryConfig::min_side_effect_window`](crate::retry::RetryConfig::min_side_effect_window)) for it to
    /// complete. No attempt reached the server (only such failures are retried for these operations); the
    /// last attempt's error is the [`source`](std::error::Error::source).
    SideEffectWindow,
}

/// The request timed out.
///
/// Returned for operations that may be repeated safely, and for connect timeouts (nothing was sent). A timeout
/// after a non-idempotent request was sent is an [`OutcomeUnknown`](super::OutcomeUnknown) instead.
pub struct TimeoutError {
    operation: OperationContext,
    scope: TimeoutScope,
    after: Option<Duration>,
    attempts: u32,
    source: Option<BoxError>,
}

impl TimeoutError {
    /// A timeout of `scope`; `after` is the limit that was exceeded, when known.
    pub fn new(operation: OperationContext, scope: TimeoutScope, after: Option<Duration>) -> Self {
        Self {
            operation,
            scope,
            after,
            attempts: 1,
            source: None,
        }
    }

    pub(crate) fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    pub(crate) fn with_limit(mut self, scope: TimeoutScope, after: Duration) -> Self {
        self.scope = scope;
        self.after = Some(after);
        self
    }

    /// The operation that timed out.
    pub fn operation(&self) -> &OperationContext {
        &self.operation
    }

    /// Which limit was hit.
    pub fn scope(&self) -> TimeoutScope {
        self.scope
    }

    /// The limit that was exceeded, when known.
    pub fn after(&self) -> Option<Duration> {
        self.after
    }

    /// How many attempts were made.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Whether the request provably never reached the server.
    pub fn request_not_sent(&self) -> bool {
        matches!(
            self.scope,
            TimeoutScope::Connect | TimeoutScope::SideEffectWindow
        )
    }
}

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.operation.operation_id())?;
        let limit = self.after.map(|d| format!(" of {d:?}")).unwrap_or_default();
        match self.scope {
            TimeoutScope::Connect => write!(
                f,
                "could not connect within the connect timeout{limit} (the request was not sent)"
            )?,
            TimeoutScope::Attempt => {
                write!(f, "no response within the per-attempt timeout{limit}")?
            }
            TimeoutScope::Deadline => write!(f, "no response before the total deadline{limit}")?,
            TimeoutScope::ResponseBody => write!(f, "timed out reading the response body{limit}")?,
            TimeoutScope::SideEffectWindow => write!(
                f,
                "not retried: too little time was left before the total deadline{limit} for a request with side \
                 effects to complete (the request was not sent again)"
            )?,
        }
        if self.attempts > 1 {
            write!(f, " ({} attempts)", self.attempts)?;
        }
        Ok(())
    }
}

impl fmt::Debug for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimeoutError")
            .field("operation_id", &self.operation.operation_id())
            .field("method", &self.operation.method())
            .field("path", &self.operation.path_template())
            .field("scope", &self.scope)
            .field("after", &self.after)
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl StdError for TimeoutError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

/// Renders an error and its sources as `outer: inner: innermost`, skipping repeats.
pub(crate) fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op() -> OperationContext {
        OperationContext::new("listApiTools", "GET", "/v1/admin/tool/api")
    }

    #[test]
    fn transport_display_says_whether_the_request_was_sent() {
        let refused = TransportError::new(op(), TransportPhase::Connect, "connection refused");
        assert!(refused.request_not_sent());
        assert_eq!(
            refused.to_string(),
            "listApiTools: could not connect to the API (the request was not sent): connection refused"
        );
        let reset =
            TransportError::new(op(), TransportPhase::Request, "connection reset").with_attempts(3);
        assert!(!reset.request_not_sent());
        assert_eq!(
            reset.to_string(),
            "listApiTools: the connection failed while sending the request or awaiting the response after 3 attempts: connection reset"
        );
    }

    #[test]
    fn timeout_display_names_the_limit() {
        let attempt = TimeoutError::new(op(), TimeoutScope::Attempt, Some(Duration::from_secs(30)))
            .with_attempts(3);
        assert_eq!(
            attempt.to_string(),
            "listApiTools: no response within the per-attempt timeout of 30s (3 attempts)"
        );
        let connect = TimeoutError::new(op(), TimeoutScope::Connect, None);
        assert!(connect.request_not_sent());
        assert_eq!(
            connect.to_string(),
            "listApiTools: could not connect within the connect timeout (the request was not sent)"
        );
        let deadline = TimeoutError::new(op(), TimeoutScope::Attempt, None)
            .with_limit(TimeoutScope::Deadline, Duration::from_millis(1500));
        assert_eq!(
            deadline.to_string(),
            "listApiTools: no response before the total deadline of 1.5s"
        );
    }

    #[test]
    fn detail_is_redacted_and_chain_deduplicated() {
        let sk = format!("sk_{}", "c3".repeat(32));
        let err = TransportError::new(op(), TransportPhase::Request, format!("proxy said {sk}"));
        assert!(!err.to_string().contains(&sk));
        assert!(!format!("{err:?}").contains(&sk));

        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        assert_eq!(error_chain(&io), "refused");
    }
}
