//! The SDK's part of one generated call, as one hand-written future.
//!
//! Every method of this crate sends a generated operation the same way: run the generated `send` with a fresh
//! report slot current, take the report, and turn the result into this crate's types. Written as nested
//! `async fn`s, that was four state machines per request (the method, `run`, `attempt` and a boxed block around
//! the generated future): four poll functions run from cold caches on every request, and the request's state
//! copied from each into the next as it started.
//! [`Call`] is one small poll function over one boxed future, and what happens to the answer is a
//! [`Finisher`], a plain function of it; only a failure, whose mapping may read the error body, gets a second
//! (boxed) future.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use mirai_voice_generated::{Credentials, OperationSpec, ResponseValue};
use reqwest::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Client, GenError};
use crate::error::{Error, ValidationError};
use crate::executor::{AttemptReport, ReportSlot, boxed_in_place};
use crate::operation::OperationContext;

/// What a generated `send` returns.
pub(crate) type GenResult<G> = Result<ResponseValue<G>, GenError>;

/// Everything known when the generated call has finished.
pub(crate) struct Answer<G> {
    /// The operation's table entry.
    pub(crate) spec: &'static OperationSpec,
    /// What the generated `send` returned.
    pub(crate) result: GenResult<G>,
    /// What the executor recorded about the attempts.
    pub(crate) report: AttemptReport,
}

/// Where a [`Finisher`] leaves a failure whose error is known only after reading more of the response (an error
/// body): the future giving that error.
pub(crate) type Mapping = Option<BoxFuture<'static, Error>>;

/// Turns a generated call's [`Answer`] into the result a method of this crate returns.
pub(crate) trait Finisher<G>: Unpin {
    /// The value of a success.
    type Output;

    /// The result of the call that ended with `answer`, or `Pending` with the failure's mapping left in
    /// `mapping` ([`map_failure`]). It is the call's own `Poll`, so the result (a decoded body can be a kilobyte)
    /// is built where the call returns it instead of being copied there from a result of another type.
    fn finish(self, answer: Answer<G>, mapping: &mut Mapping) -> Poll<crate::Result<Self::Output>>;
}

/// A [`Then`] step that keeps the generated value as it is ([`Client::run`]).
pub(crate) type AsGenerated<G> = Then<fn(ResponseValue<G>) -> crate::Result<ResponseValue<G>>>;

/// The generated value turned into a method's result by `M`; a failure mapped to [`Error`] ([`Client::run_then`],
/// and [`Client::run`] with [`AsGenerated`]).
///
/// A method whose result is a function of the generated value finishes inside the call: its value is built where
/// the call returns it, not returned through one more `async` layer (a decoded body can be a kilobyte, and each
/// layer copies it).
pub(crate) struct Then<M>(pub(crate) M);

impl<G, T, M> Finisher<G> for Then<M>
where
    M: FnOnce(ResponseValue<G>) -> crate::Result<T> + Unpin,
{
    type Output = T;

    fn finish(self, answer: Answer<G>, mapping: &mut Mapping) -> Poll<crate::Result<T>> {
        match answer.result {
            Ok(value) => Poll::Ready((self.0)(value)),
            Err(error) => map_failure(answer.spec, error, answer.report, mapping),
        }
    }
}

/// The success status and the body as `T`, a tolerant view of the generated type `G`
/// ([`Client::run_tolerant_with`]).
///
/// `convert` moves the generated value's fields over and hands the value back (`Err`) only when it cannot tell,
/// e.g. a field `T` requires is absent; the value's JSON is then read as `T`, which decides and reports exactly as it
/// would alone. When the generated type rejects the body (e.g. an enum value added to the API later), the body is
/// read as `T` instead of failing.
pub(crate) struct Tolerant<G, T> {
    pub(crate) convert: fn(G) -> Result<T, G>,
}

