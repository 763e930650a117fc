//! Turning responses, `reqwest` errors and `progenitor_client` errors into [`Error`].
//!
//! The core mapping is pure ([`Error::from_response`], [`Error::from_reqwest`]): it looks only at the operation,
//! the status, the headers and the body bytes, so it can be snapshot-tested without I/O.
//! [`Error::from_progenitor`] reads what it needs from a generated-client error (bounded), then applies the core
//! mapping, then adds what the [executor](crate::executor) recorded ([`Error::with_report`]).

use std::future::Future;

use bytes::Bytes;
use futures::StreamExt;
use progenitor_client::ByteStream;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde::Serialize;

use super::body::{MAX_READ_BODY_BYTES, RawBody};
use super::transport::error_chain;
use super::{
    ApiError, DecodeError, Error, OutcomeUnknown, TimeoutError, TimeoutScope, TransportError,
    TransportPhase, UnknownCause, ValidationError,
};
use crate::executor::{AttemptReport, classify_reqwest_error};
use crate::operation::OperationContext;
use crate::retry::AttemptOutcome;

/// The body type of a generated client's error responses, read into bytes for the error.
///
/// Implemented for [`progenitor_client::ByteStream`] (error responses declared as raw bytes), `()` (declared
/// without a body), [`Bytes`] and [`serde_json::Value`]. For a typed error body generated from the spec,
/// implement it with [`impl_error_body_via_serde!`](crate::impl_error_body_via_serde), which re-serializes the value.
pub trait ErrorBody: Sized + Send {
    /// Reads at most `limit` bytes of the body. Returns them and whether the body was longer (or failed midway).
    fn read_bounded(self, limit: usize) -> impl Future<Output = (Vec<u8>, bool)> + Send;
}

impl ErrorBody for () {
    fn read_bounded(self, _limit: usize) -> impl Future<Output = (Vec<u8>, bool)> + Send {
        std::future::ready((Vec::new(), false))
    }
}

impl ErrorBody for Bytes {
    fn read_bounded(self, limit: usize) -> impl Future<Output = (Vec<u8>, bool)> + Send {
        let keep = self.len().min(limit);
        std::future::ready((self[..keep].to_vec(), self.len() > keep))
    }
}

impl ErrorBody for serde_json::Value {
    fn read_bounded(self, limit: usize) -> impl Future<Output = (Vec<u8>, bool)> + Send {
        std::future::ready(serialized_error_body(&self, limit))
    }
}

impl ErrorBody for ByteStream {
    async fn read_bounded(self, limit: usize) -> (Vec<u8>, bool) {
        let mut stream = self.into_inner();
        let mut body = Vec::new();
        while let Some(chunk) = stream.next().await {
            let Ok(chunk) = chunk else {
                // A body that broke off is reported as truncated; what arrived is kept.
                return (body, true);
            };
            let room = limit - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                return (body, true);
            }
            body.extend_from_slice(&chunk);
        }
        (body, false)
    }
}

/// Serializes a typed error body back to JSON, keeping at most `limit` bytes. Used by
/// [`impl_error_body_via_serde!`](crate::impl_error_body_via_serde).
pub fn serialized_error_body<T: Serialize + ?Sized>(value: &T, limit: usize) -> (Vec<u8>, bool) {
    let mut json = serde_json::to_vec(value).unwrap_or_default();
    let truncated = json.len() > limit;
    json.truncate(limit);
    (json, truncated)
}

/// Implements [`ErrorBody`](crate::error::ErrorBody) for typed error bodies by re-serializing them to JSON.
///
/// ```
/// #[derive(serde::Serialize)]
/// struct AbortCallError { code: Option<i64>, message: Option<String> }
/// mirai_voice::impl_error_body_via_serde!(AbortCallError);
/// ```
#[macro_export]
macro_rules! impl_error_body_via_serde {
    ($($ty:ty),+ $(,)?) => {$(
        impl $crate::error::ErrorBody for $ty {
            fn read_bounded(
                self,
                limit: usize,
            ) -> impl ::core::future::Future<Output = (::std::vec::Vec<u8>, bool)> + ::core::marker::Send {
                ::core::future::ready($crate::error::serialized_error_body(&self, limit))
            }
        }
    )+};
}

async fn read_response_bounded(mut response: reqwest::Response, limit: usize) -> (Vec<u8>, bool) {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = limit - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    return (body, true);
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return (body, false),
            Err(_) => return (body, true),
        }
    }
}

impl Error {
    /// Maps a response the operation did not expect to succeed with. Pure: no I/O.
    ///
    /// * A `2xx` (an undocumented success status) is a [`DecodeError`]: the operation probably took effect, but
    ///   its answer has no known shape.
    /// * A `5xx` answer to a non-idempotent operation is [`OutcomeUnknown`]: the side effect may have happened.
    /// * Anything else is an [`ApiError`].
    ///
    /// `body` is what was read of the body; `truncated` says reading stopped early.
    pub fn from_response(
        operation: OperationContext,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        truncated: bool,
    ) -> Self {
        if status.is_success() {
            let detail = format!(
                "status {} is not a documented response of this operation",
                status.as_u16()
            );
            return DecodeError::new(
                operation,
                Some(status),
                RawBody::bounded(body, truncated),
                detail,
            )
            .into();
        }
        let api = ApiError::from_parts(operation, status, headers, body, truncated);
        if status.is_server_error() && !operation.idempotency().is_idempotent() {
            return OutcomeUnknown::new(operation, UnknownCause::ServerError(Box::new(api))).into();
        }
        api.into()
    }

