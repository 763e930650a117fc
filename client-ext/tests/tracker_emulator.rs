//! The call tracker on the emulator, in one process: the SDK places a call,
//! the emulator's signed webhooks reach a receiver on loopback that records
//! them, and the code that placed the call awaits the outcome.
#![cfg(feature = "axum")]

mod tracker_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use mirai_voice::CallStatus;
use mirai_voice::tracker::{
    CallTracker, EventStream, MemoryTracker, OutcomeError, RecordFuture, TrackError, TrackerStore,
};
use mirai_voice::webhook::{CallEventType, WebhookEvent};
use mirai_voice_mock::{MockServer, Outcome};
use tracker_support::PROMPTLY;
use tracker_support::emulator::{Replica, assistant, client, place_call, receiver};

/// The emulator answers numbers ending in anything but 0001…0009.
const ANSWERS: &str = "+14155552671";

#[tokio::test]
async fn the_outcome_of_an_answered_call_arrives_through_the_receiver() {
    let server = MockServer::start().await;
    let tracker = CallTracker::memory();
    let replica = Replica::start(receiver(&server, &tracker)).await;
    let client = client(&server);
    let assistant = assistant(&client).await;
    let call = place_call(&client, &assistant, ANSWERS, &replica.callback_url()).await;

    // Wait first, then let the call run its course on the virtual clock.
    let waiter = {
        let tracker = tracker.clone();
        let call_id = call.call_id.clone();
        tokio::spawn(async move { tracker.outcome(call_id, PROMPTLY).await })
    };
    let run = server.control().run_until_idle().await;
    assert!(run.deliveries_settled);
    let outcome = waiter.await.unwrap().expect("the lifecycle ended");

    assert_eq!(outcome.call_id, call.call_id);
    assert_eq!(outcome.final_status, Some(CallStatus::Completed));
    assert_eq!(outcome.attempts.len(), 1);
    let attempt = &outcome.attempts[0];
    assert!(attempt.was_answered());
    assert_eq!(attempt.status, Some(CallStatus::Completed));
    assert_eq!(
        attempt.events,
        [
            CallEventType::Initiate,
            CallEventType::InProgress,
            CallEventType::Ended,
            CallEventType::Completed,
            CallEventType::EndOfCall,
        ]
    );
    let analysis = outcome.analysis.as_ref().expect("end-of-call analysis");
    assert_eq!(analysis.success, Some(true));
    assert!(outcome.credits.is_some());
    assert_eq!(
        outcome.metadata.get("orderId").and_then(|v| v.as_str()),
        Some("8842")
    );
    // Every delivery the handler saw was recorded, and only those.
    assert_eq!(outcome.events_seen, replica.handled());
    assert_eq!(
        server
            .control()
            .deliveries(Some(call.call_id.as_str()))
            .len(),
        replica.handled()
    );
}

#[tokio::test]
async fn a_call_still_in_progress_times_out_with_what_was_seen() {
    let server = MockServer::start().await;
    let tracker = CallTracker::memory();
    let replica = Replica::start(receiver(&server, &tracker)).await;
    let client = client(&server);
    let assistant = assistant(&client).await;
    let call = place_call(&client, &assistant, ANSWERS, &replica.callback_url()).await;

    // Dialled at 1 s, answered at 6 s; the clock then stands still, so the
    // lifecycle cannot end within the wait. `advance` returns once the
    // deliveries it caused were answered, that is recorded.
    assert!(server.control().advance(10).await.deliveries_settled);
    let timeout = Duration::from_millis(300);
    let error = tracker
        .outcome(&call.call_id, timeout)
        .await
        .expect_err("the call is still talking");
    let OutcomeError::TimedOut { partial, waited } = &error else {
        panic!("expected a timeout, got {error:?}")
    };
    assert_eq!(*waited, timeout);
    assert!(!partial.is_final());
    assert_eq!(partial.final_status, None);
    assert_eq!(partial.events_seen, 2);
    assert_eq!(partial.attempts.len(), 1);
    assert_eq!(partial.attempts[0].status, Some(CallStatus::InProgress));
    assert_eq!(partial.status(), Some(&CallStatus::InProgress));
    assert!(error.to_string().contains(call.call_id.as_str()));

    // Once the call ends, a new wait gets the whole outcome.
    server.control().run_until_idle().await;
    let outcome = tracker.outcome(&call.call_id, PROMPTLY).await.unwrap();
    assert_eq!(outcome.final_status, Some(CallStatus::Completed));
}

