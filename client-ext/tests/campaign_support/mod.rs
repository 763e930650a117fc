//! The emulator, an SDK client for it, a custom assistant and campaign files for the campaign tests.

use std::collections::HashMap;
use std::time::Duration;

use mirai_voice::Client;
use mirai_voice::api::{AgentIdentity, CreateAssistant};
use mirai_voice::ids::AssistantId;
use mirai_voice::retry::RetryConfig;
use mirai_voice_mock::MockServer;

/// An SDK client for the emulator's seeded organization and workspace, with quick retries.
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

/// Creates a custom assistant and returns its id.
pub async fn assistant(client: &Client) -> AssistantId {
    let request = CreateAssistant::custom(
        "Campaign tests",
        AgentIdentity::new("Asha"),
        "Confirm the order.",
    );
    client
        .assistants()
        .create(request)
        .await
        .expect("assistant created")
        .id
}

/// The number of data row `n` (1-based): distinct for every row.
pub fn phone(n: usize) -> String {
    format!("+1415555{n:04}")
}

/// A campaign file of `rows` rows with an order id in the payload and metadata.
pub fn csv(rows: usize) -> String {
    let mut text = String::from("phone,payload.orderId,metadata.shop\n");
    for n in 1..=rows {
        text.push_str(&format!("{},{n},north\n", phone(n)));
    }
    text
}

/// How many calls the emulator holds for each number.
pub fn calls_per_phone(server: &MockServer) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for call in server.control().calls() {
        *counts.entry(call.phone_number).or_insert(0) += 1;
    }
    counts
}

/// How many `initiateCall` requests reached the emulator.
pub fn initiate_requests(server: &MockServer) -> usize {
    server
        .control()
        .requests()
        .iter()
        .filter(|r| r.operation_id.as_deref() == Some("initiateCall"))
        .count()
}
