//! The client: one connection pool, one retry budget, credentials attached per operation.
//!
//! [`Client`] wraps the generated client. Every operation goes through the same path: look the operation up in
//! the generated table, check that the client holds every header the operation needs (so a missing workspace
//! fails before anything is sent), send through the [`Executor`] (timeouts, retries, tracing) and map failures to
//! [`Error`]. The operations themselves are grouped by area: [`Client::calls`], [`Client::assistants`],
//! [`Client::numbers`], [`Client::tools`], [`Client::workspaces`], [`Client::organizations`],
//! [`Client::knowledge_base`], [`Client::voices`], [`Client::showcase`], plus [`Client::health`] and
//! [`Client::shiprocket_ndr_webhook`].

#![warn(missing_docs)]

mod call;

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use mirai_voice_generated::{
    ByteStream, ClientContext, ClientInfo, Credentials, InvalidCredential, Operation,
    OperationSpec, RequestExecutor, ResponseValue,
};
use reqwest::StatusCode;
use reqwest::header::{HeaderName, HeaderValue};
use secrecy::ExposeSecret;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::api::{
    Assistants, Calls, KnowledgeBase, Numbers, Organizations, Showcase, Tools, Voices, Workspaces,
};
use crate::config::{ClientBuilder, ClientConfig, ConfigError, InvalidReason, check_header_value};
use crate::error::{Error, ValidationError};
use crate::executor::Executor;
use crate::operation::OperationContext;
use crate::secret::REDACTED;
use call::{AsGenerated, Call, GenResult, Then, Tolerant};
use futures::FutureExt;

/// The generated client this crate wraps.
pub(crate) type GenClient = mirai_voice_generated::Client;

/// The error type of generated-client methods.
pub(crate) type GenError = progenitor_client::Error<ByteStream>;

/// A client for the Mirai Minds Voice Agent API.
///
/// Cloning is cheap (a reference count): clones, and clients derived with [`with_workspace`](Self::with_workspace)
/// or [`with_organization`](Self::with_organization), share one connection pool and one retry budget.
///
/// ```no_run
/// use mirai_voice::Client;
///
/// # async fn example() -> mirai_voice::Result<()> {
/// let client = Client::from_env()?;
/// let health = client.health().await?;
/// println!("{:?}", health.data);
///
/// // The same pool and retry budget, another workspace.
/// let other = client.with_workspace("6650f0c2a1b2c3d4e5f60001")?;
/// let tools = other.tools().list().await?;
/// println!("{} tools", tools.len());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    shared: Arc<Shared>,
}

struct Shared {
    generated: GenClient,
    executor: Arc<Executor>,
    workspace: Option<String>,
    organization: Option<String>,
}

impl Client {
    /// A client configured from the process environment (see [`config`](crate::config) for the variables).
    ///
    /// ```no_run
    /// let client = mirai_voice::Client::from_env()?;
    /// # Ok::<(), mirai_voice::Error>(())
    /// ```
    pub fn from_env() -> crate::Result<Self> {
        Self::new(ClientConfig::from_env()?)
    }

    /// A [`ClientBuilder`]; finish it with [`ClientBuilder::build`].
    ///
    /// ```
    /// let client = mirai_voice::Client::builder()
    ///     .public_key("pk_0123456789abcdef0123456789abcdef")
    ///     .private_key("sk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
    ///     .workspace("6650f0c2a1b2c3d4e5f60001")
    ///     .base_url("http://127.0.0.1:4010")
    ///     .build()?;
    /// assert_eq!(client.workspace(), Some("6650f0c2a1b2c3d4e5f60001"));
    /// # Ok::<(), mirai_voice::Error>(())
    /// ```
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client for a validated configuration.
    ///
    /// Fails only when the HTTP client cannot be created ([`ConfigError::HttpClient`]).
    pub fn new(config: ClientConfig) -> crate::Result<Self> {
        let http = config.http_client()?;
        let executor = Arc::new(config.executor());
        let mut credentials = Credentials::new(
            config.public_key().expose_secret(),
            config.private_key().expose_secret(),
        )
        .map_err(invalid_credential)?;
        if let Some(workspace) = config.workspace() {
            credentials = credentials
                .with_workspace(workspace)
                .map_err(invalid_credential)?;
        }
        if let Some(organization) = config.organization() {
            credentials = credentials
                .with_organization(organization)
                .map_err(invalid_credential)?;
        }
        Ok(Self::assemble(
            config.base_url(),
            http,
            executor,
            credentials,
            config.workspace().map(str::to_owned),
            config.organization().map(str::to_owned),
        ))
    }

