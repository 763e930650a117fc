//! Problems found before a request is sent.

use mirai_voice_generated::{CredentialRole, MissingCredential};

use crate::knowledge_base::PlanError;

/// The request was rejected on the client, before anything was sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
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
    #[error("{}invalid request: {message}", operation_id.map(|id| format!("{id}: ")).unwrap_or_default())]
    InvalidRequest {
        /// The operation, when known.
        operation_id: Option<&'static str>,
        /// What is wrong.
        message: String,
    },
    /// A knowledge-base upload would break the documented limits.
    #[error("knowledge-base upload: {0}")]
    KnowledgeBase(#[from] PlanError),
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
}
