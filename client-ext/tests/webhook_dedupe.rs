//! In-memory claims and the receiver that uses them by hand.

use std::sync::Arc;
use std::time::Duration;

use mirai_voice::webhook::testing::{self, EventBuilder, ManualClock};
use mirai_voice::webhook::{
    CallEventType, ClaimOutcome, CommitOutcome, DedupeKey, Deduper, MemoryDeduper, Received,
    ReleaseOutcome, Verifier, WebhookError, WebhookReceiver,
};

const LEASE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

fn key(n: u32) -> DedupeKey {
    DedupeKey::new("call.completed", Some(&format!("call_{n}")), b"{}")
}

async fn claim_done(dedupe: &MemoryDeduper, key: &DedupeKey) {
    let ClaimOutcome::Claimed(token) = dedupe.claim(key, LEASE).await.unwrap() else {
        panic!("{key} is free")
    };
    assert_eq!(
        dedupe.commit(key, &token, HOUR).await.unwrap(),
        CommitOutcome::Committed
    );
}

#[tokio::test]
async fn committed_keys_expire_after_the_ttl_and_leases_after_the_lease() {
    let clock = ManualClock::new();
    let dedupe = MemoryDeduper::new(10).with_clock(clock.clone());
    claim_done(&dedupe, &key(1)).await;
    assert!(matches!(
        dedupe.claim(&key(2), LEASE).await.unwrap(),
        ClaimOutcome::Claimed(_)
    ));
    clock.advance(LEASE - Duration::from_secs(1));
    assert_eq!(
        dedupe.claim(&key(2), LEASE).await.unwrap(),
        ClaimOutcome::InProgress
    );
    clock.advance(Duration::from_secs(1));
    assert!(matches!(
        dedupe.claim(&key(2), LEASE).await.unwrap(),
        ClaimOutcome::Claimed(_)
    ));
    clock.advance(HOUR - LEASE - Duration::from_secs(1));
    assert_eq!(
        dedupe.claim(&key(1), LEASE).await.unwrap(),
        ClaimOutcome::Done
    );
    clock.advance(Duration::from_secs(1));
    assert!(matches!(
        dedupe.claim(&key(1), LEASE).await.unwrap(),
        ClaimOutcome::Claimed(_)
    ));
}

#[tokio::test]
async fn capacity_bounds_memory_by_forgetting_the_oldest_handled_delivery() {
    let dedupe = MemoryDeduper::new(3);
    for n in 0..3 {
        claim_done(&dedupe, &key(n)).await;
    }
    claim_done(&dedupe, &key(3)).await;
    assert_eq!(dedupe.len(), 3);
    // key 0 was evicted, the newer ones are still remembered.
    for n in [2, 3] {
        assert_eq!(
            dedupe.claim(&key(n), LEASE).await.unwrap(),
            ClaimOutcome::Done
        );
    }
    assert!(matches!(
        dedupe.claim(&key(0), LEASE).await.unwrap(),
        ClaimOutcome::Claimed(_)
    ));
    assert_eq!(dedupe.len(), 3);
}

#[tokio::test]
async fn a_table_full_of_deliveries_in_progress_refuses_a_claim_with_an_error() {
    let dedupe = MemoryDeduper::new(2);
    dedupe.claim(&key(1), LEASE).await.unwrap();
    dedupe.claim(&key(2), LEASE).await.unwrap();
    let error = dedupe.claim(&key(3), LEASE).await.unwrap_err();
    assert!(error.to_string().contains("full"), "{error}");
    let webhook_error = WebhookError::from(error);
    assert_eq!(webhook_error.http_status(), 503);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_have_exactly_one_winner() {
    let dedupe = Arc::new(MemoryDeduper::new(100));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let dedupe = dedupe.clone();
            tokio::spawn(async move { dedupe.claim(&key(7), LEASE).await.unwrap() })
        })
        .collect();
    let mut claimed = 0;
    for task in tasks {
        match task.await.unwrap() {
            ClaimOutcome::Claimed(_) => claimed += 1,
            other => assert_eq!(other, ClaimOutcome::InProgress),
        }
    }
    assert_eq!(claimed, 1);
}

