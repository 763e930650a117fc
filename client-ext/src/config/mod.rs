//! Client configuration: credentials, scope, endpoint, timeouts, retries.
//!
//! Build a [`ClientConfig`] with [`ClientBuilder`], or read it from the environment with
//! [`ClientConfig::from_env`]:
//!
//! | variable | meaning |
//! |---|---|
//! | `MIRAI_PUBLIC_KEY` | organization public key, `pk_` + 32 hex (required) |
//! | `MIRAI_PRIVATE_KEY` | organization private key, `sk_` + 64 hex (required) |
//! | `MIRAI_WORKSPACE` | workspace id for workspace-scoped operations (optional) |
//! | `MIRAI_ORGANIZATION` | organization id for number-pool operations (optional) |
//! | `MIRAI_BASE_URL` | API base URL (optional; excludes `MIRAI_ENVIRONMENT`) |
//! | `MIRAI_ENVIRONMENT` | `production` (default) or `staging` (optional) |
//!
//! Keys are held as [`SecretString`] and never appear in `Debug` output or errors. A key that does not have the
//! documented shape is accepted with a `tracing` warning (the API decides whether it is valid).

#![warn(missing_docs)]

mod env;
mod error;

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};

pub use env::{
    ENV_BASE_URL, ENV_ENVIRONMENT, ENV_ORGANIZATION, ENV_PRIVATE_KEY, ENV_PUBLIC_KEY, ENV_WORKSPACE,
};
pub use error::{ConfigError, InvalidReason};

use crate::executor::{DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_TOTAL_DEADLINE, Executor};
use crate::retry::RetryConfig;
use crate::secret::{REDACTED, looks_like_private_key, looks_like_public_key};

/// Base URL of the production API.
pub const PRODUCTION_BASE_URL: &str = "https://api.voice-agents.miraiminds.co";
/// Base URL of the staging API.
pub const STAGING_BASE_URL: &str = "https://api.stage.voice-agent.miraiminds.co";
/// Default time limit for establishing a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default `User-Agent`: `mirai-voice-rust/<crate version>`.
pub const DEFAULT_USER_AGENT: &str = concat!("mirai-voice-rust/", env!("CARGO_PKG_VERSION"));

/// A deployment of the API.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Environment {
    /// The production API.
    #[default]
    Production,
    /// The staging API.
    Staging,
}

impl Environment {
    /// The environment's base URL.
    pub fn base_url(self) -> &'static str {
        match self {
            Self::Production => PRODUCTION_BASE_URL,
            Self::Staging => STAGING_BASE_URL,
        }
    }

    /// Parses `production` or `staging` (case-insensitive, surrounding spaces ignored).
    ///
    /// ```
    /// use mirai_voice::config::Environment;
    /// assert_eq!(Environment::from_name(" Staging "), Some(Environment::Staging));
    /// assert_eq!(Environment::from_name("prod"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<Self> {
        let name = name.trim();
        if name.eq_ignore_ascii_case("production") {
            Some(Self::Production)
        } else if name.eq_ignore_ascii_case("staging") {
            Some(Self::Staging)
        } else {
            None
        }
    }
}

/// Where requests go: a named environment or an explicit URL.
#[derive(Clone, Debug)]
enum Target {
    Environment(Environment),
    Url(String),
}

/// Checks that `value` can be sent as an HTTP header value: non-empty, visible ASCII, spaces and tabs only.
pub(crate) fn check_header_value(value: &str) -> Result<(), InvalidReason> {
    if value.is_empty() {
        Err(InvalidReason::Empty)
    } else if value
        .bytes()
        .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
    {
        Ok(())
    } else {
        Err(InvalidReason::NotHeaderSafe)
    }
}

