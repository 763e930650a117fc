//! The whole story of the SDK, end to end.
//!
//! ```text
//! cargo run -p mirai-voice --features axum --example quickstart
//! ```
//!
//! With no `MIRAI_*` credentials set it runs on the built-in emulator (`mirai-voice-mock`,
//! started in-process on a free loopback port): onboard a workspace, create an assistant, start
//! a local webhook receiver that records every verified event in a call tracker, place calls,
//! stream one call's events and await its outcome, abort a call that waits for a re-attempt and
//! await that outcome too, show the answer to aborting a completed call and a typed API error,
//! and upload a small knowledge-base file with progress.
//!
//! With `MIRAI_PUBLIC_KEY`/`MIRAI_PRIVATE_KEY` set it talks to the real API and does only what
//! the flags ask: by default it checks the platform's health and lists the workspace's
//! assistants; placing a real call needs `--to`, `--assistant` and `--yes`.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::middleware::from_fn_with_state;
use axum::routing::post;
use clap::Parser;
use futures::StreamExt;
use mirai_voice::api::{AbortOutcome, AgentIdentity, CallPayload, CreateAssistant, InitiateCall};
use mirai_voice::knowledge_base::Upload;
use mirai_voice::tracker::{CallOutcome, CallTracker};
use mirai_voice::types;
use mirai_voice::webhook::axum::{Webhook, middleware};
use mirai_voice::webhook::{
    CallEventType, Event, MemoryDeduper, SingleSecret, Verifier, WebhookEvent, WebhookReceiver,
    WebhookSecret,
};
use mirai_voice::{Client, Error};
use mirai_voice_mock::MockServer;

/// Run the SDK's story on the emulator, or a chosen step against the real API.
#[derive(Debug, Parser)]
struct Args {
    /// Real API only: the number to call.
    #[arg(long)]
    to: Option<String>,
    /// Real API only: the assistant that places the call.
    #[arg(long)]
    assistant: Option<String>,
    /// Real API only: the HTTPS URL that receives the call's webhook events.
    #[arg(long)]
    callback_url: Option<String>,
    /// Real API only: confirm that a real call may be placed (it dials a person and spends credit).
    #[arg(long)]
    yes: bool,
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    if std::env::var_os("MIRAI_PRIVATE_KEY").is_some()
        || std::env::var_os("MIRAI_PUBLIC_KEY").is_some()
    {
        real_api(args).await
    } else {
        if args.to.is_some() || args.yes {
            return Err("--to/--yes need MIRAI_PUBLIC_KEY and MIRAI_PRIVATE_KEY; without them this runs on the emulator".into());
        }
        emulator_story().await
    }
}

/// Against the real API: read-only unless a call is asked for explicitly.
async fn real_api(args: Args) -> Result<(), Box<dyn std::error::Error>> {
    let client = Client::from_env()?;
    println!("using {}", client.base_url());
    let health = client.health().await?;
    println!("health: {:?}", health.data);
    if client.workspace().is_some() {
        for assistant in client.assistants().list().await? {
            println!("assistant {:?}: {:?}", assistant.id, assistant.name);
        }
    }
    match (args.to, args.assistant, args.yes) {
        (Some(to), Some(assistant), true) => {
            let mut call = InitiateCall::new(to.parse()?, assistant);
            if let Some(url) = args.callback_url {
                call = call.callback_url(url);
            }
            let placed = client.calls().initiate(call).await?;
            println!("placed call {} ({:?})", placed.call_id, placed.status);
        }
        (Some(_), _, false) => println!("not calling: add --yes to place a real call"),
        (Some(_), None, _) => println!("not calling: --assistant is needed"),
        _ => {}
    }
    Ok(())
}

