//! Redis-backed claims against a real `redis-server` that each test starts on
//! a free loopback port.
#![cfg(feature = "redis")]

mod webhook_support;

use std::sync::Arc;
use std::time::Duration;

use mirai_voice::webhook::testing::{self, EventBuilder};
use mirai_voice::webhook::{
    ClaimOutcome, ClaimToken, CommitOutcome, DedupeKey, Deduper, Received, RedisDeduper,
    ReleaseOutcome, Verifier, WebhookError, WebhookReceiver,
};
use webhook_support::redis_server::RedisServer;

const LEASE: Duration = Duration::from_secs(60);
const TTL: Duration = Duration::from_secs(100);

async fn deduper(server: &RedisServer) -> RedisDeduper {
    RedisDeduper::connect(&server.url()).await.unwrap()
}

async fn connection(server: &RedisServer) -> redis::aio::MultiplexedConnection {
    let client = redis::Client::open(server.url()).unwrap();
    client.get_multiplexed_async_connection().await.unwrap()
}

async fn get(connection: &mut redis::aio::MultiplexedConnection, key: &str) -> Option<String> {
    redis::cmd("GET")
        .arg(key)
        .query_async(connection)
        .await
        .unwrap()
}

async fn pttl(connection: &mut redis::aio::MultiplexedConnection, key: &str) -> i64 {
    redis::cmd("PTTL")
        .arg(key)
        .query_async(connection)
        .await
        .unwrap()
}

fn key(n: u32) -> DedupeKey {
    DedupeKey::new("call.completed", Some(&format!("call_{n}")), b"{}")
}

async fn claimed(dedupe: &RedisDeduper, key: &DedupeKey) -> ClaimToken {
    match dedupe.claim(key, LEASE).await.unwrap() {
        ClaimOutcome::Claimed(token) => token,
        other => panic!("{key} should be free, got {other:?}"),
    }
}

#[tokio::test]
async fn conformance() {
    let server = RedisServer::start();
    webhook_support::deduper_conformance(&deduper(&server).await, &key(1)).await;
}

#[tokio::test]
async fn a_claim_is_a_lease_that_a_commit_turns_into_the_ttl() {
    let server = RedisServer::start();
    let dedupe = deduper(&server).await;
    let mut redis = connection(&server).await;
    let redis_key = dedupe.redis_key(&key(1));
    assert!(redis_key.starts_with(RedisDeduper::DEFAULT_PREFIX));

    let token = claimed(&dedupe, &key(1)).await;
    assert_eq!(
        get(&mut redis, &redis_key).await,
        Some(RedisDeduper::lease_value(&token))
    );
    let lease_left = pttl(&mut redis, &redis_key).await;
    assert!((50_000..=60_000).contains(&lease_left), "{lease_left}");

    dedupe.commit(&key(1), &token, TTL).await.unwrap();
    assert_eq!(get(&mut redis, &redis_key).await.as_deref(), Some("d"));
    let ttl_left = pttl(&mut redis, &redis_key).await;
    assert!((90_000..=100_000).contains(&ttl_left), "{ttl_left}");
}

/// The Lua scripts' owner-token guard: replica A, whose lease ran out while
/// replica B claimed the key, can neither commit nor release B's claim.
#[tokio::test]
async fn a_stale_token_cannot_commit_or_release_another_replicas_claim() {
    let server = RedisServer::start();
    let replica_a = deduper(&server).await;
    let replica_b = deduper(&server).await;
    let mut redis = connection(&server).await;
    let redis_key = replica_a.redis_key(&key(1));

    let token_a = claimed(&replica_a, &key(1)).await;
    // A's lease runs out (expired by hand, to need no waiting).
    let _: i64 = redis::cmd("PEXPIRE")
        .arg(&redis_key)
        .arg(1)
        .query_async(&mut redis)
        .await
        .unwrap();
    while get(&mut redis, &redis_key).await.is_some() {
        tokio::task::yield_now().await;
    }
    let token_b = claimed(&replica_b, &key(1)).await;
    let b_lease = Some(RedisDeduper::lease_value(&token_b));

    assert_eq!(
        replica_a.release(&key(1), &token_a).await.unwrap(),
        ReleaseOutcome::NotHeld
    );
    assert_eq!(get(&mut redis, &redis_key).await, b_lease);
    assert_eq!(
        replica_a.commit(&key(1), &token_a, TTL).await.unwrap(),
        CommitOutcome::ClaimedByOther
    );
    assert_eq!(get(&mut redis, &redis_key).await, b_lease);
    let b_lease_left = pttl(&mut redis, &redis_key).await;
    assert!(
        b_lease_left <= 60_000,
        "B's lease untouched: {b_lease_left}"
    );

    // B settles its own claim; A's late commit then reports the double handling.
    assert_eq!(
        replica_b.commit(&key(1), &token_b, TTL).await.unwrap(),
        CommitOutcome::Committed
    );
    assert_eq!(
        replica_a.commit(&key(1), &token_a, TTL).await.unwrap(),
        CommitOutcome::AlreadyDone
    );
    assert_eq!(
        replica_a.release(&key(1), &token_a).await.unwrap(),
        ReleaseOutcome::NotHeld
    );
    assert_eq!(get(&mut redis, &redis_key).await.as_deref(), Some("d"));
}

