//! The pure fold from a call's webhook events to its outcome: no I/O, no
//! clock, so every rule is a table test.

use serde_json::{Map, Value};

use crate::call_status::CallStatus;
use crate::ids::CallId;
use crate::webhook::event::{
    ActionEvent, Analysis, CallEvent, CallEventType, CallInfo, Credits, Event, Report, WebhookEvent,
};

/// One dialling of a call task, as its events describe it.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub struct Attempt {
    /// 1-based position among the call's attempts, in arrival order.
    pub number: u32,
    /// The status the attempt's latest event reported: its terminal status
    /// once the attempt is over (`no-answer`, `busy`, `completed`,
    /// `rescheduled`, …).
    pub status: Option<CallStatus>,
    /// The attempt's event types, in arrival order.
    pub events: Vec<CallEventType>,
    /// The latest call details (timestamps, duration, recording) of the attempt.
    pub call: Option<CallInfo>,
    /// The end-of-call analysis of the attempt, if it reached one.
    pub analysis: Option<Analysis>,
    /// Credits of the attempt, from its `end-of-call`.
    pub credits: Option<Credits>,
}

impl Attempt {
    /// Whether the attempt reached an end: a later status event belongs to
    /// the next attempt.
    pub fn is_over(&self) -> bool {
        self.events.iter().any(|kind| ends_attempt(*kind))
    }

    /// Whether somebody picked up during this attempt.
    pub fn was_answered(&self) -> bool {
        self.events.contains(&CallEventType::InProgress)
    }
}

/// Event types after which an attempt is over.
fn ends_attempt(kind: CallEventType) -> bool {
    use CallEventType as K;
    matches!(
        kind,
        K::Completed
            | K::Timeout
            | K::Failed
            | K::ValidationFailed
            | K::Busy
            | K::NoAnswer
            | K::Skip
            | K::EndOfCall
            | K::Rescheduled
            | K::Aborted
    )
}

/// What a call's events say about it: each attempt, the end-of-call
/// analysis, the final report and status.
///
/// A call task may be dialled several times (re-attempts after no pickup or
/// low engagement, reschedules). Its events arrive in order, attempt after
/// attempt, and end with `call.lifecycle-ended`:
///
/// | Event | Effect on the [`CallOutcome`] |
/// | --- | --- |
/// | `call.initiate` | opens a new [`Attempt`] |
/// | another status event (`call.in-progress` … `call.skip`) | joins the open attempt, or opens one when the last attempt is over (e.g. `call.validation-failed` on a re-attempt, which dials nothing) |
/// | `end-of-call` | analysis and credits of the last attempt, and of the call |
/// | `call.rescheduled` | the last attempt ends as `rescheduled`; the next `call.initiate` opens the next attempt |
/// | `call.aborted` | the call was aborted; closes the last attempt if it was open |
/// | `call.lifecycle-ended` | the lifecycle is over: the outcome is final |
/// | `action` | kept in [`CallOutcome::actions`] |
/// | a type this SDK does not know | counted, nothing else |
///
/// The final status is, in this order: `report.finalStatus` of
/// `call.lifecycle-ended`; the `call.status` that event carries; `aborted`
/// when the call was aborted; the status of the last attempt. `None` only when
/// none of these exists.
///
/// Built by folding the events in arrival order with [`CallOutcome::apply`];
/// [`CallTracker::outcome`](super::CallTracker::outcome) does that for you
/// and returns once [`CallOutcome::is_final`]. A timed-out wait carries the
/// partial outcome folded so far.
///
/// ```
/// use mirai_voice::call_status::CallStatus;
/// use mirai_voice::tracker::CallOutcome;
/// use mirai_voice::webhook::{testing::EventBuilder, CallEventType};
///
/// let mut outcome = CallOutcome::new("call_1");
/// for kind in [CallEventType::Initiate, CallEventType::NoAnswer, CallEventType::Initiate,
///              CallEventType::InProgress, CallEventType::EndOfCall, CallEventType::LifecycleEnded] {
///     outcome.apply(&EventBuilder::call(kind).call_id("call_1").build());
/// }
/// assert!(outcome.is_final());
/// assert_eq!(outcome.attempts.len(), 2);
/// assert_eq!(outcome.attempts[0].status, Some(CallStatus::NoAnswer));
/// assert_eq!(outcome.final_status, Some(CallStatus::Completed));
/// assert!(outcome.analysis.is_some());
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CallOutcome {
    /// The call.
    pub call_id: CallId,
    /// The metadata given when the call was initiated, from its first event.
    pub metadata: Map<String, Value>,
    /// Every attempt, in arrival order.
    pub attempts: Vec<Attempt>,
    /// The latest end-of-call analysis (that of the last answered attempt).
    pub analysis: Option<Analysis>,
    /// Credits from the latest `end-of-call`.
    pub credits: Option<Credits>,
    /// The latest attempt report; the one of `call.lifecycle-ended` once the
    /// lifecycle ended.
    pub report: Option<Report>,
    /// The status the whole call task ended with; `Some` once the lifecycle
    /// ended (see [`CallOutcome`] for where it comes from).
    pub final_status: Option<CallStatus>,
    /// `action` events raised during the call, in arrival order.
    pub actions: Vec<ActionEvent>,
    /// Whether `call.aborted` was seen.
    pub aborted: bool,
    /// Whether `call.lifecycle-ended` was seen: no further attempt follows.
    pub lifecycle_ended: bool,
    /// How many events were folded in, unknown types included.
    pub events_seen: usize,
}

