//! The category of an API error response.

use std::fmt;

use reqwest::StatusCode;

/// What kind of error the API answered with, derived from the HTTP status.
///
/// ```
/// use reqwest::StatusCode;
/// use mirai_voice::error::ErrorKind;
/// assert_eq!(ErrorKind::from_status(StatusCode::CONFLICT), ErrorKind::Conflict);
/// assert_eq!(ErrorKind::from_status(StatusCode::BAD_GATEWAY), ErrorKind::Server);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `400`: the request was invalid (validation error, archived resource, wrong state).
    BadRequest,
    /// `401`: the API keys are missing or invalid.
    Unauthorized,
    /// `402`: the credit balance is insufficient.
    PaymentRequired,
    /// `403`: the keys may not perform this operation.
    Forbidden,
    /// `404`: the resource does not exist (in this workspace or organization).
    NotFound,
    /// `409`: the resource already exists, is already released, or is in use.
    Conflict,
    /// `429`: too many requests; wait before retrying.
    RateLimited,
    /// Any `5xx`: the server or a gateway in front of it failed.
    Server,
    /// Any other status.
    Other,
}

impl ErrorKind {
    /// The kind for an HTTP status.
    pub fn from_status(status: StatusCode) -> Self {
        match status.as_u16() {
            400 => Self::BadRequest,
            401 => Self::Unauthorized,
            402 => Self::PaymentRequired,
            403 => Self::Forbidden,
            404 => Self::NotFound,
            409 => Self::Conflict,
            429 => Self::RateLimited,
            500..=599 => Self::Server,
            _ => Self::Other,
        }
    }

    /// A short suggestion of what to do about an error of this kind, where one applies to every operation.
    pub fn hint(self) -> Option<&'static str> {
        match self {
            Self::Unauthorized => Some(
                "check the credentials sent with the request (API keys, or the route's own token)",
            ),
            Self::Forbidden => Some("the keys are not allowed to perform this operation"),
            Self::PaymentRequired => Some("top up the organization's credit balance"),
            Self::RateLimited => Some("rate limited, wait before retrying"),
            Self::Server => Some("the server failed, try again later"),
            Self::BadRequest | Self::NotFound | Self::Conflict | Self::Other => None,
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::BadRequest => "bad request",
            Self::Unauthorized => "unauthorized",
            Self::PaymentRequired => "payment required",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not found",
            Self::Conflict => "conflict",
            Self::RateLimited => "rate limited",
            Self::Server => "server error",
            Self::Other => "unexpected status",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_status_has_its_kind() {
        let cases = [
            (400, ErrorKind::BadRequest),
            (401, ErrorKind::Unauthorized),
            (402, ErrorKind::PaymentRequired),
            (403, ErrorKind::Forbidden),
            (404, ErrorKind::NotFound),
            (409, ErrorKind::Conflict),
            (429, ErrorKind::RateLimited),
            (500, ErrorKind::Server),
            (502, ErrorKind::Server),
            (599, ErrorKind::Server),
            (408, ErrorKind::Other),
            (422, ErrorKind::Other),
            (302, ErrorKind::Other),
        ];
        for (code, kind) in cases {
            assert_eq!(
                ErrorKind::from_status(StatusCode::from_u16(code).unwrap()),
                kind,
                "{code}"
            );
        }
    }

    #[test]
    fn hints_exist_where_the_fix_does_not_depend_on_the_operation() {
        assert!(ErrorKind::Unauthorized.hint().unwrap().contains("API keys"));
        assert_eq!(ErrorKind::NotFound.hint(), None);
        assert_eq!(ErrorKind::RateLimited.to_string(), "rate limited");
    }
}