#[tokio::test]
async fn with_re_attempts_the_outcome_is_the_final_one() {
    let server = MockServer::start().await;
    let tracker = CallTracker::memory();
    let replica = Replica::start(receiver(&server, &tracker)).await;
    let client = client(&server);
    let assistant = assistant(&client).await;
    let call = place_call(&client, &assistant, ANSWERS, &replica.callback_url()).await;
    // Nobody picks up, then the customer asks to be called back, then the
    // call goes through (the assistant allows two re-attempts and one
    // reschedule).
    server
        .control()
        .set_call_outcomes(
            call.call_id.as_str(),
            vec![Outcome::NoAnswer, Outcome::Rescheduled, Outcome::Answered],
        )
        .unwrap();

    let waiter = {
        let tracker = tracker.clone();
        let call_id = call.call_id.clone();
        tokio::spawn(async move { tracker.outcome(call_id, PROMPTLY).await })
    };
    assert!(server.control().run_until_idle().await.deliveries_settled);
    let outcome = waiter.await.unwrap().expect("the lifecycle ended");

    let statuses: Vec<_> = outcome
        .attempts
        .iter()
        .map(|attempt| attempt.status.clone())
        .collect();
    assert_eq!(
        statuses,
        [
            Some(CallStatus::NoAnswer),
            Some(CallStatus::Rescheduled),
            Some(CallStatus::Completed)
        ]
    );
    assert_eq!(outcome.final_status, Some(CallStatus::Completed));
    let report = outcome.report.as_ref().expect("the final report");
    assert_eq!(report.re_attempt_count, Some(1));
    assert_eq!(report.rescheduled_count, Some(1));
    assert_eq!(report.final_status, Some(CallStatus::Completed));
    // The analysis is the last answered attempt's.
    assert!(outcome.attempts[0].analysis.is_none());
    assert_eq!(
        outcome.analysis.as_ref(),
        outcome.attempts[2].analysis.as_ref()
    );
    assert!(outcome.analysis.is_some());
    assert_eq!(outcome.events_seen, replica.handled());
}

/// A store whose first `failures` records fail, as a Redis blip would.
#[derive(Debug)]
struct FlakyStore {
    inner: MemoryTracker,
    failures: AtomicUsize,
}

impl TrackerStore for FlakyStore {
    fn record<'a>(
        &'a self,
        call_id: &'a str,
        key: &'a str,
        event: &'a WebhookEvent,
    ) -> RecordFuture<'a> {
        let failing = self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if failing {
            return Box::pin(async { Err(TrackError::store("store briefly down")) });
        }
        self.inner.record(call_id, key, event)
    }

    fn watch(&self, call_id: &str) -> EventStream {
        self.inner.watch(call_id)
    }
}

#[tokio::test]
async fn a_delivery_that_could_not_be_recorded_is_refused_retried_and_then_recorded() {
    let server = MockServer::start().await;
    let tracker = CallTracker::new(FlakyStore {
        inner: MemoryTracker::default(),
        failures: AtomicUsize::new(2),
    });
    let replica = Replica::start(receiver(&server, &tracker)).await;
    let client = client(&server);
    let assistant = assistant(&client).await;
    let call = place_call(&client, &assistant, ANSWERS, &replica.callback_url()).await;

    assert!(server.control().run_until_idle().await.deliveries_settled);
    let outcome = tracker.outcome(&call.call_id, PROMPTLY).await.unwrap();
    assert_eq!(outcome.final_status, Some(CallStatus::Completed));

    // The first event was refused twice (the handler never saw those
    // attempts), then recorded and handled once.
    let deliveries = server.control().deliveries(Some(call.call_id.as_str()));
    let first: Vec<Option<u16>> = deliveries[0].attempts.iter().map(|a| a.status).collect();
    assert_eq!(first, [Some(503), Some(503), Some(200)]);
    assert_eq!(outcome.attempts[0].events[0], CallEventType::Initiate);
    assert_eq!(outcome.events_seen, deliveries.len());
    assert_eq!(replica.handled(), deliveries.len());
}