impl CallOutcome {
    /// Nothing seen yet about `call_id`.
    pub fn new(call_id: impl Into<CallId>) -> Self {
        CallOutcome {
            call_id: call_id.into(),
            metadata: Map::new(),
            attempts: Vec::new(),
            analysis: None,
            credits: None,
            report: None,
            final_status: None,
            actions: Vec::new(),
            aborted: false,
            lifecycle_ended: false,
            events_seen: 0,
        }
    }

    /// Whether the lifecycle ended: the outcome no longer changes (except
    /// for a late `call.aborted` or `action`).
    pub fn is_final(&self) -> bool {
        self.lifecycle_ended
    }

    /// The final status once the lifecycle ended, else the latest status
    /// seen so far.
    pub fn status(&self) -> Option<&CallStatus> {
        self.final_status
            .as_ref()
            .or_else(|| self.attempts.last()?.status.as_ref())
    }

    /// Whether any attempt was answered.
    pub fn was_answered(&self) -> bool {
        self.attempts.iter().any(Attempt::was_answered)
    }

    /// Folds one event in. Events about another call (or about none) are
    /// ignored, so a mixed feed can be applied as is.
    pub fn apply(&mut self, event: &WebhookEvent) {
        if event.call_id() != Some(self.call_id.as_str()) {
            return;
        }
        self.events_seen += 1;
        if self.metadata.is_empty() {
            self.metadata = event.metadata.clone();
        }
        match &event.event {
            Event::Call(call) => self.apply_call(call),
            Event::Action(action) => self.actions.push(action.clone()),
            // Not known to this SDK: counted, nothing to fold.
            _ => {}
        }
    }

    fn apply_call(&mut self, event: &CallEvent) {
        use CallEventType as K;
        if let Some(report) = &event.data.report {
            self.report = Some(report.clone());
        }
        let status = event
            .status()
            .cloned()
            .unwrap_or_else(|| event.kind.typical_status());
        match event.kind {
            K::LifecycleEnded => {
                self.lifecycle_ended = true;
                self.final_status = event
                    .data
                    .report
                    .as_ref()
                    .and_then(|report| report.final_status.clone())
                    .or_else(|| event.status().cloned())
                    .or_else(|| self.aborted.then_some(CallStatus::Aborted))
                    .or_else(|| self.attempts.last()?.status.clone());
            }
            K::Aborted => {
                self.aborted = true;
                if self.lifecycle_ended {
                    self.final_status = Some(CallStatus::Aborted);
                }
                if let Some(attempt) = self.attempts.last_mut().filter(|a| !a.is_over()) {
                    attempt.events.push(event.kind);
                    attempt.status = Some(CallStatus::Aborted);
                }
            }
            K::EndOfCall => {
                self.analysis = event.data.analysis.clone().or(self.analysis.take());
                self.credits = event.data.credits.clone().or(self.credits.take());
                let attempt = self.attempt_for(Joins::Trailing);
                attempt.events.push(event.kind);
                attempt.analysis = event.data.analysis.clone();
                attempt.credits = event.data.credits.clone();
                if let Some(call) = &event.data.call {
                    attempt.call = Some(call.clone());
                }
            }
            K::Rescheduled => {
                let attempt = self.attempt_for(Joins::Trailing);
                attempt.events.push(event.kind);
                attempt.status = Some(CallStatus::Rescheduled);
            }
            _ => {
                let joins = if event.kind == K::Initiate {
                    Joins::Opens
                } else {
                    Joins::Status
                };
                let attempt = self.attempt_for(joins);
                attempt.events.push(event.kind);
                attempt.status = Some(status);
                if let Some(call) = &event.data.call {
                    attempt.call = Some(call.clone());
                }
            }
        }
    }