    /// Maps a `reqwest` error from sending the request.
    ///
    /// Failures before sending (DNS, connect, connect timeout) are [`Error::Transport`]/[`Error::Timeout`] with
    /// the request marked as not sent. Failures after sending are [`Error::Timeout`]/[`Error::Transport`] for
    /// idempotent operations and [`Error::OutcomeUnknown`] for the others.
    pub fn from_reqwest(operation: OperationContext, error: reqwest::Error) -> Self {
        let idempotent = operation.idempotency().is_idempotent();
        match classify_reqwest_error(&error) {
            AttemptOutcome::Invalid => ValidationError::InvalidRequest {
                operation_id: Some(operation.operation_id()),
                message: error_chain(&error),
            }
            .into(),
            AttemptOutcome::NotSent { timed_out: true } => {
                TimeoutError::new(operation, TimeoutScope::Connect, None)
                    .with_source(error)
                    .into()
            }
            AttemptOutcome::NotSent { timed_out: false } => {
                TransportError::from_reqwest(operation, error).into()
            }
            AttemptOutcome::TimedOut if idempotent => {
                TimeoutError::new(operation, TimeoutScope::Attempt, None)
                    .with_source(error)
                    .into()
            }
            AttemptOutcome::TimedOut => {
                OutcomeUnknown::new(operation, UnknownCause::TimedOut { after: None }).into()
            }
            AttemptOutcome::ConnectionLost | AttemptOutcome::Response { .. } if idempotent => {
                TransportError::from_reqwest(operation, error).into()
            }
            AttemptOutcome::ConnectionLost | AttemptOutcome::Response { .. } => {
                let detail = crate::secret::redact_key_material(&error_chain(&error)).into_owned();
                OutcomeUnknown::new(operation, UnknownCause::ConnectionLost { detail }).into()
            }
        }
    }

    /// Maps an error returned by a generated-client method, then adds what the executor recorded in `report`.
    ///
    /// | `progenitor_client::Error` | becomes |
    /// |---|---|
    /// | `ErrorResponse`, `UnexpectedResponse` | [`Error::from_response`] on the status, headers and (bounded) body |
    /// | `CommunicationError` | [`Error::from_reqwest`] |
    /// | `InvalidResponsePayload` | [`Error::Decode`], body kept, status from `report` |
    /// | `ResponseBodyError` | [`Error::Timeout`] (reading the body) or [`Error::Transport`] |
    /// | `InvalidRequest`, `Custom` | [`Error::Validation`] |
    /// | `InvalidUpgrade` | [`Error::Transport`] |
    pub async fn from_progenitor<E: ErrorBody>(
        operation: OperationContext,
        error: progenitor_client::Error<E>,
        report: Option<&AttemptReport>,
    ) -> Self {
        use progenitor_client::Error as P;
        let mapped = match error {
            P::InvalidRequest(message) | P::Custom(message) => ValidationError::InvalidRequest {
                operation_id: Some(operation.operation_id()),
                message,
            }
            .into(),
            P::CommunicationError(e) => Self::from_reqwest(operation, e),
            P::InvalidUpgrade(e) => TransportError::from_reqwest(operation, e)
                .with_phase(TransportPhase::Upgrade)
                .into(),
            P::ErrorResponse(value) => {
                let status = value.status();
                let headers = value.headers().clone();
                let (body, truncated) = value.into_inner().read_bounded(MAX_READ_BODY_BYTES).await;
                Self::from_response(operation, status, &headers, &body, truncated)
            }
            P::UnexpectedResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let (body, truncated) = read_response_bounded(response, MAX_READ_BODY_BYTES).await;
                Self::from_response(operation, status, &headers, &body, truncated)
            }
            P::ResponseBodyError(e) if e.is_timeout() => {
                TimeoutError::new(operation, TimeoutScope::ResponseBody, None)
                    .with_source(e)
                    .into()
            }
            P::ResponseBodyError(e) => TransportError::from_reqwest(operation, e)
                .with_phase(TransportPhase::ResponseBody)
                .into(),
            P::InvalidResponsePayload(bytes, e) => DecodeError::new(
                operation,
                None,
                RawBody::bounded(&bytes, false),
                e.to_string(),
            )
            .into(),
        };
        match report {
            Some(report) => mapped.with_report(report),
            None => mapped,
        }
    }

    /// Adds what the [executor](crate::executor) recorded about the request: the number of attempts, the body
    /// digest and send time for [`Error::OutcomeUnknown`], the exceeded limit for [`Error::Timeout`], and the
    /// status for a [`Error::Decode`] that lacks one.
    pub fn with_report(self, report: &AttemptReport) -> Self {
        let attempts = report.attempt_count();
        let last = report.last();
        match self {
            Self::OutcomeUnknown(mut unknown) => {
                unknown.set_request(
                    report.body_sha256().map(str::to_owned),
                    report.last_sent_at(),
                    attempts,
                );
                if let Some(last) = last {
                    unknown.set_timeout_if_unknown(last.timeout);
                }
                Self::OutcomeUnknown(unknown)
            }
            Self::Timeout(timeout) => {
                let mut timeout = timeout.with_attempts(attempts);
                if let (Some(last), TimeoutScope::Attempt) = (last, timeout.scope()) {
                    timeout = match (last.deadline_limited, report.total_deadline()) {
                        (true, Some(deadline)) => {
                            timeout.with_limit(TimeoutScope::Deadline, deadline)
                        }
                        _ => timeout.with_limit(TimeoutScope::Attempt, last.timeout),
                    };
                }
                Self::Timeout(timeout)
            }
            Self::Transport(transport) => Self::Transport(transport.with_attempts(attempts)),
            Self::Decode(mut decode) => {
                decode.set_status_if_unknown(report.last_status());
                Self::Decode(decode)
            }
            other => other,
        }
    }
}
