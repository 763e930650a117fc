//! Redis-backed de-duplication against a real `redis-server` that each test
//! starts on a free loopback port.
#![cfg(feature = "redis")]

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mirai_voice::webhook::testing::{self, EventBuilder};
use mirai_voice::webhook::{
    DedupeKey, Deduper, Delivery, RedisDeduper, Verifier, WebhookError, WebhookReceiver,
};

const TTL: Duration = Duration::from_secs(100);

/// A `redis-server` child process, killed on drop.
struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    fn start() -> Self {
        // The free port may be taken between probing and binding: retry.
        for _ in 0..5 {
            let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
                .and_then(|listener| listener.local_addr())
                .expect("a free loopback port")
                .port();
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|error| {
                    panic!(
                        "could not start `redis-server` ({error}). These tests need a local Redis \
                         binary on PATH; on Debian/Ubuntu: apt-get install redis-server"
                    )
                });
            let mut server = RedisServer { child, port };
            if server.wait_ready() {
                return server;
            }
        }
        panic!("redis-server did not become ready on a free loopback port");
    }

    /// Polls with PING until the server answers, or gives up when the process
    /// exited (port taken) or after ten seconds.
    fn wait_ready(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            if ping(self.port) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }
}

fn ping(port: u16) -> bool {
    let Ok(mut stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    if stream.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).is_ok() && line.starts_with("+PONG")
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn deduper(server: &RedisServer) -> RedisDeduper {
    RedisDeduper::connect(&server.url(), TTL).await.unwrap()
}

fn key(n: u32) -> DedupeKey {
    DedupeKey::new("call.completed", Some(&format!("call_{n}")), b"{}")
}

#[tokio::test]
async fn claims_once_and_sets_the_ttl() {
    let server = RedisServer::start();
    let dedupe = deduper(&server).await;
    assert_eq!(dedupe.claim(&key(1)).await.unwrap(), Delivery::First);
    assert_eq!(dedupe.claim(&key(1)).await.unwrap(), Delivery::Duplicate);
    assert_eq!(dedupe.claim(&key(2)).await.unwrap(), Delivery::First);

    let client = redis::Client::open(server.url()).unwrap();
    let mut connection = client.get_multiplexed_async_connection().await.unwrap();
    let redis_key = dedupe.redis_key(&key(1));
    assert!(redis_key.starts_with(RedisDeduper::DEFAULT_PREFIX));
    let ttl: i64 = redis::cmd("TTL")
        .arg(&redis_key)
        .query_async(&mut connection)
        .await
        .unwrap();
    assert!((90..=100).contains(&ttl), "TTL of {redis_key} is {ttl}");
}

#[tokio::test]
async fn release_forgets_the_key() {
    let server = RedisServer::start();
    let dedupe = deduper(&server).await;
    dedupe.claim(&key(1)).await.unwrap();
    dedupe.release(&key(1)).await.unwrap();
    assert_eq!(dedupe.claim(&key(1)).await.unwrap(), Delivery::First);
    // Releasing an unknown key is fine.
    dedupe.release(&key(99)).await.unwrap();
}

#[tokio::test]
async fn prefixes_keep_stores_apart() {
    let server = RedisServer::start();
    let staging = deduper(&server).await.with_prefix("staging:");
    let production = deduper(&server).await.with_prefix("production:");
    assert_eq!(staging.claim(&key(1)).await.unwrap(), Delivery::First);
    assert_eq!(production.claim(&key(1)).await.unwrap(), Delivery::First);
    assert_eq!(staging.claim(&key(1)).await.unwrap(), Delivery::Duplicate);
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
                (n, dedupe.claim(&key(n)).await.unwrap())
            }));
        }
    }
    let mut winners = [0u32; 50];
    for task in tasks {
        let (n, delivery) = task.await.unwrap();
        if delivery == Delivery::First {
            winners[n as usize] += 1;
        }
    }
    assert!(winners.iter().all(|&count| count == 1), "{winners:?}");
}

