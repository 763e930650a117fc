//! The process exit codes, one per kind of failure a script reacts to differently.

use mirai_voice::Error;

/// The exit codes of `mirai`, as listed in `mirai --help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the command did what it was asked.
    Success = 0,
    /// 1: the API answered with an error (or a webhook signature did not verify).
    Api = 1,
    /// 2: the command line or the configuration is wrong; nothing was sent.
    Usage = 2,
    /// 3: no answer from the API (DNS, connect, timeout, connection lost).
    Transport = 3,
    /// 4: a request with side effects was sent and whether it took effect is unknown: check before repeating it.
    OutcomeUnknown = 4,
}

/// The exit code table shown at the end of `mirai --help`.
pub const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  API error (the API answered with an error status; `webhook verify`: invalid signature)
  2  usage or configuration error (nothing was sent)
  3  transport error (no answer: DNS, connect, timeout, connection lost)
  4  outcome unknown (a side-effecting request was sent; check before repeating it)";

impl Exit {
    /// The exit code an SDK error ends the process with.
    pub fn from_error(error: &Error) -> Self {
        match error {
            Error::Api(_) | Error::Decode(_) | Error::KnowledgeBase(_) => Self::Api,
            Error::Transport(_) | Error::Timeout(_) => Self::Transport,
            Error::OutcomeUnknown(_) => Self::OutcomeUnknown,
            Error::Validation(_) | Error::Config(_) => Self::Usage,
            // `Error` is non-exhaustive: a kind added later is reported as an API error rather than success.
            _ => Self::Api,
        }
    }

    /// The numeric code.
    pub fn code(self) -> u8 {
        self as u8
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}
