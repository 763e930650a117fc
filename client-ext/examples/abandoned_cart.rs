//! Abandoned-cart calls on the built-in emulator: typed assistant (409 → existing), typed cart payloads with
//! correlation metadata, webhooks feeding a call tracker, each call's final outcome, an abort, `OutcomeUnknown`.

use std::time::Duration;

use axum::{Router, http::StatusCode, middleware::from_fn_with_state, routing::post};
use mirai_voice::api::payload::{AbandonedCart, CartCustomer, CartLineItem, CartTotals, Money};
use mirai_voice::api::{
    AbortOutcome, AgentIdentity, AssistantVariant, CreateAssistant, InitiateCall,
};
use mirai_voice::tracker::{CallOutcome, CallTracker};
use mirai_voice::webhook::axum::{Webhook, middleware};
use mirai_voice::webhook::{MemoryDeduper, SingleSecret, Verifier, WebhookReceiver, WebhookSecret};
use mirai_voice::{Client, Error, PhoneNumber, ids::CallId};
use mirai_voice_mock::MockServer;

type AnyError = Box<dyn std::error::Error>;
/// Abandoned carts: order id, first name, phone, item, total. The emulator never answers numbers ending in
/// `0001` and answers every other number at once.
const CARTS: [(&str, &str, &str, &str, &str); 2] = [
    ("1001", "Jane", "+14155550100", "Trail shoes", "89.00"),
    ("1002", "Ravi", "+14155550001", "Rain jacket", "120.00"),
];

#[tokio::main]
async fn main() -> Result<(), AnyError> {
    let server = MockServer::start().await;
    let keys = server.credentials();
    let client = Client::builder()
        .public_key(&keys.public_key)
        .private_key(&keys.private_key)
        .workspace(&keys.workspace_id)
        .base_url(server.base_url())
        .build()?;

    // Webhooks: verified, de-duplicated, recorded in the tracker (CallTracker::redis when scaled out).
    let tracker = CallTracker::memory();
    let secret = SingleSecret::new(WebhookSecret::new(&keys.private_key));
    let receiver = WebhookReceiver::new(Verifier::new(secret))
        .with_deduper(MemoryDeduper::default())
        .with_tracker(tracker.clone());
    let app = Router::new()
        .route(
            "/webhooks",
            post(|Webhook(_event): Webhook| async { StatusCode::OK }),
        )
        .route_layer(from_fn_with_state(receiver, middleware));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let callback_url = format!("http://{}/webhooks", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    // A 409 for a name that exists is not an error here: the existing assistant is reused.
    let assistant = CreateAssistant::new(
        "Cart saver",
        AgentIdentity::new("Asha"),
        AssistantVariant::abandoned_cart(),
    )
    .first_message("Hi, this is Asha from Acme Outdoor, about the items in your cart.");
    let assistant_id = client
        .assistants()
        .get_or_create(assistant.clone())
        .await?
        .id()
        .clone();
    let again = client.assistants().get_or_create(assistant).await?;
    println!(
        "assistant {assistant_id} (second get_or_create created one: {})",
        again.was_created()
    );

    let mut placed: Vec<(&str, CallId)> = Vec::new();
    for (order, first_name, phone, item, total) in CARTS {
        let price = Money::new(total)?;
        let totals = CartTotals {
            line_items: price.clone(),
            subtotal: price.clone(),
            discount: Money::zero(),
            total: price,
        };
        let payload = AbandonedCart::new(
            CartCustomer::new(first_name, phone),
            [CartLineItem::new(item, 1)],
            totals,
        );
        let call = InitiateCall::new(PhoneNumber::parse(phone)?, &assistant_id)
            .payload(payload)
            .callback_url(&callback_url)
            .metadata_entry("orderId", order);
        match client.calls().initiate(call).await {
            Ok(accepted) => placed.push((order, accepted.call_id)),
            // The dial may have happened: never place it again blindly; reconcile from webhooks first.
            Err(Error::OutcomeUnknown(unknown)) => println!(
                "order {}: outcome unknown ({unknown}), not redialled",
                order
            ),
            Err(other) => return Err(other.into()),
        }
    }

    // Let the emulator's clock run: the first call is answered, the second waits for its re-attempt.
    for _ in 0..4 {
        server.control().advance(20).await;
    }
    for (order, call_id) in &placed {
        let Err(pending) = tracker.outcome(call_id, Duration::from_millis(200)).await else {
            continue;
        };
        // Still running: stop it if it is only waiting for its re-attempt (the documented abortable states).
        if pending.partial().status().is_some_and(|s| s.can_abort()) {
            println!(
                "order {order}: waiting for a re-attempt ({:?}), aborting",
                pending.partial().status()
            );
            match client.calls().abort(call_id).await? {
                AbortOutcome::Aborted { .. } => {}
                AbortOutcome::NotAbortable { state, .. } => {
                    println!("  too late, the call is {state:?}")
                }
                other => println!("  {other:?}"),
            }
        }
    }
    server.control().advance(1).await;

    for (order, call_id) in &placed {
        let outcome = tracker.outcome(call_id, Duration::from_secs(30)).await?;
        println!("order {order}: {}", report(&outcome));
    }
    Ok(())
}

/// Final status after re-attempts, each attempt, and the analysis when the call was answered.
fn report(outcome: &CallOutcome) -> String {
    let attempts: Vec<String> = outcome
        .attempts
        .iter()
        .filter_map(|a| a.status.as_ref().map(ToString::to_string))
        .collect();
    let verdict = outcome
        .analysis
        .as_ref()
        .and_then(|a| a.summary.clone())
        .unwrap_or_else(|| "no analysis".into());
    let status = outcome
        .final_status
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    format!("final {status} after [{}]: {verdict}", attempts.join(", "))
}
