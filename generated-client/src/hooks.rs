//! progenitor's `ClientHooks` for the generated `Client`. It must live in this crate (the
//! orphan rule), and the generator is run in `HooksMode::Expected`, so it cannot be forgotten.
//!
//! The generated `send` methods call [`prepare`] and [`execute`] directly with their operation's
//! table entry (codegen rule `direct-hooks`); the `ClientHooks` impl finds the entry by method
//! name and does the same, for any call of progenitor's shape the rule left alone.

use std::future::Future;

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};

use crate::{Client, ClientContext, OperationSpec};

/// progenitor names the operation by its method name (`initiate_call`). The index answers in one hash lookup;
/// only a method name that is also another operation's spec id falls back to a scan.
fn operation_for(info: &OperationInfo) -> Option<&'static OperationSpec> {
    OperationSpec::find(info.operation_id)
        .filter(|op| op.method_name == info.operation_id)
        .or_else(|| {
            crate::operations::OPERATIONS
                .iter()
                .find(|op| op.method_name == info.operation_id)
        })
}

/// Attaches exactly the credential and tenant headers `operation` needs; fails before sending
/// when one is missing.
#[expect(
    clippy::result_large_err,
    reason = "progenitor's error type, which the generated methods return as it is"
)]
pub(crate) fn prepare<E>(
    client: &Client,
    mut request: reqwest::Request,
    operation: &'static OperationSpec,
) -> Result<reqwest::Request, Error<E>> {
    attach_credentials(client, &mut request, operation)?;
    Ok(request)
}

/// Hands the request to the context's executor (retries, timeouts, tracing).
///
/// The executor's boxed future is returned as it is: an `async` wrapper would hold the request a
/// second time in a state machine the generated future carries on every request.
pub(crate) fn execute<'a>(
    client: &'a Client,
    request: reqwest::Request,
    operation: &'static OperationSpec,
) -> crate::ExecuteFuture<'a> {
    client
        .inner()
        .executor
        .execute(client.client(), request, operation)
}

/// [`execute`], with the `send`'s way to build its request again (without the body) for another
/// attempt (codegen rule `rebuildable-request`).
pub(crate) fn execute_rebuildable<'a>(
    client: &'a Client,
    request: reqwest::Request,
    operation: &'static OperationSpec,
    rebuild: &'a crate::Rebuild<'a>,
) -> crate::ExecuteFuture<'a> {
    client
        .inner()
        .executor
        .execute_rebuildable(client.client(), request, operation, rebuild)
}

/// [`prepare`] on a request the caller keeps.
#[expect(
    clippy::result_large_err,
    reason = "progenitor's error type, which the generated methods return as it is"
)]
fn attach_credentials<E>(
    client: &Client,
    request: &mut reqwest::Request,
    operation: &'static OperationSpec,
) -> Result<(), Error<E>> {
    client
        .inner()
        .credentials
        .apply(operation, request.headers_mut())
        .map_err(|e| Error::InvalidRequest(e.to_string()))
}

impl ClientHooks<ClientContext> for Client {
    /// Attaches exactly the credential and tenant headers the operation needs; fails before
    /// sending when one is missing.
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        let operation = operation_for(info).ok_or_else(|| {
            Error::InvalidRequest(format!(
                "operation `{}` is not in the operation table",
                info.operation_id
            ))
        })?;
        attach_credentials(self, request, operation)
    }

    /// Hands the request to the context's executor (retries, timeouts, tracing).
    fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
        match operation_for(info) {
            Some(operation) => execute(self, request, operation),
            // Unreachable in practice: `pre` already refused unknown operations.
            None => Box::pin(self.client().execute(request)),
        }
    }
}
