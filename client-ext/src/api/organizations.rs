//! Archiving and unarchiving organizations and workspaces.

use mirai_voice_generated::prelude::*;
use mirai_voice_generated::types;
use mirai_voice_generated::{OperationSpec, operations};

use super::require_id;
use crate::client::Client;
use crate::ids::{OrganizationId, WorkspaceId};

/// What to archive or unarchive.
///
/// ```
/// use mirai_voice::api::ArchiveTarget;
/// let target = ArchiveTarget::workspace("6650f0c2a1b2c3d4e5f60001");
/// assert_eq!(target.id(), "6650f0c2a1b2c3d4e5f60001");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArchiveTarget {
    /// An organization with this id; archiving cascades to its workspaces, assistants and campaigns.
    Organization(OrganizationId),
    /// A workspace with this id; archiving cascades to its assistants and campaigns.
    Workspace(WorkspaceId),
}

impl ArchiveTarget {
    /// The organization with id `id`.
    pub fn organization(id: impl Into<OrganizationId>) -> Self {
        Self::Organization(id.into())
    }

    /// The workspace with id `id`.
    pub fn workspace(id: impl Into<WorkspaceId>) -> Self {
        Self::Workspace(id.into())
    }

    /// The target's id.
    pub fn id(&self) -> &str {
        match self {
            Self::Organization(id) => id.as_str(),
            Self::Workspace(id) => id.as_str(),
        }
    }

    fn request(&self) -> types::builder::ArchiveUnarchiveRequest {
        let kind = match self {
            Self::Organization(_) => types::ArchiveUnarchiveRequestType::Organization,
            Self::Workspace(_) => types::ArchiveUnarchiveRequestType::Workspace,
        };
        types::ArchiveUnarchiveRequest::builder()
            .id(self.id().to_owned())
            .type_(kind)
    }
}

/// The archive operations; see [`Client::organizations`]. They need the `admin` or `organization_admin` role.
#[derive(Clone, Copy, Debug)]
pub struct Organizations<'a> {
    client: &'a Client,
}

impl<'a> Organizations<'a> {
    pub(crate) fn new(client: &'a Client) -> Self {
        Self { client }
    }

    /// Archives an organization or workspace (`archiveOrganizationOrWorkspace`). An id that is not a 24-digit hex
    /// id is rejected before sending.
    ///
    /// ```no_run
    /// use mirai_voice::api::ArchiveTarget;
    ///
    /// # async fn example(client: mirai_voice::Client) -> mirai_voice::Result<()> {
    /// client.organizations().archive(ArchiveTarget::workspace("6650f0c2a1b2c3d4e5f60001")).await?;
    /// # Ok(())
    /// # }
    /// ```
    pub async fn archive(
        &self,
        target: ArchiveTarget,
    ) -> crate::Result<types::ArchiveUnarchiveResponse> {
        static OP: &OperationSpec = operations::ARCHIVE_ORGANIZATION_OR_WORKSPACE;
        require_id(OP.operation_id, "id", target.id())?;
        let response = self
            .client
            .run(OP, |c| {
                c.archive_organization_or_workspace()
                    .body(target.request())
                    .send()
            })
            .await?;
        Ok(response.into_inner())
    }

    /// Unarchives an organization or workspace (`unarchiveOrganizationOrWorkspace`). A workspace whose
    /// organization is archived cannot be unarchived (400).
    pub async fn unarchive(
        &self,
        target: ArchiveTarget,
    ) -> crate::Result<types::ArchiveUnarchiveResponse> {
        static OP: &OperationSpec = operations::UNARCHIVE_ORGANIZATION_OR_WORKSPACE;
        require_id(OP.operation_id, "id", target.id())?;
        let response = self
            .client
            .run(OP, |c| {
                c.unarchive_organization_or_workspace()
                    .body(target.request())
                    .send()
            })
            .await?;
        Ok(response.into_inner())
    }
}
