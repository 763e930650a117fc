//! What travels with the generated `Client`: credentials and the request policy.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::{Credentials, OperationSpec};

/// The future a [`RequestExecutor`] returns.
pub type ExecuteFuture<'a> =
    Pin<Box<dyn Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a>>;

/// The hook through which every request of the generated client is sent: retries, timeouts
/// and tracing live behind it (the `mirai-voice` crate supplies one). Credentials are already
/// on the request when it gets here.
pub trait RequestExecutor: Send + Sync + fmt::Debug {
    /// Sends `request` (possibly several times) and returns the final response.
    fn execute<'a>(
        &'a self,
        http: &'a reqwest::Client,
        request: reqwest::Request,
        operation: &'static OperationSpec,
    ) -> ExecuteFuture<'a>;
}

/// Sends each request once, as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct SendOnce;

impl RequestExecutor for SendOnce {
    fn execute<'a>(
        &'a self,
        http: &'a reqwest::Client,
        request: reqwest::Request,
        _operation: &'static OperationSpec,
    ) -> ExecuteFuture<'a> {
        Box::pin(http.execute(request))
    }
}

/// The generated client's inner value: credentials and the executor.
#[derive(Clone, Debug)]
pub struct ClientContext {
    /// Keys and tenant ids attached per operation.
    pub credentials: Credentials,
    /// How requests are sent.
    pub executor: Arc<dyn RequestExecutor>,
    /// The client's base URL, parsed when the first request is built (see `base_url`).
    pub(crate) base_url: crate::base_url::BaseUrlCache,
}

impl ClientContext {
    /// Credentials with the given executor.
    pub fn new(credentials: Credentials, executor: Arc<dyn RequestExecutor>) -> Self {
        Self {
            credentials,
            executor,
            base_url: Default::default(),
        }
    }

    /// Credentials, each request sent once.
    pub fn with_credentials(credentials: Credentials) -> Self {
        Self::new(credentials, Arc::new(SendOnce))
    }
}
