//! The status of a call, shared by API responses and webhook events.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The status of a call as the API reports it.
///
/// The API documents twelve values. Values added later parse into
/// [`CallStatus::Unknown`], so a new status never fails a whole response or
/// webhook event.
///
/// ```
/// use mirai_voice::call_status::CallStatus;
///
/// let status: CallStatus = "no-answer".parse().unwrap();
/// assert_eq!(status, CallStatus::NoAnswer);
/// assert!(status.can_abort());
/// assert!(!status.is_terminal());
///
/// let later: CallStatus = "voicemail".parse().unwrap();
/// assert_eq!(later, CallStatus::Unknown("voicemail".into()));
/// assert_eq!(later.as_str(), "voicemail");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallStatus {
    /// `initiate`: queued and being dialled.
    Initiate,
    /// `in-progress`: answered; the conversation is running.
    InProgress,
    /// `ended`: the phone connection dropped; processing follows.
    Ended,
    /// `completed`: recording, transcript and duration are processed.
    Completed,
    /// `timeout`: the call exceeded the assistant's maximum duration.
    Timeout,
    /// `failed`: the call could not be connected.
    Failed,
    /// `validation-failed`: pre-call validation failed (e.g. an invalid number).
    ValidationFailed,
    /// `busy`: the line was busy.
    Busy,
    /// `no-answer`: nobody picked up.
    NoAnswer,
    /// `skip`: the call was skipped (e.g. a DND number, outside allowed hours).
    Skip,
    /// `rescheduled`: a callback is scheduled; the lifecycle continues.
    Rescheduled,
    /// `aborted`: cancelled through the abort API.
    Aborted,
    /// A status this version of the SDK does not know, kept verbatim.
    Unknown(String),
}

impl CallStatus {
    /// Every status the API documents, in the order the spec lists them.
    pub const KNOWN: [CallStatus; 12] = [
        CallStatus::Initiate,
        CallStatus::InProgress,
        CallStatus::Ended,
        CallStatus::Completed,
        CallStatus::Timeout,
        CallStatus::Failed,
        CallStatus::ValidationFailed,
        CallStatus::Busy,
        CallStatus::NoAnswer,
        CallStatus::Skip,
        CallStatus::Rescheduled,
        CallStatus::Aborted,
    ];

    /// The wire value, e.g. `"in-progress"`.
    pub fn as_str(&self) -> &str {
        match self {
            CallStatus::Initiate => "initiate",
            CallStatus::InProgress => "in-progress",
            CallStatus::Ended => "ended",
            CallStatus::Completed => "completed",
            CallStatus::Timeout => "timeout",
            CallStatus::Failed => "failed",
            CallStatus::ValidationFailed => "validation-failed",
            CallStatus::Busy => "busy",
            CallStatus::NoAnswer => "no-answer",
            CallStatus::Skip => "skip",
            CallStatus::Rescheduled => "rescheduled",
            CallStatus::Aborted => "aborted",
            CallStatus::Unknown(other) => other,
        }
    }

    /// Whether `POST /v2/call/abort` accepts a call in this status.
    ///
    /// The API allows an abort in `busy`, `failed`, `no-answer`, `rescheduled`
    /// and `validation-failed` (a re-attempt may still follow) and refuses it in
    /// `in-progress`, `completed`, `ended`, `timeout` and `aborted`. The
    /// documentation lists `initiate` and `skip` in neither set, so this returns
    /// `false` for them, as it does for unknown statuses: the server has the
    /// final word. A call that has no status yet can be aborted; see
    /// [`CallStatus::abort_allowed`].
    pub fn can_abort(&self) -> bool {
        matches!(
            self,
            CallStatus::Busy
                | CallStatus::Failed
                | CallStatus::NoAnswer
                | CallStatus::Rescheduled
                | CallStatus::ValidationFailed
        )
    }

    /// Whether a call whose status is `status` can be aborted; `None` means the
    /// call is still in the initial queue, which the API allows.
    ///
    /// ```
    /// use mirai_voice::call_status::CallStatus;
    ///
    /// assert!(CallStatus::abort_allowed(None));
    /// assert!(!CallStatus::abort_allowed(Some(&CallStatus::Completed)));
    /// ```
    pub fn abort_allowed(status: Option<&CallStatus>) -> bool {
        status.is_none_or(CallStatus::can_abort)
    }

    /// Whether no further status change is expected for this call.
    ///
    /// True for `completed`, `timeout`, `aborted` and `skip`. `busy`, `failed`,
    /// `no-answer`, `validation-failed` and `rescheduled` are not terminal:
    /// the assistant's retry protocol may place another attempt, which is also
    /// why they can be aborted. The `call.lifecycle-ended` webhook event is the
    /// authoritative signal that a call task is over. Unknown statuses are not
    /// terminal.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            CallStatus::Completed | CallStatus::Timeout | CallStatus::Aborted | CallStatus::Skip
        )
    }

    /// Whether this is a status the SDK knows (not [`CallStatus::Unknown`]).
    pub fn is_known(&self) -> bool {
        !matches!(self, CallStatus::Unknown(_))
    }
}

