//! In-memory state of the emulated service: organizations, workspaces and everything in them.
//!
//! One [`World`] lives behind one mutex. Operations that change call state append webhook
//! events to [`World::outbox`]; whoever holds the lock hands them to the delivery queue before
//! releasing it, so events of one call are queued in the order they happened.

pub(crate) mod archive;
pub(crate) mod assistant;
pub(crate) mod call;
pub(crate) mod catalog;
pub(crate) mod kb;
pub(crate) mod number;
pub(crate) mod org;
pub(crate) mod seed;
pub(crate) mod tool;
pub(crate) mod workspace;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::clock::VirtualClock;
use crate::control::{NewOrganization, OrganizationInfo, OrganizationPatch};
use crate::error::ApiError;
use crate::ids::IdGen;

use assistant::Assistant;
use call::Call;
use kb::{KbFile, UploadSession};
use number::TelephonyNumber;
use org::{Credentials, Organization, Role};
use tool::ApiTool;
use workspace::{NewWorkspace, Workspace, WorkspaceVariant};

/// A webhook event ready to be delivered: the exact body and its signature.
#[derive(Debug, Clone)]
pub(crate) struct OutgoingEvent {
    pub(crate) call_id: String,
    pub(crate) url: Option<String>,
    pub(crate) event_type: String,
    pub(crate) body: Vec<u8>,
    pub(crate) signature: String,
    pub(crate) public_key: String,
}

/// Everything the emulated service knows. It is saved whole to state files; the schedule is
/// rebuilt from the calls on restore ([`World::rebuild_schedule`]).
#[derive(Serialize, Deserialize)]
pub(crate) struct World {
    pub(crate) clock: VirtualClock,
    pub(crate) ids: IdGen,
    pub(crate) orgs: BTreeMap<String, Organization>,
    pub(crate) workspaces: BTreeMap<String, Workspace>,
    pub(crate) assistants: BTreeMap<String, Assistant>,
    pub(crate) numbers: BTreeMap<String, TelephonyNumber>,
    pub(crate) tools: BTreeMap<String, ApiTool>,
    pub(crate) upload_sessions: BTreeMap<String, UploadSession>,
    pub(crate) kb_files: BTreeMap<String, KbFile>,
    pub(crate) calls: BTreeMap<String, Call>,
    /// Pending call steps keyed by (due second, sequence), valued by call id.
    #[serde(skip)]
    pub(crate) schedule: BTreeMap<(u64, u64), String>,
    pub(crate) schedule_seq: u64,
    pub(crate) under_maintenance: bool,
    /// Always empty between locks: whoever changes the world hands its events on.
    #[serde(skip)]
    pub(crate) outbox: Vec<OutgoingEvent>,
}

impl World {
    /// A world holding only the seeded default organization and its workspace.
    pub(crate) fn seeded() -> Self {
        let mut world = Self {
            clock: VirtualClock::default(),
            ids: IdGen::default(),
            orgs: BTreeMap::new(),
            workspaces: BTreeMap::new(),
            assistants: BTreeMap::new(),
            numbers: BTreeMap::new(),
            tools: BTreeMap::new(),
            upload_sessions: BTreeMap::new(),
            kb_files: BTreeMap::new(),
            calls: BTreeMap::new(),
            schedule: BTreeMap::new(),
            schedule_seq: 0,
            under_maintenance: false,
            outbox: Vec::new(),
        };
        let seeded = Credentials::default_organization();
        world.insert_organization(
            seeded.organization_id.clone(),
            "Mock Organization".to_owned(),
            seeded.public_key,
            seeded.private_key,
            Role::OrganizationAdmin,
            org::DEFAULT_CREDIT_BALANCE,
            false,
        );
        world.insert_workspace(
            Some(seeded.workspace_id),
            &seeded.organization_id,
            NewWorkspace::default_for("Default Workspace"),
            WorkspaceVariant::Custom,
        );
        world
    }

    /// Puts every call's pending step back on the schedule, after a restore.
    pub(crate) fn rebuild_schedule(&mut self) {
        self.schedule = self
            .calls
            .values()
            .filter_map(|call| call.scheduled.map(|key| (key, call.id.clone())))
            .collect();
    }

    /// Seconds elapsed on the virtual clock.
    pub(crate) fn now(&self) -> u64 {
        self.clock.elapsed()
    }

    /// A fresh object id stamped with the virtual time.
    pub(crate) fn new_id(&mut self) -> String {
        let now = self.clock.unix_now();
        self.ids.object_id(now)
    }

    #[allow(clippy::too_many_arguments)]
    fn insert_organization(
        &mut self,
        id: String,
        name: String,
        public_key: String,
        private_key: String,
        role: Role,
        credit_balance: f64,
        stand_alone: bool,
    ) {
        self.orgs.insert(
            id.clone(),
            Organization {
                id,
                name,
                role,
                public_key,
                private_key,
                credit_balance,
                stand_alone,
                archived_at: None,
                default_workspace: String::new(),
            },
        );
    }