/// Validates an absolute `http(s)` URL and strips trailing slashes, since request paths are appended to it.
pub(crate) fn normalize_base_url(raw: &str) -> Result<String, InvalidReason> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(InvalidReason::Empty);
    }
    let url = url::Url::parse(trimmed).map_err(|_| InvalidReason::NotHttpUrl)?;
    let usable = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.query().is_none()
        && url.fragment().is_none();
    if !usable {
        return Err(InvalidReason::NotHttpUrl);
    }
    Ok(trimmed.trim_end_matches('/').to_owned())
}

/// A validated client configuration.
///
/// ```
/// use mirai_voice::config::{ClientConfig, Environment};
///
/// let config = ClientConfig::builder()
///     .public_key("pk_0123456789abcdef0123456789abcdef")
///     .private_key("sk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
///     .workspace("65f1c0ffee0123456789abcd")
///     .environment(Environment::Staging)
///     .build_config()?;
/// assert_eq!(config.base_url(), "https://api.stage.voice-agent.miraiminds.co");
/// assert!(!format!("{config:?}").contains("sk_0123"));
/// # Ok::<(), mirai_voice::config::ConfigError>(())
/// ```
#[derive(Clone)]
pub struct ClientConfig {
    public_key: SecretString,
    private_key: SecretString,
    workspace: Option<String>,
    organization: Option<String>,
    base_url: String,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    total_deadline: Duration,
    retry: RetryConfig,
    user_agent: String,
    http_client: Option<reqwest::Client>,
}

impl ClientConfig {
    /// A new [`ClientBuilder`].
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// Reads the configuration from the process environment (see the [module docs](self)).
    pub fn from_env() -> Result<Self, ConfigError> {
        ClientBuilder::from_env()?.build_config()
    }

    /// Reads the configuration through `lookup` instead of the process environment, e.g. from a map in tests.
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use mirai_voice::config::{ClientConfig, ConfigError};
    ///
    /// let vars = HashMap::from([("MIRAI_PUBLIC_KEY", "pk_0123456789abcdef0123456789abcdef")]);
    /// let err = ClientConfig::from_env_source(|name| vars.get(name).map(|v| v.to_string())).unwrap_err();
    /// assert_eq!(err, ConfigError::MissingVariable { name: "MIRAI_PRIVATE_KEY" });
    /// ```
    pub fn from_env_source(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        ClientBuilder::from_env_source(lookup)?.build_config()
    }

    /// The public key (`x-public-key`).
    pub fn public_key(&self) -> &SecretString {
        &self.public_key
    }

    /// The private key (`x-private-key`).
    pub fn private_key(&self) -> &SecretString {
        &self.private_key
    }

    /// The workspace id sent as the `workspace` header, if configured.
    pub fn workspace(&self) -> Option<&str> {
        self.workspace.as_deref()
    }

    /// The organization id sent as the `organization` header, if configured.
    pub fn organization(&self) -> Option<&str> {
        self.organization.as_deref()
    }

    /// The API base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The time limit for establishing a connection.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// The time limit of one attempt.
    pub fn attempt_timeout(&self) -> Duration {
        self.attempt_timeout
    }

    /// The time limit of a whole operation, all attempts and waits included.
    pub fn total_deadline(&self) -> Duration {
        self.total_deadline
    }

    /// The retry settings.
    pub fn retry(&self) -> &RetryConfig {
        &self.retry
    }

    /// The `User-Agent` header value.
    pub fn user_agent(&self) -> &str {
        &self.user_agent
    }

    /// The caller-supplied HTTP client, if one was given.
    pub fn custom_http_client(&self) -> Option<&reqwest::Client> {
        self.http_client.as_ref()
    }