#[test]
fn key_names_type_call_and_body_digest() {
    let a = DedupeKey::new("action", Some("call_1"), br#"{"a":1}"#);
    let b = DedupeKey::new("action", Some("call_1"), br#"{"a":2}"#);
    assert_ne!(a, b, "two actions of one call are different deliveries");
    assert!(a.as_str().starts_with("action:call_1:"));
    assert_eq!(a.as_str().len(), "action:call_1:".len() + 64);
    let no_call = DedupeKey::new("call.busy", None, b"");
    assert!(no_call.as_str().starts_with("call.busy:-:"));
    let event = EventBuilder::end_of_call().build();
    let body = event.to_vec();
    assert_eq!(
        DedupeKey::for_event(&event, &body),
        DedupeKey::new("end-of-call", Some(testing::DEFAULT_CALL_ID), &body)
    );
    let long = "x".repeat(10_000);
    assert!(DedupeKey::new(&long, Some(&long), b"").as_str().len() < 400);
}

fn new_claim(received: Received) -> mirai_voice::webhook::Claim {
    match received {
        Received::New(claim) => claim,
        other => panic!("expected a new delivery, got {other:?}"),
    }
}

#[tokio::test]
async fn receiver_claims_then_commits_and_tells_distinct_events_of_one_call_apart() {
    let secret = testing::test_secret();
    let receiver = WebhookReceiver::new(Verifier::with_secret(secret.clone()));
    let order = EventBuilder::create_order().signed(testing::TEST_PUBLIC_KEY, &secret);
    let whatsapp =
        EventBuilder::send_whatsapp("+15550100").signed(testing::TEST_PUBLIC_KEY, &secret);

    let claim = new_claim(receiver.receive(&order.headers, &order.body).await.unwrap());
    assert_eq!(claim.public_key.as_deref(), Some(testing::TEST_PUBLIC_KEY));
    assert_eq!(
        claim.key(),
        &DedupeKey::for_event(&claim.event, &order.body)
    );
    assert!(matches!(
        receiver.receive(&order.headers, &order.body).await.unwrap(),
        Received::InProgress(_)
    ));
    // Same type and call id, different action: a separate delivery.
    let other = new_claim(
        receiver
            .receive(&whatsapp.headers, &whatsapp.body)
            .await
            .unwrap(),
    );
    assert_eq!(claim.commit().await.unwrap(), CommitOutcome::Committed);
    assert!(matches!(
        receiver.receive(&order.headers, &order.body).await.unwrap(),
        Received::Duplicate(_)
    ));
    // A released claim is processed again.
    assert_eq!(other.release().await.unwrap(), ReleaseOutcome::Released);
    let again = new_claim(
        receiver
            .receive(&whatsapp.headers, &whatsapp.body)
            .await
            .unwrap(),
    );
    // So is one dropped unsettled (early return, `?`, panic).
    drop(again);
    let _third = new_claim(
        receiver
            .receive(&whatsapp.headers, &whatsapp.body)
            .await
            .unwrap(),
    );
}

#[test]
fn a_claim_dropped_in_a_panicking_thread_is_released() {
    let secret = testing::test_secret();
    let dedupe = Arc::new(MemoryDeduper::default());
    let receiver =
        WebhookReceiver::new(Verifier::with_secret(secret.clone())).with_deduper(dedupe.clone());
    let delivery = EventBuilder::end_of_call().signed(testing::TEST_PUBLIC_KEY, &secret);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let claim = new_claim(
        runtime
            .block_on(receiver.receive(&delivery.headers, &delivery.body))
            .unwrap(),
    );
    assert_eq!(dedupe.len(), 1);
    // Outside any runtime, in a thread that panics while holding the claim.
    let handling = std::thread::spawn(move || {
        let _claim = claim;
        panic!("handler bug");
    });
    assert!(handling.join().is_err());
    assert!(dedupe.is_empty(), "the unwinding released the claim");
}

#[tokio::test]
async fn receiver_checks_signature_before_recording_anything() {
    let secret = testing::test_secret();
    let dedupe = Arc::new(MemoryDeduper::new(10));
    let receiver =
        WebhookReceiver::new(Verifier::with_secret(secret.clone())).with_deduper(dedupe.clone());
    let mut delivery =
        EventBuilder::call(CallEventType::Busy).signed(testing::TEST_PUBLIC_KEY, &secret);
    delivery.body.push(b'\n');
    let error = receiver
        .receive(&delivery.headers, &delivery.body)
        .await
        .unwrap_err();
    assert!(matches!(error, WebhookError::Verify(_)));
    assert_eq!(error.http_status(), 401);
    assert!(
        dedupe.is_empty(),
        "a forged delivery must not poison the store"
    );
}

#[tokio::test]
async fn receiver_without_dedupe_passes_every_delivery() {
    let secret = testing::test_secret();
    let receiver = WebhookReceiver::new(Verifier::with_secret(secret.clone())).without_dedupe();
    let delivery = EventBuilder::end_of_call().signed(testing::TEST_PUBLIC_KEY, &secret);
    for _ in 0..3 {
        let claim = new_claim(
            receiver
                .receive(&delivery.headers, &delivery.body)
                .await
                .unwrap(),
        );
        assert_eq!(claim.commit().await.unwrap(), CommitOutcome::Committed);
    }
}

#[tokio::test]
async fn receiver_applies_its_lease_and_ttl() {
    let secret = testing::test_secret();
    let clock = ManualClock::new();
    let dedupe = Arc::new(MemoryDeduper::default().with_clock(clock.clone()));
    let receiver = WebhookReceiver::new(Verifier::with_secret(secret.clone()))
        .with_deduper(dedupe.clone())
        .with_lease(Duration::from_secs(5))
        .with_ttl(Duration::from_secs(50));
    assert_eq!(receiver.lease(), Duration::from_secs(5));
    assert_eq!(receiver.ttl(), Duration::from_secs(50));
    let delivery = EventBuilder::end_of_call().signed(testing::TEST_PUBLIC_KEY, &secret);
    let receive = || receiver.receive(&delivery.headers, &delivery.body);

    std::mem::forget(new_claim(receive().await.unwrap()));
    clock.advance(Duration::from_secs(4));
    assert!(matches!(receive().await.unwrap(), Received::InProgress(_)));
    clock.advance(Duration::from_secs(1));
    let claim = new_claim(receive().await.unwrap());
    claim.commit().await.unwrap();
    clock.advance(Duration::from_secs(49));
    assert!(matches!(receive().await.unwrap(), Received::Duplicate(_)));
    clock.advance(Duration::from_secs(1));
    assert!(matches!(receive().await.unwrap(), Received::New(_)));
}
