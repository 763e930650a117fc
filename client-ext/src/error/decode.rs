//! A success response whose body could not be decoded.

use std::fmt;

use reqwest::StatusCode;

use super::body::RawBody;
use crate::operation::OperationContext;
use crate::redact::redact_decoder_detail;

/// The server answered, but its body did not have the documented shape.
///
/// The operation most likely took effect; the body is kept so the caller can still read what came back.
#[derive(Clone)]
pub struct DecodeError {
    operation: OperationContext,
    status: Option<StatusCode>,
    body: RawBody,
    detail: String,
}

impl DecodeError {
    /// A body that failed to decode; `detail` is the decoder's message (e.g. the `serde_json` error).
    ///
    /// The body is marked as belonging to `operation` ([`RawBody::for_operation`]) and `detail` is
    /// [redacted](crate::redact::redact_decoder_detail) for it, so neither shows a credential when formatted.
    pub fn new(
        operation: OperationContext,
        status: Option<StatusCode>,
        body: RawBody,
        detail: impl Into<String>,
    ) -> Self {
        let operation_id = operation.operation_id();
        Self {
            operation,
            status,
            body: body.for_operation(operation_id),
            detail: redact_decoder_detail(operation_id, &detail.into()).into_owned(),
        }
    }

    pub(crate) fn set_status_if_unknown(&mut self, status: Option<StatusCode>) {
        if self.status.is_none() {
            self.status = status;
        }
    }

    /// The operation whose response failed to decode.
    pub fn operation(&self) -> &OperationContext {
        &self.operation
    }

    /// The response status, when known.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// The body as received (bounded); its `Debug` and [`RawBody::redacted`] hide credentials, its
    /// [`text`](RawBody::text) does not.
    pub fn body(&self) -> &RawBody {
        &self.body
    }

    /// Why decoding failed.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: could not decode the ",
            self.operation.operation_id()
        )?;
        if let Some(status) = self.status {
            write!(f, "{status} ")?;
        }
        write!(f, "response body: {}", self.detail)
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("operation_id", &self.operation.operation_id())
            .field("method", &self.operation.method())
            .field("path", &self.operation.path_template())
            .field("status", &self.status.map(|s| s.as_u16()))
            .field("detail", &self.detail)
            .field("body", &self.body)
            .finish()
    }
}

impl std::error::Error for DecodeError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_with_and_without_status() {
        let op = OperationContext::new("getHealthMonitor", "GET", "/health");
        let mut err =
            DecodeError::new(op, None, RawBody::bounded(b"{", false), "EOF while parsing");
        assert_eq!(
            err.to_string(),
            "getHealthMonitor: could not decode the response body: EOF while parsing"
        );
        err.set_status_if_unknown(Some(StatusCode::OK));
        err.set_status_if_unknown(Some(StatusCode::CREATED));
        assert_eq!(err.status(), Some(StatusCode::OK));
        assert_eq!(
            err.to_string(),
            "getHealthMonitor: could not decode the 200 OK response body: EOF while parsing"
        );
        assert_eq!(err.body().text(), "{");
    }
}
