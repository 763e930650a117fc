//! In-memory de-duplication and the receiver that uses it.

use std::sync::Arc;
use std::time::Duration;

use mirai_voice::webhook::testing::{self, EventBuilder, ManualClock};
use mirai_voice::webhook::{
    CallEventType, DedupeKey, Deduper, Delivery, MemoryDeduper, Received, Verifier, WebhookError,
    WebhookReceiver,
};

const HOUR: Duration = Duration::from_secs(3600);

fn key(n: u32) -> DedupeKey {
    DedupeKey::new("call.completed", Some(&format!("call_{n}")), b"{}")
}

#[tokio::test]
async fn second_claim_is_a_duplicate() {
    let dedupe = MemoryDeduper::new(10, HOUR);
    assert_eq!(dedupe.claim(&key(1)).await.unwrap(), Delivery::First);
    assert_eq!(dedupe.claim(&key(1)).await.unwrap(), Delivery::Duplicate);
    assert_eq!(dedupe.claim(&key(2)).await.unwrap(), Delivery::First);
    assert_eq!(dedupe.len(), 2);
}

#[tokio::test]
async fn keys_expire_after_the_ttl() {
    let clock = ManualClock::new();
    let dedupe = MemoryDeduper::new(10, HOUR).with_clock(clock.clone());
    assert_eq!(dedupe.claim(&key(1)).await.unwrap(), Delivery::First);
    clock.advance(HOUR - Duration::from_secs(1));
    assert_eq!(dedupe.claim(&key(1)).await.unwrap(), Delivery::Duplicate);
    clock.advance(Duration::from_secs(1));
    assert_eq!(dedupe.claim(&key(1)).await.unwrap(), Delivery::First);
}

#[tokio::test]
async fn a_reclaimed_key_lives_a_full_ttl_from_its_new_claim() {
    let clock = ManualClock::new();
    let dedupe = MemoryDeduper::new(10, HOUR).with_clock(clock.clone());
    dedupe.claim(&key(1)).await.unwrap();
    clock.advance(HOUR);
    assert_eq!(dedupe.claim(&key(1)).await.unwrap(), Delivery::First);
    clock.advance(HOUR / 2);
    // The stale entry of the first claim must not drop the second one.
    dedupe.claim(&key(2)).await.unwrap();
    assert_eq!(dedupe.claim(&key(1)).await.unwrap(), Delivery::Duplicate);
}

#[tokio::test]
async fn capacity_bounds_memory_by_forgetting_the_oldest() {
    let dedupe = MemoryDeduper::new(3, HOUR);
    for n in 0..3 {
        assert_eq!(dedupe.claim(&key(n)).await.unwrap(), Delivery::First);
    }
    assert_eq!(dedupe.claim(&key(3)).await.unwrap(), Delivery::First);
    assert_eq!(dedupe.len(), 3);
    // key 0 was evicted, the newer ones are still remembered.
    assert_eq!(dedupe.claim(&key(2)).await.unwrap(), Delivery::Duplicate);
    assert_eq!(dedupe.claim(&key(3)).await.unwrap(), Delivery::Duplicate);
    assert_eq!(dedupe.claim(&key(0)).await.unwrap(), Delivery::First);
    assert_eq!(dedupe.len(), 3);
}

#[tokio::test]
async fn release_lets_a_redelivery_through() {
    let dedupe = MemoryDeduper::new(10, HOUR);
    dedupe.claim(&key(1)).await.unwrap();
    dedupe.release(&key(1)).await.unwrap();
    assert_eq!(dedupe.claim(&key(1)).await.unwrap(), Delivery::First);
    // Repeated release/claim cycles keep a single live key.
    for _ in 0..1000 {
        dedupe.release(&key(1)).await.unwrap();
        dedupe.claim(&key(1)).await.unwrap();
    }
    assert_eq!(dedupe.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_claims_have_exactly_one_winner() {
    let dedupe = Arc::new(MemoryDeduper::new(100, HOUR));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let dedupe = dedupe.clone();
            tokio::spawn(async move { dedupe.claim(&key(7)).await.unwrap() })
        })
        .collect();
    let mut first = 0;
    for task in tasks {
        if task.await.unwrap() == Delivery::First {
            first += 1;
        }
    }
    assert_eq!(first, 1);
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

#[tokio::test]
async fn receiver_skips_duplicates_but_not_distinct_events_of_one_call() {
    let secret = testing::test_secret();
    let receiver = WebhookReceiver::new(Verifier::with_secret(secret.clone()));
    let order = EventBuilder::create_order().signed(testing::TEST_PUBLIC_KEY, &secret);
    let whatsapp =
        EventBuilder::send_whatsapp("+15550100").signed(testing::TEST_PUBLIC_KEY, &secret);

    let first = receiver.receive(&order.headers, &order.body).await.unwrap();
    let Received::New(verified) = first else {
        panic!("first delivery should be new")
    };
    assert_eq!(
        verified.public_key.as_deref(),
        Some(testing::TEST_PUBLIC_KEY)
    );
    assert_eq!(
        verified.dedupe_key,
        DedupeKey::for_event(&verified.event, &order.body)
    );
    assert!(matches!(
        receiver.receive(&order.headers, &order.body).await.unwrap(),
        Received::Duplicate(_)
    ));
    // Same type and call id, different action: a separate delivery.
    assert!(matches!(
        receiver
            .receive(&whatsapp.headers, &whatsapp.body)
            .await
            .unwrap(),
        Received::New(_)
    ));
    // After a release the redelivery is processed again.
    receiver.release(&verified.dedupe_key).await.unwrap();
    assert!(matches!(
        receiver.receive(&order.headers, &order.body).await.unwrap(),
        Received::New(_)
    ));
}

#[tokio::test]
async fn receiver_checks_signature_before_recording_anything() {
    let secret = testing::test_secret();
    let dedupe = Arc::new(MemoryDeduper::new(10, HOUR));
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
        assert!(matches!(
            receiver
                .receive(&delivery.headers, &delivery.body)
                .await
                .unwrap(),
            Received::New(_)
        ));
    }
}
