//! The in-memory call tracker: the store conformance scenarios, its bounds
//! (retention, capacity, events per call), and the webhook receiver feeding
//! it exactly once per delivery.

mod tracker_support;

use std::time::Duration;

use mirai_voice::tracker::{
    CallTracker, EventStream, MemoryTracker, RecordFuture, RecordOutcome, TrackError, TrackerStore,
};
use mirai_voice::webhook::testing::{self, EventBuilder, ManualClock};
use mirai_voice::webhook::{
    CallEventType, MemoryDeduper, Received, Verifier, WebhookError, WebhookEvent, WebhookReceiver,
};
use tracker_support::*;

const RETENTION: Duration = Duration::from_secs(3600);

fn tracker_with_clock(capacity: usize) -> (CallTracker, MemoryTracker, ManualClock) {
    let clock = ManualClock::new();
    let store = MemoryTracker::with_clock(capacity, clock.clone()).with_retention(RETENTION);
    (CallTracker::new(store.clone()), store, clock)
}

/// How many events the tracker holds for `call_id`, read through a wait
/// that cannot end (the lifecycle never ends in these tests).
async fn events_kept(tracker: &CallTracker, call_id: &str) -> usize {
    match tracker.outcome(call_id, Duration::from_millis(50)).await {
        Err(error) => error.partial().events_seen,
        Ok(outcome) => panic!("unexpected final outcome {outcome:?}"),
    }
}

#[tokio::test]
async fn memory_tracker_conforms() {
    tracker_conformance(&CallTracker::memory(), "call_memory").await;
}

#[tokio::test]
async fn history_lives_for_the_retention_after_the_latest_event() {
    let (tracker, _, clock) = tracker_with_clock(100);
    tracker
        .record(&call_event("call_a", CallEventType::Initiate))
        .await
        .unwrap();
    clock.advance(RETENTION - Duration::from_secs(1));
    assert_eq!(events_kept(&tracker, "call_a").await, 1);
    clock.advance(Duration::from_secs(1));
    assert_eq!(events_kept(&tracker, "call_a").await, 0);
}

#[tokio::test]
async fn a_full_tracker_forgets_the_call_updated_longest_ago_but_never_a_watched_one() {
    let (tracker, store, clock) = tracker_with_clock(2);
    tracker
        .record(&call_event("call_a", CallEventType::Initiate))
        .await
        .unwrap();
    clock.advance(Duration::from_secs(1));
    tracker
        .record(&call_event("call_b", CallEventType::Initiate))
        .await
        .unwrap();
    // `call_a` is the oldest, but watched: `call_b` goes instead.
    let watching_a = tracker.watch("call_a");
    clock.advance(Duration::from_secs(1));
    tracker
        .record(&call_event("call_c", CallEventType::Initiate))
        .await
        .unwrap();
    assert_eq!(store.len(), 2);
    drop(watching_a);
    assert_eq!(events_kept(&tracker, "call_a").await, 1);

    // Every call watched: a new call is refused, not dropped silently.
    let (tracker, _, _) = tracker_with_clock(1);
    let _watching = tracker.watch("call_a");
    let refused = tracker
        .record(&call_event("call_b", CallEventType::Initiate))
        .await;
    assert!(
        matches!(refused, Err(TrackError::Full { capacity: 1 })),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_call_at_its_event_cap_refuses_more_and_keeps_its_history() {
    let tracker = CallTracker::new(MemoryTracker::default().with_max_events_per_call(2));
    for kind in [CallEventType::Initiate, CallEventType::InProgress] {
        tracker.record(&call_event("call_a", kind)).await.unwrap();
    }
    let refused = tracker
        .record(&call_event("call_a", CallEventType::Ended))
        .await;
    assert!(
        matches!(refused, Err(TrackError::CallHistoryFull { limit: 2 })),
        "{refused:?}"
    );
    assert_eq!(events_kept(&tracker, "call_a").await, 2);
}

#[tokio::test]
async fn the_receiver_records_each_delivery_once_even_when_handling_is_retried() {
    let tracker = CallTracker::memory();
    let receiver = WebhookReceiver::new(Verifier::with_secret(testing::test_secret()))
        .with_tracker(tracker.clone());
    let delivery = EventBuilder::call(CallEventType::Initiate)
        .call_id("call_r")
        .signed(testing::TEST_PUBLIC_KEY, &testing::test_secret());
    // The handler fails: the claim is released and the sender retries.
    let Received::New(claim) = receiver
        .receive(&delivery.headers, &delivery.body)
        .await
        .unwrap()
    else {
        panic!("a first delivery is new")
    };
    claim.release().await.unwrap();
    let Received::New(claim) = receiver
        .receive(&delivery.headers, &delivery.body)
        .await
        .unwrap()
    else {
        panic!("a released delivery is handled again")
    };
    claim.commit().await.unwrap();
    assert!(matches!(
        receiver
            .receive(&delivery.headers, &delivery.body)
            .await
            .unwrap(),
        Received::Duplicate(_)
    ));
    assert_eq!(events_kept(&tracker, "call_r").await, 1);
}

/// A store that is down.
#[derive(Debug)]
struct DownStore;

impl TrackerStore for DownStore {
    fn record<'a>(&'a self, _: &'a str, _: &'a str, _: &'a WebhookEvent) -> RecordFuture<'a> {
        Box::pin(async { Err(TrackError::store("store is down")) })
    }

    fn watch(&self, _: &str) -> EventStream {
        Box::pin(futures::stream::once(async {
            Err(TrackError::store("store is down"))
        }))
    }
}

#[tokio::test]
async fn a_delivery_that_cannot_be_recorded_is_refused_and_its_claim_released() {
    let dedupe = std::sync::Arc::new(MemoryDeduper::default());
    let verifier = || Verifier::with_secret(testing::test_secret());
    let down = WebhookReceiver::new(verifier())
        .with_deduper(dedupe.clone())
        .with_tracker(CallTracker::new(DownStore));
    let delivery = EventBuilder::end_of_call()
        .call_id("call_down")
        .signed(testing::TEST_PUBLIC_KEY, &testing::test_secret());
    let error = down
        .receive(&delivery.headers, &delivery.body)
        .await
        .expect_err("an unrecorded delivery is refused");
    assert!(matches!(error, WebhookError::Track(_)), "{error:?}");
    assert_eq!(error.http_status(), 503);

    // The retry, on a replica whose tracker works, is handled and recorded.
    let tracker = CallTracker::memory();
    let up = WebhookReceiver::new(verifier())
        .with_deduper(dedupe)
        .with_tracker(tracker.clone());
    assert!(matches!(
        up.receive(&delivery.headers, &delivery.body).await.unwrap(),
        Received::New(_)
    ));
    assert_eq!(events_kept(&tracker, "call_down").await, 1);
}

#[tokio::test]
async fn a_wait_on_a_failing_store_reports_it_with_the_partial_outcome() {
    let error = CallTracker::new(DownStore)
        .outcome("call_down", PROMPTLY)
        .await
        .expect_err("the store is down");
    assert!(
        matches!(error, mirai_voice::tracker::OutcomeError::Store { .. }),
        "{error:?}"
    );
    assert_eq!(error.partial().events_seen, 0);
    assert_eq!(
        RecordOutcome::NoCall,
        CallTracker::memory()
            .record(&EventBuilder::unknown("x", serde_json::Value::Null).build())
            .await
            .unwrap()
    );
}
