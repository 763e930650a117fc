//! Credentials and tenant ids, held as sensitive header values.

use std::fmt;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::{CredentialRole, OperationSpec};

/// Keys and tenant ids a client sends. Header values are marked sensitive (HTTP/2 never
/// indexes them, and `Debug` of a header map shows `Sensitive`), and this type's own `Debug`
/// shows only which values are set.
#[derive(Clone, Default)]
pub struct Credentials {
    public_key: Option<HeaderValue>,
    private_key: Option<HeaderValue>,
    workspace: Option<HeaderValue>,
    organization: Option<HeaderValue>,
    other: Vec<(HeaderName, HeaderValue)>,
}

/// A value that cannot be sent as an HTTP header (control characters, newlines, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidCredential {
    /// Which value was rejected (never the value itself).
    pub what: &'static str,
}

impl fmt::Display for InvalidCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} is not a valid HTTP header value", self.what)
    }
}

impl std::error::Error for InvalidCredential {}

/// An operation needs a header the credentials do not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingCredential {
    /// The operation's spec id.
    pub operation_id: &'static str,
    /// What is missing.
    pub role: CredentialRole,
    /// The header that would carry it.
    pub header: &'static str,
}

impl fmt::Display for MissingCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.role {
            CredentialRole::PublicKey => "a public key",
            CredentialRole::PrivateKey => "a private key",
            CredentialRole::Workspace => "a workspace id",
            CredentialRole::Organization => "an organization id",
            CredentialRole::Other => "a value",
        };
        write!(
            f,
            "{} needs {what} (header `{}`), and the client has none",
            self.operation_id, self.header
        )
    }
}

impl std::error::Error for MissingCredential {}

// The four headers of the built-in roles, parsed once at compile time: `apply` runs on every request, and looking
// a header up by `&str` parses the name each time.
const PUBLIC_KEY: HeaderName = HeaderName::from_static("x-public-key");
const PRIVATE_KEY: HeaderName = HeaderName::from_static("x-private-key");
const WORKSPACE: HeaderName = HeaderName::from_static("workspace");
const ORGANIZATION: HeaderName = HeaderName::from_static("organization");

/// The header of a built-in role, when the table names it as usual.
fn known_header(role: CredentialRole, name: &str) -> Option<HeaderName> {
    let known = match role {
        CredentialRole::PublicKey => PUBLIC_KEY,
        CredentialRole::PrivateKey => PRIVATE_KEY,
        CredentialRole::Workspace => WORKSPACE,
        CredentialRole::Organization => ORGANIZATION,
        CredentialRole::Other => return None,
    };
    (known.as_str() == name).then_some(known)
}

fn sensitive(value: &str, what: &'static str) -> Result<HeaderValue, InvalidCredential> {
    let mut v = HeaderValue::from_str(value).map_err(|_| InvalidCredential { what })?;
    v.set_sensitive(true);
    Ok(v)
}

impl Credentials {
    /// No credentials: enough for the public routes only.
    pub fn none() -> Self {
        Self::default()
    }

    /// The organization's key pair.
    pub fn new(public_key: &str, private_key: &str) -> Result<Self, InvalidCredential> {
        Ok(Self {
            public_key: Some(sensitive(public_key, "public key")?),
            private_key: Some(sensitive(private_key, "private key")?),
            ..Self::default()
        })
    }

    /// Sets the workspace sent to workspace-scoped operations.
    pub fn with_workspace(mut self, workspace: &str) -> Result<Self, InvalidCredential> {
        self.workspace = Some(sensitive(workspace, "workspace id")?);
        Ok(self)
    }

    /// Sets the organization sent to the number-pool operations.
    pub fn with_organization(mut self, organization: &str) -> Result<Self, InvalidCredential> {
        self.organization = Some(sensitive(organization, "organization id")?);
        Ok(self)
    }

    /// Sets the value of another credential header a spec's security scheme names.
    pub fn with_header(mut self, name: &str, value: &str) -> Result<Self, InvalidCredential> {
        let name = HeaderName::from_bytes(name.as_bytes()).map_err(|_| InvalidCredential {
            what: "header name",
        })?;
        let value = sensitive(value, "header value")?;
        self.other.retain(|(n, _)| *n != name);
        self.other.push((name, value));
        Ok(self)
    }

    /// Whether a workspace is set.
    pub fn has_workspace(&self) -> bool {
        self.workspace.is_some()
    }

    /// Whether an organization is set.
    pub fn has_organization(&self) -> bool {
        self.organization.is_some()
    }

    fn value_for(&self, role: CredentialRole, name: &str) -> Option<&HeaderValue> {
        match role {
            CredentialRole::PublicKey => self.public_key.as_ref(),
            CredentialRole::PrivateKey => self.private_key.as_ref(),
            CredentialRole::Workspace => self.workspace.as_ref(),
            CredentialRole::Organization => self.organization.as_ref(),
            CredentialRole::Other => self
                .other
                .iter()
                .find(|(n, _)| n.as_str() == name)
                .map(|(_, v)| v),
        }
    }

