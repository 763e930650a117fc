//! The one error type every operation returns.
//!
//! [`Error`] separates what a caller reacts to differently:
//!
//! | variant | meaning | retry? |
//! |---|---|---|
//! | [`Error::Api`] | the API answered with an error status ([`ApiError`]: status, [`ErrorKind`], `code`, `message`, raw body, headers) | `429`/`502`/`503`/`504` only |
//! | [`Error::Transport`] | no HTTP answer: DNS, connect, connection lost ([`TransportError`]) | if the request was not sent, or the operation is idempotent |
//! | [`Error::Timeout`] | a connect timeout, attempt timeout or the total deadline ([`TimeoutError`]) | idempotent operations |
//! | [`Error::Decode`] | a success answer with an undecodable body, for an operation that may be repeated ([`DecodeError`]) | no |
//! | [`Error::Validation`] | rejected before sending ([`ValidationError`]) | no |
//! | [`Error::OutcomeUnknown`] | a request with side effects was sent and it is unknown whether it took effect, or a success status arrived without a readable body ([`OutcomeUnknown`]) | no: check first |
//! | [`Error::Config`] | invalid client configuration ([`ConfigError`]) | no |
//! | [`Error::KnowledgeBase`] | a knowledge-base upload could not read its file, or the file failed or was slow to process ([`KnowledgeBaseError`]) | no |
//!
//! `Display` texts name the operation and say what to do; `Debug` output never contains the API keys (header
//! values of `x-public-key`/`x-private-key` are redacted, and key-shaped text in server bodies is masked).
//!
//! Error responses are parsed tolerantly (see [`parse_error_body`]): `{code, message}` and
//! `{status_code, message}` bodies, HTML from gateways, empty bodies.
//!
//! The [`catalogue`] lists, for every documented error response of every operation in the
//! spec (and the usual undocumented ones: gateway HTML, empty 401, 429, truncated JSON), the
//! error you get and its message, e.g. what a 409 on `adminCreateAssistant` gives you.

#![warn(missing_docs)]

mod api_error;
mod body;
pub mod catalogue;
mod decode;
mod kind;
mod mapping;
mod outcome;
mod transport;
mod validation;

use reqwest::StatusCode;

pub use api_error::{ApiError, REQUEST_ID_HEADERS, request_id_from_headers};
pub use body::{
    MAX_KEPT_BODY_BYTES, MAX_READ_BODY_BYTES, ParsedErrorBody, RawBody, parse_error_body,
};
pub use decode::DecodeError;
pub use kind::ErrorKind;
pub use mapping::{ErrorBody, serialized_error_body};
pub use outcome::{OutcomeUnknown, UnknownCause};
pub use transport::{TimeoutError, TimeoutScope, TransportError, TransportPhase};
pub use validation::ValidationError;

pub(crate) use transport::error_chain;

pub use crate::config::ConfigError;
pub use crate::knowledge_base::KnowledgeBaseError;
use crate::operation::Idempotency;

/// Everything that can go wrong when calling the API.
///
/// ```
/// use reqwest::StatusCode;
/// use reqwest::header::HeaderMap;
/// use mirai_voice::error::{Error, ErrorKind};
/// use mirai_voice::operation::OperationContext;
///
/// let op = OperationContext::new("getKnowledgeBaseFile", "GET", "/v1/knowledge-base/files/{knowledgeBaseId}");
/// let err = Error::from_response(op, StatusCode::NOT_FOUND, &HeaderMap::new(),
///     br#"{"status_code":404,"message":"Knowledge base file not found"}"#, false);
/// match &err {
///     Error::Api(api) if api.kind() == ErrorKind::NotFound => {}
///     other => panic!("unexpected {other}"),
/// }
/// assert_eq!(err.status(), Some(StatusCode::NOT_FOUND));
/// assert!(!err.is_retryable());
/// ```
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with an error status.
    #[error(transparent)]
    Api(Box<ApiError>),
    /// The request failed below HTTP.
    #[error(transparent)]
    Transport(TransportError),
    /// The request timed out.
    #[error(transparent)]
    Timeout(TimeoutError),
    /// A success response could not be decoded.
    #[error(transparent)]
    Decode(Box<DecodeError>),
    /// The request was rejected before sending.
    #[error(transparent)]
    Validation(ValidationError),
    /// A request with side effects was sent and its outcome is unknown.
    #[error(transparent)]
    OutcomeUnknown(Box<OutcomeUnknown>),
    /// The client configuration is invalid.
    #[error(transparent)]
    Config(ConfigError),
    /// A knowledge-base upload failed outside the API's error responses.
    #[error(transparent)]
    KnowledgeBase(Box<KnowledgeBaseError>),
}

