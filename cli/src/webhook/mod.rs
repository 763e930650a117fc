//! `mirai webhook …`: checking signatures and receiving deliveries while developing a webhook endpoint (the
//! API's `callEventsWebhook` deliveries, which the API sends to your server).

pub mod listen;
pub mod verify;

use clap::Subcommand;
use mirai_voice::config::{ENV_PRIVATE_KEY, ENV_PUBLIC_KEY};
use mirai_voice::webhook::{SingleSecret, Verifier, WebhookEvent};

use crate::failure::Failure;

/// The subcommands of `mirai webhook`.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Verify one delivery's signature (the `x-signature` header) against MIRAI_PRIVATE_KEY and print its event.
    ///
    /// Exit 0 when the signature is valid, 1 when it is not.
    Verify(verify::VerifyArgs),
    /// Receive deliveries on 127.0.0.1: verify, de-duplicate and print each event, and forward each verified
    /// delivery with its original headers to your own server.
    Listen(listen::ListenArgs),
}

/// Runs a `mirai webhook` subcommand.
pub async fn run(command: WebhookCommand) -> Result<(), Failure> {
    match command {
        WebhookCommand::Verify(args) => verify::run(args),
        WebhookCommand::Listen(args) => listen::run(args).await,
    }
}

/// A verifier with the secret from `MIRAI_PRIVATE_KEY`, requiring the delivery's `x-public-key` to be
/// `MIRAI_PUBLIC_KEY` when that is set.
pub fn verifier_from_env() -> Result<Verifier, Failure> {
    let secret = std::env::var(ENV_PRIVATE_KEY).map_err(|_| {
        Failure::usage(format!(
            "{ENV_PRIVATE_KEY} is not set: webhook signatures are checked with the organization's private key"
        ))
    })?;
    let mut keys = SingleSecret::new(secret);
    if let Ok(public_key) = std::env::var(ENV_PUBLIC_KEY) {
        keys = keys.expect_public_key(public_key);
    }
    Ok(Verifier::new(keys))
}

/// One readable line for an event: its type, call id and status when it has them.
pub fn summary(event: &WebhookEvent) -> String {
    let mut line = event.event_type().to_owned();
    if let Some(call_id) = event.call_id() {
        line.push_str(&format!(" call={call_id}"));
    }
    if let mirai_voice::webhook::Event::Call(call) = &event.event
        && let Some(status) = call.status()
    {
        line.push_str(&format!(" status={}", status.as_str()));
    }
    line
}
