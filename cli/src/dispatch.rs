//! What happens to a generated operation once its flags are read: sent through the SDK ([`Live`]) or printed
//! and not sent ([`DryRun`]).

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use mirai_voice::generated::{
    ClientContext, ClientInfo, Credentials, ExecuteFuture, Operation, OperationSpec,
    RequestExecutor,
};
use mirai_voice::operation::OperationContext;
use mirai_voice::{Client, ClientConfig};
use reqwest::header::{HeaderValue, USER_AGENT};
use secrecy::ExposeSecret;
use serde::Serialize;

use crate::failure::Failure;
use crate::output;

/// Takes a generated operation builder with its flags applied.
pub trait Dispatch {
    /// Does what the dispatcher does with `operation`.
    fn send<O>(&self, operation: O) -> impl Future<Output = Result<(), Failure>>
    where
        O: Operation,
        O::Response: Serialize;
}

/// Sends through [`Client::send`] (credentials check, retries by the operation's class, typed errors) and
/// prints the result as JSON.
#[derive(Debug)]
pub struct Live<'a> {
    client: &'a Client,
}

impl<'a> Live<'a> {
    /// Sends with `client`; build the operations from `client.raw()`.
    pub fn new(client: &'a Client) -> Self {
        Self { client }
    }
}

impl Dispatch for Live<'_> {
    async fn send<O>(&self, operation: O) -> Result<(), Failure>
    where
        O: Operation,
        O::Response: Serialize,
    {
        let value = self.client.send(operation).await?;
        output::json(&*value);
        Ok(())
    }
}

/// A request as the pipeline would send it.
#[derive(Debug)]
struct Captured {
    method: String,
    url: String,
    headers: reqwest::header::HeaderMap,
    body: Option<Vec<u8>>,
}

/// The executor of the dry run: keeps the request and answers with an empty `204`, sending nothing.
#[derive(Debug, Default)]
struct Recorder {
    captured: Mutex<Option<Captured>>,
}

impl RequestExecutor for Recorder {
    fn execute<'a>(
        &'a self,
        _http: &'a reqwest::Client,
        request: reqwest::Request,
        _operation: &'static OperationSpec,
    ) -> ExecuteFuture<'a> {
        let captured = Captured {
            method: request.method().to_string(),
            url: request.url().to_string(),
            headers: request.headers().clone(),
            body: request
                .body()
                .and_then(reqwest::Body::as_bytes)
                .map(<[u8]>::to_vec),
        };
        *self.captured.lock().unwrap_or_else(PoisonError::into_inner) = Some(captured);
        let mut response = http::Response::new(Vec::<u8>::new());
        *response.status_mut() = http::StatusCode::NO_CONTENT;
        Box::pin(std::future::ready(Ok(reqwest::Response::from(response))))
    }
}

/// Prints each operation's request (method, URL, headers with keys redacted, body) instead of sending it. The
/// request goes through the same generated code and credential hooks as a real one, so the printed headers are
/// exactly those that would be sent.
#[derive(Debug)]
pub struct DryRun {
    raw: mirai_voice::generated::Client,
    recorder: Arc<Recorder>,
    user_agent: String,
}

impl DryRun {
    /// A dry run with the credentials, base URL and user agent of `config`.
    pub fn new(config: &ClientConfig) -> Result<Self, Failure> {
        let invalid = |what| Failure::usage(format!("the {what} cannot be sent as an HTTP header"));
        let mut credentials = Credentials::new(
            config.public_key().expose_secret(),
            config.private_key().expose_secret(),
        )
        .map_err(|_| invalid("key pair"))?;
        if let Some(workspace) = config.workspace() {
            credentials = credentials
                .with_workspace(workspace)
                .map_err(|_| invalid("workspace"))?;
        }
        if let Some(organization) = config.organization() {
            credentials = credentials
                .with_organization(organization)
                .map_err(|_| invalid("organization"))?;
        }
        let recorder = Arc::new(Recorder::default());
        let executor: Arc<dyn RequestExecutor> = recorder.clone();
        let raw = mirai_voice::generated::Client::new_with_client(
            config.base_url(),
            config.http_client()?,
            ClientContext::new(credentials, executor),
        );
        Ok(Self {
            raw,
            recorder,
            user_agent: config.user_agent().to_owned(),
        })
    }

    /// The generated client to build operations from.
    pub fn raw(&self) -> &mirai_voice::generated::Client {
        &self.raw
    }

    fn print(&self, mut captured: Captured) {
        // reqwest adds the client's user agent when sending; the dry run shows it too.
        if !captured.headers.contains_key(USER_AGENT)
            && let Ok(value) = HeaderValue::from_str(&self.user_agent)
        {
            captured.headers.insert(USER_AGENT, value);
        }
        let mut text = format!("{} {}\n", captured.method, captured.url);
        let headers = mirai_voice::secret::redact_headers(&captured.headers);
        let mut names: Vec<_> = headers.keys().map(|name| name.as_str()).collect();
        names.sort_unstable();
        for name in names {
            for value in headers.get_all(name) {
                text.push_str(&format!(
                    "{name}: {}\n",
                    String::from_utf8_lossy(value.as_bytes())
                ));
            }
        }
        if let Some(body) = captured.body.filter(|body| !body.is_empty()) {
            text.push('\n');
            text.push_str(&body_text(&body));
        }
        output::line(text.trim_end());
    }
}

/// The body, pretty-printed when it is JSON, with key-shaped text masked either way.
fn body_text(body: &[u8]) -> String {
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(json) => serde_json::to_string_pretty(&json)
            .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned()),
        Err(_) => String::from_utf8_lossy(body).into_owned(),
    };
    mirai_voice::secret::redact_key_material(&text).into_owned()
}

impl Dispatch for DryRun {
    async fn send<O>(&self, operation: O) -> Result<(), Failure>
    where
        O: Operation,
        O::Response: Serialize,
    {
        let spec = O::spec().ok_or_else(|| {
            Failure::usage(format!("{} is not in the operation table", O::OPERATION_ID))
        })?;
        // The same check `Client::send` makes first, with the same typed error.
        operation
            .client()
            .inner()
            .credentials
            .check(spec)
            .map_err(mirai_voice::Error::from)?;
        let result = operation.send().await;
        let captured = self
            .recorder
            .captured
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        match (captured, result) {
            (Some(captured), _) => {
                self.print(captured);
                Ok(())
            }
            // The builder refused before anything reached the executor (e.g. a missing required field).
            (None, Err(error)) => {
                Err(
                    mirai_voice::Error::from_progenitor(OperationContext::from(spec), error, None)
                        .await
                        .into(),
                )
            }
            (None, Ok(_)) => Err(Failure::usage(format!(
                "{}: no request was built",
                O::OPERATION_ID
            ))),
        }
    }
}
