//! What travels with the generated `Client`: credentials and the request policy.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::{Credentials, OperationSpec};

/// The future a [`RequestExecutor`] returns.
pub type ExecuteFuture<'a> =
    Pin<Box<dyn Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a>>;

/// Builds an operation's request again, for another attempt: the same method, URL and headers
/// (credentials included) as the request first sent, without its body. `None` if it cannot be
/// built again.
///
/// The generated `send` methods hand one to [`RequestExecutor::execute_rebuildable`], so an
/// executor that may send a request twice need not copy every request before its first attempt
/// (`reqwest` consumes the request it sends), for a second attempt that seldom comes.
pub type Rebuild<'a> = dyn Fn() -> Option<reqwest::Request> + Sync + 'a;

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

    /// [`execute`](Self::execute), with a way to build the request again for another attempt.
    ///
    /// `rebuild` gives the request without its body; another attempt sends the body of
    /// `request`. The generated `send` methods call this one; by default it sends as
    /// [`execute`](Self::execute) does.
    fn execute_rebuildable<'a>(
        &'a self,
        http: &'a reqwest::Client,
        request: reqwest::Request,
        operation: &'static OperationSpec,
        rebuild: &'a Rebuild<'a>,
    ) -> ExecuteFuture<'a> {
        let _ = rebuild;
        self.execute(http, request, operation)
    }
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::prelude::*;
    use crate::types;

    /// What a request holds, headers in order with whether each is marked sensitive.
    #[derive(Debug, Clone, PartialEq)]
    struct Snapshot {
        method: reqwest::Method,
        url: String,
        headers: Vec<(String, Vec<u8>, bool)>,
        body: Option<Vec<u8>>,
    }

    impl Snapshot {
        fn of(request: &reqwest::Request) -> Self {
            Self {
                method: request.method().clone(),
                url: request.url().to_string(),
                headers: request
                    .headers()
                    .iter()
                    .map(|(name, value)| {
                        (
                            name.to_string(),
                            value.as_bytes().to_vec(),
                            value.is_sensitive(),
                        )
                    })
                    .collect(),
                body: request
                    .body()
                    .map(|body| body.as_bytes().expect("an in-memory body").to_vec()),
            }
        }
    }

    /// Records each request and what its `rebuild` gives, and answers 503 without sending anything.
    #[derive(Debug, Default)]
    struct Recording {
        rebuilt: Mutex<Vec<(Snapshot, Option<Snapshot>)>>,
        without_rebuild: Mutex<Vec<String>>,
    }

    fn unavailable() -> ExecuteFuture<'static> {
        let response = http::Response::builder()
            .status(503)
            .body(Vec::new())
            .expect("a valid response");
        Box::pin(std::future::ready(Ok(reqwest::Response::from(response))))
    }

    impl RequestExecutor for Recording {
        fn execute<'a>(
            &'a self,
            _http: &'a reqwest::Client,
            _request: reqwest::Request,
            operation: &'static OperationSpec,
        ) -> ExecuteFuture<'a> {
            self.without_rebuild
                .lock()
                .unwrap()
                .push(operation.operation_id.to_owned());
            unavailable()
        }

        fn execute_rebuildable<'a>(
            &'a self,
            _http: &'a reqwest::Client,
            request: reqwest::Request,
            _operation: &'static OperationSpec,
            rebuild: &'a Rebuild<'a>,
        ) -> ExecuteFuture<'a> {
            let again = rebuild().map(|request| Snapshot::of(&request));
            self.rebuilt
                .lock()
                .unwrap()
                .push((Snapshot::of(&request), again));
            unavailable()
        }
    }

    /// The request a `send` builds again is the one it sent (method, URL with path and query parameters, every
    /// header in the same order, the credentials marked sensitive), without the body, for a `send` without a
    /// body, with query parameters, with a path parameter and with a JSON body.
    #[tokio::test]
    async fn a_request_built_again_is_the_first_without_its_body() {
        let recording = Arc::new(Recording::default());
        let credentials = Credentials::new("pk_live", "sk_live")
            .and_then(|c| c.with_workspace("65f1c0ffee0123456789abcd"))
            .and_then(|c| c.with_organization("65f1c0ffee0123456789abce"))
            .expect("valid credentials");
        let client = crate::Client::new(
            "http://127.0.0.1:9/api",
            ClientContext::new(credentials, recording.clone()),
        );
        let _ = client.get_health_monitor().send().await;
        let _ = client
            .admin_get_assistant()
            .assistant_id("a b/c?d")
            .send()
            .await;
        let _ = client
            .search_available_numbers()
            .country_code("US")
            .pattern("555")
            .send()
            .await;
        let _ = client
            .initiate_call()
            .body(types::InitiateCallRequest::new(
                "+15550100",
                "6650f0c2a1b2c3d4e5f60718",
            ))
            .send()
            .await;

        assert_eq!(
            *recording.without_rebuild.lock().unwrap(),
            Vec::<String>::new()
        );
        let rebuilt = recording.rebuilt.lock().unwrap();
        let urls: Vec<&str> = rebuilt
            .iter()
            .map(|(first, _)| first.url.as_str())
            .collect();
        assert_eq!(
            urls,
            [
                "http://127.0.0.1:9/api/health",
                "http://127.0.0.1:9/api/v1/admin/assistant/get/a%20b%2Fc%3Fd",
                "http://127.0.0.1:9/api/v1/number-pool/search?countryCode=US&pattern=555",
                "http://127.0.0.1:9/api/v2/call/initiate",
            ]
        );
        for (first, again) in rebuilt.iter() {
            let again = again.as_ref().expect("the request is built again");
            assert_eq!(again.body, None, "{}", first.url);
            let without_body = Snapshot {
                body: None,
                ..first.clone()
            };
            assert_eq!(*again, without_body);
            assert!(
                first
                    .headers
                    .iter()
                    .any(|(name, _, sensitive)| name == "x-private-key" && *sensitive),
                "{first:?}"
            );
        }
        let (initiate, _) = &rebuilt[3];
        let body: serde_json::Value =
            serde_json::from_slice(initiate.body.as_deref().expect("a body")).expect("JSON");
        assert_eq!(body["phoneNumber"], "+15550100");
        assert!(
            initiate
                .headers
                .iter()
                .any(|(name, value, _)| name == "content-type" && value == b"application/json")
        );
    }
}
