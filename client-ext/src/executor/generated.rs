//! Plugs the [`Executor`] into the generated client's `RequestExecutor` hook.

use std::sync::OnceLock;

use mirai_voice_generated::operations::OPERATIONS;
use mirai_voice_generated::{ExecuteFuture, OperationSpec, Rebuild, RequestExecutor};

use super::{Executor, ReportTo, boxed_in_place};
use crate::operation::OperationContext;

impl From<&OperationSpec> for OperationContext {
    fn from(spec: &OperationSpec) -> Self {
        table_context(spec).unwrap_or_else(|| {
            OperationContext::new(spec.operation_id, spec.http_method, spec.path)
        })
    }
}

/// The context of `spec` when it is an entry of the generated operation table.
///
/// Every request needs its operation's context, and building one looks the retry class up by name; the contexts
/// of the table's entries are built once and an entry is found by its address, without hashing its name. A spec
/// from anywhere else gets `None` (and is built as usual).
fn table_context(spec: &OperationSpec) -> Option<OperationContext> {
    static CONTEXTS: OnceLock<Vec<OperationContext>> = OnceLock::new();
    let table = OPERATIONS;
    let offset = (spec as *const OperationSpec as usize).checked_sub(table.as_ptr() as usize)?;
    let index = offset / size_of::<OperationSpec>();
    if !std::ptr::eq(table.get(index)?, spec) {
        return None;
    }
    let contexts = CONTEXTS.get_or_init(|| {
        table
            .iter()
            .map(|spec| OperationContext::new(spec.operation_id, spec.http_method, spec.path))
            .collect()
    });
    contexts.get(index).copied()
}