    /// The HTTP client to use: the caller-supplied one, or a new one with the connect timeout, the attempt timeout
    /// (as the limit of each request it sends) and the user agent.
    ///
    /// A caller-supplied client keeps its own settings; its timeouts and user agent are not changed.
    pub fn http_client(&self) -> Result<reqwest::Client, ConfigError> {
        if let Some(client) = &self.http_client {
            return Ok(client.clone());
        }
        reqwest::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.attempt_timeout)
            .user_agent(self.user_agent.as_str())
            .build()
            .map_err(|e| ConfigError::HttpClient {
                detail: crate::secret::redact_key_material(&crate::error::error_chain(&e))
                    .into_owned(),
            })
    }

    /// The [`Executor`] implementing this configuration's timeouts and retries.
    pub fn executor(&self) -> Executor {
        Executor::from_config(self)
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("public_key", &REDACTED)
            .field("private_key", &REDACTED)
            .field("workspace", &self.workspace)
            .field("organization", &self.organization)
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_deadline", &self.total_deadline)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            // reqwest's own Debug prints default headers, which may hold keys: never delegate to it.
            .field(
                "http_client",
                &if self.http_client.is_some() {
                    "custom"
                } else {
                    "default"
                },
            )
            .finish()
    }
}

/// Builds a [`ClientConfig`].
///
/// Only the two keys are required. Defaults: production, connect timeout 10 s, attempt timeout 30 s, total
/// deadline 120 s, [`RetryConfig::default`], user agent [`DEFAULT_USER_AGENT`].
#[derive(Clone)]
pub struct ClientBuilder {
    public_key: Option<SecretString>,
    private_key: Option<SecretString>,
    workspace: Option<String>,
    organization: Option<String>,
    target: Target,
    connect_timeout: Duration,
    attempt_timeout: Duration,
    total_deadline: Duration,
    retry: RetryConfig,
    user_agent: String,
    http_client: Option<reqwest::Client>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientBuilder {
    /// A builder with the defaults and no keys.
    pub fn new() -> Self {
        Self {
            public_key: None,
            private_key: None,
            workspace: None,
            organization: None,
            target: Target::Environment(Environment::Production),
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            attempt_timeout: DEFAULT_ATTEMPT_TIMEOUT,
            total_deadline: DEFAULT_TOTAL_DEADLINE,
            retry: RetryConfig::default(),
            user_agent: DEFAULT_USER_AGENT.to_owned(),
            http_client: None,
        }
    }

    /// A builder pre-filled from the process environment (see the [module docs](self)); further settings can be
    /// changed before [`build_config`](Self::build_config).
    pub fn from_env() -> Result<Self, ConfigError> {
        env::builder_from(env::process_env)
    }

    /// Like [`from_env`](Self::from_env), reading variables through `lookup`.
    pub fn from_env_source(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        env::builder_from(|name| lookup(name).map_or(env::Lookup::Unset, env::Lookup::Value))
    }

    /// Sets the organization public key (`pk_` + 32 hex).
    pub fn public_key(mut self, key: impl Into<String>) -> Self {
        self.public_key = Some(SecretString::from(key.into()));
        self
    }

    /// Sets the organization private key (`sk_` + 64 hex).
    pub fn private_key(mut self, key: impl Into<String>) -> Self {
        self.private_key = Some(SecretString::from(key.into()));
        self
    }

    /// Sets the workspace id for workspace-scoped operations.
    pub fn workspace(mut self, workspace: impl Into<String>) -> Self {
        self.workspace = Some(workspace.into());
        self
    }

    /// Sets the organization id for number-pool operations.
    pub fn organization(mut self, organization: impl Into<String>) -> Self {
        self.organization = Some(organization.into());
        self
    }

    /// Sends requests to `url` (e.g. a mock server). Replaces any [`environment`](Self::environment).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.target = Target::Url(url.into());
        self
    }

    /// Sends requests to a named environment. Replaces any [`base_url`](Self::base_url).
    pub fn environment(mut self, environment: Environment) -> Self {
        self.target = Target::Environment(environment);
        self
    }