impl<G, T> Finisher<G> for Tolerant<G, T>
where
    G: Serialize,
    T: DeserializeOwned,
{
    type Output = (StatusCode, T);

    fn finish(
        self,
        answer: Answer<G>,
        mapping: &mut Mapping,
    ) -> Poll<crate::Result<(StatusCode, T)>> {
        let Answer {
            spec,
            result,
            report,
        } = answer;
        match result {
            Ok(value) => {
                let status = value.status();
                let value = match (self.convert)(value.into_inner()) {
                    Ok(tolerant) => return Poll::Ready(Ok((status, tolerant))),
                    Err(value) => value,
                };
                // Re-reading what the generated type decoded: it only fails if `T` requires a field `G` lacks.
                let json = serde_json::to_vec(&value).unwrap_or_default();
                Poll::Ready(
                    serde_json::from_slice(&json)
                        .map(|tolerant| (status, tolerant))
                        .map_err(|e| {
                            // A side-effecting operation was accepted: that is an unknown result, not a failure.
                            Error::from_undecodable_success(
                                OperationContext::from(spec),
                                Some(status),
                                &json,
                                false,
                                e.to_string(),
                            )
                        }),
                )
            }
            Err(progenitor_client::Error::InvalidResponsePayload(body, error)) => {
                match (serde_json::from_slice(&body), report.last_status()) {
                    (Ok(tolerant), Some(status)) => Poll::Ready(Ok((status, tolerant))),
                    _ => map_failure(
                        spec,
                        GenError::InvalidResponsePayload(body, error),
                        report,
                        mapping,
                    ),
                }
            }
            Err(error) => map_failure(spec, error, report, mapping),
        }
    }
}

/// `error` as this crate's [`Error`], with what the attempts showed, left in `mapping`. Mapping may read the error
/// body, so it is a future of its own, built only on failure.
#[cold]
#[inline(never)]
fn map_failure<T>(
    spec: &'static OperationSpec,
    error: GenError,
    report: AttemptReport,
    mapping: &mut Mapping,
) -> Poll<crate::Result<T>> {
    *mapping = Some(Box::pin(async move {
        Error::from_progenitor(OperationContext::from(spec), error, Some(&report)).await
    }));
    Poll::Pending
}

/// One generated call through this crate's pipeline; see the [module](self) for why it is written by hand.
///
/// Built by [`Client::run`], [`Client::run_then`] and [`Client::run_tolerant_with`]. It holds the generated future,
/// boxed once (it is large, and moving it into each caller's state would copy it again), or the error of a check of
/// the method's arguments ([`rejecting`](Self::rejecting)).
///
/// The client's credentials are not checked here: the generated client attaches them before sending and refuses
/// the request, unsent, when one is missing, so a check on every call would do that work twice. Only then is the
/// check run, for its typed error ([`ValidationError::MissingWorkspace`], ...).
#[must_use = "a call does nothing unless awaited"]
pub(crate) struct Call<'c, F, D> {
    state: State<'c, F, D>,
}

enum State<'c, F, D> {
    /// The generated call is running with its own report slot current.
    Sending {
        spec: &'static OperationSpec,
        /// The credentials the generated client attaches, checked only if it refused to send.
        credentials: &'c Credentials,
        future: Pin<Box<F>>,
        finisher: D,
        /// The call's report slot, current while `future` is polled ([`ReportSlot`]).
        report: AttemptReport,
    },
    /// The generated call failed; its error is being mapped.
    Mapping(BoxFuture<'static, Error>),
    /// Failed before anything was sent.
    Rejected(Error),
    /// The result has been returned.
    Done,
}

impl<'c, F, G, D> Call<'c, F, D>
where
    F: Future<Output = GenResult<G>>,
    D: Finisher<G>,
{
    /// The call of `operation` that the future `make` returns (a generated `send` on `client`'s generated client)
    /// makes, finished by `finisher`.
    pub(crate) fn new(
        client: &'c Client,
        operation: &'static OperationSpec,
        make: impl FnOnce() -> F,
        finisher: D,
    ) -> Self {
        Self {
            // The report starts empty, so a request that never reached the executor cannot show an older one.
            state: State::Sending {
                spec: operation,
                credentials: client.credentials(),
                future: boxed_in_place(make),
                finisher,
                report: AttemptReport::default(),
            },
        }
    }
}

impl<F, D> Call<'_, F, D> {
    /// This call, or one failing with `check`'s error before anything is sent: for a method whose own checks of
    /// its arguments come first. Keeps the method's future one type, and as small, whichever way the check goes.
    pub(crate) fn rejecting(self, check: crate::Result<()>) -> Self {
        match check {
            Ok(()) => self,
            Err(error) => Self {
                state: State::Rejected(error),
            },
        }
    }
}