impl RequestExecutor for Executor {
    fn execute<'a>(
        &'a self,
        http: &'a reqwest::Client,
        request: reqwest::Request,
        operation: &'static OperationSpec,
    ) -> ExecuteFuture<'a> {
        // The attempt loop's future itself is boxed: a wrapping `async` block would copy the request and the
        // loop's state once more per request. It is made in its box (`boxed_in_place`), so only the request and
        // the arguments are written there, not the whole future.
        boxed_in_place(|| {
            self.send_with_retries(
                http,
                request,
                OperationContext::from(operation),
                None,
                ReportTo::CurrentLog,
            )
        })
    }

    fn execute_rebuildable<'a>(
        &'a self,
        http: &'a reqwest::Client,
        request: reqwest::Request,
        operation: &'static OperationSpec,
        rebuild: &'a Rebuild<'a>,
    ) -> ExecuteFuture<'a> {
        // No copy of the request is made for another attempt: `rebuild` builds it if the policy asks for one.
        boxed_in_place(|| {
            self.send_with_retries(
                http,
                request,
                OperationContext::from(operation),
                Some(rebuild),
                ReportTo::CurrentLog,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use mirai_voice_generated::prelude::*;
    use mirai_voice_generated::{Client, ClientContext, Credentials};
    use reqwest::StatusCode;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::error::{Error, UnknownCause};
    use crate::executor::{AttemptLog, sha256_hex};
    use crate::retry::{AmbiguousFailure, Decision, RetryConfig};
    use crate::test_support::{PRIVATE_KEY, PUBLIC_KEY};

    const WORKSPACE: &str = "65f1c0ffee0123456789abcd";

    fn client(server: &MockServer, attempt_timeout: Duration) -> Client {
        let executor = Executor::new(
            attempt_timeout,
            Duration::from_secs(30),
            RetryConfig::default().with_initial_backoff(Duration::from_millis(10)),
        )
        .with_jitter(|| 0.0);
        let credentials = Credentials::new(PUBLIC_KEY, PRIVATE_KEY)
            .unwrap()
            .with_workspace(WORKSPACE)
            .unwrap();
        Client::new_with_client(
            &server.uri(),
            reqwest::Client::new(),
            ClientContext::new(credentials, Arc::new(executor)),
        )
    }

    fn spec(id: &str) -> &'static OperationSpec {
        OperationSpec::find(id).expect("operation in the table")
    }

    #[test]
    fn a_table_entry_and_a_copy_of_it_get_the_same_context() {
        for entry in OPERATIONS {
            let copy = *entry;
            assert!(table_context(entry).is_some(), "{}", entry.operation_id);
            assert_eq!(table_context(&copy), None, "a copy is not in the table");
            assert_eq!(
                OperationContext::from(entry),
                OperationContext::from(&copy),
                "{}",
                entry.operation_id
            );
        }
    }

    #[test]
    fn operation_context_from_the_table() {
        let op = OperationContext::from(spec("releaseNumber"));
        assert_eq!(op.operation_id(), "releaseNumber");
        assert_eq!(op.method(), "DELETE");
        assert_eq!(op.path_template(), "/v1/number-pool/{telephonyNumberId}");
        assert!(op.idempotency().is_idempotent());
        assert!(
            !OperationContext::from(spec("initiateCall"))
                .idempotency()
                .is_idempotent()
        );
    }

    #[tokio::test]
    async fn generated_get_behind_a_503_succeeds_on_retry() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1/admin/tool/api"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v1/admin/tool/api"))
            .and(header("workspace", WORKSPACE))
            .respond_with(
                ResponseTemplate::new(200).set_body_string(r#"{"message":"ok","data":[]}"#),
            )
            .mount(&server)
            .await;
        let client = client(&server, Duration::from_secs(10));
        let log = AttemptLog::new();
        let response = log.scope(client.list_api_tools().send()).await;
        assert_eq!(response.map(|r| r.status()).ok(), Some(StatusCode::OK));
        assert_eq!(log.report().attempt_count(), 2);
        assert_eq!(server.received_requests().await.unwrap().len(), 2);
    }

    /// A retried request is built again by the generated `send` (no copy is kept before the first attempt); the
    /// server sees the same method, path, headers (credentials and content type included) and body twice.
    #[tokio::test]
    async fn generated_post_behind_a_503_is_built_again_and_sent_identically() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v2/call/abort"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path("/v2/call/abort"))
            .respond_with(
                ResponseTemplate::new(200).set_body_string(r#"{"message":"ok","data":{}}"#),
            )
            .mount(&server)
            .await;
        let client = client(&server, Duration::from_secs(10));
        let log = AttemptLog::new();
        let response = log
            .scope(client.abort_call().body_map(|b| b.call_id("c1")).send())
            .await;
        assert_eq!(log.report().attempt_count(), 2, "{response:?}");
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 2);
        let (first, second) = (&requests[0], &requests[1]);
        assert_eq!(first.method, second.method);
        assert_eq!(first.url, second.url);
        assert_eq!(first.body, second.body);
        assert!(!first.body.is_empty());
        assert_eq!(first.headers, second.headers);
        for name in ["x-private-key", "workspace", "content-type"] {
            assert!(second.headers.contains_key(name), "{name} missing");
        }
    }

    /// When the request cannot be built again, the attempt the policy would retry is the last: its outcome is
    /// returned and nothing more is sent.
    #[tokio::test]
    async fn a_request_that_cannot_be_built_again_ends_with_its_attempt() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(503))
            .mount(&server)
            .await;
        let executor = Executor::new(
            Duration::from_secs(10),
            Duration::from_secs(30),
            RetryConfig::default().with_initial_backoff(Duration::from_millis(10)),
        );
        let http = reqwest::Client::new();
        let request = http
            .get(format!("{}/v1/admin/tool/api", server.uri()))
            .build()
            .unwrap();
        let log = AttemptLog::new();
        let response = log
            .scope(executor.execute_rebuildable(&http, request, spec("listApiTools"), &|| None))
            .await
            .expect("a response");
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(log.report().attempt_count(), 1);
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn generated_post_that_times_out_is_sent_once() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v2/call/initiate"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(5)))
            .mount(&server)
            .await;
        let client = client(&server, Duration::from_millis(300));
        let log = AttemptLog::new();
        let result = log
            .scope(
                client
                    .initiate_call()
                    .body_map(|b| b.phone_number("+15550100").assistant(WORKSPACE))
                    .send(),
            )
            .await;
        let report = log.report();
        let Err(error) = result else {
            panic!("the call cannot have succeeded")
        };
        let mapped = Error::from_progenitor(
            OperationContext::from(spec("initiateCall")),
            error,
            Some(&report),
        )
        .await;
        let Error::OutcomeUnknown(unknown) = &mapped else {
            panic!("expected OutcomeUnknown, got {mapped:?}");
        };
        assert!(matches!(unknown.cause(), UnknownCause::TimedOut { .. }));
        let requests = server.received_requests().await.unwrap();
        assert_eq!(requests.len(), 1);
        assert_eq!(
            unknown.body_sha256(),
            Some(sha256_hex(&requests[0].body).as_str())
        );
        assert_eq!(
            report.final_decision(),
            Some(Decision::OutcomeUnknown(AmbiguousFailure::TimedOut))
        );
    }

    #[tokio::test]
    async fn generated_error_responses_are_mapped_with_status_and_code() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v2/call/abort"))
            .respond_with(
                ResponseTemplate::new(404)
                    .insert_header("content-type", "application/json")
                    .set_body_string(r#"{"code":404,"message":"Call not found"}"#),
            )
            .mount(&server)
            .await;
        let client = client(&server, Duration::from_secs(10));
        let log = AttemptLog::new();
        let result = log
            .scope(client.abort_call().body_map(|b| b.call_id("c1")).send())
            .await;
        let Err(error) = result else {
            panic!("404 expected")
        };
        let mapped = Error::from_progenitor(
            OperationContext::from(spec("abortCall")),
            error,
            Some(&log.report()),
        )
        .await;
        assert_eq!(
            mapped.to_string(),
            "abortCall: 404 Not Found: Call not found"
        );
    }
}
