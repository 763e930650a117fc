//! Problems found before a request is sent.

use std::fmt;

use mirai_voice_generated::{CredentialRole, MissingCredential};

use crate::knowledge_base::PlanError;
use crate::redact::redact_text;

/// The request was rejected on the client, before anything was sent.
///
/// An [`InvalidRequest`](Self::InvalidRequest) message is shown (`Display` and `Debug`) with credentials
/// [masked](crate::redact::redact_text) as for the operation's error messages: a conversion error of a tool
/// request may quote the value it rejected.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    /// The operation is workspace-scoped, but the client has no workspace.
    #[error(
        "{operation_id} needs a workspace: set MIRAI_WORKSPACE, call ClientBuilder::workspace, or use a client from with_workspace(..)"
    )]
    MissingWorkspace {
        /// The operation that needs it.
        operation_id: &'static str,
    },
    /// The operation is organization-scoped (number pool), but the client has no organization.
    #[error(
        "{operation_id} needs an organization: set MIRAI_ORGANIZATION or call ClientBuilder::organization"
    )]
    MissingOrganization {
        /// The operation that needs it.
        operation_id: &'static str,
    },
    /// A request value is invalid (a missing required field, a value that cannot be sent).
    #[error(
        "{}invalid request: {}",
        operation_id.map(|id| format!("{id}: ")).unwrap_or_default(),
        redact_text(operation_id.unwrap_or_default(), message)
    )]
    InvalidRequest {
        /// The operation, when known.
        operation_id: Option<&'static str>,
        /// What is wrong.
        message: String,
    },
    /// A knowledge-base upload would break the documented limits.
    #[error("knowledge-base upload: {0}")]
    KnowledgeBase(#[from] PlanError),
    /// A phone number that is not E.164.
    #[error(transparent)]
    PhoneNumber(#[from] crate::phone::InvalidPhoneNumber),
    /// An amount of money that is not a plain non-negative decimal.
    #[error(transparent)]
    Money(#[from] crate::api::payload::MoneyError),
}

impl fmt::Debug for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingWorkspace { operation_id } => f
                .debug_struct("MissingWorkspace")
                .field("operation_id", operation_id)
                .finish(),
            Self::MissingOrganization { operation_id } => f
                .debug_struct("MissingOrganization")
                .field("operation_id", operation_id)
                .finish(),
            Self::InvalidRequest {
                operation_id,
                message,
            } => f
                .debug_struct("InvalidRequest")
                .field("operation_id", operation_id)
                .field(
                    "message",
                    &redact_text(operation_id.unwrap_or_default(), message),
                )
                .finish(),
            Self::KnowledgeBase(error) => f.debug_tuple("KnowledgeBase").field(error).finish(),
            Self::PhoneNumber(error) => f.debug_tuple("PhoneNumber").field(error).finish(),
            Self::Money(error) => f.debug_tuple("Money").field(error).finish(),
        }
    }
}

impl From<MissingCredential> for ValidationError {
    fn from(missing: MissingCredential) -> Self {
        match missing.role {
            CredentialRole::Workspace => Self::MissingWorkspace {
                operation_id: missing.operation_id,
            },
            CredentialRole::Organization => Self::MissingOrganization {
                operation_id: missing.operation_id,
            },
            _ => Self::InvalidRequest {
                operation_id: Some(missing.operation_id),
                message: missing.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_credentials_name_the_scope() {
        let missing = |role, header| MissingCredential {
            operation_id: "purchaseNumber",
            role,
            header,
        };
        assert_eq!(
            ValidationError::from(missing(CredentialRole::Organization, "organization")),
            ValidationError::MissingOrganization {
                operation_id: "purchaseNumber"
            }
        );
        assert_eq!(
            ValidationError::from(missing(CredentialRole::Workspace, "workspace")),
            ValidationError::MissingWorkspace {
                operation_id: "purchaseNumber"
            }
        );
        let other = ValidationError::from(missing(CredentialRole::Other, "x-api-key"));
        assert!(other.to_string().contains("x-api-key"), "{other}");
    }

    #[test]
    fn messages_say_how_to_fix_it() {
        let ws = ValidationError::MissingWorkspace {
            operation_id: "initiateCall",
        };
        assert!(
            ws.to_string()
                .starts_with("initiateCall needs a workspace: set MIRAI_WORKSPACE")
        );
        let org = ValidationError::MissingOrganization {
            operation_id: "purchaseNumber",
        };
        assert!(org.to_string().contains("MIRAI_ORGANIZATION"));
        let invalid = ValidationError::InvalidRequest {
            operation_id: Some("abortCall"),
            message: "no value supplied for call_id".into(),
        };
        assert_eq!(
            invalid.to_string(),
            "abortCall: invalid request: no value supplied for call_id"
        );
        let anonymous = ValidationError::InvalidRequest {
            operation_id: None,
            message: "x".into(),
        };
        assert_eq!(anonymous.to_string(), "invalid request: x");
        let kb: ValidationError = PlanError::EmptyFile.into();
        assert_eq!(kb.to_string(), "knowledge-base upload: the file is empty");
    }

    #[test]
    fn invalid_request_messages_of_secret_operations_are_masked() {
        let invalid = ValidationError::InvalidRequest {
            operation_id: Some("createApiTool"),
            message: "error converting supplied value for url: bad https://x.test/?key=s3cr3t"
                .into(),
        };
        for text in [invalid.to_string(), format!("{invalid:?}")] {
            assert!(!text.contains("s3cr3t"), "{text}");
            assert!(text.contains("key=[redacted]"), "{text}");
        }
        let plain = ValidationError::InvalidRequest {
            operation_id: Some("abortCall"),
            message: "https://x.test/?key=v".into(),
        };
        assert_eq!(
            format!("{plain:?}"),
            r#"InvalidRequest { operation_id: Some("abortCall"), message: "https://x.test/?key=v" }"#
        );
    }
}
