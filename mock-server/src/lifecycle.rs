//! The call lifecycle: statuses, outcome steering, attempt timelines, retries and abort rules.
//!
//! Every call is queued first (no status yet), then dialled [`DIAL_DELAY_SECS`] later on the
//! virtual clock. Each attempt follows a fixed timeline chosen by its [`Outcome`]:
//!
//! | Outcome | Events of the attempt (seconds after the dial) |
//! |---|---|
//! | `answered` | `call.initiate` 0, `call.in-progress` 5, (`action` mid-call), `call.ended` 50, `call.completed` 55, `end-of-call` 60 |
//! | `no-answer` | `call.initiate` 0, `call.no-answer` 30 |
//! | `busy` | `call.initiate` 0, `call.busy` 3 |
//! | `failed` | `call.initiate` 0, `call.failed` 2 |
//! | `validation-failed` | `call.validation-failed` 0 (nothing is dialled) |
//! | `skip` | `call.skip` 0 (nothing is dialled) |
//! | `rescheduled` | like `answered` with 20 s of talk, then `call.rescheduled` when a reschedule is left |
//! | `timeout` | `call.initiate` 0, `call.in-progress` 5, `call.timeout` 5 + `maxCallDuration`, `end-of-call` 5 s later |
//! | `low-engagement` | like `answered` with 8 s of talk and `analysis.success = false` |
//!
//! The talk time of an answered call is 45 s, or `maxCallDuration` when that is shorter.
//! After an attempt, the assistant's `callSettings.retryProtocol` decides:
//! `busy`, `failed` and `no-answer` are re-attempted up to `maxAttemptsNoPickup` times,
//! `low-engagement` up to `maxAttemptsLowEngagement` times and `rescheduled` up to
//! `maxRescheduleCount` times, each `reAttemptPeriod` seconds after the attempt ended. When no
//! attempt is left, `call.lifecycle-ended` follows at once; it is always the last event.
//!
//! `report.reAttemptCount` counts re-attempts dialled (after no pickup or low engagement);
//! `report.rescheduledCount` counts reschedules granted. `call.lifecycle-ended` also carries
//! `report.finalStatus`.
//!
//! Outcomes are steered, in this order, by outcomes queued through the control API for the
//! call, then `skip` when the assistant or its workspace was archived before the dial, then
//! `validation-failed` when the payload lacks a variable the assistant's
//! `variant.config.inputSchema` marks `isRequired`, and otherwise by the dialled number (see
//! [`outcome_for_number`]).
//!
//! Aborting follows the documented rules: allowed while the call has no status yet (queued) or
//! is `busy`, `failed`, `no-answer`, `rescheduled` or `validation-failed`; it cancels any
//! scheduled attempt and emits `call.aborted` (then `call.lifecycle-ended` if the lifecycle had
//! not ended). Otherwise `400` with `Call already aborted` (`aborted`), `Call already in
//! progress` (`initiate`, `in-progress`) or `Call already completed` (`ended`, `completed`,
//! `timeout`, `skip`, or any status once `call.lifecycle-ended` was sent: the guides say a call
//! past `call.lifecycle-ended` cannot be aborted, and nothing may follow that final event);
//! unknown ids get `404 Call not found`. `PUT /v2/call/{callId}` works only
//! before the first dial.

use serde::{Deserialize, Serialize};

/// Seconds between `POST /v2/call/initiate` and the first dial.
pub const DIAL_DELAY_SECS: u64 = 1;
/// Seconds an answered call rings before `call.in-progress`.
pub const RING_SECS: u64 = 5;
/// Talk time of an answered call, capped at the assistant's `maxCallDuration`.
pub const TALK_SECS: u64 = 45;
/// Talk time of a call whose customer asks to be called back.
pub const RESCHEDULE_TALK_SECS: u64 = 20;
/// Talk time of a low-engagement call.
pub const LOW_ENGAGEMENT_TALK_SECS: u64 = 8;
/// Seconds from `call.ended` to `call.completed` (recording processed).
pub const PROCESSING_SECS: u64 = 5;
/// Seconds from `call.completed` (or `call.timeout`) to `end-of-call` (analysis ready).
pub const ANALYSIS_SECS: u64 = 5;
/// Seconds an unanswered call rings before `call.no-answer`.
pub const NO_ANSWER_SECS: u64 = 30;
/// Seconds before a busy line reports `call.busy`.
pub const BUSY_SECS: u64 = 3;
/// Seconds before a failed connection reports `call.failed`.
pub const FAILED_SECS: u64 = 2;
/// Credits charged per started 30 seconds of talk time.
pub const CREDITS_PER_HALF_MINUTE: f64 = 0.5;

