//! A non-idempotent request whose effect is unknown.

use std::fmt;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::StatusCode;

use super::api_error::ApiError;
use crate::operation::OperationContext;

/// What made the outcome of a sent request unknown.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum UnknownCause {
    /// No response arrived in time; `after` is the limit, when known.
    TimedOut {
        /// The timeout that expired.
        after: Option<Duration>,
    },
    /// The server answered with a `5xx`; the full response is kept.
    ServerError(Box<ApiError>),
    /// The connection failed after the request was sent.
    ConnectionLost {
        /// The underlying error chain (key material redacted).
        detail: String,
    },
}

/// A request with side effects was sent, and it is unknown whether it took effect.
///
/// The API has no idempotency key, so the client never repeats such a request after a timeout, a lost connection
/// or a `5xx`: a second `initiateCall` could dial the customer twice. The error records what was sent (the SHA-256
/// of the body and the time) so the caller can check, for example by waiting for the call's webhook events, before
/// deciding to send it again.
#[derive(Clone)]
pub struct OutcomeUnknown {
    operation: OperationContext,
    cause: UnknownCause,
    body_sha256: Option<String>,
    sent_at: Option<SystemTime>,
    attempts: u32,
}

impl OutcomeUnknown {
    /// An unknown outcome for `operation` caused by `cause`. The request details are added with
    /// [`Error::with_report`](super::Error::with_report) when the [executor](crate::executor) recorded them.
    pub fn new(operation: OperationContext, cause: UnknownCause) -> Self {
        Self {
            operation,
            cause,
            body_sha256: None,
            sent_at: None,
            attempts: 1,
        }
    }

    pub(crate) fn set_request(
        &mut self,
        body_sha256: Option<String>,
        sent_at: Option<SystemTime>,
        attempts: u32,
    ) {
        self.body_sha256 = body_sha256.or(self.body_sha256.take());
        self.sent_at = sent_at.or(self.sent_at);
        self.attempts = attempts.max(1);
    }

    pub(crate) fn set_timeout_if_unknown(&mut self, limit: Duration) {
        if let UnknownCause::TimedOut {
            after: after @ None,
        } = &mut self.cause
        {
            *after = Some(limit);
        }
    }

    /// The operation that was sent.
    pub fn operation(&self) -> &OperationContext {
        &self.operation
    }

    /// What made the outcome unknown.
    pub fn cause(&self) -> &UnknownCause {
        &self.cause
    }

    /// The lowercase hex SHA-256 of the request body, when the request had one and it was recorded.
    pub fn body_sha256(&self) -> Option<&str> {
        self.body_sha256.as_deref()
    }

    /// When the ambiguous attempt was sent, when recorded.
    pub fn sent_at(&self) -> Option<SystemTime> {
        self.sent_at
    }

    /// How many attempts were made in all (earlier ones were provably not delivered).
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// The status of the `5xx` answer, if the cause was one.
    pub fn status(&self) -> Option<StatusCode> {
        match &self.cause {
            UnknownCause::ServerError(api) => Some(api.status()),
            _ => None,
        }
    }
}

fn rfc3339(at: SystemTime) -> String {
    DateTime::<Utc>::from(at).to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl fmt::Display for OutcomeUnknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: outcome unknown: ", self.operation.operation_id())?;
        match &self.cause {
            UnknownCause::TimedOut { after: Some(after) } => {
                write!(f, "no response within {after:?}")?
            }
            UnknownCause::TimedOut { after: None } => f.write_str("the request timed out")?,
            UnknownCause::ServerError(api) => {
                write!(f, "the server answered {}", api.status())?;
                if let Some(message) = api.message() {
                    write!(
                        f,
                        " ({})",
                        crate::redact::redact_text(api.operation_id(), message)
                    )?;
                }
            }
            UnknownCause::ConnectionLost { detail } => write!(
                f,
                "the connection failed after the request was sent ({detail})"
            )?,
        }
        f.write_str(" after the request was sent")?;
        if let Some(at) = self.sent_at {
            write!(f, " at {}", rfc3339(at))?;
        }
        if let Some(digest) = &self.body_sha256 {
            write!(f, " (body sha256 {digest})")?;
        }
        f.write_str("; it may or may not have taken effect, so check before sending it again")
    }
}

impl fmt::Debug for OutcomeUnknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutcomeUnknown")
            .field("operation_id", &self.operation.operation_id())
            .field("method", &self.operation.method())
            .field("path", &self.operation.path_template())
            .field("cause", &self.cause)
            .field("body_sha256", &self.body_sha256)
            .field("sent_at", &self.sent_at.map(rfc3339))
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl std::error::Error for OutcomeUnknown {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.cause {
            UnknownCause::ServerError(api) => Some(api.as_ref()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderMap;

    use super::*;

    fn op() -> OperationContext {
        OperationContext::new("initiateCall", "POST", "/v2/call/initiate")
    }

    #[test]
    fn display_tells_what_was_sent_and_what_to_do() {
        let mut unknown = OutcomeUnknown::new(op(), UnknownCause::TimedOut { after: None });
        unknown.set_timeout_if_unknown(Duration::from_secs(30));
        unknown.set_request(
            Some("ab12".into()),
            Some(SystemTime::UNIX_EPOCH + Duration::from_millis(1_767_225_600_123)),
            2,
        );
        assert_eq!(
            unknown.to_string(),
            "initiateCall: outcome unknown: no response within 30s after the request was sent at \
             2026-01-01T00:00:00.123Z (body sha256 ab12); it may or may not have taken effect, so check before sending it again"
        );
        assert_eq!(unknown.attempts(), 2);
        assert_eq!(unknown.status(), None);
    }

    #[test]
    fn server_error_cause_keeps_the_response() {
        let api = ApiError::from_parts(
            op(),
            StatusCode::INTERNAL_SERVER_ERROR,
            &HeaderMap::new(),
            br#"{"code":500,"message":"Internal error"}"#,
            false,
        );
        let unknown = OutcomeUnknown::new(op(), UnknownCause::ServerError(Box::new(api)));
        assert_eq!(unknown.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
        assert_eq!(
            unknown.to_string(),
            "initiateCall: outcome unknown: the server answered 500 Internal Server Error (Internal error) after the request \
             was sent; it may or may not have taken effect, so check before sending it again"
        );
        assert!(std::error::Error::source(&unknown).is_some());
    }
}
