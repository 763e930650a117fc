//! What every section shares: the emulator, a client without retries, the captured `TRACE` logs and the list of
//! secrets none of the formatted renderings may show.

use std::sync::Mutex;
use std::time::Duration;

use mirai_voice::error::{RawBody, UnknownCause};
use mirai_voice::retry::RetryConfig;
use mirai_voice::{Client, Error};
use mirai_voice_mock::{Control, FaultKind, FaultMatch, FaultRule, MockServer};
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::{Layer, Registry, fmt};

pub use crate::log_capture::Captured;

/// A subscriber writing the SDK's own events, every level and span event, into `captured`. The in-process
/// emulator logs too, and is not under test.
pub fn sdk_trace_subscriber(captured: &Captured) -> impl tracing::Subscriber + Send + Sync {
    let writer = captured.clone();
    let sdk_only = filter_fn(|meta| {
        let target = meta.target();
        target == "mirai_voice" || target.starts_with("mirai_voice::")
    });
    Registry::default().with(
        fmt::layer()
            .with_ansi(false)
            .with_span_events(fmt::format::FmtSpan::FULL)
            .with_writer(move || writer.clone())
            .with_filter(tracing::level_filters::LevelFilter::TRACE)
            .with_filter(sdk_only),
    )
}

/// The emulator, a client of it, and the secrets sent so far.
pub struct Harness {
    pub server: MockServer,
    pub client: Client,
    secrets: Mutex<Vec<String>>,
}

impl Harness {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let creds = server.credentials();
        let client = Client::builder()
            .public_key(&creds.public_key)
            .private_key(&creds.private_key)
            .workspace(&creds.workspace_id)
            .organization(&creds.organization_id)
            .base_url(server.base_url())
            .attempt_timeout(Duration::from_secs(10))
            .retry(RetryConfig::default().with_max_retries(0))
            .build()
            .expect("valid configuration");
        Self {
            server,
            client,
            secrets: Mutex::new(Vec::new()),
        }
    }

    pub fn control(&self) -> Control {
        self.server.control()
    }

    /// Registers `secret`: from now on no rendering checked here may show it. Returns it for use.
    pub fn secret(&self, secret: impl Into<String>) -> String {
        let secret = secret.into();
        assert!(
            secret.len() >= 12,
            "a secret short enough to occur by chance: {secret}"
        );
        self.secrets.lock().unwrap().push(secret.clone());
        secret
    }

    /// Panics if `text` shows any registered secret.
    pub fn assert_hidden(&self, what: &str, text: &str) {
        self.assert_hidden_except(what, text, &[]);
    }

    /// Like [`assert_hidden`](Self::assert_hidden), leaving out the secrets in `except`.
    pub fn assert_hidden_except(&self, what: &str, text: &str, except: &[&String]) {
        for secret in self.secrets.lock().unwrap().iter() {
            if except.contains(&secret) {
                continue;
            }
            assert!(
                !text.contains(secret.as_str()),
                "{what} shows the secret {secret}:\n{text}"
            );
        }
    }

    /// Checks every formatted form of `error`, and returns its `Display` and `Debug` for further assertions.
    pub fn check_error(&self, what: &str, error: &Error) -> (String, String) {
        let display = error.to_string();
        let debug = format!("{error:?}");
        self.assert_hidden(&format!("{what} Display"), &display);
        self.assert_hidden(&format!("{what} Debug"), &debug);
        self.assert_hidden(&format!("{what} pretty Debug"), &format!("{error:#?}"));
        if let Some(body) = kept_body(error) {
            self.assert_hidden(&format!("{what} kept body"), &body.redacted());
        }
        (display, debug)
    }

    /// Creates the assistant `request` describes and returns its id.
    pub async fn create_assistant(
        &self,
        request: mirai_voice::types::AdminAssistantRequest,
    ) -> mirai_voice::ids::AssistantId {
        self.client
            .assistants()
            .create(request)
            .await
            .expect("assistant created")
            .id
    }

    /// Arms a one-shot fault on `operation_id`.
    pub fn fault(&self, operation_id: &str, fault: FaultKind) {
        self.control()
            .add_fault(FaultRule {
                matcher: FaultMatch::operation(operation_id),
                fault,
                count: 1,
            })
            .expect("fault registered");
    }
}

/// The response body an error keeps, when it keeps one: the raw data a leak would come from.
pub fn kept_body(error: &Error) -> Option<&RawBody> {
    match error {
        Error::Decode(decode) => Some(decode.body()),
        Error::OutcomeUnknown(unknown) => match unknown.cause() {
            UnknownCause::ResponseBodyUndecodable { body, .. } => Some(body),
            _ => error.api_error().map(|api| api.body()),
        },
        _ => error.api_error().map(|api| api.body()),
    }
}

/// Whether the captured logs show `fragment`, as is or with its quotes escaped (a body logged as a string field).
pub fn logs_show(logs: &str, fragment: &str) -> bool {
    logs.contains(fragment) || logs.contains(&fragment.replace('"', "\\\""))
}