/// A local receiver: verifies, de-duplicates and records every event in `tracker`, where the code
/// that placed a call awaits it (with several replicas, `CallTracker::redis` shares it).
async fn start_receiver(
    private_key: &str,
    tracker: &CallTracker,
) -> Result<SocketAddr, Box<dyn std::error::Error>> {
    let receiver = WebhookReceiver::new(Verifier::new(SingleSecret::new(WebhookSecret::new(
        private_key,
    ))))
    .with_deduper(MemoryDeduper::default())
    .with_tracker(tracker.clone());
    let app = Router::new()
        .route(
            "/webhooks/call-events",
            // Your own handling goes here (e.g. act on `action` events); the tracker has the event already.
            post(|Webhook(_delivery): Webhook| async { StatusCode::OK }),
        )
        // Claims and records each delivery, and commits it when the handler answers 2xx.
        .route_layer(from_fn_with_state(receiver, middleware));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(addr)
}

/// One line per event of a call, as the tracker streams them.
fn describe(event: &WebhookEvent) -> String {
    // The metadata given at initiation comes back on every event: match events to your own orders with it.
    let order = event
        .metadata
        .get("internalOrderId")
        .and_then(|v| v.as_str())
        .unwrap_or("?");
    match &event.event {
        Event::Call(call) => format!(
            "{:<22} order {order} status={}",
            call.kind.as_str(),
            call.status().map(ToString::to_string).unwrap_or_default()
        ),
        Event::Action(action) => format!("{:<22} order {order} {}", "action", action.action.name()),
        other => format!("{:<22} (not known to this SDK version)", other.event_type()),
    }
}

/// The outcome of a call, as awaited from the tracker.
fn summarize(outcome: &CallOutcome) -> String {
    let attempts: Vec<String> = outcome
        .attempts
        .iter()
        .map(|a| {
            a.status
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default()
        })
        .collect();
    let mut line = format!(
        "final status {} after attempts [{}]",
        outcome
            .final_status
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        attempts.join(", ")
    );
    if let Some(analysis) = &outcome.analysis {
        line.push_str(&format!(
            "; success={} summary={:?}",
            analysis.success.unwrap_or(false),
            analysis.summary.as_deref().unwrap_or("")
        ));
    }
    if let Some(credits) = &outcome.credits {
        line.push_str(&format!("; credits used={}", credits.used.unwrap_or(0.0)));
    }
    line
}

