//! Rule: credential and tenant headers are not method parameters.
//!
//! progenitor turns every header parameter into a required per-call argument and ignores
//! `securitySchemes`. This rule removes the key and tenant header parameters from every
//! operation and records which operation needs which header, from its parameters and its
//! effective `security`, so the runtime can attach exactly those headers.

use std::collections::BTreeSet;

use serde_json::Value;

use super::Report;
use super::doc::{self, OperationLocation};

/// What a credential or tenant header carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CredentialRole {
    /// The organization's public key (`x-public-key`).
    PublicKey,
    /// The organization's private key (`x-private-key`).
    PrivateKey,
    /// The workspace id (`workspace`).
    Workspace,
    /// The organization id (`organization`).
    Organization,
    /// A header an `apiKey` security scheme names that is none of the above.
    Other,
}

impl CredentialRole {
    /// The Rust path of the runtime's variant for this role.
    pub fn variant(self) -> &'static str {
        match self {
            Self::PublicKey => "PublicKey",
            Self::PrivateKey => "PrivateKey",
            Self::Workspace => "Workspace",
            Self::Organization => "Organization",
            Self::Other => "Other",
        }
    }
}

/// A header an operation needs, and what it carries.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CredentialHeader {
    /// What it carries.
    pub role: CredentialRole,
    /// The header name as the spec spells it, lower-cased.
    pub name: String,
}

/// The role of a header name that is a credential or tenant header, if it is one.
pub fn classify(name: &str) -> Option<CredentialRole> {
    let normalized: String = name
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let normalized = normalized
        .strip_prefix('x')
        .unwrap_or(&normalized)
        .to_string();
    match normalized.as_str() {
        "publickey" => Some(CredentialRole::PublicKey),
        "privatekey" | "secretkey" => Some(CredentialRole::PrivateKey),
        "workspace" | "workspaceid" => Some(CredentialRole::Workspace),
        "organization" | "organizationid" | "organisation" | "organisationid" => {
            Some(CredentialRole::Organization)
        }
        _ => None,
    }
}

/// Credential facts about one operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialNeeds {
    /// Its `operationId`.
    pub operation_id: String,
    /// Where it lives.
    pub location: OperationLocation,
    /// Its first tag.
    pub tag: String,
    /// The headers it needs, sorted by role.
    pub headers: Vec<CredentialHeader>,
}

