//! Calls: initiation, the timeline on the virtual clock, abort and payload updates.

use std::collections::VecDeque;

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::Sha256;

use super::{OutgoingEvent, World};
use crate::clock::rfc3339_at;
use crate::control::{CallSnapshot, HistoryEntry};
use crate::error::ApiError;
use crate::lifecycle::{
    AfterAttempt, CallStatus, DIAL_DELAY_SECS, Outcome, RetryCounters, RetryReason, Transition,
    abort_refusal, after_attempt, attempt_script, credits_for, outcome_for_number,
    payload_update_refusal,
};

/// A call task: every attempt of one `POST /v2/call/initiate`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Call {
    pub(crate) id: String,
    pub(crate) organization: String,
    pub(crate) workspace: String,
    pub(crate) assistant: String,
    pub(crate) phone_number: String,
    pub(crate) payload: Value,
    pub(crate) callback_url: Option<String>,
    pub(crate) metadata: Value,
    /// `None` while queued and never dialled.
    pub(crate) status: Option<CallStatus>,
    pub(crate) attempts: u32,
    pub(crate) counters: RetryCounters,
    /// A re-attempt that is scheduled but not dialled yet; counted once it is dialled.
    pub(crate) pending_retry: Option<RetryReason>,
    /// Outcomes queued by the control API for the next attempts.
    pub(crate) steering: VecDeque<Outcome>,
    pub(crate) outcome: Option<Outcome>,
    /// Upcoming transitions with their absolute due seconds.
    pub(crate) script: VecDeque<(u64, Transition)>,
    pub(crate) scheduled: Option<(u64, u64)>,
    pub(crate) started_at: Option<u64>,
    pub(crate) ended_at: Option<u64>,
    pub(crate) recording_ready: bool,
    pub(crate) lifecycle_ended: bool,
    pub(crate) credits_used: f64,
    pub(crate) history: Vec<HistoryEntry>,
}

/// The fields of a call to place.
#[derive(Debug, Clone)]
pub(crate) struct NewCall {
    pub(crate) assistant: String,
    pub(crate) phone_number: String,
    pub(crate) payload: Value,
    pub(crate) callback_url: Option<String>,
    pub(crate) metadata: Value,
}

/// HMAC-SHA256 of `body` keyed with `secret`, as lowercase hex: the `x-signature` header.
pub(crate) fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn talk_seconds(call: &Call) -> u64 {
    match (call.started_at, call.ended_at) {
        (Some(start), Some(end)) => end.saturating_sub(start),
        _ => 0,
    }
}

fn call_data(call: &Call) -> Value {
    json!({
        "call": {
            "id": call.id,
            "status": call.status.unwrap_or(CallStatus::Initiate).as_str(),
            "startedAt": call.started_at.map(rfc3339_at),
            "endedAt": call.ended_at.map(rfc3339_at),
            "recordingUrl": call.recording_ready.then(|| format!("https://recordings.mock.invalid/{}/attempt-{}.wav", call.id, call.attempts)),
            "detailUrl": format!("https://app.mock.invalid/calls/{}", call.id),
            "durationSeconds": talk_seconds(call),
        },
        "report": {
            "reAttemptCount": call.counters.re_attempt_count(),
            "rescheduledCount": call.counters.rescheduled,
        },
    })
}

fn insight_value(field: &Value) -> Value {
    match field.get("type").and_then(Value::as_str) {
        Some("boolean") => json!(true),
        Some("number") => json!(1),
        _ => field
            .pointer("/enum/0")
            .cloned()
            .unwrap_or_else(|| json!("mock value")),
    }
}

fn variant_has_action(variant: &str) -> bool {
    matches!(
        variant,
        "abandoned_cart" | "cod_to_prepaid" | "address_verification"
    )
}

impl World {
    /// Queues a call for an assistant of this workspace.
    pub(crate) fn initiate_call(
        &mut self,
        workspace_id: &str,
        new: NewCall,
    ) -> Result<String, ApiError> {
        let assistant = self.find_assistant(workspace_id, &new.assistant)?;
        if assistant.is_archived() {
            return Err(ApiError::bad_request(
                "Assistant is archived and cannot place calls",
            ));
        }
        self.ensure_workspace_writable(workspace_id)?;
        Ok(self.queue_call(workspace_id, new))
    }