/// The `CallStatus` values of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CallStatus {
    /// Queued and being dialled.
    Initiate,
    /// Answered; the conversation is running.
    InProgress,
    /// The connection dropped.
    Ended,
    /// Recording, transcript and duration processed.
    Completed,
    /// Exceeded `maxCallDuration`.
    Timeout,
    /// Could not connect.
    Failed,
    /// Pre-call validation failed, e.g. an invalid number.
    ValidationFailed,
    /// Line busy.
    Busy,
    /// Nobody picked up.
    NoAnswer,
    /// Skipped, e.g. a DND number.
    Skip,
    /// A callback is scheduled; the lifecycle continues.
    Rescheduled,
    /// Cancelled through the abort API.
    Aborted,
}

impl CallStatus {
    /// The wire name, e.g. `no-answer`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initiate => "initiate",
            Self::InProgress => "in-progress",
            Self::Ended => "ended",
            Self::Completed => "completed",
            Self::Timeout => "timeout",
            Self::Failed => "failed",
            Self::ValidationFailed => "validation-failed",
            Self::Busy => "busy",
            Self::NoAnswer => "no-answer",
            Self::Skip => "skip",
            Self::Rescheduled => "rescheduled",
            Self::Aborted => "aborted",
        }
    }

    /// The webhook event announcing this status, e.g. `call.no-answer`.
    pub fn event_type(self) -> String {
        format!("call.{}", self.as_str())
    }
}

/// What happens when an attempt is dialled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The customer answers and the conversation completes.
    Answered,
    /// Nobody picks up.
    NoAnswer,
    /// The line is busy.
    Busy,
    /// The connection fails.
    Failed,
    /// Pre-call validation fails (invalid number or missing required variables).
    ValidationFailed,
    /// The call is skipped (DND).
    Skip,
    /// The customer answers and asks to be called back later.
    Rescheduled,
    /// The conversation runs past `maxCallDuration`.
    Timeout,
    /// The customer picks up but hangs up almost at once.
    LowEngagement,
}

/// The outcome steered by the dialled number for the `attempt`-th attempt (1-based).
///
/// Numbers that are not `+` and 8 to 15 digits (spaces, dashes and parentheses allowed) fail
/// validation. Otherwise the last four digits decide:
///
/// | Ends with | Outcome |
/// |---|---|
/// | `0001` | `no-answer` on every attempt |
/// | `0002` | `busy` on every attempt |
/// | `0003` | `failed` on every attempt |
/// | `0004` | `validation-failed` (treated as an invalid number) |
/// | `0005` | `skip` (DND) |
/// | `0006` | `rescheduled` on every attempt |
/// | `0007` | `timeout` |
/// | `0008` | `no-answer` on the first attempt, `answered` on the re-attempt |
/// | `0009` | `low-engagement` on every attempt |
/// | anything else | `answered` |
///
/// ```
/// use mirai_voice_mock::lifecycle::{Outcome, outcome_for_number};
///
/// assert_eq!(outcome_for_number("+14155550001", 1), Outcome::NoAnswer);
/// assert_eq!(outcome_for_number("+14155550008", 2), Outcome::Answered);
/// assert_eq!(outcome_for_number("+14155552671", 1), Outcome::Answered);
/// assert_eq!(outcome_for_number("call me maybe", 1), Outcome::ValidationFailed);
/// ```
pub fn outcome_for_number(phone_number: &str, attempt: u32) -> Outcome {
    if !is_dialable(phone_number) {
        return Outcome::ValidationFailed;
    }
    let digits: String = phone_number.chars().filter(char::is_ascii_digit).collect();
    match &digits[digits.len() - 4..] {
        "0001" => Outcome::NoAnswer,
        "0002" => Outcome::Busy,
        "0003" => Outcome::Failed,
        "0004" => Outcome::ValidationFailed,
        "0005" => Outcome::Skip,
        "0006" => Outcome::Rescheduled,
        "0007" => Outcome::Timeout,
        "0008" if attempt <= 1 => Outcome::NoAnswer,
        "0009" => Outcome::LowEngagement,
        _ => Outcome::Answered,
    }
}