/// Header names of the document's `apiKey`-in-header security schemes, by scheme name.
fn api_key_schemes(document: &Value) -> Vec<(String, String)> {
    document
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object)
        .map(|schemes| {
            schemes
                .iter()
                .filter_map(|(scheme, def)| {
                    let def = doc::resolve(document, def);
                    let is_header_key = def.get("type").and_then(Value::as_str) == Some("apiKey")
                        && def.get("in").and_then(Value::as_str) == Some("header");
                    let name = def.get("name").and_then(Value::as_str)?;
                    is_header_key.then(|| (scheme.clone(), name.to_ascii_lowercase()))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn header_of(name: &str) -> CredentialHeader {
    CredentialHeader {
        role: classify(name).unwrap_or(CredentialRole::Other),
        name: name.to_ascii_lowercase(),
    }
}

/// Removes credential and tenant header parameters and returns what each operation needs.
pub fn strip_credential_headers(document: &mut Value, report: &mut Report) -> Vec<CredentialNeeds> {
    let schemes = api_key_schemes(document);
    let scheme_headers: BTreeSet<&str> = schemes.iter().map(|(_, n)| n.as_str()).collect();
    let is_credential = |name: &str| {
        let lower = name.to_ascii_lowercase();
        classify(&lower).is_some() || scheme_headers.contains(lower.as_str())
    };
    let global_security = document.get("security").cloned();

    let mut needs = Vec::new();
    for loc in doc::operations(document) {
        let Some(op) = doc::operation(document, &loc) else {
            continue;
        };
        let operation_id = doc::operation_label(document, &loc);
        let tag = op
            .get("tags")
            .and_then(|t| t.get(0))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();

        let mut headers = BTreeSet::new();
        // From `security`: the operation's own, else the document's. Alternatives (OR) are
        // unioned: sending every key an alternative names satisfies any of them.
        let security = op
            .get("security")
            .cloned()
            .or_else(|| global_security.clone());
        if let Some(Value::Array(alternatives)) = security {
            for alt in alternatives.iter().filter_map(Value::as_object) {
                for scheme in alt.keys() {
                    if let Some((_, name)) = schemes.iter().find(|(s, _)| s == scheme) {
                        headers.insert(header_of(name));
                    }
                }
            }
        }

        // From header parameters, at operation and path-item level.
        let mut stripped = Vec::new();
        let path_item_params = document
            .pointer(&format!("/paths/{}/parameters", escape_pointer(&loc.path)))
            .cloned();
        for (level, params) in [
            ("operation", op.get("parameters").cloned()),
            ("path", path_item_params),
        ] {
            let Some(Value::Array(params)) = params else {
                continue;
            };
            let mut kept = Vec::with_capacity(params.len());
            for param in params {
                let resolved = doc::resolve(document, &param);
                let in_header = resolved.get("in").and_then(Value::as_str) == Some("header");
                let name = resolved
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if in_header && is_credential(name) {
                    headers.insert(header_of(name));
                    stripped.push(name.to_ascii_lowercase());
                } else {
                    kept.push(param);
                }
            }
            let target = match level {
                "operation" => {
                    doc::operation_mut(document, &loc).map(|op| op.get_mut("parameters"))
                }
                _ => Some(
                    document
                        .pointer_mut(&format!("/paths/{}/parameters", escape_pointer(&loc.path))),
                ),
            };
            if let Some(Some(slot)) = target {
                *slot = Value::Array(kept);
            }
        }
        if !stripped.is_empty() {
            stripped.sort();
            stripped.dedup();
            report.change(
                "credential-headers",
                operation_id.clone(),
                format!(
                    "removed header parameter(s) {} from the method signature",
                    stripped.join(", ")
                ),
            );
        }
        needs.push(CredentialNeeds {
            operation_id,
            location: loc,
            tag,
            headers: headers.into_iter().collect(),
        });
    }
    needs
}

fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec() -> Value {
        json!({
            "security": [{"PublicKeyAuth": [], "PrivateKeyAuth": []}],
            "components": {
                "securitySchemes": {
                    "PublicKeyAuth": {"type": "apiKey", "in": "header", "name": "x-public-key"},
                    "PrivateKeyAuth": {"type": "apiKey", "in": "header", "name": "x-private-key"},
                    "Token": {"type": "apiKey", "in": "header", "name": "X-Partner-Token"}
                },
                "parameters": {"WorkspaceHeader": {"name": "workspace", "in": "header", "required": true}}
            },
            "paths": {
                "/v2/call/abort": {"post": {"operationId": "abortCall", "tags": ["Call"], "parameters": [
                    {"$ref": "#/components/parameters/WorkspaceHeader"},
                    {"name": "x-public-key", "in": "header"},
                    {"name": "verbose", "in": "query"}
                ]}},
                "/v1/showcase/calls": {"get": {"operationId": "listShowcaseCalls", "security": []}},
                "/v1/number-pool/search": {"get": {"operationId": "search", "parameters": [
                    {"name": "organization", "in": "header"}
                ]}},
                "/v1/partner": {"get": {"operationId": "partner", "security": [{"Token": []}],
                    "parameters": [{"name": "X-Partner-Token", "in": "header"}]}},
                "/v1/items/{workspace}": {"get": {"operationId": "items", "security": [],
                    "parameters": [{"name": "workspace", "in": "path"}]}}
            }
        })
    }

    fn roles(needs: &[CredentialNeeds], id: &str) -> Vec<(CredentialRole, String)> {
        needs
            .iter()
            .find(|n| n.operation_id == id)
            .unwrap()
            .headers
            .iter()
            .map(|h| (h.role, h.name.clone()))
            .collect()
    }

    #[test]
    fn strips_credential_headers_and_records_needs() {
        let mut doc = spec();
        let mut report = Report::default();
        let needs = strip_credential_headers(&mut doc, &mut report);
        use CredentialRole::*;
        assert_eq!(
            roles(&needs, "abortCall"),
            [
                (PublicKey, "x-public-key".to_string()),
                (PrivateKey, "x-private-key".to_string()),
                (Workspace, "workspace".to_string())
            ]
        );
        // The query parameter survives; the credential ones are gone.
        assert_eq!(
            doc["paths"]["/v2/call/abort"]["post"]["parameters"],
            json!([{"name": "verbose", "in": "query"}])
        );
        assert!(roles(&needs, "listShowcaseCalls").is_empty());
        assert!(roles(&needs, "search").contains(&(Organization, "organization".to_string())));
        assert_eq!(
            roles(&needs, "partner"),
            [(Other, "x-partner-token".to_string())]
        );
        assert_eq!(doc["paths"]["/v1/partner"]["get"]["parameters"], json!([]));
        // A path parameter that happens to be called `workspace` is not a header.
        assert!(roles(&needs, "items").is_empty());
        assert_eq!(
            doc["paths"]["/v1/items/{workspace}"]["get"]["parameters"][0]["in"],
            "path"
        );
        assert_eq!(report.changes.len(), 3);
    }

    #[test]
    fn classifies_header_spellings() {
        assert_eq!(classify("X-Public-Key"), Some(CredentialRole::PublicKey));
        assert_eq!(classify("workspaceId"), Some(CredentialRole::Workspace));
        assert_eq!(classify("organization"), Some(CredentialRole::Organization));
        assert_eq!(classify("x-api-key"), None);
    }
}