    pub(crate) fn queue_call(&mut self, workspace_id: &str, new: NewCall) -> String {
        let id = self.new_id();
        let organization = self
            .workspaces
            .get(workspace_id)
            .map(|w| w.organization.clone())
            .unwrap_or_default();
        let due = self.now().saturating_add(DIAL_DELAY_SECS);
        let call = Call {
            id: id.clone(),
            organization,
            workspace: workspace_id.to_owned(),
            assistant: new.assistant,
            phone_number: new.phone_number,
            payload: new.payload,
            callback_url: new.callback_url,
            metadata: new.metadata,
            status: None,
            attempts: 0,
            counters: RetryCounters::default(),
            pending_retry: None,
            steering: VecDeque::new(),
            outcome: None,
            script: VecDeque::from([(due, Transition::Dial)]),
            scheduled: None,
            started_at: None,
            ended_at: None,
            recording_ready: false,
            lifecycle_ended: false,
            credits_used: 0.0,
            history: Vec::new(),
        };
        self.calls.insert(id.clone(), call);
        self.reschedule(&id);
        id
    }

    fn find_call_mut(
        &mut self,
        workspace_id: &str,
        call_id: &str,
        not_found: &str,
    ) -> Result<&mut Call, ApiError> {
        self.calls
            .get_mut(call_id)
            .filter(|c| c.workspace == workspace_id)
            .ok_or_else(|| ApiError::not_found(not_found))
    }

    /// Aborts a call, following the documented rules, and stops its retry chain.
    pub(crate) fn abort_call(&mut self, workspace_id: &str, call_id: &str) -> Result<(), ApiError> {
        let call = self.find_call_mut(workspace_id, call_id, "Call not found")?;
        if let Some(reason) = abort_refusal(call.status, call.lifecycle_ended) {
            return Err(ApiError::bad_request(reason));
        }
        call.script.clear();
        call.status = Some(CallStatus::Aborted);
        self.reschedule(call_id);
        self.emit_call_event(call_id, &CallStatus::Aborted.event_type(), None);
        self.end_lifecycle(call_id);
        Ok(())
    }

    /// Replaces the payload of a call that has not been attempted yet.
    pub(crate) fn update_call_payload(
        &mut self,
        workspace_id: &str,
        call_id: &str,
        payload: Value,
    ) -> Result<(), ApiError> {
        let call = self.find_call_mut(workspace_id, call_id, "Call not found.")?;
        if let Some(reason) = payload_update_refusal(call.status, call.attempts) {
            return Err(ApiError::bad_request(reason));
        }
        call.payload = payload;
        Ok(())
    }

    /// Queues explicit outcomes for the next attempts of a call (control API).
    pub(crate) fn steer_call(&mut self, call_id: &str, outcomes: Vec<Outcome>) -> bool {
        match self.calls.get_mut(call_id) {
            Some(call) => {
                call.steering = outcomes.into();
                true
            }
            None => false,
        }
    }

    /// Moves the call's next transition into the schedule (or off it when none is left).
    fn reschedule(&mut self, call_id: &str) {
        let Some(call) = self.calls.get_mut(call_id) else {
            return;
        };
        if let Some(key) = call.scheduled.take() {
            self.schedule.remove(&key);
        }
        if let Some(&(due, _)) = call.script.front() {
            self.schedule_seq += 1;
            let key = (due, self.schedule_seq);
            call.scheduled = Some(key);
            self.schedule.insert(key, call_id.to_owned());
        }
    }

    /// Runs every transition due up to `target` seconds, in time order, then sets the clock to
    /// `target`. Returns how many transitions ran.
    pub(crate) fn advance_to(&mut self, target: u64) -> usize {
        let mut processed = 0;
        while let Some((&key, _)) = self.schedule.first_key_value() {
            if key.0 > target {
                break;
            }
            let Some(call_id) = self.schedule.remove(&key) else {
                break;
            };
            self.clock.move_to(key.0);
            if let Some(call) = self.calls.get_mut(&call_id) {
                call.scheduled = None;
            }
            self.step_call(&call_id);
            processed += 1;
        }
        self.clock.move_to(target);
        processed
    }

