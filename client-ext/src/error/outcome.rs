//! A non-idempotent request whose effect is unknown.

use std::fmt;
use std::time::{Duration, SystemTime};

use chrono::{DateTime, SecondsFormat, Utc};
use reqwest::StatusCode;

use super::api_error::ApiError;
use super::body::RawBody;
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
    /// The server accepted the request (a success status arrived), but its body did not: the connection broke
    /// or the time ran out while reading it. What the request created (e.g. the call id) is unknown.
    ResponseBodyLost {
        /// The success status, when recorded.
        status: Option<StatusCode>,
        /// Whether reading the body timed out (as opposed to the connection failing).
        timed_out: bool,
        /// The underlying error chain (key material redacted).
        detail: String,
    },
    /// The server accepted the request (a success status arrived), but its body could not be decoded
    /// (truncated or malformed JSON, or an undocumented success status).
    ResponseBodyUndecodable {
        /// The success status, when recorded.
        status: Option<StatusCode>,
        /// What arrived of the body (bounded).
        body: RawBody,
        /// Why decoding failed.
        detail: String,
    },
}

impl UnknownCause {
    /// Whether a success status arrived, i.e. the server accepted the request.
    pub fn was_accepted(&self) -> bool {
        matches!(
            self,
            Self::ResponseBodyLost { .. } | Self::ResponseBodyUndecodable { .. }
        )
    }
}

/// A request with side effects was sent, and it is unknown whether (or with what result) it took effect.
///
/// The API has no idempotency key, so the client never repeats such a request after a timeout, a lost connection
/// or a `5xx`: a second `initiateCall` could dial the customer twice. The same holds when a success status arrived
/// but its body did not (reset or timeout mid-body) or did not decode: the request was accepted, only its result is
/// unknown ([`UnknownCause::was_accepted`]); [`status`](Self::status) then carries the success status. The error
/// records what was sent (the SHA-256 of the body and the time) and the response's request id when one was seen, so
/// the caller can check, for example by waiting for the call's webhook events, before deciding to send it again.
#[derive(Clone)]
pub struct OutcomeUnknown {
    operation: OperationContext,
    cause: UnknownCause,
    body_sha256: Option<String>,
    sent_at: Option<SystemTime>,
    attempts: u32,
    request_id: Option<String>,
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
            request_id: None,
        }
    }

    pub(crate) fn set_status_if_unknown(&mut self, recorded: Option<StatusCode>) {
        if let UnknownCause::ResponseBodyLost { status, .. }
        | UnknownCause::ResponseBodyUndecodable { status, .. } = &mut self.cause
        {
            *status = status.or(recorded);
        }
    }

    pub(crate) fn set_request_id_if_unknown(&mut self, request_id: Option<&str>) {
        if self.request_id.is_none() {
            self.request_id = request_id.map(str::to_owned);
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

    /// The status that arrived: the `5xx` of a [`UnknownCause::ServerError`], or the success status whose body was
    /// lost or undecodable. `None` when no status arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match &self.cause {
            UnknownCause::ServerError(api) => Some(api.status()),
            UnknownCause::ResponseBodyLost { status, .. }
            | UnknownCause::ResponseBodyUndecodable { status, .. } => *status,
            UnknownCause::TimedOut { .. } | UnknownCause::ConnectionLost { .. } => None,
        }
    }

    /// The request id of the response, when one arrived with a request id header (see
    /// [`REQUEST_ID_HEADERS`](super::REQUEST_ID_HEADERS)); quote it when asking the API's support what happened.
    pub fn request_id(&self) -> Option<&str> {
        match &self.cause {
            UnknownCause::ServerError(api) => api.request_id().or(self.request_id.as_deref()),
            _ => self.request_id.as_deref(),
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
            UnknownCause::ResponseBodyLost {
                status,
                timed_out,
                detail,
            } => {
                f.write_str("the server accepted the request")?;
                if let Some(status) = status {
                    write!(f, " ({status})")?;
                }
                if *timed_out {
                    write!(
                        f,
                        " but its response body did not arrive in time ({detail})"
                    )?;
                } else {
                    write!(
                        f,
                        " but the connection failed while reading its response body ({detail})"
                    )?;
                }
            }
            UnknownCause::ResponseBodyUndecodable { status, detail, .. } => {
                f.write_str("the server accepted the request")?;
                if let Some(status) = status {
                    write!(f, " ({status})")?;
                }
                write!(f, " but its response body could not be decoded ({detail})")?;
            }
        }
        f.write_str(" after the request was sent")?;
        if let Some(at) = self.sent_at {
            write!(f, " at {}", rfc3339(at))?;
        }
        if let Some(digest) = &self.body_sha256 {
            write!(f, " (body sha256 {digest})")?;
        }
        if let Some(id) = self.request_id() {
            write!(f, " (request id {id})")?;
        }
        if self.cause.was_accepted() {
            f.write_str("; it took effect but its result is unknown, so find what it did before sending it again")
        } else {
            f.write_str("; it may or may not have taken effect, so check before sending it again")
        }
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
            .field("request_id", &self.request_id())
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