impl<F, G, D> Future for Call<'_, F, D>
where
    F: Future<Output = GenResult<G>>,
    D: Finisher<G>,
{
    type Output = crate::Result<D::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let state = &mut self.get_mut().state;
        loop {
            match state {
                State::Sending { future, report, .. } => {
                    let slot = ReportSlot::enter();
                    // Bound straight from the poll, so the answer is not copied into a second place.
                    let Poll::Ready(result) = future.as_mut().poll(cx) else {
                        if let Some(left) = slot.leave() {
                            *report = left;
                        }
                        return Poll::Pending;
                    };
                    if let Some(left) = slot.leave() {
                        *report = left;
                    }
                    // Taken out only once the generated call is done; the box is freed here.
                    if let State::Sending {
                        spec,
                        credentials,
                        finisher,
                        report,
                        ..
                    } = std::mem::replace(state, State::Done)
                    {
                        // The caller's own scope, if any, sees this call's report.
                        ReportSlot::store_current(&report);
                        if let Err(GenError::InvalidRequest(_)) = &result
                            && let Some(missing) = missing_credential(credentials, spec)
                        {
                            return Poll::Ready(Err(missing));
                        }
                        let mut mapping = None;
                        let finished = finisher.finish(
                            Answer {
                                spec,
                                result,
                                report,
                            },
                            &mut mapping,
                        );
                        match mapping {
                            Some(mapping) => *state = State::Mapping(mapping),
                            // A finisher returns `Pending` only with a mapping; without one the call would never
                            // be woken again.
                            None if finished.is_pending() => {
                                return Poll::Ready(Err(neither_ready_nor_mapped(spec)));
                            }
                            None => return finished,
                        }
                    }
                }
                State::Mapping(mapping) => {
                    let Poll::Ready(error) = mapping.as_mut().poll(cx) else {
                        return Poll::Pending;
                    };
                    *state = State::Done;
                    return Poll::Ready(Err(error));
                }
                State::Rejected(_) => {
                    if let State::Rejected(error) = std::mem::replace(state, State::Done) {
                        return Poll::Ready(Err(error));
                    }
                }
                State::Done => return Poll::Ready(Err(polled_after_done())),
            }
        }
    }
}

// The rare ends of a call, out of line: each request runs `Call::poll`, and code it does not run still spreads what
// it does run over more cache lines.

/// The typed error for a call the generated client refused to send because a credential is missing.
#[cold]
#[inline(never)]
fn missing_credential(credentials: &Credentials, spec: &'static OperationSpec) -> Option<Error> {
    credentials.check(spec).err().map(Error::from)
}

#[cold]
#[inline(never)]
fn neither_ready_nor_mapped(spec: &'static OperationSpec) -> Error {
    ValidationError::InvalidRequest {
        operation_id: Some(spec.operation_id),
        message: "the call's result was neither ready nor being mapped".into(),
    }
    .into()
}