    /// The due second of the earliest scheduled transition.
    pub(crate) fn next_due(&self) -> Option<u64> {
        self.schedule.first_key_value().map(|(&(due, _), _)| due)
    }

    fn step_call(&mut self, call_id: &str) {
        let Some(transition) = self
            .calls
            .get_mut(call_id)
            .and_then(|c| c.script.pop_front())
            .map(|(_, t)| t)
        else {
            return;
        };
        match transition {
            Transition::Dial => self.dial(call_id),
            Transition::Status(status) => self.enter_status(call_id, status),
            Transition::Action => self.emit_action(call_id),
            Transition::EndOfCall => self.end_of_call(call_id),
            Transition::AttemptOver => self.attempt_over(call_id),
        }
        self.reschedule(call_id);
    }

    fn dial(&mut self, call_id: &str) {
        let now = self.now();
        let Some(call) = self.calls.get(call_id) else {
            return;
        };
        let assistant = self.assistants.get(&call.assistant);
        let archived =
            assistant.is_none_or(|a| a.is_archived()) || self.workspace_archived(&call.workspace);
        let missing_variables = assistant.is_some_and(|a| {
            a.required_variables()
                .iter()
                .any(|name| call.payload.get(name).is_none_or(Value::is_null))
        });
        let max_duration = assistant.map_or(300, |a| a.max_call_duration());
        let with_action = assistant.is_some_and(|a| variant_has_action(&a.variant_type));

        let Some(call) = self.calls.get_mut(call_id) else {
            return;
        };
        call.attempts += 1;
        match call.pending_retry.take() {
            Some(RetryReason::NoPickup) => call.counters.no_pickup += 1,
            Some(RetryReason::LowEngagement) => call.counters.low_engagement += 1,
            Some(RetryReason::Reschedule) | None => {}
        }
        let outcome = match call.steering.pop_front() {
            Some(steered) => steered,
            None if archived => Outcome::Skip,
            None if missing_variables => Outcome::ValidationFailed,
            None => outcome_for_number(&call.phone_number, call.attempts),
        };
        call.outcome = Some(outcome);
        call.started_at = None;
        call.ended_at = None;
        call.recording_ready = false;
        for (offset, transition) in attempt_script(outcome, max_duration, with_action) {
            call.script
                .push_back((now.saturating_add(offset), transition));
        }
    }

    fn enter_status(&mut self, call_id: &str, status: CallStatus) {
        let now = self.now();
        let Some(call) = self.calls.get_mut(call_id) else {
            return;
        };
        call.status = Some(status);
        match status {
            CallStatus::InProgress => call.started_at = Some(now),
            CallStatus::Ended | CallStatus::Timeout => call.ended_at = Some(now),
            CallStatus::Completed => call.recording_ready = true,
            _ => {}
        }
        self.emit_call_event(call_id, &status.event_type(), None);
    }

    fn emit_action(&mut self, call_id: &str) {
        let Some(call) = self.calls.get(call_id) else {
            return;
        };
        let variant = self
            .assistants
            .get(&call.assistant)
            .map(|a| a.variant_type.clone())
            .unwrap_or_default();
        let payload = &call.payload;
        let data = match variant.as_str() {
            "abandoned_cart" if payload.pointer("/shippingAddress/address1").is_some() => {
                let mut order = Map::new();
                for (key, pointer) in [("email", "/customer/email"), ("phone", "/customer/phone")] {
                    if let Some(v) = payload.pointer(pointer).and_then(Value::as_str) {
                        order.insert(key.into(), json!(v));
                    }
                }
                order.insert(
                    "lineItems".into(),
                    payload
                        .get("lineItems")
                        .cloned()
                        .unwrap_or_else(|| json!([])),
                );
                order.insert(
                    "shippingAddress".into(),
                    payload
                        .get("shippingAddress")
                        .cloned()
                        .unwrap_or_else(|| json!({})),
                );
                let total = payload
                    .pointer("/totalPriceSet/shopMoney/amount")
                    .and_then(Value::as_str)
                    .and_then(|a| a.parse::<f64>().ok())
                    .unwrap_or(0.0);
                order.insert("cartTotal".into(), json!(total));
                order.insert("codCharge".into(), json!(0));
                order.insert("note".into(), json!("Order confirmed during the call"));
                order.insert(
                    "abandonedCheckoutId".into(),
                    payload.get("id").cloned().unwrap_or(Value::Null),
                );
                json!({"action": "create_order", "call": {"id": call_id}, "reason": null, "payload": order})
            }
            "abandoned_cart" => json!({
                "action": "send_whatsapp",
                "call": {"id": call_id},
                "reason": "missing_address",
                "payload": {"number": call.phone_number},
            }),
            "cod_to_prepaid" => {
                json!({"action": "mark_prepaid", "call": {"id": call_id}, "reason": null})
            }
            _ => json!({"action": "confirmed_address", "call": {"id": call_id}, "reason": null}),
        };
        self.emit_call_event(call_id, "action", Some(data));
    }

