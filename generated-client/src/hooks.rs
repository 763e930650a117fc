//! progenitor's `ClientHooks` for the generated `Client`. It must live in this crate (the
//! orphan rule), and the generator is run in `HooksMode::Expected`, so it cannot be forgotten.

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
        self.inner()
            .credentials
            .apply(operation, request.headers_mut())
            .map_err(|e| Error::InvalidRequest(e.to_string()))
    }

    /// Hands the request to the context's executor (retries, timeouts, tracing).
    ///
    /// The executor's boxed future is returned as it is: an `async` wrapper would hold the request a second time
    /// in a state machine the generated future carries on every request.
    fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
        match operation_for(info) {
            Some(operation) => self
                .inner()
                .executor
                .execute(self.client(), request, operation),
            // Unreachable in practice: `pre` already refused unknown operations.
            None => Box::pin(self.client().execute(request)),
        }
    }
}