    /// Creates an organization with its first workspace and returns its credentials.
    pub(crate) fn create_organization(&mut self, spec: NewOrganization) -> Credentials {
        let id = self.new_id();
        let (public_key, private_key) = self.ids.key_pair(&id);
        let role = spec.role.unwrap_or_default();
        let name = spec.name.unwrap_or_else(|| format!("Organization {id}"));
        self.insert_organization(
            id.clone(),
            name,
            public_key.clone(),
            private_key.clone(),
            role,
            spec.credit_balance.unwrap_or(org::DEFAULT_CREDIT_BALANCE),
            spec.stand_alone.unwrap_or(false),
        );
        let workspace_id = self.insert_workspace(
            None,
            &id,
            NewWorkspace::default_for("Default Workspace"),
            WorkspaceVariant::Custom,
        );
        Credentials {
            organization_id: id,
            workspace_id,
            public_key,
            private_key,
            role,
        }
    }

    /// The organization whose public key this is.
    pub(crate) fn org_by_public_key(&self, public_key: &str) -> Option<&Organization> {
        self.orgs.values().find(|o| o.public_key == public_key)
    }

    /// A summary of an organization for the control API.
    pub(crate) fn organization_info(&self, id: &str) -> Option<OrganizationInfo> {
        let org = self.orgs.get(id)?;
        Some(OrganizationInfo {
            id: org.id.clone(),
            name: org.name.clone(),
            role: org.role,
            public_key: org.public_key.clone(),
            credit_balance: org.credit_balance,
            stand_alone: org.stand_alone,
            archived: org.archived_at.is_some(),
            workspaces: self
                .workspaces
                .values()
                .filter(|w| w.organization == org.id)
                .map(|w| w.id.clone())
                .collect(),
        })
    }

    /// Applies a control-API patch to an organization.
    pub(crate) fn patch_organization(
        &mut self,
        id: &str,
        patch: OrganizationPatch,
    ) -> Option<OrganizationInfo> {
        let org = self.orgs.get_mut(id)?;
        if let Some(balance) = patch.credit_balance {
            org.credit_balance = balance;
        }
        if let Some(role) = patch.role {
            org.role = role;
        }
        if let Some(stand_alone) = patch.stand_alone {
            org.stand_alone = stand_alone;
        }
        self.organization_info(id)
    }

    /// Whether a workspace, or the organization above it, is archived.
    pub(crate) fn workspace_archived(&self, workspace_id: &str) -> bool {
        self.workspaces.get(workspace_id).is_some_and(|w| {
            w.archived_at.is_some()
                || self
                    .orgs
                    .get(&w.organization)
                    .is_some_and(|o| o.archived_at.is_some())
        })
    }

    /// `400` when the workspace cannot be changed because it (or its organization) is archived.
    pub(crate) fn ensure_workspace_writable(&self, workspace_id: &str) -> Result<(), ApiError> {
        if self.workspace_archived(workspace_id) {
            Err(ApiError::bad_request("Workspace is archived"))
        } else {
            Ok(())
        }
    }

    /// `400` when the organization is archived.
    pub(crate) fn ensure_organization_writable(
        &self,
        organization_id: &str,
    ) -> Result<(), ApiError> {
        if self
            .orgs
            .get(organization_id)
            .is_some_and(|o| o.archived_at.is_some())
        {
            Err(ApiError::bad_request("Organization is archived"))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeded_world_has_the_default_organization() {
        let world = World::seeded();
        let creds = Credentials::default_organization();
        let org = world.org_by_public_key(&creds.public_key).unwrap();
        assert_eq!(org.id, creds.organization_id);
        assert!(org.private_key_matches(&creds.private_key));
        assert!(!org.private_key_matches("sk_wrong"));
        assert_eq!(org.default_workspace, creds.workspace_id);
        assert!(world.workspaces.contains_key(&creds.workspace_id));
        assert_eq!(world.numbers.len(), 1, "a default number is auto-assigned");
    }

    #[test]
    fn created_organizations_get_fresh_keys_and_a_workspace() {
        let mut world = World::seeded();
        let creds = world.create_organization(NewOrganization {
            role: Some(Role::Member),
            credit_balance: Some(0.0),
            stand_alone: Some(true),
            ..NewOrganization::default()
        });
        assert_ne!(creds.public_key, org::DEFAULT_PUBLIC_KEY);
        let info = world.organization_info(&creds.organization_id).unwrap();
        assert_eq!(info.workspaces, vec![creds.workspace_id.clone()]);
        assert!(info.stand_alone);
        assert_eq!(info.role, Role::Member);
        let patched = world
            .patch_organization(
                &creds.organization_id,
                OrganizationPatch {
                    credit_balance: Some(5.0),
                    ..OrganizationPatch::default()
                },
            )
            .unwrap();
        assert_eq!(patched.credit_balance, 5.0);
    }
}