    fn end_of_call(&mut self, call_id: &str) {
        let Some(call) = self.calls.get(call_id) else {
            return;
        };
        let credits = credits_for(talk_seconds(call));
        let outcome = call.outcome.unwrap_or(Outcome::Answered);
        let assistant = self.assistants.get(&call.assistant);
        let insights: Map<String, Value> = assistant
            .and_then(|a| a.insight_plan())
            .map(|plan| {
                plan.iter()
                    .map(|(k, f)| (k.clone(), insight_value(f)))
                    .collect()
            })
            .unwrap_or_default();
        let cart = assistant.is_some_and(|a| a.variant_type == "abandoned_cart");
        let summary = match outcome {
            Outcome::Answered => "The customer answered and the conversation reached its goal.",
            Outcome::Rescheduled => "The customer asked to be called back later.",
            Outcome::LowEngagement => "The customer hung up almost immediately.",
            Outcome::Timeout => "The call exceeded the maximum call duration.",
            _ => "The call did not connect.",
        };
        let required_actions: Vec<&str> = if cart && outcome == Outcome::Answered {
            vec!["create-order"]
        } else {
            Vec::new()
        };
        let organization = call.organization.clone();
        let available = match self.orgs.get_mut(&organization) {
            Some(org) => {
                org.credit_balance -= credits;
                org.credit_balance
            }
            None => 0.0,
        };
        if let Some(call) = self.calls.get_mut(call_id) {
            call.credits_used += credits;
            call.recording_ready = true;
        }
        let extra = json!({
            "analysis": {
                "success": outcome == Outcome::Answered,
                "summary": summary,
                "requiredActions": required_actions,
                "insights": insights,
                "outcome": {},
            },
            "credits": { "used": credits, "available": available },
        });
        self.emit_call_event(call_id, "end-of-call", Some(extra));
    }

    fn attempt_over(&mut self, call_id: &str) {
        let now = self.now();
        let Some(call) = self.calls.get(call_id) else {
            return;
        };
        let policy = self
            .assistants
            .get(&call.assistant)
            .map(|a| a.retry_policy())
            .unwrap_or_default();
        let outcome = call.outcome.unwrap_or(Outcome::Answered);
        match after_attempt(outcome, call.counters, policy) {
            AfterAttempt::End => self.end_lifecycle(call_id),
            AfterAttempt::Retry(reason) => {
                let Some(call) = self.calls.get_mut(call_id) else {
                    return;
                };
                // A reschedule counts when granted; other re-attempts once they are dialled.
                if reason == RetryReason::Reschedule {
                    call.counters.rescheduled += 1;
                } else {
                    call.pending_retry = Some(reason);
                }
                call.script.push_back((
                    now.saturating_add(policy.re_attempt_period),
                    Transition::Dial,
                ));
                if reason == RetryReason::Reschedule {
                    call.status = Some(CallStatus::Rescheduled);
                    self.emit_call_event(call_id, &CallStatus::Rescheduled.event_type(), None);
                }
            }
        }
    }

    fn end_lifecycle(&mut self, call_id: &str) {
        let Some(call) = self.calls.get_mut(call_id) else {
            return;
        };
        call.lifecycle_ended = true;
        let final_status = call.status.unwrap_or(CallStatus::Initiate).as_str();
        let extra = json!({ "report": {
            "reAttemptCount": call.counters.re_attempt_count(),
            "rescheduledCount": call.counters.rescheduled,
            "finalStatus": final_status,
        }});
        self.emit_call_event(call_id, "call.lifecycle-ended", Some(extra));
    }