impl From<&str> for CallStatus {
    fn from(value: &str) -> Self {
        match value {
            "initiate" => CallStatus::Initiate,
            "in-progress" => CallStatus::InProgress,
            "ended" => CallStatus::Ended,
            "completed" => CallStatus::Completed,
            "timeout" => CallStatus::Timeout,
            "failed" => CallStatus::Failed,
            "validation-failed" => CallStatus::ValidationFailed,
            "busy" => CallStatus::Busy,
            "no-answer" => CallStatus::NoAnswer,
            "skip" => CallStatus::Skip,
            "rescheduled" => CallStatus::Rescheduled,
            "aborted" => CallStatus::Aborted,
            other => CallStatus::Unknown(other.to_owned()),
        }
    }
}

impl From<mirai_voice_generated::types::CallStatus> for CallStatus {
    /// The generated enum carries the same values; matched, not re-parsed from a string (this runs on every
    /// initiated call).
    fn from(value: mirai_voice_generated::types::CallStatus) -> Self {
        use mirai_voice_generated::types::CallStatus as Generated;
        match value {
            Generated::Initiate => CallStatus::Initiate,
            Generated::InProgress => CallStatus::InProgress,
            Generated::Ended => CallStatus::Ended,
            Generated::Completed => CallStatus::Completed,
            Generated::Timeout => CallStatus::Timeout,
            Generated::Failed => CallStatus::Failed,
            Generated::ValidationFailed => CallStatus::ValidationFailed,
            Generated::Busy => CallStatus::Busy,
            Generated::NoAnswer => CallStatus::NoAnswer,
            Generated::Skip => CallStatus::Skip,
            Generated::Rescheduled => CallStatus::Rescheduled,
            Generated::Aborted => CallStatus::Aborted,
            // An unknown string may still name a known status (the generated enum tries its variants first, so
            // this is defensive); the string route decides.
            Generated::Unknown(other) => CallStatus::from(other.as_str()),
        }
    }
}

impl FromStr for CallStatus {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(CallStatus::from(s))
    }
}

impl fmt::Display for CallStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for CallStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for CallStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(CallStatus::from(value.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::CallStatus;

    #[test]
    fn the_generated_status_converts_to_the_same_value_as_its_wire_string() {
        use mirai_voice_generated::types::CallStatus as Generated;
        for wire in CallStatus::KNOWN
            .iter()
            .map(CallStatus::as_str)
            .chain(["voicemail"])
        {
            let generated: Generated = serde_json::from_value(serde_json::json!(wire)).unwrap();
            assert_eq!(
                CallStatus::from(generated),
                CallStatus::from(wire),
                "{wire}"
            );
        }
    }

    #[test]
    fn every_known_status_round_trips_through_its_wire_value() {
        for status in CallStatus::KNOWN {
            assert_eq!(CallStatus::from(status.as_str()), status);
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(json, format!("\"{}\"", status.as_str()));
            assert_eq!(serde_json::from_str::<CallStatus>(&json).unwrap(), status);
        }
    }

    #[test]
    fn unknown_status_keeps_its_value() {
        let status: CallStatus = serde_json::from_str("\"voicemail\"").unwrap();
        assert_eq!(status, CallStatus::Unknown("voicemail".into()));
        assert!(!status.is_known());
        assert_eq!(serde_json::to_string(&status).unwrap(), "\"voicemail\"");
    }

    #[test]
    fn abort_rules_follow_the_documented_lists() {
        use CallStatus::*;
        for status in [Busy, Failed, NoAnswer, Rescheduled, ValidationFailed] {
            assert!(status.can_abort(), "{status} should be abortable");
        }
        for status in [
            InProgress, Completed, Ended, Timeout, Aborted, Initiate, Skip,
        ] {
            assert!(!status.can_abort(), "{status} should not be abortable");
        }
        assert!(!Unknown("voicemail".into()).can_abort());
        assert!(CallStatus::abort_allowed(None));
        assert!(CallStatus::abort_allowed(Some(&Busy)));
        assert!(!CallStatus::abort_allowed(Some(&InProgress)));
    }

    #[test]
    fn terminal_statuses_are_the_ones_with_nothing_after_them() {
        use CallStatus::*;
        for status in [Completed, Timeout, Aborted, Skip] {
            assert!(status.is_terminal(), "{status} should be terminal");
        }
        for status in [
            Initiate,
            InProgress,
            Ended,
            Failed,
            ValidationFailed,
            Busy,
            NoAnswer,
            Rescheduled,
            Unknown("x".into()),
        ] {
            assert!(!status.is_terminal(), "{status} should not be terminal");
        }
    }
}
