//! The Redis-backed call tracker against a real `redis-server` (started by
//! each test on a free loopback port): the store conformance scenarios, and
//! two receiver replicas where the webhook lands on one while the other
//! awaits the outcome.
#![cfg(all(feature = "axum", feature = "redis"))]

mod tracker_support;
mod webhook_support;

use mirai_voice::CallStatus;
use mirai_voice::tracker::{CallTracker, RecordOutcome, RedisTracker, TrackError};
use mirai_voice::webhook::{CallEventType, RedisDeduper, WebhookEvent};
use mirai_voice_mock::{MockServer, Outcome};
use tracker_support::emulator::{Replica, assistant, client, place_call, receiver};
use tracker_support::{PROMPTLY, call_event, tracker_conformance};
use webhook_support::redis_server::RedisServer;

#[tokio::test]
async fn redis_tracker_conforms() {
    let redis = RedisServer::start();
    let tracker = CallTracker::redis(&redis.url()).await.unwrap();
    tracker_conformance(&tracker, "call_redis").await;
}

#[tokio::test]
async fn a_call_at_its_event_cap_refuses_more_instead_of_trimming() {
    let redis = RedisServer::start();
    let store = RedisTracker::connect(&redis.url())
        .await
        .unwrap()
        .with_max_events_per_call(2);
    let tracker = CallTracker::new(store);
    for kind in [CallEventType::Initiate, CallEventType::InProgress] {
        tracker.record(&call_event("call_cap", kind)).await.unwrap();
    }
    let refused = tracker
        .record(&call_event("call_cap", CallEventType::Ended))
        .await;
    assert!(
        matches!(refused, Err(TrackError::CallHistoryFull { limit: 2 })),
        "{refused:?}"
    );
    let partial = tracker
        .outcome("call_cap", std::time::Duration::from_millis(200))
        .await
        .expect_err("not over");
    assert_eq!(partial.partial().events_seen, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_replica_that_awaits_gets_the_outcome_of_webhooks_landing_on_another() {
    let redis = RedisServer::start();
    let server = MockServer::start().await;
    // Two replicas, each with its own connections, as in two processes.
    let replica = |tracker: CallTracker| {
        let server = &server;
        let url = redis.url();
        async move {
            let receiver =
                receiver(server, &tracker).with_deduper(RedisDeduper::connect(&url).await.unwrap());
            Replica::start(receiver).await
        }
    };
    let tracker_a = CallTracker::redis(&redis.url()).await.unwrap();
    let tracker_b = CallTracker::redis(&redis.url()).await.unwrap();
    let replica_a = replica(tracker_a.clone()).await;
    let replica_b = replica(tracker_b.clone()).await;

    let client = client(&server);
    let assistant = assistant(&client).await;
    // The load balancer sends this call's webhooks to replica A.
    let call = place_call(
        &client,
        &assistant,
        "+14155552671",
        &replica_a.callback_url(),
    )
    .await;
    server
        .control()
        .set_call_outcomes(
            call.call_id.as_str(),
            vec![Outcome::NoAnswer, Outcome::Answered],
        )
        .unwrap();

    // Replica B placed the call and waits for it.
    let waiter = {
        let tracker_b = tracker_b.clone();
        let call_id = call.call_id.clone();
        tokio::spawn(async move { tracker_b.outcome(call_id, PROMPTLY).await })
    };
    assert!(server.control().run_until_idle().await.deliveries_settled);
    let outcome = waiter.await.unwrap().expect("the lifecycle ended");

    assert_eq!(outcome.final_status, Some(CallStatus::Completed));
    assert_eq!(outcome.attempts.len(), 2);
    assert_eq!(outcome.attempts[0].status, Some(CallStatus::NoAnswer));
    assert!(outcome.attempts[1].was_answered());
    assert!(outcome.analysis.is_some());
    assert_eq!(outcome.events_seen, replica_a.handled());
    assert_eq!(replica_b.handled(), 0);

    // A redelivery recorded through replica B is not recorded twice.
    let deliveries = server.control().deliveries(Some(call.call_id.as_str()));
    let first = WebhookEvent::from_slice(deliveries[0].body.as_bytes()).unwrap();
    assert_eq!(
        tracker_b.record(&first).await.unwrap(),
        RecordOutcome::Duplicate
    );
    // Replica A sees the same history.
    assert_eq!(
        tracker_a.outcome(&call.call_id, PROMPTLY).await.unwrap(),
        outcome
    );
}