impl Error {
    /// Whether sending the same request again could succeed without risking a duplicate side effect.
    ///
    /// `true` for `429`/`502`/`503`/`504` answers, for transport failures and timeouts that either happened before
    /// the request was sent or belong to an idempotent operation. Always `false` for
    /// [`Error::OutcomeUnknown`]: find out what happened first.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Api(api) => api.is_retryable(),
            Self::Transport(t) => {
                t.request_not_sent() || t.operation().idempotency() == Idempotency::Idempotent
            }
            Self::Timeout(t) => {
                t.request_not_sent() || t.operation().idempotency() == Idempotency::Idempotent
            }
            Self::Decode(_)
            | Self::Validation(_)
            | Self::OutcomeUnknown(_)
            | Self::Config(_)
            | Self::KnowledgeBase(_) => false,
        }
    }

    /// The HTTP status the server answered with, if it answered.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Api(api) => Some(api.status()),
            Self::Decode(decode) => decode.status(),
            Self::OutcomeUnknown(unknown) => unknown.status(),
            Self::Transport(_)
            | Self::Timeout(_)
            | Self::Validation(_)
            | Self::Config(_)
            | Self::KnowledgeBase(_) => None,
        }
    }

    /// The kind of API error, for [`Error::Api`] (and a `5xx` [`Error::OutcomeUnknown`]).
    pub fn kind(&self) -> Option<ErrorKind> {
        self.api_error().map(ApiError::kind)
    }

    /// The request id the server sent with its response (see [`REQUEST_ID_HEADERS`]), for [`Error::Api`] and
    /// an [`Error::OutcomeUnknown`] that saw a response.
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Self::Api(api) => api.request_id(),
            Self::OutcomeUnknown(unknown) => unknown.request_id(),
            _ => None,
        }
    }

    /// The operation the error belongs to, when it belongs to one.
    pub fn operation_id(&self) -> Option<&'static str> {
        match self {
            Self::Api(api) => Some(api.operation_id()),
            Self::Transport(t) => Some(t.operation().operation_id()),
            Self::Timeout(t) => Some(t.operation().operation_id()),
            Self::Decode(d) => Some(d.operation().operation_id()),
            Self::OutcomeUnknown(u) => Some(u.operation().operation_id()),
            Self::Validation(ValidationError::MissingWorkspace { operation_id })
            | Self::Validation(ValidationError::MissingOrganization { operation_id }) => {
                Some(operation_id)
            }
            Self::Validation(ValidationError::InvalidRequest { operation_id, .. }) => *operation_id,
            Self::KnowledgeBase(e) => e.operation_id(),
            Self::Validation(_) | Self::Config(_) => None,
        }
    }

    /// The [`ApiError`], for [`Error::Api`] and a `5xx` [`Error::OutcomeUnknown`].
    pub fn api_error(&self) -> Option<&ApiError> {
        match self {
            Self::Api(api) => Some(api),
            Self::OutcomeUnknown(unknown) => match unknown.cause() {
                UnknownCause::ServerError(api) => Some(api),
                _ => None,
            },
            _ => None,
        }
    }
}

impl std::fmt::Debug for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Every inner type has a hand-written, redacting `Debug`.
        match self {
            Self::Api(e) => f.debug_tuple("Api").field(e).finish(),
            Self::Transport(e) => f.debug_tuple("Transport").field(e).finish(),
            Self::Timeout(e) => f.debug_tuple("Timeout").field(e).finish(),
            Self::Decode(e) => f.debug_tuple("Decode").field(e).finish(),
            Self::Validation(e) => f.debug_tuple("Validation").field(e).finish(),
            Self::OutcomeUnknown(e) => f.debug_tuple("OutcomeUnknown").field(e).finish(),
            Self::Config(e) => f.debug_tuple("Config").field(e).finish(),
            Self::KnowledgeBase(e) => f.debug_tuple("KnowledgeBase").field(e).finish(),
        }
    }
}

impl From<ApiError> for Error {
    fn from(error: ApiError) -> Self {
        Self::Api(Box::new(error))
    }
}

impl From<TransportError> for Error {
    fn from(error: TransportError) -> Self {
        Self::Transport(error)
    }
}

impl From<TimeoutError> for Error {
    fn from(error: TimeoutError) -> Self {
        Self::Timeout(error)
    }
}

impl From<DecodeError> for Error {
    fn from(error: DecodeError) -> Self {
        Self::Decode(Box::new(error))
    }
}

impl From<ValidationError> for Error {
    fn from(error: ValidationError) -> Self {
        Self::Validation(error)
    }
}

impl From<OutcomeUnknown> for Error {
    fn from(error: OutcomeUnknown) -> Self {
        Self::OutcomeUnknown(Box::new(error))
    }
}

impl From<ConfigError> for Error {
    fn from(error: ConfigError) -> Self {
        Self::Config(error)
    }
}

impl From<mirai_voice_generated::MissingCredential> for Error {
    fn from(missing: mirai_voice_generated::MissingCredential) -> Self {
        Self::Validation(missing.into())
    }
}

impl From<KnowledgeBaseError> for Error {
    fn from(error: KnowledgeBaseError) -> Self {
        Self::KnowledgeBase(Box::new(error))
    }
}

impl From<crate::knowledge_base::PlanError> for Error {
    fn from(error: crate::knowledge_base::PlanError) -> Self {
        Self::Validation(ValidationError::KnowledgeBase(error))
    }
}

/// A phone number that failed its E.164 check, so `"+15550100".parse()?` works in a function returning
/// [`crate::Result`].
impl From<crate::phone::InvalidPhoneNumber> for Error {
    fn from(error: crate::phone::InvalidPhoneNumber) -> Self {
        Self::Validation(ValidationError::PhoneNumber(error))
    }
}

/// An amount that failed its check, so `Money::new("…")?` works in a function returning [`crate::Result`].
impl From<crate::api::payload::MoneyError> for Error {
    fn from(error: crate::api::payload::MoneyError) -> Self {
        Self::Validation(ValidationError::Money(error))
    }
}

#[cfg(test)]
mod tests;