    /// Checks that every header `operation` needs is available, without sending anything.
    pub fn check(&self, operation: &OperationSpec) -> Result<(), MissingCredential> {
        for header in operation.credentials {
            if self.value_for(header.role, header.name).is_none() {
                return Err(MissingCredential {
                    operation_id: operation.operation_id,
                    role: header.role,
                    header: header.name,
                });
            }
        }
        Ok(())
    }

    /// Sets exactly the headers `operation` needs, and removes any other credential header
    /// a caller may have put on the request, so no route receives keys it does not need.
    ///
    /// A missing credential is the same error [`check`](Self::check) gives, found while the
    /// headers are set: the headers are then incomplete, and the request must not be sent.
    pub fn apply(
        &self,
        operation: &OperationSpec,
        headers: &mut HeaderMap,
    ) -> Result<(), MissingCredential> {
        // Headers the operation sets are replaced by `insert` below; only the others need removing.
        let sets = |name: &str| operation.credentials.iter().any(|h| h.name == name);
        let is_credential = |name: &HeaderName| {
            [PUBLIC_KEY, PRIVATE_KEY, WORKSPACE, ORGANIZATION].contains(name)
                || self.other.iter().any(|(other, _)| other == name)
        };
        // A request carries a handful of headers: scanning them is cheaper than hashing every credential name
        // for a removal that, for requests built by the generated client, finds nothing.
        let stray = headers
            .keys()
            .any(|name| is_credential(name) && !sets(name.as_str()));
        if stray {
            for name in [PUBLIC_KEY, PRIVATE_KEY, WORKSPACE, ORGANIZATION] {
                if !sets(name.as_str()) {
                    headers.remove(name);
                }
            }
            for (name, _) in &self.other {
                if !sets(name.as_str()) {
                    headers.remove(name);
                }
            }
        }
        for header in operation.credentials {
            let missing = || MissingCredential {
                operation_id: operation.operation_id,
                role: header.role,
                header: header.name,
            };
            let value = self
                .value_for(header.role, header.name)
                .ok_or_else(missing)?
                .clone();
            // Names come from the generated table; one that is not a valid header name is
            // reported as missing rather than panicking.
            let name = match known_header(header.role, header.name) {
                Some(name) => name,
                None => HeaderName::from_bytes(header.name.as_bytes()).map_err(|_| missing())?,
            };
            headers.insert(name, value);
        }
        Ok(())
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |v: &Option<HeaderValue>| if v.is_some() { "<redacted>" } else { "<unset>" };
        f.debug_struct("Credentials")
            .field("public_key", &shown(&self.public_key))
            .field("private_key", &shown(&self.private_key))
            .field("workspace", &shown(&self.workspace))
            .field("organization", &shown(&self.organization))
            .field(
                "other",
                &self
                    .other
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn credentials() -> Credentials {
        Credentials::new("pk_test", "sk_test")
            .and_then(|c| c.with_workspace("6650f0c2a1b2c3d4e5f60718"))
            .and_then(|c| c.with_header("x-extra-key", "extra"))
            .expect("valid test credentials")
    }

    fn operation(id: &str) -> &'static OperationSpec {
        OperationSpec::find(id).expect("operation in the table")
    }

    /// An operation that needs no credential header at all.
    fn public_operation() -> &'static OperationSpec {
        crate::operations::OPERATIONS
            .iter()
            .find(|op| op.credentials.is_empty())
            .expect("the spec has public operations")
    }

    fn names(headers: &HeaderMap) -> Vec<&str> {
        let mut names: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn a_public_operation_loses_credential_headers_a_caller_put_on_it() {
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT_FOR_TEST,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(PRIVATE_KEY, HeaderValue::from_static("sk_stray"));
        headers.insert(WORKSPACE, HeaderValue::from_static("stray"));
        headers.insert(
            HeaderName::from_static("x-extra-key"),
            HeaderValue::from_static("stray"),
        );
        credentials()
            .apply(public_operation(), &mut headers)
            .expect("a public operation needs nothing");
        assert_eq!(names(&headers), ["accept"]);
    }

    #[test]
    fn a_workspace_operation_gets_exactly_its_headers_and_stray_ones_are_replaced() {
        let mut headers = HeaderMap::new();
        headers.insert(PRIVATE_KEY, HeaderValue::from_static("sk_stray"));
        headers.insert(ORGANIZATION, HeaderValue::from_static("stray"));
        credentials()
            .apply(operation("initiateCall"), &mut headers)
            .expect("the credentials cover initiateCall");
        assert_eq!(
            names(&headers),
            ["workspace", "x-private-key", "x-public-key"]
        );
        assert_eq!(headers[PRIVATE_KEY], "sk_test");
        assert_eq!(headers.get_all(PRIVATE_KEY).iter().count(), 1);
    }

    #[test]
    fn without_stray_headers_nothing_else_changes() {
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT_FOR_TEST,
            HeaderValue::from_static("application/json"),
        );
        credentials()
            .apply(public_operation(), &mut headers)
            .expect("a public operation needs nothing");
        assert_eq!(names(&headers), ["accept"]);
    }

    const ACCEPT_FOR_TEST: HeaderName = reqwest::header::ACCEPT;
}
