//! [`Operation`]: what every generated operation builder has in common, so one generic function can send any of
//! them.
//!
//! progenitor gives each operation its own builder type (`builder::ListApiTools`, `builder::InitiateCall`, ...)
//! with an inherent `send`, and nothing ties them together. `cargo xtask codegen` (rule `operation-trait`)
//! implements [`Operation`] for every one of them, from the same run that generates them: an operation added to
//! the spec gets the impl with no hand edit. The `mirai-voice` crate's `Client::send` takes any `Operation` and
//! runs it through its whole pipeline (credentials check, retries by the operation's class, attempt report,
//! typed errors).

use std::future::Future;

use crate::{ByteStream, Client, Error, OperationSpec, ResponseValue};

/// A generated operation builder with its arguments set, ready to send.
///
/// Implemented by `cargo xtask codegen` for every builder in [`builder`](crate::builder); not meant to be
/// implemented by hand (the constant must name an operation of [`operations::OPERATIONS`](crate::operations)).
///
/// ```
/// use mirai_voice_generated::{Client, ClientContext, Credentials, Operation, OperationSpec, prelude::*};
///
/// fn describe<O: Operation>(operation: &O) -> String {
///     let spec = O::spec().expect("generated operations are in the table");
///     format!("{} ({} {})", O::OPERATION_ID, spec.http_method, spec.path)
/// }
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let credentials = Credentials::new("pk_test", "sk_test")?.with_workspace("6650f0c2a1b2c3d4e5f60718")?;
/// let client = Client::new("http://127.0.0.1:4010", ClientContext::with_credentials(credentials));
/// assert_eq!(describe(&client.list_api_tools()), "listApiTools (GET /v1/admin/tool/api)");
/// # Ok(()) }
/// ```
pub trait Operation: Send + Sized {
    /// The spec's `operationId` (e.g. `listApiTools`), the key of the operation's table entry and of its retry
    /// class.
    const OPERATION_ID: &'static str;

    /// The body of a success answer.
    type Response;

    /// The operation's entry in [`operations::OPERATIONS`](crate::operations::OPERATIONS): its credential
    /// headers, method and path. The generated impls return their named entry (e.g.
    /// [`operations::LIST_API_TOOLS`](crate::operations::LIST_API_TOOLS)) without a lookup; this default looks
    /// the id up, and is `None` only for a hand-written impl naming an unknown operation.
    fn spec() -> Option<&'static OperationSpec> {
        OperationSpec::find(Self::OPERATION_ID)
    }

    /// The client the builder was made from: the request is sent with its credentials and executor.
    fn client(&self) -> &Client;

    /// Sends the request, exactly as the builder's own `send` does.
    fn send(
        self,
    ) -> impl Future<Output = Result<ResponseValue<Self::Response>, Error<ByteStream>>> + Send;
}