#[cold]
#[inline(never)]
fn polled_after_done() -> Error {
    ValidationError::InvalidRequest {
        operation_id: None,
        message: "the call was polled again after it returned its result".into(),
    }
    .into()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use mirai_voice_generated::prelude::{ClientSettingExt as _, ClientToolsExt as _};
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::error::ErrorKind;
    use crate::executor::AttemptLog;
    use crate::test_support::{PRIVATE_KEY, PUBLIC_KEY};
    use mirai_voice_generated::operations;

    fn client(base_url: &str, workspace: Option<&str>) -> Client {
        let mut builder = Client::builder()
            .public_key(PUBLIC_KEY)
            .private_key(PRIVATE_KEY)
            .base_url(base_url);
        if let Some(workspace) = workspace {
            builder = builder.workspace(workspace);
        }
        builder.build().expect("a valid configuration")
    }

    #[tokio::test]
    async fn a_call_without_its_credentials_sends_nothing_and_names_what_is_missing() {
        let server = MockServer::start().await;
        let without_workspace = client(&server.uri(), None);
        let result = without_workspace
            .run(operations::LIST_API_TOOLS, |c| c.list_api_tools().send())
            .await;
        let Err(Error::Validation(error)) = result else {
            panic!("a missing workspace is a validation error, got {result:?}");
        };
        assert!(
            matches!(
                error,
                ValidationError::MissingWorkspace {
                    operation_id: "listApiTools"
                }
            ),
            "{error:?}"
        );
        assert!(server.received_requests().await.unwrap().is_empty());
        // A refusal for another reason is not mistaken for a missing credential.
        let with_workspace = client(&server.uri(), Some("65f1c0ffee0123456789abcd"));
        let result = with_workspace
            .run(operations::LIST_API_TOOLS, |_| async {
                Err::<ResponseValue<()>, _>(GenError::InvalidRequest("bad argument".into()))
            })
            .await;
        let Err(error) = result else {
            panic!("expected an error, got {result:?}");
        };
        assert!(error.to_string().contains("bad argument"), "{error}");
    }

    /// A hand-written `Operation` naming an id the table does not have (the generated ones name their entry).
    struct Unknown<'a>(&'a mirai_voice_generated::Client);

    impl mirai_voice_generated::Operation for Unknown<'_> {
        const OPERATION_ID: &'static str = "noSuchOperation";
        type Response = ();

        fn client(&self) -> &mirai_voice_generated::Client {
            self.0
        }

        async fn send(self) -> GenResult<()> {
            panic!("an operation outside the table must not be sent")
        }
    }

    #[tokio::test]
    async fn an_operation_outside_the_table_is_an_error_not_a_panic() {
        let client = client("http://127.0.0.1:9", Some("65f1c0ffee0123456789abcd"));
        let result = client.send(Unknown(client.raw())).await;
        let Err(Error::Validation(error)) = result else {
            panic!("expected a validation error, got {result:?}");
        };
        assert!(error.to_string().contains("noSuchOperation"), "{error}");
        // The generated impls name their own entry, without a lookup by name.
        assert_eq!(
            <mirai_voice_generated::builder::ListApiTools<'_> as mirai_voice_generated::Operation>::spec(),
            Some(operations::LIST_API_TOOLS)
        );
    }

    #[tokio::test]
    async fn the_report_reaches_the_callers_scope_and_a_second_poll_is_an_error() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/health"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("x-request-id", "req-7")
                    .set_body_string(r#"{"message":"ok","data":{"underMaintenance":false}}"#),
            )
            .mount(&server)
            .await;
        let client = client(&server.uri(), None);
        let log = AttemptLog::new();
        let mut call = client.run(operations::GET_HEALTH_MONITOR, |c| {
            c.get_health_monitor().send()
        });
        let response = log.scope(&mut call).await.expect("a success");
        assert_eq!(response.status(), StatusCode::OK);
        let report = log.report();
        assert_eq!(report.operation_id(), Some("getHealthMonitor"));
        assert_eq!(report.attempt_count(), 1);
        assert_eq!(report.last_request_id(), Some("req-7"));

        let again = (&mut call).await;
        let Err(Error::Validation(error)) = again else {
            panic!("a second poll is an error, got {again:?}");
        };
        assert!(error.to_string().contains("polled again"), "{error}");
        assert_eq!(server.received_requests().await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_failure_is_mapped_with_its_body_and_the_then_step_is_skipped() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/health"))
            .respond_with(
                ResponseTemplate::new(404)
                    .insert_header("content-type", "application/json")
                    .set_body_string(r#"{"code":404,"message":"no such route"}"#),
            )
            .mount(&server)
            .await;
        let client = client(&server.uri(), None);
        let then_ran = Arc::new(AtomicBool::new(false));
        let seen = then_ran.clone();
        let result = client
            .run_then(
                operations::GET_HEALTH_MONITOR,
                |raw| raw.get_health_monitor().send(),
                move |response| {
                    seen.store(true, Ordering::SeqCst);
                    Ok(response.into_inner())
                },
            )
            .await;
        let Err(Error::Api(error)) = result else {
            panic!("expected an API error, got {result:?}");
        };
        assert_eq!(error.kind(), ErrorKind::NotFound);
        assert_eq!(error.message(), Some("no such route"));
        assert!(!then_ran.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn a_failed_argument_check_rejects_the_call_before_anything_is_sent() {
        let server = MockServer::start().await;
        let client = client(&server.uri(), Some("65f1c0ffee0123456789abcd"));
        let result = client.assistants().get("  ").await;
        let Err(Error::Validation(error)) = result else {
            panic!("an empty id is a validation error, got {result:?}");
        };
        assert!(error.to_string().contains("assistant_id"), "{error}");
        assert!(server.received_requests().await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_tolerant_call_reads_a_body_the_generated_type_rejects() {
        #[derive(Debug, serde::Deserialize)]
        struct Tolerant {
            data: Option<serde_json::Value>,
        }
        let server = MockServer::start().await;
        // `underMaintenance` must be a boolean in the generated type; the tolerant view takes any value.
        Mock::given(method("GET"))
            .and(path("/health"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_string(r#"{"data":{"underMaintenance":"soon"}}"#),
            )
            .mount(&server)
            .await;
        let client = client(&server.uri(), None);
        let (status, body): (StatusCode, Tolerant) = client
            .run_tolerant_status(operations::GET_HEALTH_MONITOR, |c| {
                c.get_health_monitor().send()
            })
            .await
            .expect("the tolerant view decodes the body");
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            body.data,
            Some(serde_json::json!({"underMaintenance": "soon"}))
        );
    }
}
