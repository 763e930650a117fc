//! Shared by the call tracker tests: the store conformance scenarios every
//! backend must pass, and (feature `axum`) webhook receiver replicas served
//! on loopback in front of the emulator.
// Each test crate uses a different part of this module.
#![allow(dead_code)]

use std::time::Duration;

use futures::StreamExt;
use mirai_voice::tracker::{CallTracker, OutcomeError, RecordOutcome, TrackError};
use mirai_voice::webhook::testing::EventBuilder;
use mirai_voice::webhook::{CallEventType, WebhookEvent};

/// Generous bound for anything that should happen promptly on a loaded
/// machine; tests only wait this long when they are about to fail.
pub const PROMPTLY: Duration = Duration::from_secs(30);

pub fn call_event(call_id: &str, kind: CallEventType) -> WebhookEvent {
    EventBuilder::call(kind).call_id(call_id).build()
}

/// The next event of a watch stream, failing the test if none comes promptly.
pub async fn next_event(
    events: &mut mirai_voice::tracker::EventStream,
) -> Result<WebhookEvent, TrackError> {
    tokio::time::timeout(PROMPTLY, events.next())
        .await
        .expect("an event arrives promptly")
        .expect("a watch stream does not end")
}

/// What every tracker store must do, shown through `CallTracker`.
pub async fn tracker_conformance(tracker: &CallTracker, call_id: &str) {
    use CallEventType as K;
    // Recorded before anybody watches: still seen, in order.
    let initiate = call_event(call_id, K::Initiate);
    assert_eq!(
        tracker.record(&initiate).await.unwrap(),
        RecordOutcome::Recorded
    );
    assert_eq!(
        tracker.record(&initiate).await.unwrap(),
        RecordOutcome::Duplicate
    );
    let mut early = tracker.watch(call_id);
    assert_eq!(next_event(&mut early).await.unwrap(), initiate);

    // Live: a second watcher joins, both see the next event once.
    let mut late = tracker.watch(call_id);
    assert_eq!(next_event(&mut late).await.unwrap(), initiate);
    let in_progress = call_event(call_id, K::InProgress);
    assert_eq!(
        tracker.record(&in_progress).await.unwrap(),
        RecordOutcome::Recorded
    );
    assert_eq!(next_event(&mut early).await.unwrap(), in_progress);
    assert_eq!(next_event(&mut late).await.unwrap(), in_progress);

    // Another call's events stay apart.
    let other = format!("{call_id}_other");
    tracker
        .record(&call_event(&other, K::Initiate))
        .await
        .unwrap();

    // An event without a call is not kept.
    let unknown = EventBuilder::unknown("call.voicemail", serde_json::json!({})).build();
    assert_eq!(
        tracker.record(&unknown).await.unwrap(),
        RecordOutcome::NoCall
    );

    // Not over yet: the wait times out with what was seen.
    let timeout = Duration::from_millis(200);
    match tracker.outcome(call_id, timeout).await {
        Err(OutcomeError::TimedOut { partial, waited }) => {
            assert_eq!(waited, timeout);
            assert_eq!(partial.events_seen, 2);
            assert_eq!(partial.attempts.len(), 1);
            assert!(!partial.is_final());
        }
        other => panic!("expected a timeout, got {other:?}"),
    }

    // The rest of the lifecycle, recorded while a waiter waits.
    let waiter = {
        let tracker = tracker.clone();
        let call_id = call_id.to_owned();
        tokio::spawn(async move { tracker.outcome(&call_id, PROMPTLY).await })
    };
    for kind in [K::Ended, K::Completed, K::EndOfCall, K::LifecycleEnded] {
        assert_eq!(
            tracker.record(&call_event(call_id, kind)).await.unwrap(),
            RecordOutcome::Recorded
        );
    }
    let outcome = waiter.await.unwrap().expect("the lifecycle ended");
    assert!(outcome.is_final());
    assert_eq!(outcome.events_seen, 6);
    assert_eq!(outcome.attempts.len(), 1);
    assert_eq!(
        outcome.final_status,
        Some(mirai_voice::CallStatus::Completed)
    );
    assert!(outcome.analysis.is_some());
    // A waiter that starts after the end gets the same outcome from the history (no new event comes; the
    // timeout only bounds a slow store round trip on a loaded machine).
    assert_eq!(
        tracker
            .outcome(call_id, Duration::from_secs(30))
            .await
            .unwrap(),
        outcome
    );
    // The other call was never mixed in.
    let mut other_events = tracker.watch(&other);
    assert_eq!(
        next_event(&mut other_events).await.unwrap().event_type(),
        "call.initiate"
    );
    let mut late_events = Vec::new();
    for _ in 0..4 {
        late_events.push(next_event(&mut late).await.unwrap().event_type().to_owned());
    }
    assert_eq!(
        late_events,
        [
            "call.ended",
            "call.completed",
            "end-of-call",
            "call.lifecycle-ended"
        ]
    );
}

#[cfg(feature = "axum")]
pub mod emulator;