    /// Records an event in the call's history and queues its signed delivery.
    ///
    /// `extra` is merged into the `CallEventData` (or, for `action`, replaces it).
    fn emit_call_event(&mut self, call_id: &str, event_type: &str, extra: Option<Value>) {
        let now = self.now();
        let Some(call) = self.calls.get_mut(call_id) else {
            return;
        };
        let data = if event_type == "action" {
            extra.unwrap_or_else(|| json!({}))
        } else {
            let mut data = call_data(call);
            if let (Some(target), Some(Value::Object(more))) = (data.as_object_mut(), extra) {
                target.extend(more);
            }
            data
        };
        call.history.push(HistoryEntry {
            at: rfc3339_at(now),
            elapsed_seconds: now,
            event: event_type.to_owned(),
            status: call.status,
            attempt: call.attempts,
        });
        let envelope = json!({
            "metadata": call.metadata,
            "event": { "type": event_type, "data": data },
        });
        let body = serde_json::to_vec(&envelope).unwrap_or_default();
        let (signature, public_key) = match self.orgs.get(&call.organization) {
            Some(org) => (sign(&org.private_key, &body), org.public_key.clone()),
            None => (String::new(), String::new()),
        };
        self.outbox.push(OutgoingEvent {
            call_id: call_id.to_owned(),
            url: call.callback_url.clone(),
            event_type: event_type.to_owned(),
            body,
            signature,
            public_key,
        });
    }

