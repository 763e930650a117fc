//! Configuration errors.

use std::fmt;

/// Why a configuration value was rejected. Never includes the value itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum InvalidReason {
    /// The value is empty.
    Empty,
    /// The value contains characters an HTTP header cannot carry (control characters, line breaks, non-ASCII).
    NotHeaderSafe,
    /// The value is not valid UTF-8.
    NotUnicode,
    /// The value is not an absolute `http` or `https` URL.
    NotHttpUrl,
    /// The value is not `production` or `staging`.
    UnknownEnvironment,
    /// A duration is zero.
    ZeroDuration,
}

impl fmt::Display for InvalidReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "is empty",
            Self::NotHeaderSafe => "contains characters not allowed in an HTTP header",
            Self::NotUnicode => "is not valid UTF-8",
            Self::NotHttpUrl => "is not an absolute http(s) URL",
            Self::UnknownEnvironment => "must be `production` or `staging`",
            Self::ZeroDuration => "must be greater than zero",
        })
    }
}

/// The client configuration is missing something or has an invalid value.
///
/// Messages name the environment variable or builder setting, and never contain the value (it may be a key).
///
/// ```
/// use mirai_voice::config::{ConfigError, InvalidReason};
/// let err = ConfigError::InvalidVariable { name: "MIRAI_PRIVATE_KEY", reason: InvalidReason::Empty };
/// assert_eq!(err.to_string(), "environment variable MIRAI_PRIVATE_KEY is empty");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A required environment variable is not set.
    #[error("environment variable {name} is not set")]
    MissingVariable {
        /// The variable.
        name: &'static str,
    },
    /// An environment variable has an unusable value.
    #[error("environment variable {name} {reason}")]
    InvalidVariable {
        /// The variable.
        name: &'static str,
        /// What is wrong with it.
        reason: InvalidReason,
    },
    /// Two environment variables that exclude each other are both set.
    #[error("environment variables {first} and {second} are both set: set only one")]
    ConflictingVariables {
        /// One variable.
        first: &'static str,
        /// The other.
        second: &'static str,
    },
    /// A required builder setting was not given.
    #[error("client configuration is missing `{setting}`: call ClientBuilder::{setting}")]
    MissingSetting {
        /// The builder method that sets it.
        setting: &'static str,
    },
    /// A builder setting has an unusable value.
    #[error("client setting `{setting}` {reason}")]
    InvalidSetting {
        /// The builder method that set it.
        setting: &'static str,
        /// What is wrong with it.
        reason: InvalidReason,
    },
    /// The HTTP client could not be created.
    #[error("could not create the HTTP client: {detail}")]
    HttpClient {
        /// The underlying error.
        detail: String,
    },
}
