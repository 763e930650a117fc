//! Webhook deliveries over real HTTP with in-memory claims: a delivery is
//! handled once it succeeds, and never lost when its handling fails, panics,
//! is dropped or crashes.
#![cfg(feature = "axum")]

mod webhook_support;

use std::sync::Arc;
use std::time::Duration;

use mirai_voice::webhook::testing::{self, EventBuilder, ManualClock};
use mirai_voice::webhook::{MemoryDeduper, Verifier, WebhookReceiver};
use webhook_support::*;

const LEASE: Duration = Duration::from_secs(60);

fn receiver(dedupe: &Arc<MemoryDeduper>) -> WebhookReceiver {
    WebhookReceiver::new(Verifier::with_secret(testing::test_secret()))
        .with_deduper(dedupe.clone())
        .with_lease(LEASE)
}

fn replicas() -> [WebhookReceiver; 2] {
    let shared = Arc::new(MemoryDeduper::default());
    [receiver(&shared), receiver(&shared)]
}

#[tokio::test]
async fn failed_handling_is_redelivered() {
    webhook_support::failed_handling_is_redelivered(receiver(&Arc::default())).await;
}

#[tokio::test]
async fn panicked_handling_is_redelivered() {
    webhook_support::panicked_handling_is_redelivered(receiver(&Arc::default())).await;
}

#[tokio::test]
async fn redelivery_during_a_handling_that_succeeds_is_retried_then_acknowledged() {
    redelivery_during_handling_is_retried_later(replicas(), true).await;
}

#[tokio::test]
async fn redelivery_during_a_handling_that_fails_is_retried_then_handled() {
    redelivery_during_handling_is_retried_later(replicas(), false).await;
}

#[tokio::test]
async fn handled_delivery_is_acknowledged_without_the_handler() {
    webhook_support::handled_delivery_is_acknowledged_without_the_handler(
        receiver(&Arc::default()),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_replicas_handle_each_delivery_once() {
    webhook_support::racing_replicas_handle_each_delivery_once(replicas()).await;
}

#[tokio::test]
async fn dropped_handling_releases_its_claim_at_once() {
    let dedupe = Arc::new(MemoryDeduper::default());
    let cancelled = cancel_a_handling(receiver(&dedupe)).await;
    // The in-memory store releases inside `Drop`, before the answer is sent.
    assert!(dedupe.is_empty());
    cancelled.redelivery_is_handled().await;
}

#[tokio::test]
async fn crashed_handling_is_redelivered_once_its_lease_expires() {
    let clock = ManualClock::new();
    let dedupe = Arc::new(MemoryDeduper::default().with_clock(clock.clone()));
    let delivery = signed(EventBuilder::end_of_call().call_id("call_crash"));
    let (server, handler) =
        crash_mid_handling(receiver(&dedupe), receiver(&dedupe), &delivery).await;

    clock.advance(LEASE - Duration::from_millis(1));
    assert!(deliver(&server.url, &delivery).await.is_retry_later());
    clock.advance(Duration::from_millis(1));
    redelivery_after_lease_is_handled(&server, &handler, &delivery).await;
}

#[tokio::test]
async fn extractor_alone_refuses_without_claiming() {
    let dedupe = Arc::new(MemoryDeduper::default());
    webhook_support::extractor_alone_refuses_without_claiming(receiver(&dedupe)).await;
    assert!(dedupe.is_empty(), "nothing was claimed");
}

#[tokio::test]
async fn conformance() {
    let dedupe = MemoryDeduper::default();
    let key = mirai_voice::webhook::DedupeKey::new("call.completed", Some("call_1"), b"{}");
    deduper_conformance(&dedupe, &key).await;
}