    /// The control API's view of a call.
    pub(crate) fn call_snapshot(&self, call_id: &str) -> Option<CallSnapshot> {
        let call = self.calls.get(call_id)?;
        Some(CallSnapshot {
            id: call.id.clone(),
            organization: call.organization.clone(),
            workspace: call.workspace.clone(),
            assistant: call.assistant.clone(),
            phone_number: call.phone_number.clone(),
            status: call.status,
            attempts: call.attempts,
            re_attempt_count: call.counters.re_attempt_count(),
            rescheduled_count: call.counters.rescheduled,
            lifecycle_ended: call.lifecycle_ended,
            next_transition_at: call.script.front().map(|(due, _)| rfc3339_at(*due)),
            pending_outcomes: call.steering.iter().copied().collect(),
            credits_used: call.credits_used,
            payload: call.payload.clone(),
            metadata: call.metadata.clone(),
            callback_url: call.callback_url.clone(),
            history: call.history.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::org::{DEFAULT_ORGANIZATION_ID, DEFAULT_WORKSPACE_ID as WS};
    use axum::http::StatusCode;

    fn world_with_assistant(retry: Value) -> (World, String) {
        let mut world = World::seeded();
        let body = json!({
            "name": "Caller", "variant": {"type": "custom"},
            "agent": {"identity": {}, "systemPrompt": "Hello"},
            "callSettings": {"slots": [{"startTime": "09:00", "endTime": "18:00"}], "retryProtocol": retry},
            "analysisPlan": {"callInsightPlan": {"happy": {"type": "boolean", "description": "d", "required": true}}},
        });
        let id = world.create_assistant(WS, &body).unwrap();
        (world, id)
    }

    fn place(world: &mut World, assistant: &str, number: &str) -> String {
        world
            .initiate_call(
                WS,
                NewCall {
                    assistant: assistant.into(),
                    phone_number: number.into(),
                    payload: json!({}),
                    callback_url: Some("http://127.0.0.1:9/hook".into()),
                    metadata: json!({"ref": 7}),
                },
            )
            .unwrap()
    }

    fn events(world: &World, call: &str) -> Vec<String> {
        world.calls[call]
            .history
            .iter()
            .map(|h| h.event.clone())
            .collect()
    }

    #[test]
    fn an_answered_call_runs_to_lifecycle_end_and_charges_credits() {
        let (mut world, assistant) = world_with_assistant(json!({}));
        let call = place(&mut world, &assistant, "+14155552671");
        assert_eq!(world.calls[&call].status, None);
        world.advance_to(0);
        assert!(
            events(&world, &call).is_empty(),
            "nothing happens before the dial delay"
        );
        world.advance_to(7);
        assert_eq!(events(&world, &call), ["call.initiate", "call.in-progress"]);
        assert_eq!(world.calls[&call].status, Some(CallStatus::InProgress));
        world.advance_to(120);
        assert_eq!(
            events(&world, &call),
            [
                "call.initiate",
                "call.in-progress",
                "call.ended",
                "call.completed",
                "end-of-call",
                "call.lifecycle-ended"
            ]
        );
        assert!(world.calls[&call].lifecycle_ended);
        assert!((world.orgs[DEFAULT_ORGANIZATION_ID].credit_balance - 99.0).abs() < 1e-9);
        let outbox: Vec<_> = world.outbox.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(outbox.len(), 6);
        let end: Value = serde_json::from_slice(&world.outbox[4].body).unwrap();
        assert_eq!(end["metadata"], json!({"ref": 7}));
        assert_eq!(
            end["event"]["data"]["analysis"]["insights"],
            json!({"happy": true})
        );
        assert_eq!(end["event"]["data"]["call"]["durationSeconds"], 45);
        assert_eq!(end["event"]["data"]["credits"]["used"], 1.0);
        assert_eq!(
            world.outbox[4].signature,
            sign(
                crate::state::org::DEFAULT_PRIVATE_KEY,
                &world.outbox[4].body
            )
        );
    }

    #[test]
    fn no_answer_is_retried_per_the_retry_protocol() {
        let (mut world, assistant) =
            world_with_assistant(json!({"maxAttemptsNoPickup": 1, "reAttemptPeriod": 60}));
        let call = place(&mut world, &assistant, "+14155550001");
        world.advance_to(31);
        assert_eq!(world.calls[&call].status, Some(CallStatus::NoAnswer));
        assert!(!world.calls[&call].lifecycle_ended);
        world.advance_to(90);
        assert_eq!(
            world.calls[&call].attempts, 1,
            "the re-attempt waits reAttemptPeriod"
        );
        world.advance_to(91);
        assert_eq!(world.calls[&call].attempts, 2);
        world.advance_to(1000);
        assert_eq!(
            events(&world, &call),
            [
                "call.initiate",
                "call.no-answer",
                "call.initiate",
                "call.no-answer",
                "call.lifecycle-ended"
            ]
        );
        assert_eq!(world.call_snapshot(&call).unwrap().re_attempt_count, 1);
    }

    #[test]
    fn abort_stops_the_retry_chain() {
        let (mut world, assistant) = world_with_assistant(json!({}));
        let call = place(&mut world, &assistant, "+14155550002");
        world.advance_to(10);
        assert_eq!(world.calls[&call].status, Some(CallStatus::Busy));
        world.abort_call(WS, &call).unwrap();
        assert_eq!(
            events(&world, &call)[2..],
            ["call.aborted", "call.lifecycle-ended"]
        );
        assert!(world.schedule.is_empty());
        world.advance_to(10_000);
        assert_eq!(world.calls[&call].attempts, 1);
        let err = world.abort_call(WS, &call).unwrap_err();
        assert_eq!(
            (err.status, err.message.as_str()),
            (StatusCode::BAD_REQUEST, "Call already aborted")
        );
        let err = world.abort_call(WS, "nope").unwrap_err();
        assert_eq!(
            (err.status, err.message.as_str()),
            (StatusCode::NOT_FOUND, "Call not found")
        );
    }

    #[test]
    fn nothing_follows_lifecycle_ended_not_even_an_abort() {
        let (mut world, assistant) = world_with_assistant(json!({}));
        let call = place(&mut world, &assistant, "+14155550002");
        world.advance_to(10_000);
        assert!(world.calls[&call].lifecycle_ended);
        assert_eq!(world.calls[&call].status, Some(CallStatus::Busy));
        let before = events(&world, &call);
        assert_eq!(
            before.last().map(String::as_str),
            Some("call.lifecycle-ended")
        );
        let err = world.abort_call(WS, &call).unwrap_err();
        assert_eq!(
            (err.status, err.message.as_str()),
            (StatusCode::BAD_REQUEST, "Call already completed")
        );
        assert_eq!(
            events(&world, &call),
            before,
            "no event after lifecycle-ended"
        );
        assert_eq!(world.calls[&call].status, Some(CallStatus::Busy));
    }

    #[test]
    fn abort_is_refused_in_progress_and_after_completion() {
        let (mut world, assistant) = world_with_assistant(json!({}));
        let call = place(&mut world, &assistant, "+14155552671");
        let queued = place(&mut world, &assistant, "+14155552672");
        world.abort_call(WS, &queued).unwrap();
        world.advance_to(10);
        assert_eq!(
            world.abort_call(WS, &call).unwrap_err().message,
            "Call already in progress"
        );
        world.advance_to(100);
        assert_eq!(
            world.abort_call(WS, &call).unwrap_err().message,
            "Call already completed"
        );
    }

    #[test]
    fn payload_updates_only_before_the_first_dial() {
        let (mut world, assistant) = world_with_assistant(json!({}));
        let call = place(&mut world, &assistant, "+14155552671");
        world
            .update_call_payload(WS, &call, json!({"a": 1}))
            .unwrap();
        assert_eq!(world.calls[&call].payload, json!({"a": 1}));
        world.advance_to(1);
        let err = world.update_call_payload(WS, &call, json!({})).unwrap_err();
        assert_eq!(err.message, "Call already in progress or completed");
        assert_eq!(
            world
                .update_call_payload(WS, "x", json!({}))
                .unwrap_err()
                .status,
            StatusCode::NOT_FOUND
        );
    }

    #[test]
    fn steering_and_validation() {
        let (mut world, assistant) =
            world_with_assistant(json!({"maxRescheduleCount": 1, "reAttemptPeriod": 100}));
        let invalid = place(&mut world, &assistant, "+14155550004");
        let skipped = place(&mut world, &assistant, "+14155550005");
        let steered = place(&mut world, &assistant, "+14155552671");
        assert!(world.steer_call(&steered, vec![Outcome::Rescheduled, Outcome::Answered]));
        world.advance_to(5);
        assert_eq!(
            events(&world, &invalid),
            ["call.validation-failed", "call.lifecycle-ended"]
        );
        assert_eq!(
            events(&world, &skipped),
            ["call.skip", "call.lifecycle-ended"]
        );
        world.advance_to(60);
        assert_eq!(world.calls[&steered].status, Some(CallStatus::Rescheduled));
        // Its lifecycle ended with the validation failure: no abort (and no event) after that.
        assert!(world.abort_call(WS, &invalid).is_err());
        assert_eq!(
            events(&world, &invalid).last().unwrap(),
            "call.lifecycle-ended"
        );
        world.advance_to(1000);
        let snapshot = world.call_snapshot(&steered).unwrap();
        assert_eq!(snapshot.rescheduled_count, 1);
        assert_eq!(snapshot.status, Some(CallStatus::Completed));
        assert_eq!(snapshot.attempts, 2);
    }

    #[test]
    fn a_huge_reattempt_period_never_overflows_the_clock() {
        let (mut world, assistant) = world_with_assistant(json!({"reAttemptPeriod": u64::MAX}));
        let call = place(&mut world, &assistant, "+14155550001");
        world.advance_to(u64::MAX);
        assert_eq!(
            world.calls[&call].attempts, 3,
            "both re-attempts land at the end of time"
        );
        assert!(world.calls[&call].lifecycle_ended);
        let (mut world, assistant) = world_with_assistant(json!({}));
        world.advance_to(u64::MAX - 1);
        let call = place(&mut world, &assistant, "+14155552671");
        world.advance_to(u64::MAX);
        assert_eq!(world.calls[&call].status, Some(CallStatus::Completed));
    }

    #[test]
    fn missing_required_variables_fail_validation() {
        let mut world = World::seeded();
        let body = json!({
            "name": "Needs vars", "variant": {"type": "custom", "config": {"inputSchema": [{"name": "customerName", "isRequired": true}]}},
            "agent": {"identity": {}, "systemPrompt": "Hi {{customerName}}"},
        });
        let assistant = world.create_assistant(WS, &body).unwrap();
        let call = place(&mut world, &assistant, "+14155552671");
        world.advance_to(5);
        assert_eq!(
            world.calls[&call].status,
            Some(CallStatus::ValidationFailed)
        );
    }
}