fn is_dialable(phone_number: &str) -> bool {
    let trimmed = phone_number.trim();
    let rest = trimmed.strip_prefix('+').unwrap_or(trimmed);
    let digits = rest.chars().filter(char::is_ascii_digit).count();
    rest.chars()
        .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')'))
        && (8..=15).contains(&digits)
}

/// The retry settings of an assistant (`callSettings.retryProtocol`), with the spec's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    pub(crate) max_attempts_no_pickup: u32,
    pub(crate) max_attempts_low_engagement: u32,
    pub(crate) re_attempt_period: u64,
    pub(crate) max_reschedule_count: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts_no_pickup: 2,
            max_attempts_low_engagement: 1,
            re_attempt_period: 300,
            max_reschedule_count: 1,
        }
    }
}

/// Re-attempts made so far, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct RetryCounters {
    pub(crate) no_pickup: u32,
    pub(crate) low_engagement: u32,
    pub(crate) rescheduled: u32,
}

impl RetryCounters {
    /// `report.reAttemptCount`: re-attempts after no pickup or low engagement.
    pub(crate) fn re_attempt_count(self) -> u32 {
        self.no_pickup + self.low_engagement
    }
}

/// Why a call is dialled again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum RetryReason {
    NoPickup,
    LowEngagement,
    Reschedule,
}

/// What follows an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AfterAttempt {
    Retry(RetryReason),
    End,
}

/// Decides whether another attempt follows one that ended with `outcome`.
pub(crate) fn after_attempt(
    outcome: Outcome,
    counters: RetryCounters,
    policy: RetryPolicy,
) -> AfterAttempt {
    let retry_if = |used: u32, allowed: u32, reason| {
        if used < allowed {
            AfterAttempt::Retry(reason)
        } else {
            AfterAttempt::End
        }
    };
    match outcome {
        Outcome::NoAnswer | Outcome::Busy | Outcome::Failed => retry_if(
            counters.no_pickup,
            policy.max_attempts_no_pickup,
            RetryReason::NoPickup,
        ),
        Outcome::LowEngagement => retry_if(
            counters.low_engagement,
            policy.max_attempts_low_engagement,
            RetryReason::LowEngagement,
        ),
        Outcome::Rescheduled => retry_if(
            counters.rescheduled,
            policy.max_reschedule_count,
            RetryReason::Reschedule,
        ),
        Outcome::Answered | Outcome::Timeout | Outcome::ValidationFailed | Outcome::Skip => {
            AfterAttempt::End
        }
    }
}

/// One step of a call's timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum Transition {
    /// Start the next attempt: pick its outcome and lay out its timeline.
    Dial,
    /// Enter a status and announce it.
    Status(CallStatus),
    /// The conversation produced a business action.
    Action,
    /// Analysis and credits are ready.
    EndOfCall,
    /// The attempt is over: retry or end the lifecycle.
    AttemptOver,
}

