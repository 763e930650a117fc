//! A `mirai_voice::Client` for an emulator's organization, shared by the SDK-on-emulator suites.

use std::time::Duration;

use mirai_voice::Client;
use mirai_voice::retry::RetryConfig;
use mirai_voice_mock::{Credentials, MockServer};

/// A client of `server` with `creds` (workspace and organization set), each attempt limited to `attempt_timeout`,
/// retrying with short backoffs so tests stay quick.
pub fn emulator_client(
    server: &MockServer,
    creds: &Credentials,
    attempt_timeout: Duration,
) -> Client {
    Client::builder()
        .public_key(&creds.public_key)
        .private_key(&creds.private_key)
        .workspace(&creds.workspace_id)
        .organization(&creds.organization_id)
        .base_url(server.base_url())
        .attempt_timeout(attempt_timeout)
        .retry(
            RetryConfig::default()
                .with_initial_backoff(Duration::from_millis(10))
                .with_max_backoff(Duration::from_millis(50)),
        )
        .build()
        .expect("valid configuration")
}