    /// Sets the time limit for establishing a connection (ignored with a caller-supplied HTTP client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the time limit of one attempt.
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = timeout;
        self
    }

    /// Sets the time limit of a whole operation, all attempts and waits included.
    pub fn total_deadline(mut self, deadline: Duration) -> Self {
        self.total_deadline = deadline;
        self
    }

    /// Sets the retry settings.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Sets the maximum number of retries, keeping the other retry settings.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.retry = self.retry.with_max_retries(max_retries);
        self
    }

    /// Sets the `User-Agent` header value.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Uses `client` for all requests (sharing its connection pool, proxy and TLS settings).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Validates the settings and returns a [`Client`](crate::Client).
    ///
    /// ```
    /// use mirai_voice::{ClientBuilder, Environment};
    ///
    /// let client = ClientBuilder::new()
    ///     .public_key("pk_0123456789abcdef0123456789abcdef")
    ///     .private_key("sk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
    ///     .environment(Environment::Staging)
    ///     .build()?;
    /// assert_eq!(client.base_url(), "https://api.stage.voice-agent.miraiminds.co");
    /// # Ok::<(), mirai_voice::Error>(())
    /// ```
    pub fn build(self) -> crate::Result<crate::Client> {
        crate::Client::new(self.build_config()?)
    }

    /// Validates the settings and returns the configuration.
    pub fn build_config(self) -> Result<ClientConfig, ConfigError> {
        let invalid = |setting| move |reason| ConfigError::InvalidSetting { setting, reason };
        let public_key = self.public_key.ok_or(ConfigError::MissingSetting {
            setting: "public_key",
        })?;
        let private_key = self.private_key.ok_or(ConfigError::MissingSetting {
            setting: "private_key",
        })?;
        check_header_value(public_key.expose_secret()).map_err(invalid("public_key"))?;
        check_header_value(private_key.expose_secret()).map_err(invalid("private_key"))?;
        if let Some(workspace) = &self.workspace {
            check_header_value(workspace).map_err(invalid("workspace"))?;
        }
        if let Some(organization) = &self.organization {
            check_header_value(organization).map_err(invalid("organization"))?;
        }
        check_header_value(&self.user_agent).map_err(invalid("user_agent"))?;
        let base_url = match &self.target {
            Target::Environment(environment) => environment.base_url().to_owned(),
            Target::Url(url) => normalize_base_url(url).map_err(invalid("base_url"))?,
        };
        for (setting, duration) in [
            ("connect_timeout", self.connect_timeout),
            ("attempt_timeout", self.attempt_timeout),
            ("total_deadline", self.total_deadline),
        ] {
            if duration.is_zero() {
                return Err(ConfigError::InvalidSetting {
                    setting,
                    reason: InvalidReason::ZeroDuration,
                });
            }
        }
        warn_on_unusual_keys(public_key.expose_secret(), private_key.expose_secret());
        Ok(ClientConfig {
            public_key,
            private_key,
            workspace: self.workspace,
            organization: self.organization,
            base_url,
            connect_timeout: self.connect_timeout,
            attempt_timeout: self.attempt_timeout,
            total_deadline: self.total_deadline,
            retry: self.retry,
            user_agent: self.user_agent,
            http_client: self.http_client,
        })
    }
}

/// Warns (without printing the keys) when they do not have the documented shape.
fn warn_on_unusual_keys(public_key: &str, private_key: &str) {
    if !looks_like_public_key(public_key) {
        tracing::warn!(
            "the public key does not look like `pk_` followed by 32 hex characters; the API may reject it with 401"
        );
    }
    if !looks_like_private_key(private_key) {
        tracing::warn!(
            "the private key does not look like `sk_` followed by 64 hex characters; the API may reject it with 401"
        );
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = |k: &Option<SecretString>| if k.is_some() { REDACTED } else { "unset" };
        f.debug_struct("ClientBuilder")
            .field("public_key", &key(&self.public_key))
            .field("private_key", &key(&self.private_key))
            .field("workspace", &self.workspace)
            .field("organization", &self.organization)
            .field("target", &self.target)
            .field("connect_timeout", &self.connect_timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("total_deadline", &self.total_deadline)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .field(
                "http_client",
                &if self.http_client.is_some() {
                    "custom"
                } else {
                    "default"
                },
            )
            .finish()
    }
}

#[cfg(test)]
mod tests;