    /// The attempt an event belongs to, opening a new one when `joins` says
    /// so.
    fn attempt_for(&mut self, joins: Joins) -> &mut Attempt {
        let opens = match joins {
            Joins::Opens => true,
            Joins::Status => self.attempts.last().is_none_or(Attempt::is_over),
            Joins::Trailing => self.attempts.is_empty(),
        };
        if opens || self.attempts.is_empty() {
            let number = u32::try_from(self.attempts.len() + 1).unwrap_or(u32::MAX);
            self.attempts.push(Attempt {
                number,
                ..Attempt::default()
            });
        }
        let last = self.attempts.len() - 1;
        &mut self.attempts[last]
    }
}

/// How an event relates to the attempts.
#[derive(Debug, Clone, Copy)]
enum Joins {
    /// `call.initiate`: always a new attempt.
    Opens,
    /// A status event: the open attempt, or a new one after an attempt that is over.
    Status,
    /// `end-of-call`, `call.rescheduled`: the last attempt, over or not.
    Trailing,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::event::ActionEvent;
    use crate::webhook::testing::EventBuilder;
    use crate::webhook::{Action, SendWhatsapp};
    use CallEventType as K;
    use CallStatus as S;

    const CALL: &str = "call_fold";

    /// One event of a table row: its type, and optionally the `call.status`
    /// and `report.finalStatus` it carries (`None`: left out).
    #[derive(Clone)]
    struct Step {
        kind: K,
        status: Option<S>,
        final_status: Option<S>,
        re_attempts: Option<u32>,
    }

    fn step(kind: K) -> Step {
        Step {
            kind,
            status: Some(kind.typical_status()),
            final_status: None,
            re_attempts: None,
        }
    }

    fn ended(final_status: Option<S>, status: Option<S>, re_attempts: u32) -> Step {
        Step {
            kind: K::LifecycleEnded,
            status,
            final_status,
            re_attempts: Some(re_attempts),
        }
    }

    fn event(step: &Step) -> WebhookEvent {
        let mut event = EventBuilder::call(step.kind).call_id(CALL).build();
        let Event::Call(call) = &mut event.event else {
            unreachable!("EventBuilder::call builds call events")
        };
        if let Some(info) = call.data.call.as_mut() {
            info.status = step.status.clone();
        }
        if step.kind == K::LifecycleEnded {
            call.data.report = Some(Report {
                re_attempt_count: step.re_attempts,
                rescheduled_count: Some(0),
                final_status: step.final_status.clone(),
            });
        }
        event
    }

    fn fold(steps: &[Step]) -> CallOutcome {
        let mut outcome = CallOutcome::new(CALL);
        for step in steps {
            outcome.apply(&event(step));
        }
        outcome
    }

    struct Row {
        name: &'static str,
        steps: Vec<Step>,
        attempts: Vec<S>,
        final_status: Option<S>,
        is_final: bool,
        answered: bool,
    }