    fn assemble(
        base_url: &str,
        http: reqwest::Client,
        executor: Arc<Executor>,
        credentials: Credentials,
        workspace: Option<String>,
        organization: Option<String>,
    ) -> Self {
        let request_executor: Arc<dyn RequestExecutor> = executor.clone();
        let generated = GenClient::new_with_client(
            base_url,
            http,
            ClientContext::new(credentials, request_executor),
        );
        Self {
            shared: Arc::new(Shared {
                generated,
                executor,
                workspace,
                organization,
            }),
        }
    }

    /// A client for another workspace: the same keys, organization, connection pool and retry budget, with only
    /// the `workspace` header changed.
    ///
    /// Fails with [`ConfigError::InvalidSetting`] when `workspace` cannot be sent as a header.
    pub fn with_workspace(&self, workspace: impl AsRef<str>) -> crate::Result<Self> {
        let workspace = workspace.as_ref();
        check_header_value(workspace).map_err(|reason| invalid_setting("workspace", reason))?;
        let credentials = self
            .credentials()
            .clone()
            .with_workspace(workspace)
            .map_err(invalid_credential)?;
        Ok(self.derive(
            credentials,
            Some(workspace.to_owned()),
            self.shared.organization.clone(),
        ))
    }

    /// A client for another organization (the `organization` header of the number-pool operations); everything
    /// else is shared as with [`with_workspace`](Self::with_workspace).
    pub fn with_organization(&self, organization: impl AsRef<str>) -> crate::Result<Self> {
        let organization = organization.as_ref();
        check_header_value(organization)
            .map_err(|reason| invalid_setting("organization", reason))?;
        let credentials = self
            .credentials()
            .clone()
            .with_organization(organization)
            .map_err(invalid_credential)?;
        Ok(self.derive(
            credentials,
            self.shared.workspace.clone(),
            Some(organization.to_owned()),
        ))
    }

    fn derive(
        &self,
        credentials: Credentials,
        workspace: Option<String>,
        organization: Option<String>,
    ) -> Self {
        // `reqwest::Client` clones share their connection pool; the executor (and so the retry budget) is shared
        // through the `Arc`.
        Self::assemble(
            self.base_url(),
            self.http().clone(),
            self.shared.executor.clone(),
            credentials,
            workspace,
            organization,
        )
    }

    /// The generated client underneath, for anything this crate does not wrap. Build an operation with it and
    /// hand the builder to [`send`](Self::send), which returns this crate's [`Error`]. Its builders' own `send`
    /// attaches the same credentials and uses the same executor, but returns `progenitor_client` errors.
    ///
    /// ```no_run
    /// use mirai_voice::generated::prelude::*;
    ///
    /// # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
    /// let tools = client.send(client.raw().list_api_tools()).await?;
    /// println!("{} tools", tools.data.len());
    /// # Ok(())
    /// # }
    /// ```
    pub fn raw(&self) -> &mirai_voice_generated::Client {
        &self.shared.generated
    }

    /// Sends any generated operation through the same path as this crate's own methods: the credentials check
    /// from the operation table (a missing workspace fails before anything is sent), the [`Executor`] with the
    /// operation's [`RetryClass`](crate::retry::RetryClass) (a `GET` is retried after a `503`, a side-effecting
    /// `POST` is never repeated after an ambiguous failure), tracing, and [`Error`] with what the attempts
    /// showed. Build `operation` with [`raw`](Self::raw) (bring the generated traits into scope with
    /// `use mirai_voice::generated::prelude::*`); every generated operation builder implements
    /// [`Operation`](crate::generated::Operation), including operations added to the spec after this crate
    /// was written, once `cargo xtask codegen` has run.
    ///
    /// Opening an [`AttemptLog`](crate::executor::AttemptLog) scope around the call gives its
    /// [`AttemptReport`](crate::executor::AttemptReport) (attempts, statuses, retry decisions), on success as on
    /// failure.
    ///
    /// Fails with [`ValidationError::InvalidRequest`] when `operation` was built from another client's
    /// [`raw`](Self::raw) (e.g. one from [`with_workspace`](Self::with_workspace)): its request would carry
    /// that client's credentials, not the ones checked here.
    ///
    /// ```no_run
    /// use mirai_voice::error::{Error, ErrorKind};
    /// use mirai_voice::executor::AttemptLog;
    /// use mirai_voice::generated::prelude::*;
    ///
    /// # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
    /// let log = AttemptLog::new();
    /// let operation = client.raw().admin_get_assistant().assistant_id("6650f0c2a1b2c3d4e5f60718");
    /// match log.scope(client.send(operation)).await {
    ///     Ok(assistant) => println!("{:?} ({})", assistant.data, assistant.status()),
    ///     Err(Error::Api(api)) if api.kind() == ErrorKind::NotFound => println!("no such assistant"),
    ///     Err(other) => return Err(other),
    /// }
    /// println!("{} attempt(s)", log.report().attempt_count());
    /// # Ok(())
    /// # }
    /// ```
    pub async fn send<O: Operation>(
        &self,
        operation: O,
    ) -> crate::Result<ResponseValue<O::Response>> {
        if !std::ptr::eq(operation.client(), self.raw()) {
            return Err(ValidationError::InvalidRequest {
                operation_id: Some(O::OPERATION_ID),
                message: "the operation was built from another client's raw(); build it from the raw() of the \
                          client that sends it"
                    .into(),
            }
            .into());
        }
        // A generated operation names its table entry; only a hand-written impl can name an unknown one.
        let spec = O::spec().ok_or_else(|| ValidationError::InvalidRequest {
            operation_id: Some(O::OPERATION_ID),
            message: "the operation is not in the generated operation table".into(),
        })?;
        self.run(spec, |_| operation.send()).await
    }

