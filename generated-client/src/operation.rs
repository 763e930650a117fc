//! The per-operation table `cargo xtask codegen` records from the spec.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;

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
    ///
    /// Every request looks its operation up (the hooks by method name, the SDK by spec id), so the lookup is a
    /// hash index built once rather than a scan of the whole table.
    pub fn find(id: &str) -> Option<&'static OperationSpec> {
        index().get(id).copied()
    }
}

/// Spec ids and method names to table entries. Spec ids are inserted first, so where a method name equals another
/// operation's spec id, the spec id wins, as a scan of the table in order would decide. The keys are the spec's own
/// names, so a fast non-cryptographic hash (Fx) is enough.
fn index() -> &'static FxHashMap<&'static str, &'static OperationSpec> {
    static INDEX: OnceLock<FxHashMap<&'static str, &'static OperationSpec>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let operations = crate::operations::OPERATIONS;
        let mut index = FxHashMap::default();
        index.reserve(operations.len() * 2);
        for op in operations {
            index.entry(op.operation_id).or_insert(op);
        }
        for op in operations {
            index.entry(op.method_name).or_insert(op);
        }
        index
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_by_spec_id_or_method_name_agrees_with_the_table() {
        for op in crate::operations::OPERATIONS {
            assert_eq!(OperationSpec::find(op.operation_id), Some(op));
            assert_eq!(OperationSpec::find(op.method_name), Some(op));
        }
        assert_eq!(OperationSpec::find("noSuchOperation"), None);
        assert_eq!(OperationSpec::find(""), None);
    }
}
