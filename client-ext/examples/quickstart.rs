//! The whole story of the SDK, end to end.
//!
//! ```text
//! cargo run -p mirai-voice --features axum --example quickstart
//! ```
//!
//! With no `MIRAI_*` credentials set it runs on the built-in emulator (`mirai-voice-mock`,
//! started in-process on a free loopback port): onboard a workspace, create an assistant, start
//! a local webhook receiver, place calls, print the verified events as the calls progress, abort
//! a call that waits for a re-attempt, show the answer to aborting a completed call and a typed
//! API error, and upload a small knowledge-base file with progress.
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
use mirai_voice::api::{AbortOutcome, AgentIdentity, CallPayload, CreateAssistant, InitiateCall};
use mirai_voice::knowledge_base::Upload;
use mirai_voice::types;
use mirai_voice::webhook::axum::{Webhook, middleware};
use mirai_voice::webhook::{
    Event, MemoryDeduper, SingleSecret, VerifiedEvent, Verifier, WebhookReceiver, WebhookSecret,
};
use mirai_voice::{Client, Error};
use mirai_voice_mock::MockServer;
use tokio::sync::mpsc;

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

/// A local receiver: verifies, de-duplicates and forwards every event to the story.
async fn start_receiver(
    private_key: &str,
) -> Result<(SocketAddr, mpsc::UnboundedReceiver<VerifiedEvent>), Box<dyn std::error::Error>> {
    let receiver = WebhookReceiver::new(Verifier::new(SingleSecret::new(WebhookSecret::new(
        private_key,
    ))))
    .with_deduper(MemoryDeduper::default());
    let (events, inbox) = mpsc::unbounded_channel();
    let app = Router::new()
        .route(
            "/webhooks/call-events",
            post(move |Webhook(delivery): Webhook| {
                let events = events.clone();
                async move {
                    let _ = events.send(delivery);
                    StatusCode::OK
                }
            }),
        )
        // Claims each delivery and commits it when the handler answers 2xx.
        .route_layer(from_fn_with_state(receiver, middleware));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok((addr, inbox))
}

fn describe(delivery: &VerifiedEvent) -> String {
    let event = &delivery.event;
    let call = event.call_id().unwrap_or("?");
    // The metadata given at initiation comes back on every event: match events to your own orders with it.
    let call = match event
        .metadata
        .get("internalOrderId")
        .and_then(|v| v.as_str())
    {
        Some(order) => format!("{call} (order {order})"),
        None => call.to_string(),
    };
    match &event.event {
        Event::Call(call_event) => {
            let mut line = format!("{:<22} call {call}", call_event.kind.as_str());
            if let Some(status) = call_event.status() {
                line.push_str(&format!(" status={status}"));
            }
            if let Some(analysis) = &call_event.data.analysis {
                line.push_str(&format!(
                    " success={} summary={:?}",
                    analysis.success.unwrap_or(false),
                    analysis.summary.as_deref().unwrap_or("")
                ));
            }
            if let Some(credits) = &call_event.data.credits {
                line.push_str(&format!(" credits used={}", credits.used.unwrap_or(0.0)));
            }
            if let Some(report) = call_event
                .data
                .report
                .as_ref()
                .filter(|r| r.final_status.is_some())
            {
                line.push_str(&format!(
                    " re-attempts={} final={}",
                    report.re_attempt_count.unwrap_or(0),
                    report
                        .final_status
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default()
                ));
            }
            line
        }
        Event::Action(action) => format!(
            "{:<22} call {call} action={}",
            "action",
            action.action.name()
        ),
        other => format!(
            "{:<22} call {call} (not known to this SDK version)",
            other.event_type()
        ),
    }
}

/// Moves the emulator's clock and prints the verified events that arrive.
async fn advance(
    server: &MockServer,
    inbox: &mut mpsc::UnboundedReceiver<VerifiedEvent>,
    seconds: u64,
) {
    server.control().advance(seconds).await;
    server
        .control()
        .wait_for_deliveries(Duration::from_secs(5))
        .await;
    // Deliveries are acknowledged before the handler's channel send is observed here.
    tokio::time::sleep(Duration::from_millis(50)).await;
    while let Ok(delivery) = inbox.try_recv() {
        println!("  webhook  {}", describe(&delivery));
    }
}

async fn emulator_story() -> Result<(), Box<dyn std::error::Error>> {
    println!("No MIRAI_* credentials set: running on the built-in emulator.\n");
    let server = MockServer::start().await;
    let seeded = server.credentials();
    println!("1. emulator listening on {}", server.base_url());

    let (receiver_addr, mut inbox) = start_receiver(&seeded.private_key).await?;
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

    println!("6. the calls progress (virtual clock):");
    for _ in 0..4 {
        advance(&server, &mut inbox, 20).await;
    }

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
    advance(&server, &mut inbox, 1).await;

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