    #[test]
    fn events_fold_into_attempts_and_a_final_status() {
        let answered = || {
            vec![
                step(K::Initiate),
                step(K::InProgress),
                step(K::Ended),
                step(K::Completed),
                step(K::EndOfCall),
            ]
        };
        let rows = vec![
            Row {
                name: "answered at once",
                steps: [
                    answered(),
                    vec![ended(Some(S::Completed), Some(S::Completed), 0)],
                ]
                .concat(),
                attempts: vec![S::Completed],
                final_status: Some(S::Completed),
                is_final: true,
                answered: true,
            },
            Row {
                name: "no answer, then answered on the re-attempt",
                steps: [
                    vec![step(K::Initiate), step(K::NoAnswer)],
                    answered(),
                    vec![ended(Some(S::Completed), Some(S::Completed), 1)],
                ]
                .concat(),
                attempts: vec![S::NoAnswer, S::Completed],
                final_status: Some(S::Completed),
                is_final: true,
                answered: true,
            },
            Row {
                name: "no answer, rescheduled, then answered",
                steps: [
                    vec![step(K::Initiate), step(K::NoAnswer)],
                    answered(),
                    vec![step(K::Rescheduled)],
                    answered(),
                    vec![ended(Some(S::Completed), Some(S::Completed), 1)],
                ]
                .concat(),
                attempts: vec![S::NoAnswer, S::Rescheduled, S::Completed],
                final_status: Some(S::Completed),
                is_final: true,
                answered: true,
            },
            Row {
                name: "busy on every attempt",
                steps: vec![
                    step(K::Initiate),
                    step(K::Busy),
                    step(K::Initiate),
                    step(K::Busy),
                    step(K::Initiate),
                    step(K::Busy),
                    ended(Some(S::Busy), Some(S::Busy), 2),
                ],
                attempts: vec![S::Busy, S::Busy, S::Busy],
                final_status: Some(S::Busy),
                is_final: true,
                answered: false,
            },
            Row {
                name: "the report's final status wins over the event's status",
                steps: vec![
                    step(K::Initiate),
                    step(K::NoAnswer),
                    ended(Some(S::NoAnswer), Some(S::Completed), 0),
                ],
                attempts: vec![S::NoAnswer],
                final_status: Some(S::NoAnswer),
                is_final: true,
                answered: false,
            },
            Row {
                name: "no finalStatus in the report: the event's status",
                steps: vec![
                    step(K::Initiate),
                    step(K::Failed),
                    ended(None, Some(S::Failed), 0),
                ],
                attempts: vec![S::Failed],
                final_status: Some(S::Failed),
                is_final: true,
                answered: false,
            },
            Row {
                name: "no finalStatus nor status: the last attempt's status",
                steps: vec![
                    step(K::Initiate),
                    step(K::NoAnswer),
                    step(K::Initiate),
                    step(K::Busy),
                    ended(None, None, 1),
                ],
                attempts: vec![S::NoAnswer, S::Busy],
                final_status: Some(S::Busy),
                is_final: true,
                answered: false,
            },
            Row {
                name: "aborted while waiting for a re-attempt",
                steps: vec![
                    step(K::Initiate),
                    step(K::NoAnswer),
                    step(K::Aborted),
                    ended(None, None, 0),
                ],
                attempts: vec![S::NoAnswer],
                final_status: Some(S::Aborted),
                is_final: true,
                answered: false,
            },
            Row {
                name: "validation failure on a re-attempt opens an attempt without call.initiate",
                steps: vec![
                    step(K::Initiate),
                    step(K::NoAnswer),
                    step(K::ValidationFailed),
                    ended(Some(S::ValidationFailed), None, 1),
                ],
                attempts: vec![S::NoAnswer, S::ValidationFailed],
                final_status: Some(S::ValidationFailed),
                is_final: true,
                answered: false,
            },
            Row {
                name: "skipped: nothing dialled",
                steps: vec![step(K::Skip), ended(Some(S::Skip), Some(S::Skip), 0)],
                attempts: vec![S::Skip],
                final_status: Some(S::Skip),
                is_final: true,
                answered: false,
            },
            Row {
                name: "timed out, analysed",
                steps: vec![
                    step(K::Initiate),
                    step(K::InProgress),
                    step(K::Timeout),
                    step(K::EndOfCall),
                    ended(Some(S::Timeout), None, 0),
                ],
                attempts: vec![S::Timeout],
                final_status: Some(S::Timeout),
                is_final: true,
                answered: true,
            },
            Row {
                name: "still talking: not final",
                steps: vec![step(K::Initiate), step(K::InProgress)],
                attempts: vec![S::InProgress],
                final_status: None,
                is_final: false,
                answered: true,
            },
            Row {
                name: "a no-answer is not the end while re-attempts remain",
                steps: vec![step(K::Initiate), step(K::NoAnswer), step(K::Initiate)],
                attempts: vec![S::NoAnswer, S::Initiate],
                final_status: None,
                is_final: false,
                answered: false,
            },
            Row {
                name: "nothing seen",
                steps: vec![],
                attempts: vec![],
                final_status: None,
                is_final: false,
                answered: false,
            },
        ];
        for row in rows {
            let outcome = fold(&row.steps);
            let statuses: Vec<S> = outcome
                .attempts
                .iter()
                .map(|a| a.status.clone().expect("every attempt has a status"))
                .collect();
            assert_eq!(statuses, row.attempts, "{}: attempt statuses", row.name);
            let numbers: Vec<u32> = outcome.attempts.iter().map(|a| a.number).collect();
            let expected: Vec<u32> = (1..=row.attempts.len() as u32).collect();
            assert_eq!(numbers, expected, "{}: attempt numbers", row.name);
            assert_eq!(
                outcome.final_status, row.final_status,
                "{}: final",
                row.name
            );
            assert_eq!(outcome.is_final(), row.is_final, "{}: is_final", row.name);
            assert_eq!(
                outcome.was_answered(),
                row.answered,
                "{}: answered",
                row.name
            );
            assert_eq!(
                outcome.events_seen,
                row.steps.len(),
                "{}: counted",
                row.name
            );
        }
    }

