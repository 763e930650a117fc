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
use crate::retry::{AttemptOutcome, Decision, GiveUpReason, RetryClass};

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
    ///   its answer has no known shape. For a side-effecting operation it is [`OutcomeUnknown`]
    ///   ([`UnknownCause::ResponseBodyUndecodable`]): the request was accepted, its result is unknown.
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
            return Self::from_undecodable_success(
                operation,
                Some(status),
                body,
                truncated,
                detail,
            );
        }
        let api = ApiError::from_parts(operation, status, headers, body, truncated);
        if status.is_server_error() && !operation.idempotency().is_idempotent() {
            return OutcomeUnknown::new(operation, UnknownCause::ServerError(Box::new(api))).into();
        }
        api.into()
    }

    /// Maps a success response whose body arrived but could not be decoded. Pure: no I/O.
    ///
    /// For an operation that may be repeated this is [`Error::Decode`]; for a side-effecting one it is
    /// [`Error::OutcomeUnknown`] with [`UnknownCause::ResponseBodyUndecodable`]: the server accepted the request,
    /// and a caller treating it as a plain failure and sending it again would repeat its effect.
    pub fn from_undecodable_success(
        operation: OperationContext,
        status: Option<StatusCode>,
        body: &[u8],
        truncated: bool,
        detail: impl Into<String>,
    ) -> Self {
        // Tied to its operation, so every rendering of it withholds the credentials that operation carries.
        let body = RawBody::bounded(body, truncated).for_operation(operation.operation_id());
        if operation.retry_class() == RetryClass::SideEffecting {
            let detail =
                crate::redact::redact_decoder_detail(operation.operation_id(), &detail.into())
                    .into_owned();
            return OutcomeUnknown::new(
                operation,
                UnknownCause::ResponseBodyUndecodable {
                    status,
                    body,
                    detail,
                },
            )
            .into();
        }
        DecodeError::new(operation, status, body, detail).into()
    }

    /// Maps a failure to read the body of a success response (the status arrived, the body did not).
    ///
    /// For an operation that may be repeated this is [`Error::Timeout`] (reading the body) or
    /// [`Error::Transport`]; for a side-effecting one it is [`Error::OutcomeUnknown`] with
    /// [`UnknownCause::ResponseBodyLost`]: never a retryable error, since the request was accepted.
    pub fn from_success_body_error(operation: OperationContext, error: reqwest::Error) -> Self {
        if operation.retry_class() == RetryClass::SideEffecting {
            let detail = crate::secret::redact_key_material(&error_chain(&error)).into_owned();
            return OutcomeUnknown::new(
                operation,
                UnknownCause::ResponseBodyLost {
                    status: error.status(),
                    timed_out: error.is_timeout(),
                    detail,
                },
            )
            .into();
        }
        if error.is_timeout() {
            return TimeoutError::new(operation, TimeoutScope::ResponseBody, None)
                .with_source(error)
                .into();
        }
        TransportError::from_reqwest(operation, error)
            .with_phase(TransportPhase::ResponseBody)
            .into()
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
    /// | `InvalidResponsePayload` | [`Error::from_undecodable_success`]: [`Error::Decode`], or [`Error::OutcomeUnknown`] for a side-effecting operation; body kept, status from `report` |
    /// | `ResponseBodyError` | [`Error::from_success_body_error`]: [`Error::Timeout`] (reading the body) or [`Error::Transport`], or [`Error::OutcomeUnknown`] for a side-effecting operation |
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
            P::ResponseBodyError(e) => Self::from_success_body_error(operation, e),
            P::InvalidResponsePayload(bytes, e) => {
                Self::from_undecodable_success(operation, None, &bytes, false, e.to_string())
            }
        };
        match report {
            Some(report) => mapped.with_report(report),
            None => mapped,
        }
    }

    /// Adds what the [executor](crate::executor) recorded about the request: the number of attempts, the body
    /// digest, send time, status and request id for [`Error::OutcomeUnknown`], the exceeded limit for
    /// [`Error::Timeout`], and the status for a [`Error::Decode`] that lacks one.
    ///
    /// Two outcomes only the report shows replace the error:
    /// * a side-effecting retry refused for lack of time ([`GiveUpReason::SideEffectWindow`]) becomes an
    ///   [`Error::Timeout`] of scope [`TimeoutScope::SideEffectWindow`] (the request was not sent again), with the
    ///   last attempt's error as its source;
    /// * a `404` to a [`RetryClass::Delete`] operation after a retry that followed an ambiguous failure is flagged
    ///   [`ApiError::is_not_found_after_retry`]: the earlier attempt probably deleted it.
    pub fn with_report(self, report: &AttemptReport) -> Self {
        let refused_for_time =
            report.final_decision() == Some(Decision::GiveUp(GiveUpReason::SideEffectWindow));
        if let (true, Some(operation)) = (refused_for_time, self.operation_context().copied()) {
            let last_error = self.with_report_details(report);
            let mut timeout = TimeoutError::new(operation, TimeoutScope::SideEffectWindow, None)
                .with_attempts(report.attempt_count())
                .with_source(last_error);
            if let Some(deadline) = report.total_deadline() {
                timeout = timeout.with_limit(TimeoutScope::SideEffectWindow, deadline);
            }
            return timeout.into();
        }
        self.with_report_details(report)
    }

    fn operation_context(&self) -> Option<&OperationContext> {
        match self {
            Self::Api(api) => Some(api.operation()),
            Self::Transport(t) => Some(t.operation()),
            Self::Timeout(t) => Some(t.operation()),
            Self::Decode(d) => Some(d.operation()),
            Self::OutcomeUnknown(u) => Some(u.operation()),
            _ => None,
        }
    }

    fn with_report_details(self, report: &AttemptReport) -> Self {
        let attempts = report.attempt_count();
        let last = report.last();
        match self {
            Self::OutcomeUnknown(mut unknown) => {
                unknown.set_request(
                    report.body_sha256().map(str::to_owned),
                    report.last_sent_at(),
                    attempts,
                );
                unknown.set_status_if_unknown(report.last_status());
                unknown.set_request_id_if_unknown(report.last_request_id());
                if let Some(last) = last {
                    unknown.set_timeout_if_unknown(last.timeout);
                }
                Self::OutcomeUnknown(unknown)
            }
            Self::Api(mut api) => {
                if api.status() == StatusCode::NOT_FOUND
                    && api.operation().retry_class() == RetryClass::Delete
                    && retried_after_ambiguous_failure(report)
                {
                    api.mark_not_found_after_retry();
                }
                Self::Api(api)
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

/// Whether an attempt before the last one ended ambiguously (it may have reached the server and taken effect).
fn retried_after_ambiguous_failure(report: &AttemptReport) -> bool {
    let attempts = report.attempts();
    attempts.len() > 1
        && attempts[..attempts.len() - 1]
            .iter()
            .any(|a| match a.outcome {
                AttemptOutcome::TimedOut | AttemptOutcome::ConnectionLost => true,
                AttemptOutcome::Response { status, .. } => status.is_server_error(),
                AttemptOutcome::NotSent { .. } | AttemptOutcome::Invalid => false,
            })
}