#[tokio::test]
async fn a_commit_after_the_lease_ran_out_unclaimed_still_records_the_success() {
    let server = RedisServer::start();
    let dedupe = deduper(&server).await;
    let mut redis = connection(&server).await;
    let token = claimed(&dedupe, &key(1)).await;
    let _: i64 = redis::cmd("DEL")
        .arg(dedupe.redis_key(&key(1)))
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(
        dedupe.commit(&key(1), &token, TTL).await.unwrap(),
        CommitOutcome::Committed
    );
    assert_eq!(
        dedupe.claim(&key(1), LEASE).await.unwrap(),
        ClaimOutcome::Done
    );
}

#[tokio::test]
async fn keys_written_by_earlier_versions_count_as_done() {
    let server = RedisServer::start();
    let dedupe = deduper(&server).await;
    let mut redis = connection(&server).await;
    let _: () = redis::cmd("SET")
        .arg(dedupe.redis_key(&key(1)))
        .arg(1)
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(
        dedupe.claim(&key(1), LEASE).await.unwrap(),
        ClaimOutcome::Done
    );
}

#[tokio::test]
async fn prefixes_keep_stores_apart() {
    let server = RedisServer::start();
    let staging = deduper(&server).await.with_prefix("staging:");
    let production = deduper(&server).await.with_prefix("production:");
    claimed(&staging, &key(1)).await;
    claimed(&production, &key(1)).await;
    assert_eq!(
        staging.claim(&key(1), LEASE).await.unwrap(),
        ClaimOutcome::InProgress
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_dedupers_racing_on_one_redis_have_one_winner_per_key() {
    let server = RedisServer::start();
    let a = Arc::new(deduper(&server).await);
    let b = Arc::new(deduper(&server).await);
    let mut tasks = Vec::new();
    for n in 0..50 {
        for dedupe in [a.clone(), b.clone(), a.clone(), b.clone()] {
            tasks.push(tokio::spawn(async move {
                (n, dedupe.claim(&key(n), LEASE).await.unwrap())
            }));
        }
    }
    let mut winners = [0u32; 50];
    for task in tasks {
        let (n, outcome) = task.await.unwrap();
        match outcome {
            ClaimOutcome::Claimed(_) => winners[n as usize] += 1,
            other => assert_eq!(other, ClaimOutcome::InProgress),
        }
    }
    assert!(winners.iter().all(|&count| count == 1), "{winners:?}");
}

#[tokio::test]
async fn two_receivers_sharing_redis_see_each_others_claims() {
    let server = RedisServer::start();
    let secret = testing::test_secret();
    let replica_a = WebhookReceiver::new(Verifier::with_secret(secret.clone()))
        .with_deduper(deduper(&server).await);
    let replica_b = WebhookReceiver::new(Verifier::with_secret(secret.clone()))
        .with_deduper(deduper(&server).await);
    let delivery = EventBuilder::end_of_call().signed(testing::TEST_PUBLIC_KEY, &secret);
    let receive = |replica: &WebhookReceiver| {
        let replica = replica.clone();
        let delivery = delivery.clone();
        async move {
            replica
                .receive(&delivery.headers, &delivery.body)
                .await
                .unwrap()
        }
    };

    let Received::New(claim) = receive(&replica_a).await else {
        panic!("the first delivery is new")
    };
    assert!(matches!(receive(&replica_b).await, Received::InProgress(_)));
    claim.commit().await.unwrap();
    assert!(matches!(receive(&replica_b).await, Received::Duplicate(_)));
}

#[tokio::test]
async fn store_down_is_a_dedupe_error_that_asks_for_a_retry() {
    let mut server = RedisServer::start();
    let secret = testing::test_secret();
    let receiver = WebhookReceiver::new(Verifier::with_secret(secret.clone()))
        .with_deduper(deduper(&server).await);
    let _ = server.child.kill();
    let _ = server.child.wait();

    let delivery = EventBuilder::end_of_call().signed(testing::TEST_PUBLIC_KEY, &secret);
    let error = receiver
        .receive(&delivery.headers, &delivery.body)
        .await
        .unwrap_err();
    assert!(matches!(error, WebhookError::Dedupe(_)), "{error:?}");
    assert_eq!(error.http_status(), 503);
    assert!(!error.to_string().contains("redis://"), "{error}");
}

/// An unreachable Redis is an error from `connect`, for the deduper and the tracker alike, not a wait of minutes
/// in the connection manager's default retries.
#[tokio::test]
async fn connecting_to_an_unreachable_redis_is_an_error() {
    // A port that was free a moment ago: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("redis://127.0.0.1:{port}/");
    assert!(
        mirai_voice::webhook::RedisDeduper::connect(&url)
            .await
            .is_err()
    );
    assert!(
        mirai_voice::tracker::CallTracker::redis(&url)
            .await
            .is_err()
    );
}