    #[test]
    fn end_of_call_does_not_change_an_attempts_status() {
        // `end-of-call` reports `completed` even after a timeout; the attempt
        // keeps the status its own end reported.
        let outcome = fold(&[
            step(K::Initiate),
            step(K::InProgress),
            step(K::Timeout),
            step(K::EndOfCall),
        ]);
        assert_eq!(outcome.attempts[0].status, Some(S::Timeout));
        assert!(outcome.attempts[0].is_over());
    }

    #[test]
    fn analysis_credits_and_report_come_from_the_last_answered_attempt() {
        let outcome = fold(&[
            step(K::Initiate),
            step(K::NoAnswer),
            step(K::Initiate),
            step(K::InProgress),
            step(K::EndOfCall),
            ended(Some(S::Completed), None, 1),
        ]);
        assert!(outcome.attempts[0].analysis.is_none());
        let analysis = outcome.attempts[1].analysis.as_ref().expect("analysed");
        assert_eq!(outcome.analysis.as_ref(), Some(analysis));
        assert_eq!(analysis.success, Some(true));
        assert!(outcome.credits.is_some());
        assert_eq!(
            outcome.report.as_ref().and_then(|r| r.re_attempt_count),
            Some(1)
        );
    }

    #[test]
    fn other_calls_are_ignored_and_actions_and_metadata_kept() {
        let mut outcome = CallOutcome::new(CALL);
        outcome.apply(
            &EventBuilder::call(K::Initiate)
                .call_id("call_other")
                .build(),
        );
        outcome.apply(
            &EventBuilder::call(K::Initiate)
                .call_id(CALL)
                .metadata("orderId", "8842")
                .build(),
        );
        let whatsapp = Action::SendWhatsapp(SendWhatsapp::default());
        outcome.apply(&WebhookEvent {
            metadata: Map::new(),
            event: Event::Action(ActionEvent::new(whatsapp, Some(CALL.into()))),
        });
        outcome.apply(
            &EventBuilder::unknown("call.voicemail", serde_json::json!({"call": {"id": CALL}}))
                .build(),
        );
        assert_eq!(outcome.events_seen, 3);
        assert_eq!(outcome.attempts.len(), 1);
        assert_eq!(outcome.actions.len(), 1);
        assert_eq!(outcome.metadata.get("orderId"), Some(&Value::from("8842")));
        assert_eq!(outcome.status(), Some(&S::Initiate));
    }
}
