//! Why a command failed, and the exit code that tells a script.

use std::fmt;

use crate::exit::Exit;

/// A failed command. Every message is printed on stderr; none holds a key (SDK errors are redacted, and the
/// other messages are written here without secrets).
#[derive(Debug)]
pub enum Failure {
    /// An SDK error: its kind decides the exit code ([`Exit::from_error`]).
    Sdk(mirai_voice::Error),
    /// A wrong command line, input file or configuration; nothing was sent.
    Usage(String),
    /// A failure with an explicit exit code and message (e.g. an invalid webhook signature: 1).
    Other {
        /// The exit code.
        exit: Exit,
        /// What to print.
        message: String,
    },
}

impl Failure {
    /// A usage failure with `message`.
    pub fn usage(message: impl Into<String>) -> Self {
        Self::Usage(message.into())
    }

    /// The exit code.
    pub fn exit(&self) -> Exit {
        match self {
            Self::Sdk(error) => Exit::from_error(error),
            Self::Usage(_) => Exit::Usage,
            Self::Other { exit, .. } => *exit,
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Sdk(error) => write!(f, "{error}"),
            Self::Usage(message) | Self::Other { message, .. } => f.write_str(message),
        }
    }
}

impl From<mirai_voice::Error> for Failure {
    fn from(error: mirai_voice::Error) -> Self {
        Self::Sdk(error)
    }
}

impl From<mirai_voice::config::ConfigError> for Failure {
    fn from(error: mirai_voice::config::ConfigError) -> Self {
        Self::Sdk(error.into())
    }
}

impl From<anyhow::Error> for Failure {
    /// The generated subcommands read `--body` with `anyhow` context: an unreadable or invalid body is a usage
    /// error.
    fn from(error: anyhow::Error) -> Self {
        Self::Usage(format!("{error:#}"))
    }
}
