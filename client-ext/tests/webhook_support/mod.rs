//! Shared by the webhook delivery tests: a receiver app served on loopback
//! with a scripted handler, the deduper conformance table, and the delivery
//! scenarios every backend must pass.
// Each test crate uses a different part of this module.
#![allow(dead_code)]

#[cfg(feature = "redis")]
pub mod redis_server;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mirai_voice::webhook::testing::{self, EventBuilder, SignedDelivery};
use mirai_voice::webhook::{
    ClaimOutcome, ClaimToken, CommitOutcome, DedupeKey, Deduper, ReleaseOutcome,
};

const LEASE: Duration = Duration::from_secs(60);
const TTL: Duration = Duration::from_secs(3600);

/// Every claim/commit/release transition a store must implement, with two
/// claimants. Run against each backend.
pub async fn deduper_conformance(dedupe: &dyn Deduper, key: &DedupeKey) {
    let stranger = ClaimToken::random();
    let ClaimOutcome::Claimed(a) = dedupe.claim(key, LEASE).await.unwrap() else {
        panic!("a free key is claimed")
    };
    assert_eq!(
        dedupe.claim(key, LEASE).await.unwrap(),
        ClaimOutcome::InProgress
    );
    // Another token neither commits nor releases the claim.
    assert_eq!(
        dedupe.commit(key, &stranger, TTL).await.unwrap(),
        CommitOutcome::ClaimedByOther
    );
    assert_eq!(
        dedupe.release(key, &stranger).await.unwrap(),
        ReleaseOutcome::NotHeld
    );
    assert_eq!(
        dedupe.claim(key, LEASE).await.unwrap(),
        ClaimOutcome::InProgress
    );
    // The owner releases: the key is free again, with a new token.
    assert_eq!(
        dedupe.release(key, &a).await.unwrap(),
        ReleaseOutcome::Released
    );
    assert_eq!(
        dedupe.release(key, &a).await.unwrap(),
        ReleaseOutcome::NotHeld
    );
    let ClaimOutcome::Claimed(b) = dedupe.claim(key, LEASE).await.unwrap() else {
        panic!("a released key is claimed again")
    };
    assert_ne!(a, b);
    // The first token is stale now.
    assert_eq!(
        dedupe.commit(key, &a, TTL).await.unwrap(),
        CommitOutcome::ClaimedByOther
    );
    assert_eq!(
        dedupe.commit(key, &b, TTL).await.unwrap(),
        CommitOutcome::Committed
    );
    assert_eq!(dedupe.claim(key, LEASE).await.unwrap(), ClaimOutcome::Done);
    // A committed key is not released, nor committed twice.
    assert_eq!(
        dedupe.release(key, &b).await.unwrap(),
        ReleaseOutcome::NotHeld
    );
    assert_eq!(
        dedupe.commit(key, &a, TTL).await.unwrap(),
        CommitOutcome::AlreadyDone
    );
    assert_eq!(dedupe.claim(key, LEASE).await.unwrap(), ClaimOutcome::Done);
}

pub fn signed(builder: EventBuilder) -> SignedDelivery {
    builder.signed(testing::TEST_PUBLIC_KEY, &testing::test_secret())
}

#[cfg(feature = "axum")]
#[allow(unused_imports)]
pub use self::http::*;

#[cfg(feature = "axum")]
mod http {
    use super::*;

    use axum::Router;
    use axum::extract::{Request, State};
    use axum::http::{HeaderMap, StatusCode};
    use axum::middleware::{Next, from_fn, from_fn_with_state};
    use axum::response::IntoResponse;
    use axum::routing::post;
    use mirai_voice::webhook::WebhookReceiver;
    use mirai_voice::webhook::axum::{Webhook, middleware};
    use tokio::sync::{Notify, oneshot};

    /// What the handler does on one call.
    pub enum Step {
        Succeed,
        Fail,
        Panic,
        /// Signals `started`, then answers `200` or `500` as `finish` says;
        /// never answers if `finish` is dropped.
        Hold {
            started: oneshot::Sender<()>,
            finish: oneshot::Receiver<bool>,
        },
    }

    /// The application's handler: follows scripted steps (then succeeds) and
    /// records what it was called with and what it handled.
    #[derive(Clone, Default)]
    pub struct Handler {
        steps: Arc<Mutex<VecDeque<Step>>>,
        calls: Arc<Mutex<Vec<String>>>,
        handled: Arc<Mutex<Vec<String>>>,
    }

    impl Handler {
        pub fn then(&self, step: Step) -> &Self {
            self.steps.lock().unwrap().push_back(step);
            self
        }

