//! Campaigns with the Redis journal on a real `redis-server`: workers sharing a campaign, heartbeats, and the
//! compare-and-set rules.
#![cfg(all(feature = "campaign", feature = "redis"))]

mod campaign_support;
#[path = "webhook_support/redis_server.rs"]
mod redis_server;

use std::time::Duration;

use campaign_support::{assistant, calls_per_phone, client, csv, initiate_requests, phone};
use mirai_voice::campaign::{
    Campaign, CampaignId, CampaignOptions, ClaimOutcome, Journal, RecordOutcome, RedisJournal,
    RowKey, RowResult, RowState, StopSignal, WorkerId, parse_csv,
};
use mirai_voice::ids::CallId;
use mirai_voice_mock::MockServer;
use redis_server::RedisServer;

const PREFIX: &str = "test:campaign:";

async fn journal(redis: &RedisServer, campaign: &str, worker: &str, ttl: Duration) -> RedisJournal {
    RedisJournal::connect_with(
        &redis.url(),
        PREFIX,
        CampaignId::named(campaign).unwrap(),
        WorkerId::new(worker),
        ttl,
    )
    .await
    .expect("redis reachable")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_share_a_campaign_and_dial_each_row_once() {
    let redis = RedisServer::start();
    let server = MockServer::start().await;
    let assistant = assistant(&client(&server)).await;
    let text = csv(200);
    let rows = parse_csv(text.as_bytes()).unwrap();
    let id = CampaignId::derive(text.as_bytes(), &assistant);
    let mut workers = Vec::new();
    for name in ["a", "b"] {
        let journal = RedisJournal::connect_with(
            &redis.url(),
            PREFIX,
            id.clone(),
            WorkerId::new(name),
            RedisJournal::DEFAULT_HEARTBEAT_TTL,
        )
        .await
        .unwrap();
        workers.push(Campaign::new(
            client(&server),
            assistant.clone(),
            journal,
            CampaignOptions::new().concurrency(8),
        ));
    }
    let stop = StopSignal::new();
    let (a, b) = tokio::join!(
        workers[0].run(&rows, &stop, |_| {}),
        workers[1].run(&rows, &stop, |_| {})
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(initiate_requests(&server), 200);
    let per_phone = calls_per_phone(&server);
    assert_eq!(per_phone.len(), 200);
    assert!(per_phone.values().all(|&n| n == 1));
    assert_eq!(
        a.summary().this_run + b.summary().this_run,
        200,
        "every row claimed by exactly one worker"
    );
    assert!(
        a.summary().this_run > 0 && b.summary().this_run > 0,
        "both worked"
    );
    for report in [&a, &b] {
        // A worker that finishes first may still see the other's last calls in flight: nothing failed or unknown.
        let summary = report.summary();
        assert_eq!(summary.placed + summary.in_progress, 200, "{summary:?}");
        assert_eq!((summary.failed, summary.unknown), (0, 0), "{summary:?}");
    }
    // Once both are done, a third worker finds every row placed and dials nothing.
    let journal = RedisJournal::connect_with(
        &redis.url(),
        PREFIX,
        id.clone(),
        WorkerId::new("c"),
        RedisJournal::DEFAULT_HEARTBEAT_TTL,
    )
    .await
    .unwrap();
    let late = Campaign::new(
        client(&server),
        assistant.clone(),
        journal,
        CampaignOptions::new().concurrency(8),
    );
    let report = late.run(&rows, &stop, |_| {}).await.unwrap();
    assert_eq!(report.summary().placed, 200, "{:?}", report.summary());
    assert_eq!(report.summary().this_run, 0);
    assert_eq!(initiate_requests(&server), 200);
}

#[tokio::test]
async fn a_claim_is_taken_once_and_recorded_only_by_its_worker() {
    let redis = RedisServer::start();
    let a = journal(&redis, "cas", "a", Duration::from_secs(15)).await;
    let b = journal(&redis, "cas", "b", Duration::from_secs(15)).await;
    let row = RowKey::new("row-1");
    assert_eq!(
        a.claim(&row, &phone(1)).await.unwrap(),
        ClaimOutcome::Claimed
    );
    let ClaimOutcome::Taken(taken) = b.claim(&row, &phone(1)).await.unwrap() else {
        panic!("a second claim must be refused");
    };
    assert_eq!(taken.state, RowState::Dialing, "its worker is alive");
    assert_eq!(taken.worker, WorkerId::new("a"));
    assert_eq!(taken.phone, phone(1));
    let placed = RowResult::Placed {
        call_id: CallId::new("call_1"),
    };
    assert!(matches!(
        b.record(&row, &placed).await.unwrap(),
        RecordOutcome::NotHeld(Some(_))
    ));
    assert!(
        !b.reopen(&taken).await.unwrap(),
        "a live claim is never reopened"
    );
    assert_eq!(
        a.record(&row, &placed).await.unwrap(),
        RecordOutcome::Recorded
    );
    let entries = b.entries().await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(
        entries[0].state,
        RowState::Placed {
            call_id: CallId::new("call_1")
        }
    );
    assert_eq!(
        entries[0].phone,
        phone(1),
        "the result keeps the claimed number"
    );
    assert!(
        !b.reopen(&entries[0]).await.unwrap(),
        "a placed row is never reopened"
    );
    assert!(
        matches!(
            a.record(&row, &placed).await.unwrap(),
            RecordOutcome::NotHeld(Some(_))
        ),
        "a result is recorded once"
    );
}

#[tokio::test]
async fn a_stopped_worker_s_claims_read_as_abandoned_once_its_heartbeat_lapses() {
    let redis = RedisServer::start();
    let ttl = Duration::from_millis(300);
    let row = RowKey::new("row-1");
    let other = journal(&redis, "beat", "survivor", ttl).await;
    {
        let dying = journal(&redis, "beat", "dying", ttl).await;
        dying.claim(&row, &phone(1)).await.unwrap();
        // Alive for longer than one TTL while it beats.
        tokio::time::sleep(ttl * 2).await;
        let entries = other.entries().await.unwrap();
        assert_eq!(entries[0].state, RowState::Dialing);
    } // Dropped: the heartbeat stops, as when the process is killed.
    tokio::time::sleep(ttl * 2).await;
    let ClaimOutcome::Taken(entry) = other.claim(&row, &phone(1)).await.unwrap() else {
        panic!("an abandoned row is never claimed on its own");
    };
    assert_eq!(entry.state, RowState::Abandoned);
    assert!(entry.state.needs_check());
    assert!(
        other.reopen(&entry).await.unwrap(),
        "a person may reopen it"
    );
    assert_eq!(
        other.claim(&row, &phone(1)).await.unwrap(),
        ClaimOutcome::Claimed
    );
}

#[tokio::test]
async fn a_closed_worker_leaves_no_heartbeat_and_campaigns_are_apart() {
    let redis = RedisServer::start();
    let row = RowKey::new("row-1");
    let first = journal(&redis, "one", "w", Duration::from_secs(15)).await;
    first.claim(&row, &phone(1)).await.unwrap();
    first.close().await.unwrap();
    let reader = journal(&redis, "one", "reader", Duration::from_secs(15)).await;
    assert_eq!(
        reader.entries().await.unwrap()[0].state,
        RowState::Abandoned
    );
    let elsewhere = journal(&redis, "two", "w2", Duration::from_secs(15)).await;
    assert_eq!(
        elsewhere.claim(&row, &phone(1)).await.unwrap(),
        ClaimOutcome::Claimed
    );
}

#[tokio::test]
async fn an_unreachable_redis_fails_the_connect_without_its_url() {
    let error = RedisJournal::connect(
        "redis://:s3cret@127.0.0.1:1/",
        CampaignId::named("x").unwrap(),
        WorkerId::new("w"),
    )
    .await
    .unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(!text.contains("s3cret"), "{text}");
}
