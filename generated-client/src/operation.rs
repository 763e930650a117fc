//! The per-operation table `cargo xtask codegen` records from the spec.

/// What a credential or tenant header carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CredentialRole {
    /// The organization's public key (`x-public-key`).
    PublicKey,
    /// The organization's private key (`x-private-key`).
    PrivateKey,
    /// The workspace id (`workspace`).
    Workspace,
    /// The organization id (`organization`, on the number-pool routes).
    Organization,
    /// Another header named by an `apiKey` security scheme; supplied with
    /// [`Credentials::with_header`](crate::Credentials::with_header).
    Other,
}

/// A header an operation needs and what it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CredentialHeader {
    /// What it carries.
    pub role: CredentialRole,
    /// The header name, lower-case.
    pub name: &'static str,
}

/// One operation of the spec, as recorded at generation time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OperationSpec {
    /// The spec's `operationId` (e.g. `abortCall`).
    pub operation_id: &'static str,
    /// The generated method name, also progenitor's `OperationInfo::operation_id` (e.g. `abort_call`).
    pub method_name: &'static str,
    /// Upper-case HTTP method.
    pub http_method: &'static str,
    /// Path template (e.g. `/v2/call/{callId}`).
    pub path: &'static str,
    /// The spec's first tag for the operation.
    pub tag: &'static str,
    /// The credential and tenant headers the operation needs; empty for public routes.
    pub credentials: &'static [CredentialHeader],
    /// The component schema (in [`types`](crate::types)) documenting its error bodies, if any.
    pub error_schema: Option<&'static str>,
    /// Whether the client has a generated method for it.
    pub generated: bool,
    /// Why it was left out of generation, when it was.
    pub omitted_reason: Option<&'static str>,
}

impl OperationSpec {
    /// Whether the operation needs a header of `role`.
    pub fn needs(&self, role: CredentialRole) -> bool {
        self.credentials.iter().any(|h| h.role == role)
    }

    /// Whether the operation needs any credential at all (false for public routes).
    pub fn is_authenticated(&self) -> bool {
        !self.credentials.is_empty()
    }

    /// Looks an operation up by its spec id (`abortCall`) or method name (`abort_call`).
    pub fn find(id: &str) -> Option<&'static OperationSpec> {
        crate::operations::OPERATIONS
            .iter()
            .find(|op| op.operation_id == id || op.method_name == id)
    }
}
