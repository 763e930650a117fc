//! `--wait`: a local webhook receiver feeding a call tracker, and the wait for each placed call's outcome.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::post;
use futures::StreamExt;
use mirai_voice::campaign::{CampaignReport, RowKey, RowState};
use mirai_voice::tracker::{CallOutcome, CallTracker};
use mirai_voice::webhook::axum::{Webhook, middleware};
use mirai_voice::webhook::{Verifier, WebhookReceiver};
use secrecy::SecretString;

use super::progress::Progress;
use crate::failure::Failure;

/// The path the receiver serves.
const PATH: &str = "/webhooks/call-events";

/// How many calls are awaited at once (each is a wait on the tracker, not a request).
const WAITERS: usize = 256;

/// A call's outcome as far as it was followed: final, or why the wait ended first.
pub type Outcome = Result<CallOutcome, String>;

/// The receiver: verifies each delivery with the private key, de-duplicates, records it in the tracker.
pub struct Receiver {
    addr: SocketAddr,
    tracker: CallTracker,
}

impl Receiver {
    /// Serves the receiver on `listen`.
    pub async fn start(listen: SocketAddr, private_key: SecretString) -> Result<Self, Failure> {
        let tracker = CallTracker::memory();
        let receiver =
            WebhookReceiver::new(Verifier::with_secret(private_key)).with_tracker(tracker.clone());
        let app = Router::new()
            .route(
                PATH,
                post(|Webhook(_event): Webhook| async { StatusCode::OK }),
            )
            .route_layer(from_fn_with_state(receiver, middleware));
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| Failure::usage(format!("--listen {listen}: {e}")))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Failure::usage(format!("--listen {listen}: {e}")))?;
        tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                eprintln!("warning: the webhook receiver stopped: {error}");
            }
        });
        Ok(Receiver { addr, tracker })
    }

    /// The URL of the receiver, for calls whose API can reach this machine.
    pub fn callback_url(&self) -> String {
        format!("http://{}{PATH}", self.addr)
    }

    /// Waits, up to `timeout` in all, for the outcome of each call this run placed.
    pub async fn outcomes(
        &self,
        report: &CampaignReport,
        timeout: Duration,
    ) -> HashMap<RowKey, Outcome> {
        let placed: Vec<_> = report
            .rows
            .iter()
            .filter(|row| row.this_run)
            .filter_map(|row| match &row.state {
                Some(RowState::Placed { call_id }) => Some((row.key.clone(), call_id.clone())),
                _ => None,
            })
            .collect();
        if placed.is_empty() {
            return HashMap::new();
        }
        eprintln!("waiting for {} call(s) to end", placed.len());
        let bar = Progress::new(placed.len() as u64, "waiting");
        let deadline = tokio::time::Instant::now() + timeout;
        let outcomes = futures::stream::iter(placed)
            .map(|(key, call_id)| {
                let bar = &bar;
                async move {
                    let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                    let outcome = self
                        .tracker
                        .outcome(&call_id, left)
                        .await
                        .map_err(|e| e.to_string());
                    bar.tick();
                    (key, outcome)
                }
            })
            .buffer_unordered(WAITERS)
            .collect()
            .await;
        bar.finish();
        outcomes
    }
}
