//! Webhook deliveries over real HTTP with claims in a real `redis-server`
//! (started by each test on a free loopback port): the same guarantees as in
//! memory, across replicas.
#![cfg(all(feature = "axum", feature = "redis"))]

mod webhook_support;

use std::time::{Duration, Instant};

use mirai_voice::webhook::testing::{self, EventBuilder};
use mirai_voice::webhook::{RedisDeduper, Verifier, WebhookReceiver};
use webhook_support::redis_server::RedisServer;
use webhook_support::*;

async fn receiver(server: &RedisServer) -> WebhookReceiver {
    WebhookReceiver::new(Verifier::with_secret(testing::test_secret()))
        .with_deduper(RedisDeduper::connect(&server.url()).await.unwrap())
}

async fn replicas(server: &RedisServer) -> [WebhookReceiver; 2] {
    [receiver(server).await, receiver(server).await]
}

/// Waits (up to a generous deadline) until Redis holds no key at all: a
/// release spawned by `Drop` has landed.
async fn wait_until_empty(server: &RedisServer) {
    let client = redis::Client::open(server.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let keys: i64 = redis::cmd("DBSIZE")
            .query_async(&mut connection)
            .await
            .unwrap();
        if keys == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the dropped claim was never released"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn failed_handling_is_redelivered() {
    let server = RedisServer::start();
    webhook_support::failed_handling_is_redelivered(receiver(&server).await).await;
}

#[tokio::test]
async fn panicked_handling_is_redelivered() {
    let server = RedisServer::start();
    webhook_support::panicked_handling_is_redelivered(receiver(&server).await).await;
}

#[tokio::test]
async fn redelivery_during_a_handling_that_succeeds_is_retried_then_acknowledged() {
    let server = RedisServer::start();
    redelivery_during_handling_is_retried_later(replicas(&server).await, true).await;
}

#[tokio::test]
async fn redelivery_during_a_handling_that_fails_is_retried_then_handled() {
    let server = RedisServer::start();
    redelivery_during_handling_is_retried_later(replicas(&server).await, false).await;
}

#[tokio::test]
async fn handled_delivery_is_acknowledged_without_the_handler() {
    let server = RedisServer::start();
    webhook_support::handled_delivery_is_acknowledged_without_the_handler(receiver(&server).await)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_replicas_handle_each_delivery_once() {
    let server = RedisServer::start();
    webhook_support::racing_replicas_handle_each_delivery_once(replicas(&server).await).await;
}

#[tokio::test]
async fn dropped_handling_releases_its_claim() {
    let server = RedisServer::start();
    let cancelled = cancel_a_handling(receiver(&server).await).await;
    // `Drop` spawned the release on the runtime; wait for it to land.
    wait_until_empty(&server).await;
    cancelled.redelivery_is_handled().await;
}

#[tokio::test]
async fn crashed_handling_is_redelivered_once_its_lease_expires() {
    let server = RedisServer::start();
    let lease = Duration::from_millis(300);
    let crashed = receiver(&server).await.with_lease(lease);
    let delivery = signed(EventBuilder::end_of_call().call_id("call_crash"));
    let (survivor, handler) = crash_mid_handling(crashed, receiver(&server).await, &delivery).await;
    // Redis expires the lease itself; wait it out with a wide margin.
    tokio::time::sleep(lease + Duration::from_millis(300)).await;
    redelivery_after_lease_is_handled(&survivor, &handler, &delivery).await;
}