/// The timeline of one attempt, as offsets in seconds from the dial.
pub(crate) fn attempt_script(
    outcome: Outcome,
    max_call_duration: u64,
    with_action: bool,
) -> Vec<(u64, Transition)> {
    use CallStatus as S;
    use Transition as T;
    let conversation = |talk: u64, action: bool| {
        let talk = talk.min(max_call_duration.max(1));
        let hangup = RING_SECS.saturating_add(talk);
        let completed = hangup.saturating_add(PROCESSING_SECS);
        let analysed = completed.saturating_add(ANALYSIS_SECS);
        let mut steps = vec![
            (0, T::Status(S::Initiate)),
            (RING_SECS, T::Status(S::InProgress)),
        ];
        if action {
            steps.push((RING_SECS.saturating_add(talk / 2), T::Action));
        }
        steps.extend([
            (hangup, T::Status(S::Ended)),
            (completed, T::Status(S::Completed)),
            (analysed, T::EndOfCall),
            (analysed, T::AttemptOver),
        ]);
        steps
    };
    let unanswered = |after: u64, status| {
        vec![
            (0, T::Status(S::Initiate)),
            (after, T::Status(status)),
            (after, T::AttemptOver),
        ]
    };
    match outcome {
        Outcome::Answered => conversation(TALK_SECS, with_action),
        Outcome::Rescheduled => conversation(RESCHEDULE_TALK_SECS, false),
        Outcome::LowEngagement => conversation(LOW_ENGAGEMENT_TALK_SECS, false),
        Outcome::NoAnswer => unanswered(NO_ANSWER_SECS, S::NoAnswer),
        Outcome::Busy => unanswered(BUSY_SECS, S::Busy),
        Outcome::Failed => unanswered(FAILED_SECS, S::Failed),
        Outcome::ValidationFailed => {
            vec![(0, T::Status(S::ValidationFailed)), (0, T::AttemptOver)]
        }
        Outcome::Skip => vec![(0, T::Status(S::Skip)), (0, T::AttemptOver)],
        Outcome::Timeout => {
            let timed_out = RING_SECS.saturating_add(max_call_duration);
            vec![
                (0, T::Status(S::Initiate)),
                (RING_SECS, T::Status(S::InProgress)),
                (timed_out, T::Status(S::Timeout)),
                (timed_out.saturating_add(ANALYSIS_SECS), T::EndOfCall),
                (timed_out.saturating_add(ANALYSIS_SECS), T::AttemptOver),
            ]
        }
    }
}

/// Why `POST /v2/call/abort` refuses a call in `status` (`None`: not yet dialled) whose
/// lifecycle has or has not ended, if it does.
pub(crate) fn abort_refusal(
    status: Option<CallStatus>,
    lifecycle_ended: bool,
) -> Option<&'static str> {
    use CallStatus as S;
    match status {
        Some(S::Aborted) => Some("Call already aborted"),
        _ if lifecycle_ended => Some("Call already completed"),
        None | Some(S::Busy | S::Failed | S::NoAnswer | S::Rescheduled | S::ValidationFailed) => {
            None
        }
        Some(S::Initiate | S::InProgress) => Some("Call already in progress"),
        Some(S::Ended | S::Completed | S::Timeout | S::Skip) => Some("Call already completed"),
    }
}

/// Why `PUT /v2/call/{callId}` refuses a call, if it does: only calls never attempted qualify.
pub(crate) fn payload_update_refusal(
    status: Option<CallStatus>,
    attempts: u32,
) -> Option<&'static str> {
    match (status, attempts) {
        (None, 0) => None,
        (Some(CallStatus::Aborted), _) => Some("Call already aborted"),
        _ => Some("Call already in progress or completed"),
    }
}

