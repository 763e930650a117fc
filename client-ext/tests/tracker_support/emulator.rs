//! The emulator, an SDK client for it, and webhook receiver replicas served
//! on loopback that record into a call tracker.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::post;
use mirai_voice::Client;
use mirai_voice::api::{AgentIdentity, CreateAssistant, InitiateCall, InitiatedCall};
use mirai_voice::ids::AssistantId;
use mirai_voice::retry::RetryConfig;
use mirai_voice::tracker::CallTracker;
use mirai_voice::webhook::axum::{Webhook, middleware};
use mirai_voice::webhook::{Verifier, WebhookReceiver};
use mirai_voice_mock::MockServer;

/// A webhook receiver replica on a free loopback port, counting the
/// deliveries its handler saw.
pub struct Replica {
    pub addr: SocketAddr,
    pub handled: Arc<AtomicUsize>,
}

impl Replica {
    /// Serves `receiver` (which records into its tracker) on loopback.
    pub async fn start(receiver: WebhookReceiver) -> Self {
        let handled = Arc::new(AtomicUsize::new(0));
        let counter = handled.clone();
        let app = Router::new()
            .route(
                "/webhooks/call-events",
                post(move |Webhook(_delivery): Webhook| {
                    let counter = counter.clone();
                    async move {
                        counter.fetch_add(1, Ordering::SeqCst);
                        StatusCode::OK
                    }
                }),
            )
            .route_layer(from_fn_with_state(receiver, middleware));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Replica { addr, handled }
    }

    pub fn callback_url(&self) -> String {
        format!("http://{}/webhooks/call-events", self.addr)
    }

    pub fn handled(&self) -> usize {
        self.handled.load(Ordering::SeqCst)
    }
}

/// A receiver for the emulator's seeded organization, recording into `tracker`.
pub fn receiver(server: &MockServer, tracker: &CallTracker) -> WebhookReceiver {
    WebhookReceiver::new(Verifier::with_secret(server.credentials().private_key))
        .with_tracker(tracker.clone())
}

/// An SDK client for the emulator's seeded organization and workspace.
pub fn client(server: &MockServer) -> Client {
    let creds = server.credentials();
    Client::builder()
        .public_key(&creds.public_key)
        .private_key(&creds.private_key)
        .workspace(&creds.workspace_id)
        .organization(&creds.organization_id)
        .base_url(server.base_url())
        .attempt_timeout(Duration::from_secs(10))
        .retry(
            RetryConfig::default()
                .with_initial_backoff(Duration::from_millis(10))
                .with_max_backoff(Duration::from_millis(50)),
        )
        .build()
        .expect("valid configuration")
}

/// Creates a custom assistant with the default retry protocol (two
/// re-attempts after no pickup, one reschedule) and returns its id.
pub async fn assistant(client: &Client) -> AssistantId {
    let request = CreateAssistant::custom(
        "Tracker tests",
        AgentIdentity::new("Asha"),
        "Confirm the order.",
    );
    let created = client
        .assistants()
        .create(request)
        .await
        .expect("assistant created");
    created.id
}

/// Places a call to `number` whose events go to `callback_url`.
pub async fn place_call(
    client: &Client,
    assistant: &AssistantId,
    number: &str,
    callback_url: &str,
) -> InitiatedCall {
    client
        .calls()
        .initiate(
            InitiateCall::new(number.parse().expect("a valid number"), assistant)
                .callback_url(callback_url)
                .metadata_entry("orderId", "8842"),
        )
        .await
        .expect("call placed")
}