        /// Scripts a held call: returns "it started" and "finish it".
        pub fn hold(&self) -> (oneshot::Receiver<()>, oneshot::Sender<bool>) {
            let (started, started_rx) = oneshot::channel();
            let (finish_tx, finish) = oneshot::channel();
            self.then(Step::Hold { started, finish });
            (started_rx, finish_tx)
        }

        /// Every call, by dedupe key.
        pub fn calls(&self) -> Vec<String> {
            self.calls.lock().unwrap().clone()
        }

        /// Calls that succeeded, by dedupe key.
        pub fn handled(&self) -> Vec<String> {
            self.handled.lock().unwrap().clone()
        }
    }

    async fn handle(State(handler): State<Handler>, Webhook(delivery): Webhook) -> StatusCode {
        let key = delivery.dedupe_key.to_string();
        handler.calls.lock().unwrap().push(key.clone());
        let step = handler
            .steps
            .lock()
            .unwrap()
            .pop_front()
            .unwrap_or(Step::Succeed);
        let succeeded = match step {
            Step::Succeed => true,
            Step::Fail => false,
            Step::Panic => panic!("handler panicked on purpose"),
            Step::Hold { started, finish } => {
                let _ = started.send(());
                match finish.await {
                    Ok(succeeded) => succeeded,
                    Err(_) => std::future::pending().await,
                }
            }
        };
        if succeeded {
            handler.handled.lock().unwrap().push(key);
            StatusCode::OK
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }

    /// A receiver app on a free loopback port.
    pub struct Server {
        pub url: String,
        /// Drops every in-flight request's handling (as a timeout layer
        /// would) when notified with `notify_waiters`.
        pub cancel: Arc<Notify>,
    }

    /// Serves `handler` behind the webhook middleware; with `middleware:
    /// false`, the extractor alone.
    pub async fn serve(
        receiver: WebhookReceiver,
        handler: &Handler,
        with_middleware: bool,
    ) -> Server {
        let cancel = Arc::new(Notify::new());
        let mut router = Router::new().route("/hook", post(handle));
        if with_middleware {
            router = router.route_layer(from_fn_with_state(receiver, middleware));
        }
        let cancel_layer = cancel.clone();
        let router = router.with_state(handler.clone()).layer(from_fn(
            move |request: Request, next: Next| {
                let cancel = cancel_layer.clone();
                async move {
                    let cancelled = cancel.notified();
                    tokio::select! {
                        response = next.run(request) => response,
                        () = cancelled => StatusCode::GATEWAY_TIMEOUT.into_response(),
                    }
                }
            },
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        Server { url, cancel }
    }

    /// What the sender saw: a status with headers and body, or no answer
    /// (the connection dropped, as when the handler panics).
    #[derive(Debug)]
    pub struct Answer {
        pub status: Option<StatusCode>,
        pub headers: HeaderMap,
        pub body: String,
    }

    impl Answer {
        pub fn is_success(&self) -> bool {
            self.status.is_some_and(|status| status.is_success())
        }

        pub fn is_duplicate(&self) -> bool {
            self.status == Some(StatusCode::OK) && self.body == "duplicate delivery ignored"
        }

        /// `503` with a `Retry-After`: the sender must come back.
        pub fn is_retry_later(&self) -> bool {
            self.status == Some(StatusCode::SERVICE_UNAVAILABLE)
                && self
                    .headers
                    .get("retry-after")
                    .is_some_and(|value| value == "5")
        }
    }

    pub async fn deliver(url: &str, delivery: &SignedDelivery) -> Answer {
        // A fresh client per delivery: a panicking handler kills its
        // connection, which must not leak into the next delivery.
        let sent = reqwest::Client::new()
            .post(url)
            .headers(delivery.headers.clone())
            .body(delivery.body.clone())
            .send()
            .await;
        match sent {
            Ok(response) => Answer {
                status: Some(response.status()),
                headers: response.headers().clone(),
                body: response.text().await.unwrap_or_default(),
            },
            Err(_) => Answer {
                status: None,
                headers: HeaderMap::new(),
                body: String::new(),
            },
        }
    }

    fn key_of(delivery: &SignedDelivery) -> String {
        let event = mirai_voice::webhook::WebhookEvent::from_slice(&delivery.body).unwrap();
        DedupeKey::for_event(&event, &delivery.body).to_string()
    }

    // --- Scenarios every backend passes. `replicas` share one store. ---

    /// Scenario 1: a handler that fails gets the redelivery.
    pub async fn failed_handling_is_redelivered(receiver: WebhookReceiver) {
        let handler = Handler::default();
        handler.then(Step::Fail);
        let server = serve(receiver, &handler, true).await;
        let delivery = signed(EventBuilder::end_of_call().call_id("call_fail"));

        let first = deliver(&server.url, &delivery).await;
        assert_eq!(first.status, Some(StatusCode::INTERNAL_SERVER_ERROR));
        let retry = deliver(&server.url, &delivery).await;
        assert!(retry.is_success() && !retry.is_duplicate(), "{retry:?}");
        assert_eq!(handler.calls().len(), 2);
        assert_eq!(handler.handled(), vec![key_of(&delivery)]);
        // Handled now: later repeats skip the handler.
        assert!(deliver(&server.url, &delivery).await.is_duplicate());
        assert_eq!(handler.calls().len(), 2);
    }

    /// Scenario 2: a handler that panics gets the redelivery.
    pub async fn panicked_handling_is_redelivered(receiver: WebhookReceiver) {
        let handler = Handler::default();
        handler.then(Step::Panic);
        let server = serve(receiver, &handler, true).await;
        let delivery = signed(EventBuilder::end_of_call().call_id("call_panic"));

        let first = deliver(&server.url, &delivery).await;
        assert!(!first.is_success(), "{first:?}");
        let retry = deliver(&server.url, &delivery).await;
        assert!(retry.is_success() && !retry.is_duplicate(), "{retry:?}");
        assert_eq!(handler.calls().len(), 2);
        assert_eq!(handler.handled(), vec![key_of(&delivery)]);
    }

    /// Scenario 3: a redelivery during a slow first handling is told to
    /// retry; the delivery is then handled exactly once whichever attempt
    /// succeeds.
    pub async fn redelivery_during_handling_is_retried_later(
        replicas: [WebhookReceiver; 2],
        first_succeeds: bool,
    ) {
        let handler = Handler::default();
        let [a, b] = replicas;
        let server_a = serve(a, &handler, true).await;
        let server_b = serve(b, &handler, true).await;
        let delivery = signed(EventBuilder::call_completed().call_id("call_slow"));

        let (started, finish) = handler.hold();
        let first = {
            let (url, delivery) = (server_a.url.clone(), delivery.clone());
            tokio::spawn(async move { deliver(&url, &delivery).await })
        };
        started.await.unwrap();
        // On the same replica and on the other one.
        for url in [&server_a.url, &server_b.url] {
            let during = deliver(url, &delivery).await;
            assert!(during.is_retry_later(), "{during:?}");
        }
        assert_eq!(handler.calls().len(), 1, "the handler ran once so far");

        finish.send(first_succeeds).unwrap();
        let first = first.await.unwrap();
        let retry = deliver(&server_b.url, &delivery).await;
        if first_succeeds {
            assert_eq!(first.status, Some(StatusCode::OK));
            assert!(retry.is_duplicate(), "{retry:?}");
            assert_eq!(handler.calls().len(), 1);
        } else {
            assert_eq!(first.status, Some(StatusCode::INTERNAL_SERVER_ERROR));
            assert!(retry.is_success() && !retry.is_duplicate(), "{retry:?}");
            assert_eq!(handler.calls().len(), 2);
        }
        assert_eq!(handler.handled(), vec![key_of(&delivery)]);
        assert!(deliver(&server_a.url, &delivery).await.is_duplicate());
        assert_eq!(handler.handled().len(), 1);
    }

    /// Scenario 4: after a success, a redelivery gets `200` without the handler.
    pub async fn handled_delivery_is_acknowledged_without_the_handler(receiver: WebhookReceiver) {
        let handler = Handler::default();
        let server = serve(receiver, &handler, true).await;
        let delivery = signed(EventBuilder::create_order().call_id("call_ok"));

        let first = deliver(&server.url, &delivery).await;
        assert!(first.is_success() && !first.is_duplicate(), "{first:?}");
        for _ in 0..3 {
            assert!(deliver(&server.url, &delivery).await.is_duplicate());
        }
        assert_eq!(handler.calls().len(), 1);
        // Another event of the same call is its own delivery.
        let other = signed(EventBuilder::end_of_call().call_id("call_ok"));
        assert!(!deliver(&server.url, &other).await.is_duplicate());
        assert_eq!(handler.handled().len(), 2);
    }

    /// Scenario 5: two replicas racing on the same deliveries handle each once.
    pub async fn racing_replicas_handle_each_delivery_once(replicas: [WebhookReceiver; 2]) {
        let handler = Handler::default();
        let [a, b] = replicas;
        let urls = [
            serve(a, &handler, true).await.url,
            serve(b, &handler, true).await.url,
        ];
        let deliveries: Vec<SignedDelivery> = (0..20)
            .map(|n| signed(EventBuilder::end_of_call().call_id(format!("call_{n}"))))
            .collect();
        let mut requests = Vec::new();
        for delivery in &deliveries {
            for url in &urls {
                let (url, delivery) = (url.clone(), delivery.clone());
                requests.push(tokio::spawn(async move { deliver(&url, &delivery).await }));
            }
        }
        let mut acknowledged = 0;
        for request in requests {
            let answer = request.await.unwrap();
            // The loser of a race is told to retry, or sees the winner's commit.
            assert!(answer.is_success() || answer.is_retry_later(), "{answer:?}");
            acknowledged += usize::from(answer.is_success());
        }
        assert!(acknowledged >= deliveries.len());
        let mut handled = handler.handled();
        handled.sort();
        let mut expected: Vec<String> = deliveries.iter().map(key_of).collect();
        expected.sort();
        assert_eq!(handled, expected, "every delivery handled exactly once");
        // The senders' retries, to both replicas: all acknowledged, none handled.
        for delivery in &deliveries {
            for url in &urls {
                assert!(deliver(url, delivery).await.is_duplicate());
            }
        }
        assert_eq!(handler.calls().len(), deliveries.len());
    }

    /// Scenario 7: the extractor without the middleware refuses loudly and
    /// claims nothing, so the handler never runs on an unclaimed delivery.
    pub async fn extractor_alone_refuses_without_claiming(receiver: WebhookReceiver) -> Handler {
        let handler = Handler::default();
        handler.then(Step::Fail);
        let server = serve(receiver, &handler, false).await;
        let delivery = signed(EventBuilder::end_of_call().call_id("call_alone"));
        for _ in 0..2 {
            let answer = deliver(&server.url, &delivery).await;
            assert_eq!(answer.status, Some(StatusCode::INTERNAL_SERVER_ERROR));
            assert_eq!(answer.body, "webhook receiver misconfigured");
        }
        assert!(handler.calls().is_empty());
        handler
    }

    /// Where the dropped-handling scenario stands once the handling was
    /// cancelled: the caller waits for the release if its store needs time.
    pub struct Cancelled {
        pub server: Server,
        pub handler: Handler,
        pub delivery: SignedDelivery,
    }

    /// Scenario 6a: cancels a handling mid-way (its future is dropped).
    pub async fn cancel_a_handling(receiver: WebhookReceiver) -> Cancelled {
        let handler = Handler::default();
        let server = serve(receiver, &handler, true).await;
        let delivery = signed(EventBuilder::end_of_call().call_id("call_dropped"));
        let (started, _never_finished) = handler.hold();
        let first = {
            let (url, delivery) = (server.url.clone(), delivery.clone());
            tokio::spawn(async move { deliver(&url, &delivery).await })
        };
        started.await.unwrap();
        server.cancel.notify_waiters();
        assert_eq!(
            first.await.unwrap().status,
            Some(StatusCode::GATEWAY_TIMEOUT)
        );
        assert!(handler.handled().is_empty());
        Cancelled {
            server,
            handler,
            delivery,
        }
    }

    impl Cancelled {
        /// The redelivery after the release: handled.
        pub async fn redelivery_is_handled(self) {
            let retry = deliver(&self.server.url, &self.delivery).await;
            assert!(retry.is_success() && !retry.is_duplicate(), "{retry:?}");
            assert_eq!(self.handler.calls().len(), 2);
            assert_eq!(self.handler.handled(), vec![key_of(&self.delivery)]);
        }
    }

    /// Scenario 6b: a replica that crashed mid-handling: its claim is never settled
    /// (`mem::forget`, as no `Drop` runs in a dead process). Returns the
    /// surviving replica's server and handler, after checking that the
    /// redelivery is told to retry while the lease runs.
    pub async fn crash_mid_handling(
        crashed: WebhookReceiver,
        survivor: WebhookReceiver,
        delivery: &SignedDelivery,
    ) -> (Server, Handler) {
        let mirai_voice::webhook::Received::New(claim) = crashed
            .receive(&delivery.headers, &delivery.body)
            .await
            .unwrap()
        else {
            panic!("the first delivery is new")
        };
        std::mem::forget(claim);
        let handler = Handler::default();
        let server = serve(survivor, &handler, true).await;
        let during = deliver(&server.url, delivery).await;
        assert!(during.is_retry_later(), "{during:?}");
        assert!(handler.calls().is_empty());
        (server, handler)
    }

    pub async fn redelivery_after_lease_is_handled(
        server: &Server,
        handler: &Handler,
        delivery: &SignedDelivery,
    ) {
        let retry = deliver(&server.url, delivery).await;
        assert!(retry.is_success() && !retry.is_duplicate(), "{retry:?}");
        assert_eq!(handler.handled(), vec![key_of(delivery)]);
        assert!(deliver(&server.url, delivery).await.is_duplicate());
    }
}