/// Credits charged for `talk_seconds` of conversation.
pub(crate) fn credits_for(talk_seconds: u64) -> f64 {
    talk_seconds.div_ceil(30) as f64 * CREDITS_PER_HALF_MINUTE
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steering_by_last_four_digits() {
        let cases = [
            ("+14155550001", Outcome::NoAnswer),
            ("+14155550002", Outcome::Busy),
            ("+14155550003", Outcome::Failed),
            ("+14155550004", Outcome::ValidationFailed),
            ("+14155550005", Outcome::Skip),
            ("+14155550006", Outcome::Rescheduled),
            ("+14155550007", Outcome::Timeout),
            ("+14155550008", Outcome::NoAnswer),
            ("+14155550009", Outcome::LowEngagement),
            ("+1 (415) 555-2671", Outcome::Answered),
        ];
        for (number, outcome) in cases {
            assert_eq!(outcome_for_number(number, 1), outcome, "{number}");
        }
        assert_eq!(outcome_for_number("+14155550008", 2), Outcome::Answered);
        assert_eq!(outcome_for_number("+1234", 1), Outcome::ValidationFailed);
        assert_eq!(outcome_for_number("", 1), Outcome::ValidationFailed);
        assert_eq!(
            outcome_for_number("+1415555abcd", 1),
            Outcome::ValidationFailed
        );
    }

    #[test]
    fn abort_is_allowed_exactly_where_the_docs_allow_it() {
        use CallStatus as S;
        for allowed in [
            None,
            Some(S::Busy),
            Some(S::Failed),
            Some(S::NoAnswer),
            Some(S::Rescheduled),
            Some(S::ValidationFailed),
        ] {
            assert_eq!(abort_refusal(allowed, false), None, "{allowed:?}");
            assert_eq!(
                abort_refusal(allowed, true),
                Some("Call already completed"),
                "nothing follows call.lifecycle-ended: {allowed:?}"
            );
        }
        for ended in [false, true] {
            assert_eq!(
                abort_refusal(Some(S::Aborted), ended),
                Some("Call already aborted")
            );
        }
        assert_eq!(
            abort_refusal(Some(S::InProgress), false),
            Some("Call already in progress")
        );
        for done in [S::Completed, S::Ended, S::Timeout] {
            assert_eq!(
                abort_refusal(Some(done), false),
                Some("Call already completed")
            );
        }
    }

    #[test]
    fn payload_updates_only_before_the_first_attempt() {
        assert_eq!(payload_update_refusal(None, 0), None);
        assert!(payload_update_refusal(Some(CallStatus::NoAnswer), 1).is_some());
        assert_eq!(
            payload_update_refusal(Some(CallStatus::Aborted), 0),
            Some("Call already aborted")
        );
    }

    #[test]
    fn retries_follow_the_protocol() {
        let policy = RetryPolicy::default();
        let mut counters = RetryCounters::default();
        assert_eq!(
            after_attempt(Outcome::NoAnswer, counters, policy),
            AfterAttempt::Retry(RetryReason::NoPickup)
        );
        counters.no_pickup = 2;
        assert_eq!(
            after_attempt(Outcome::Busy, counters, policy),
            AfterAttempt::End
        );
        assert_eq!(
            after_attempt(Outcome::Rescheduled, counters, policy),
            AfterAttempt::Retry(RetryReason::Reschedule)
        );
        counters.rescheduled = 1;
        assert_eq!(
            after_attempt(Outcome::Rescheduled, counters, policy),
            AfterAttempt::End
        );
        assert_eq!(
            after_attempt(Outcome::Answered, counters, policy),
            AfterAttempt::End
        );
        assert_eq!(counters.re_attempt_count(), 2);
    }

    #[test]
    fn answered_timeline() {
        let script = attempt_script(Outcome::Answered, 300, true);
        let offsets: Vec<u64> = script.iter().map(|(at, _)| *at).collect();
        assert_eq!(offsets, vec![0, 5, 27, 50, 55, 60, 60]);
        assert_eq!(script[2].1, Transition::Action);
        let short = attempt_script(Outcome::Answered, 20, false);
        assert_eq!(short[2], (25, Transition::Status(CallStatus::Ended)));
        let timeout = attempt_script(Outcome::Timeout, 120, false);
        assert_eq!(timeout[2], (125, Transition::Status(CallStatus::Timeout)));
    }

    #[test]
    fn huge_durations_saturate_instead_of_overflowing() {
        let script = attempt_script(Outcome::Timeout, u64::MAX, false);
        assert_eq!(script.last().unwrap().0, u64::MAX);
    }

    #[test]
    fn credits_are_charged_per_started_half_minute() {
        assert_eq!(credits_for(0), 0.0);
        assert_eq!(credits_for(45), 1.0);
        assert_eq!(credits_for(60), 1.0);
        assert_eq!(credits_for(61), 1.5);
    }
}
