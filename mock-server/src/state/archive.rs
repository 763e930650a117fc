//! Archiving and unarchiving organizations and workspaces, with the documented cascade.

use serde_json::Value;

use super::World;
use super::org::Role;
use crate::error::ApiError;

/// What an archive request targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArchiveTarget {
    Organization,
    Workspace,
}

/// Who asks: their organization and role.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caller<'a> {
    pub(crate) organization: &'a str,
    pub(crate) role: Role,
}

impl Caller<'_> {
    fn may_touch(&self, organization_id: &str) -> bool {
        self.role == Role::Admin || self.organization == organization_id
    }
}

fn stamp(slot: &mut Option<u64>, archive: bool, now: u64) {
    if archive {
        slot.get_or_insert(now);
    } else {
        *slot = None;
    }
}

impl World {
    /// Archives (`archive = true`) or unarchives a target, cascading downwards.
    ///
    /// Both directions are idempotent. Returns the response's `data`: the workspace document
    /// for a workspace unarchive, `null` otherwise.
    pub(crate) fn set_archived(
        &mut self,
        caller: Caller<'_>,
        target: ArchiveTarget,
        id: &str,
        archive: bool,
    ) -> Result<Value, ApiError> {
        let now = self.now();
        match target {
            ArchiveTarget::Organization => {
                if !self.orgs.contains_key(id) || !caller.may_touch(id) {
                    // The spec declares 400 ("invalid type or id"), not 404, for an unknown id.
                    return Err(ApiError::bad_request(
                        "Validation error: no organization with this id",
                    ));
                }
                if let Some(org) = self.orgs.get_mut(id) {
                    stamp(&mut org.archived_at, archive, now);
                }
                let workspaces: Vec<String> = self
                    .workspaces
                    .values_mut()
                    .filter(|w| w.organization == id)
                    .map(|w| {
                        stamp(&mut w.archived_at, archive, now);
                        w.id.clone()
                    })
                    .collect();
                for assistant in self.assistants.values_mut() {
                    if workspaces.contains(&assistant.workspace) {
                        stamp(&mut assistant.archived_at, archive, now);
                    }
                }
                Ok(Value::Null)
            }
            ArchiveTarget::Workspace => {
                let organization = match self.workspaces.get(id) {
                    Some(w) if caller.may_touch(&w.organization) => w.organization.clone(),
                    _ => {
                        return Err(ApiError::bad_request(
                            "Validation error: no workspace with this id",
                        ));
                    }
                };
                let parent_archived = self
                    .orgs
                    .get(&organization)
                    .is_some_and(|o| o.archived_at.is_some());
                if !archive && parent_archived {
                    return Err(ApiError::bad_request(
                        "Cannot unarchive workspace. Parent Organization is archived.",
                    ));
                }
                for assistant in self.assistants.values_mut().filter(|a| a.workspace == id) {
                    stamp(&mut assistant.archived_at, archive, now);
                }
                let workspace = self.workspaces.get_mut(id).ok_or_else(|| {
                    ApiError::bad_request("Validation error: no workspace with this id")
                })?;
                stamp(&mut workspace.archived_at, archive, now);
                Ok(if archive {
                    Value::Null
                } else {
                    workspace.to_json()
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::NewOrganization;
    use crate::state::org::{DEFAULT_ORGANIZATION_ID as ORG, DEFAULT_WORKSPACE_ID as WS};
    use axum::http::StatusCode;
    use serde_json::json;

    const ME: Caller<'static> = Caller {
        organization: ORG,
        role: Role::OrganizationAdmin,
    };

    #[test]
    fn archiving_an_organization_cascades_and_blocks_workspace_unarchive() {
        let mut world = World::seeded();
        let body = json!({"name": "A", "variant": {"type": "custom"}, "agent": {"identity": {}, "systemPrompt": "x"}});
        let assistant = world.create_assistant(WS, &body).unwrap();
        world
            .set_archived(ME, ArchiveTarget::Organization, ORG, true)
            .unwrap();
        assert!(world.workspaces[WS].archived_at.is_some());
        assert!(world.assistants[&assistant].is_archived());

        let err = world
            .set_archived(ME, ArchiveTarget::Workspace, WS, false)
            .unwrap_err();
        assert_eq!(
            err.message,
            "Cannot unarchive workspace. Parent Organization is archived."
        );

        world
            .set_archived(ME, ArchiveTarget::Organization, ORG, false)
            .unwrap();
        assert!(!world.assistants[&assistant].is_archived());
        world
            .set_archived(ME, ArchiveTarget::Workspace, WS, true)
            .unwrap();
        assert!(world.assistants[&assistant].is_archived());
        let data = world
            .set_archived(ME, ArchiveTarget::Workspace, WS, false)
            .unwrap();
        assert_eq!(data["_id"], WS);
    }

    #[test]
    fn other_organizations_are_invisible_unless_admin() {
        let mut world = World::seeded();
        let other = world.create_organization(NewOrganization::default());
        let err = world
            .set_archived(ME, ArchiveTarget::Workspace, &other.workspace_id, true)
            .unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST, "the spec's status");
        let err = world
            .set_archived(
                ME,
                ArchiveTarget::Organization,
                &other.organization_id,
                true,
            )
            .unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST, "the spec's status");
        let admin = Caller {
            organization: ORG,
            role: Role::Admin,
        };
        world
            .set_archived(
                admin,
                ArchiveTarget::Organization,
                &other.organization_id,
                true,
            )
            .unwrap();
    }
}