#[tokio::test]
async fn two_receivers_sharing_redis_skip_each_others_duplicates() {
    let server = RedisServer::start();
    let secret = testing::test_secret();
    let replica_a = WebhookReceiver::new(Verifier::with_secret(secret.clone()))
        .with_deduper(deduper(&server).await);
    let replica_b = WebhookReceiver::new(Verifier::with_secret(secret.clone()))
        .with_deduper(deduper(&server).await);
    let delivery = EventBuilder::end_of_call().signed(testing::TEST_PUBLIC_KEY, &secret);

    let first = replica_a
        .receive(&delivery.headers, &delivery.body)
        .await
        .unwrap();
    assert!(matches!(first, mirai_voice::webhook::Received::New(_)));
    let repeat = replica_b
        .receive(&delivery.headers, &delivery.body)
        .await
        .unwrap();
    assert!(matches!(
        repeat,
        mirai_voice::webhook::Received::Duplicate(_)
    ));
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

#[cfg(feature = "axum")]
mod over_http {
    use std::sync::Mutex;

    use axum::Router;
    use axum::extract::{FromRef, State};
    use axum::http::StatusCode;
    use axum::routing::post;
    use mirai_voice::webhook::axum::Webhook;
    use mirai_voice::webhook::testing::SignedDelivery;

    use super::*;

    #[derive(Clone)]
    struct Replica {
        receiver: WebhookReceiver,
        handled: Arc<Mutex<Vec<String>>>,
    }

    impl FromRef<Replica> for WebhookReceiver {
        fn from_ref(replica: &Replica) -> Self {
            replica.receiver.clone()
        }
    }

    async fn handler(State(replica): State<Replica>, Webhook(delivery): Webhook) -> StatusCode {
        let key = delivery.dedupe_key.to_string();
        replica.handled.lock().unwrap().push(key);
        StatusCode::OK
    }

    async fn start_replica(server: &RedisServer) -> (String, Replica) {
        let replica = Replica {
            receiver: WebhookReceiver::new(Verifier::with_secret(testing::test_secret()))
                .with_deduper(deduper(server).await),
            handled: Arc::default(),
        };
        let router = Router::new()
            .route("/hook", post(handler))
            .with_state(replica.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        (url, replica)
    }

    async fn deliver(url: &str, delivery: &SignedDelivery) -> StatusCode {
        reqwest::Client::new()
            .post(url)
            .headers(delivery.headers.clone())
            .body(delivery.body.clone())
            .send()
            .await
            .unwrap()
            .status()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_receiver_servers_sharing_redis_handle_each_delivery_once() {
        let server = RedisServer::start();
        let (url_a, replica_a) = start_replica(&server).await;
        let (url_b, replica_b) = start_replica(&server).await;
        let secret = testing::test_secret();

        // A redelivery that lands on the other replica is acknowledged there
        // without reaching its handler.
        let completed = EventBuilder::call_completed().signed(testing::TEST_PUBLIC_KEY, &secret);
        assert_eq!(deliver(&url_a, &completed).await, StatusCode::OK);
        assert_eq!(deliver(&url_b, &completed).await, StatusCode::OK);
        assert_eq!(replica_a.handled.lock().unwrap().len(), 1);
        assert_eq!(replica_b.handled.lock().unwrap().len(), 0);

        // Deliveries sent to both replicas at once: each is handled once.
        let deliveries: Vec<SignedDelivery> = (0..20)
            .map(|n| {
                EventBuilder::end_of_call()
                    .call_id(format!("call_{n}"))
                    .signed(testing::TEST_PUBLIC_KEY, &secret)
            })
            .collect();
        let mut requests = Vec::new();
        for delivery in &deliveries {
            for url in [&url_a, &url_b] {
                let (url, delivery) = (url.clone(), delivery.clone());
                requests.push(tokio::spawn(async move { deliver(&url, &delivery).await }));
            }
        }
        for request in requests {
            assert_eq!(request.await.unwrap(), StatusCode::OK);
        }
        let mut handled: Vec<String> = replica_a.handled.lock().unwrap().clone();
        handled.extend(replica_b.handled.lock().unwrap().iter().cloned());
        assert_eq!(handled.len(), 21, "every delivery handled exactly once");
        handled.sort();
        handled.dedup();
        assert_eq!(handled.len(), 21);
    }
}