async fn emulator_story() -> Result<(), Box<dyn std::error::Error>> {
    println!("No MIRAI_* credentials set: running on the built-in emulator.\n");
    let server = MockServer::start().await;
    let seeded = server.credentials();
    println!("1. emulator listening on {}", server.base_url());

    let tracker = CallTracker::memory();
    let receiver_addr = start_receiver(&seeded.private_key, &tracker).await?;
    let callback_url = format!("http://{receiver_addr}/webhooks/call-events");
    println!("2. webhook receiver on {callback_url}");

    let client = Client::builder()
        .public_key(&seeded.public_key)
        .private_key(&seeded.private_key)
        .base_url(server.base_url())
        .build()?;

    let onboarded = client
        .workspaces()
        .onboard_custom(
            types::CustomOnboardingRequest::builder()
                .name("Acme Outdoor")
                .currency_code("USD")
                .timezone("America/New_York")
                .support_contacts(types::CustomOnboardingRequestSupportContacts {
                    phone_number: "+14155550199".into(),
                    email: Some("help@acme.example".into()),
                })
                .trust_signals(types::CustomOnboardingRequestTrustSignals {
                    value_proposition_one_liner: "Gear that lasts".into(),
                }),
        )
        .await?;
    let workspace = onboarded.id;
    println!("3. onboarded workspace {workspace}");
    // Same connection pool and retry budget, another workspace header.
    let client = client.with_workspace(&workspace)?;

    let assistant_request = CreateAssistant::custom(
        "Order confirmation",
        AgentIdentity::new("Asha").gender(types::AgentIdentityGender::Female),
        "Confirm order {{orderId}} with the customer.",
    )
    .first_message("Hi, this is Asha from Acme Outdoor.")
    .call_settings(types::CallSettings {
        slots: vec![types::CallSettingsSlotsItem {
            start_time: Some("00:00".into()),
            end_time: Some("23:59".into()),
        }],
        // The server's defaults: two re-attempts after no pickup, 300 s apart.
        retry_protocol: types::RetryProtocol::default(),
        concurrent_call_count: None,
        max_call_duration: None,
    });
    let created = client
        .assistants()
        .create(assistant_request.clone())
        .await?;
    let assistant = created.id;
    println!("4. created assistant {assistant}");

    // The emulator picks outcomes from the number: ...0001 never answers.
    let answered = client
        .calls()
        .initiate(
            InitiateCall::new("+14155550100".parse()?, &assistant)
                .payload(CallPayload::custom_entries([("orderId", "8842")]))
                .callback_url(&callback_url)
                .metadata_entry("internalOrderId", "8842"),
        )
        .await?;
    let unanswered = client
        .calls()
        .initiate(
            InitiateCall::new("+14155550001".parse()?, &assistant)
                .payload(CallPayload::custom_entries([("orderId", "8843")]))
                .callback_url(&callback_url)
                .metadata_entry("internalOrderId", "8843"),
        )
        .await?;
    println!(
        "5. placed calls {} (will answer) and {} (will not answer)",
        answered.call_id, unanswered.call_id
    );

    println!(
        "6. the calls progress (virtual clock); events of {} as they come:",
        answered.call_id
    );
    // Stream one call's events (those recorded already first, then live) until its lifecycle ends.
    let mut events = tracker.watch(&answered.call_id);
    let printer = tokio::spawn(async move {
        while let Some(Ok(event)) = events.next().await {
            println!("  webhook  {}", describe(&event));
            if event.event_type() == CallEventType::LifecycleEnded.as_str() {
                break;
            }
        }
    });
    // Await the outcome: every attempt, the final status after re-attempts, the analysis.
    let outcome = {
        let tracker = tracker.clone();
        let call_id = answered.call_id.clone();
        tokio::spawn(async move { tracker.outcome(call_id, Duration::from_secs(60)).await })
    };
    for _ in 0..4 {
        server.control().advance(20).await;
    }
    printer.await?;
    println!("   outcome: {}", summarize(&outcome.await??));

    println!(
        "7. abort {} while it waits for its re-attempt:",
        unanswered.call_id
    );
    match client.calls().abort(&unanswered.call_id).await? {
        AbortOutcome::Aborted { message } => {
            println!("   aborted: {}", message.unwrap_or_default())
        }
        other => return Err(format!("expected the call to be abortable, got {other:?}").into()),
    }
    server.control().advance(1).await;
    let aborted = tracker
        .outcome(&unanswered.call_id, Duration::from_secs(60))
        .await?;
    println!("   outcome: {}", summarize(&aborted));

    println!("8. abort {}, which has completed:", answered.call_id);
    match client.calls().abort(&answered.call_id).await? {
        AbortOutcome::NotAbortable { message, state, .. } => {
            println!("   not abortable: {message} (state {state:?})")
        }
        other => {
            return Err(format!("expected the completed call to be refused, got {other:?}").into());
        }
    }

    println!("9. a typed API error: creating the same assistant again");
    match client.assistants().create(assistant_request).await {
        Err(Error::Api(api)) => println!(
            "   {:?} (status {}, code {:?}): {}",
            api.kind(),
            api.status(),
            api.code(),
            api.message().unwrap_or("")
        ),
        other => return Err(format!("expected a conflict, got {other:?}").into()),
    }

    println!("10. upload a knowledge-base file:");
    let faq = "Q: How long does shipping take?\nA: Three to five business days.\n".repeat(40);
    let uploaded = client
        .knowledge_base()
        .upload(Upload::bytes("shipping-faq.txt", faq.into_bytes()))
        .chunk_size(1024)
        .progress(|p| {
            println!(
                "    chunk {}/{}: {}/{} bytes ({:.0}%)",
                p.chunks_sent,
                p.total_chunks,
                p.bytes_sent,
                p.total_bytes,
                p.fraction() * 100.0
            )
        })
        .send()
        .await?;
    println!(
        "    uploaded {} ({:?})",
        uploaded.knowledge_base_id, uploaded.status
    );
    server.control().advance(30).await;
    let file = client
        .knowledge_base()
        .get(&uploaded.knowledge_base_id)
        .await?;
    println!("    after processing: {:?}", file.status);

    println!("\nDone.");
    Ok(())
}