    /// The executor sending every request of this client (and of clients derived from it). To send a generated
    /// operation through it with this crate's [`Error`], use [`send`](Self::send).
    pub fn executor(&self) -> &Executor {
        &self.shared.executor
    }

    /// The API base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        self.shared.generated.baseurl()
    }

    /// The workspace sent to workspace-scoped operations, if any.
    pub fn workspace(&self) -> Option<&str> {
        self.shared.workspace.as_deref()
    }

    /// The organization sent to the number-pool operations, if any.
    pub fn organization(&self) -> Option<&str> {
        self.shared.organization.as_deref()
    }

    /// Calls: initiate, web, abort, update the payload.
    pub fn calls(&self) -> Calls<'_> {
        Calls::new(self)
    }

    /// Assistants: create, list, get, update.
    pub fn assistants(&self) -> Assistants<'_> {
        Assistants::new(self)
    }

    /// The number pool: search, purchase, release (needs an organization).
    pub fn numbers(&self) -> Numbers<'_> {
        Numbers::new(self)
    }

    /// API tools: list, create, update, delete.
    pub fn tools(&self) -> Tools<'_> {
        Tools::new(self)
    }

    /// Workspace onboarding.
    pub fn workspaces(&self) -> Workspaces<'_> {
        Workspaces::new(self)
    }

    /// Archiving and unarchiving organizations and workspaces.
    pub fn organizations(&self) -> Organizations<'_> {
        Organizations::new(self)
    }

    /// The knowledge base: files, collections and chunked uploads.
    pub fn knowledge_base(&self) -> KnowledgeBase<'_> {
        KnowledgeBase::new(self)
    }

    /// The voice gallery.
    pub fn voices(&self) -> Voices<'_> {
        Voices::new(self)
    }

    /// The public showcase of example calls and flows (no credentials sent).
    pub fn showcase(&self) -> Showcase<'_> {
        Showcase::new(self)
    }

    pub(crate) fn credentials(&self) -> &Credentials {
        &self.shared.generated.inner().credentials
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        self.shared.generated.client()
    }

    /// Runs a generated-client call of `operation`: checks credentials first, records the attempts, maps
    /// errors.
    pub(crate) fn run<'c, T, F>(
        &'c self,
        operation: &'static OperationSpec,
        send: impl FnOnce(&'c GenClient) -> F,
    ) -> Call<'c, F, AsGenerated<T>>
    where
        F: Future<Output = GenResult<T>>,
    {
        Call::new(self, operation, || send(self.raw()), Then(Ok))
    }

    /// Like [`run`](Self::run), turning the generated value into the method's result with `then` inside the call
    /// (see [`Then`]).
    pub(crate) fn run_then<'c, G, T, F, M>(
        &'c self,
        operation: &'static OperationSpec,
        send: impl FnOnce(&'c GenClient) -> F,
        then: M,
    ) -> Call<'c, F, Then<M>>
    where
        F: Future<Output = GenResult<G>>,
        M: FnOnce(ResponseValue<G>) -> crate::Result<T> + Unpin,
    {
        Call::new(self, operation, || send(self.raw()), Then(then))
    }

    /// Like [`run`](Self::run), returning the body as `T`, a tolerant view of the generated type `G`: when the
    /// generated type rejects the body (e.g. an enum value added to the API later), the body is decoded as `T`
    /// instead of failing.
    pub(crate) fn run_tolerant<'c, G, T, F>(
        &'c self,
        operation: &'static OperationSpec,
        send: impl FnOnce(&'c GenClient) -> F,
    ) -> impl Future<Output = crate::Result<T>> + 'c
    where
        G: Serialize + 'c,
        T: DeserializeOwned + 'c,
        F: Future<Output = GenResult<G>> + 'c,
    {
        self.run_tolerant_status(operation, send)
            .map(|result| result.map(|(_, value)| value))
    }

    /// Like [`run_tolerant`](Self::run_tolerant), also returning the success status.
    pub(crate) fn run_tolerant_status<'c, G, T, F>(
        &'c self,
        operation: &'static OperationSpec,
        send: impl FnOnce(&'c GenClient) -> F,
    ) -> Call<'c, F, Tolerant<G, T>>
    where
        G: Serialize,
        T: DeserializeOwned,
        F: Future<Output = GenResult<G>>,
    {
        self.run_tolerant_with(operation, send, Err)
    }

    /// Like [`run_tolerant_status`](Self::run_tolerant_status), converting a decoded `G` with `convert` first.
    ///
    /// Re-reading the generated value's JSON as `T` costs an encode and a decode on every response; `convert`
    /// moves the fields over instead and hands the value back (`Err`) only when it cannot tell, e.g. a field `T`
    /// requires is absent, so the JSON route decides and reports exactly as it would alone.
    pub(crate) fn run_tolerant_with<'c, G, T, F>(
        &'c self,
        operation: &'static OperationSpec,
        send: impl FnOnce(&'c GenClient) -> F,
        convert: fn(G) -> Result<T, G>,
    ) -> Call<'c, F, Tolerant<G, T>>
    where
        G: Serialize,
        T: DeserializeOwned,
        F: Future<Output = GenResult<G>>,
    {
        Call::new(self, operation, || send(self.raw()), Tolerant { convert })
    }

    /// Sends a request the generated client cannot build (multipart, undeclared bodies) with the credentials the
    /// table records for `spec` and through the same executor. Returns the status and body of a success; an error
    /// status is mapped to [`Error`].
    pub(crate) async fn send_raw(
        &self,
        spec: &'static OperationSpec,
        operation: OperationContext,
        build: impl FnOnce(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    ) -> crate::Result<(StatusCode, Bytes)> {
        self.credentials().check(spec)?;
        let mut request = build(self.http(), self.base_url())
            .header(
                HeaderName::from_static("api-version"),
                HeaderValue::from_static(GenClient::api_version()),
            )
            .build()
            .map_err(|e| Error::from_reqwest(operation, e))?;
        self.credentials().apply(spec, request.headers_mut())?;
        let (result, report) = self
            .shared
            .executor
            .execute_reported(self.http(), request, &operation)
            .await;
        let response = match result {
            Ok(response) => response,
            Err(e) => return Err(Error::from_reqwest(operation, e).with_report(&report)),
        };
        let status = response.status();
        if !status.is_success() {
            let error = progenitor_client::Error::<()>::UnexpectedResponse(response);
            return Err(Error::from_progenitor(operation, error, Some(&report)).await);
        }
        match response.bytes().await {
            Ok(body) => Ok((status, body)),
            Err(e) => {
                let error = progenitor_client::Error::<()>::ResponseBodyError(e);
                Err(Error::from_progenitor(operation, error, Some(&report)).await)
            }
        }
    }
}

fn invalid_setting(setting: &'static str, reason: InvalidReason) -> Error {
    ConfigError::InvalidSetting { setting, reason }.into()
}

/// A credential the configuration already validated, rejected by the header layer anyway.
fn invalid_credential(error: InvalidCredential) -> Error {
    let setting = match error.what {
        "public key" => "public_key",
        "private key" => "private_key",
        "workspace id" => "workspace",
        "organization id" => "organization",
        _ => "credentials",
    };
    invalid_setting(setting, InvalidReason::NotHeaderSafe)
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never delegate to the generated client's or reqwest's Debug: only what is known to be harmless is shown.
        f.debug_struct("Client")
            .field("base_url", &self.base_url())
            .field("public_key", &REDACTED)
            .field("private_key", &REDACTED)
            .field("workspace", &self.workspace())
            .field("organization", &self.organization())
            .field("executor", &self.shared.executor)
            .finish()
    }
}
