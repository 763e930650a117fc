//! A webhook receiver: verifies, de-duplicates and prints call events.
//!
//! ```text
//! MIRAI_PRIVATE_KEY=sk_… cargo run -p mirai-voice --features axum --example webhook_receiver -- --listen 127.0.0.1:3000
//! ```
//!
//! Point the `callbackUrl` of your calls at `https://<your host>/webhooks/call-events`
//! (the API accepts HTTPS endpoints only, so put a TLS proxy or tunnel in
//! front). With `MIRAI_PUBLIC_KEY` set, deliveries must also name that
//! organization. Built with the `redis` feature and `--redis redis://…`,
//! replicas share one de-duplication store.

use std::net::SocketAddr;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::post;
use clap::Parser;
use mirai_voice::webhook::axum::{Webhook, middleware};
use mirai_voice::webhook::{
    Action, CallEventType, Event, SingleSecret, VerifiedEvent, Verifier, WebhookReceiver,
    WebhookSecret,
};

/// Receive Mirai webhook deliveries and print them.
#[derive(Debug, Parser)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:3000")]
    listen: SocketAddr,
    /// Redis URL for de-duplication shared between replicas (feature `redis`).
    #[cfg(feature = "redis")]
    #[arg(long)]
    redis: Option<String>,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    let secret = std::env::var("MIRAI_PRIVATE_KEY")
        .map_err(|_| "set MIRAI_PRIVATE_KEY to the organization's private key (sk_…)")?;
    let mut keys = SingleSecret::new(WebhookSecret::new(secret));
    if let Ok(public_key) = std::env::var("MIRAI_PUBLIC_KEY") {
        keys = keys.expect_public_key(public_key);
    }
    let receiver = WebhookReceiver::new(Verifier::new(keys));
    #[cfg(feature = "redis")]
    let receiver = match &args.redis {
        Some(url) => receiver.with_deduper(mirai_voice::webhook::RedisDeduper::connect(url).await?),
        None => receiver,
    };

    let app = Router::new()
        .route("/webhooks/call-events", post(call_events))
        // The middleware claims each delivery before the handler runs and
        // settles the claim from its answer: a 2xx commits it (repeats are
        // acknowledged without the handler), anything else or a panic
        // releases it, so the sender's retry is processed.
        .route_layer(from_fn_with_state(receiver, middleware));
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    println!(
        "listening on http://{}/webhooks/call-events",
        listener.local_addr()?
    );
    axum::serve(listener, app).await?;
    Ok(())
}

/// Answers fast: real work belongs on a queue, as the API retries slow
/// receivers.
async fn call_events(Webhook(delivery): Webhook) -> StatusCode {
    describe(&delivery);
    StatusCode::OK
}

fn describe(delivery: &VerifiedEvent) {
    let event = &delivery.event;
    let call_id = event.call_id().unwrap_or("-");
    match &event.event {
        Event::Call(call) => match call.kind {
            CallEventType::EndOfCall => {
                let analysis = call.data.analysis.as_ref();
                println!(
                    "{call_id}: analysis ready, success={:?}, summary={:?}",
                    analysis.and_then(|a| a.success),
                    analysis.and_then(|a| a.summary.as_deref()),
                );
            }
            CallEventType::LifecycleEnded => {
                println!("{call_id}: lifecycle over, no more attempts")
            }
            kind => println!(
                "{call_id}: {kind} (status {})",
                call.status().map_or("-".to_owned(), ToString::to_string)
            ),
        },
        Event::Action(action) => match &action.action {
            Action::CreateOrder(order) => println!(
                "{call_id}: create an order of {} item(s), total {:?}",
                order.line_items.len(),
                order.cart_total
            ),
            Action::SendWhatsapp(whatsapp) => println!(
                "{call_id}: send a WhatsApp message to {:?} (reason {:?})",
                whatsapp.number,
                action.reason.as_ref().map(ToString::to_string)
            ),
            other => println!("{call_id}: action {}", other.name()),
        },
        other => println!("{call_id}: unhandled event type {}", other.event_type()),
    }
    if !event.metadata.is_empty() {
        println!(
            "  metadata: {}",
            serde_json::Value::Object(event.metadata.clone())
        );
    }
}
