//! Preprocessing: small, named, pure rewrites of the spec document that make progenitor's
//! output correct. Each rule takes the document (and the report), changes what it must and
//! records one line per change, so `cargo xtask codegen` can say exactly what it did.

pub mod credentials;
pub mod descriptions;
pub mod doc;
pub mod extra_properties;
pub mod inbound;
pub mod operation_ids;
pub mod request_bodies;
pub mod responses;
pub mod typed_ids;
pub mod unions;
pub mod version;

use std::fmt;

use serde_json::Value;

pub use credentials::CredentialHeader;
use doc::OperationLocation;

/// What preprocessing did to the document.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    /// Every change, one line each, in the order the rules ran.
    pub changes: Vec<Change>,
    /// Operations left out of generation, with the reason.
    pub omitted: Vec<Omission>,
}

/// One change a rule made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The rule's name.
    pub rule: &'static str,
    /// The operation (or schema) it touched.
    pub target: String,
    /// What it did.
    pub detail: String,
}

/// An operation left out of the generated client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Omission {
    /// Its `operationId`.
    pub operation_id: String,
    /// Where it lives.
    pub location: OperationLocation,
    /// Why it was left out.
    pub reason: String,
}

impl Report {
    pub(crate) fn change(
        &mut self,
        rule: &'static str,
        target: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.changes.push(Change {
            rule,
            target: target.into(),
            detail: detail.into(),
        });
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "preprocessing made {} change(s):", self.changes.len())?;
        for c in &self.changes {
            writeln!(f, "  [{}] {}: {}", c.rule, c.target, c.detail)?;
        }
        writeln!(
            f,
            "left out of generation: {} operation(s):",
            self.omitted.len()
        )?;
        for o in &self.omitted {
            writeln!(
                f,
                "  {} ({}): {}",
                o.operation_id,
                o.location.display(),
                o.reason
            )?;
        }
        Ok(())
    }
}

/// What the runtime needs to know about one operation of the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperationRecord {
    /// The spec's `operationId` (after synthesis where it was missing).
    pub operation_id: String,
    /// Where it lives.
    pub location: OperationLocation,
    /// The first tag, or `""`.
    pub tag: String,
    /// Credential and tenant headers the operation needs, in a fixed order.
    pub headers: Vec<CredentialHeader>,
    /// Name of the component schema that describes its documented error bodies, if any.
    pub error_schema: Option<String>,
    /// `None` when generated; the reason when left out.
    pub omitted: Option<String>,
}

/// The result of preprocessing a document.
#[derive(Debug, Clone)]
pub struct Preprocessed {
    /// The rewritten document, ready for progenitor.
    pub document: Value,
    /// What changed.
    pub report: Report,
    /// One record per operation of the input (generated or not), in document order.
    pub operations: Vec<OperationRecord>,
    /// The id kinds the `typed-ids` rule marked, with where each was found.
    pub id_kinds: typed_ids::IdKinds,
}

/// A document preprocessing cannot make generatable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreprocessError(pub String);

impl fmt::Display for PreprocessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PreprocessError {}

/// Runs every rule, in order, over `document`.
pub fn preprocess(mut document: Value) -> Result<Preprocessed, PreprocessError> {
    if !document.is_object() {
        return Err(PreprocessError(
            "the spec is not an object at its top level".into(),
        ));
    }
    version::check_openapi_version(&document)?;
    let mut report = Report::default();
    operation_ids::synthesize_operation_ids(&mut document, &mut report);

    // Facts about every operation are taken before any operation is removed, so the table
    // also covers operations written by hand (e.g. the multipart upload).
    let credential_needs = credentials::strip_credential_headers(&mut document, &mut report);

    let mut omitted = inbound::drop_inbound_callbacks(&mut document, &mut report);
    omitted.extend(request_bodies::drop_unsupported_request_bodies(
        &mut document,
        &mut report,
    ));
    request_bodies::keep_json_media_type(&mut document, &mut report);

    responses::rewrite_default_only_responses(&mut document, &mut report);
    responses::fill_missing_json_schemas(&mut document, &mut report);
    responses::unify_success_responses(&mut document, &mut report);
    responses::hoist_colliding_success_schemas(&mut document, &mut report);
    responses::widen_success_status(&mut document, &mut report);
    let error_schemas = responses::normalize_error_responses(&mut document, &mut report);
    extra_properties::keep_additional_properties(&mut document, &mut report)?;
    unions::object_any_of_to_one_of(&mut document, &mut report);
    descriptions::tag_untagged_code_fences(&mut document, &mut report);
    let id_kinds = typed_ids::mark_id_schemas(&mut document, &mut report);

    let operations = credential_needs
        .into_iter()
        .map(|need| {
            let omission = omitted.iter().find(|o| o.location == need.location);
            OperationRecord {
                error_schema: error_schemas.get(&need.operation_id).cloned(),
                omitted: omission.map(|o| o.reason.clone()),
                operation_id: need.operation_id,
                location: need.location,
                tag: need.tag,
                headers: need.headers,
            }
        })
        .collect();
    report.omitted = omitted;
    Ok(Preprocessed {
        document,
        report,
        operations,
        id_kinds,
    })
}
