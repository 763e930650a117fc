//! Workspaces and onboarding (custom and Shopify).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::World;
use crate::clock::rfc3339_at;
use crate::error::ApiError;
use crate::ids::slug_or_fallback;

/// The kind of workspace, as the `Workspace.variant` field reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum WorkspaceVariant {
    Custom,
    Shopify,
}

impl WorkspaceVariant {
    fn as_str(self) -> &'static str {
        match self {
            Self::Custom => "custom",
            Self::Shopify => "shopify",
        }
    }
}

/// The fields onboarding takes from its request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct NewWorkspace {
    pub(crate) name: String,
    pub(crate) currency_code: String,
    pub(crate) timezone: String,
    pub(crate) support_phone: String,
    pub(crate) support_email: Option<String>,
}

impl NewWorkspace {
    /// The fields of a workspace created without a request (seeded or by the control API).
    pub(crate) fn default_for(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            currency_code: "USD".to_owned(),
            timezone: "UTC".to_owned(),
            support_phone: "+14155550100".to_owned(),
            support_email: Some("support@example.com".to_owned()),
        }
    }

    /// Reads the fields from a validated onboarding body.
    pub(crate) fn from_body(body: &Value) -> Self {
        let text = |pointer: &str| {
            body.pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Self {
            name: text("/name").trim().to_owned(),
            currency_code: text("/currencyCode").to_ascii_uppercase(),
            timezone: text("/timezone"),
            support_phone: text("/supportContacts/phoneNumber"),
            support_email: body
                .pointer("/supportContacts/email")
                .and_then(Value::as_str)
                .map(str::to_owned),
        }
    }
}

/// A workspace held by the emulator.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Workspace {
    pub(crate) id: String,
    pub(crate) organization: String,
    pub(crate) fields: NewWorkspace,
    pub(crate) slug: String,
    pub(crate) variant: WorkspaceVariant,
    pub(crate) integration_id: String,
    pub(crate) archived_at: Option<u64>,
    pub(crate) created_at: u64,
}

impl Workspace {
    /// The `Workspace` schema of the spec.
    pub(crate) fn to_json(&self) -> Value {
        let mut contacts = json!({ "phoneNumber": self.fields.support_phone });
        if let Some(email) = &self.fields.support_email {
            contacts["email"] = json!(email);
        }
        json!({
            "_id": self.id,
            "name": self.fields.name,
            "slug": self.slug,
            "organization": self.organization,
            "variant": self.variant.as_str(),
            "currencyCode": self.fields.currency_code,
            "timezone": self.fields.timezone,
            "supportContacts": contacts,
            "createdAt": rfc3339_at(self.created_at),
        })
    }
}

impl World {
    /// Stores a workspace (with `id` when given) and auto-assigns its default number.
    pub(crate) fn insert_workspace(
        &mut self,
        id: Option<String>,
        organization_id: &str,
        fields: NewWorkspace,
        variant: WorkspaceVariant,
    ) -> String {
        let id = id.unwrap_or_else(|| self.new_id());
        let integration_id = self.new_id();
        let slug = slug_or_fallback(&fields.name);
        self.workspaces.insert(
            id.clone(),
            Workspace {
                id: id.clone(),
                organization: organization_id.to_owned(),
                fields,
                slug,
                variant,
                integration_id,
                archived_at: None,
                created_at: self.now(),
            },
        );
        if let Some(org) = self.orgs.get_mut(organization_id)
            && org.default_workspace.is_empty()
        {
            org.default_workspace = id.clone();
        }
        self.assign_default_number(organization_id, &id);
        id
    }

    /// Onboards a workspace for an organization, enforcing the documented rules.
    pub(crate) fn onboard_workspace(
        &mut self,
        organization_id: &str,
        fields: NewWorkspace,
        variant: WorkspaceVariant,
    ) -> Result<String, ApiError> {
        let org = self
            .orgs
            .get(organization_id)
            .ok_or_else(|| ApiError::not_found("Organization not found"))?;
        if org.archived_at.is_some() {
            return Err(ApiError::bad_request("Organization is archived"));
        }
        if org.stand_alone {
            return Err(ApiError::forbidden(
                "Stand-alone organizations cannot create new workspaces",
            ));
        }
        if fields.name.is_empty() {
            return Err(ApiError::bad_request(
                "Validation error: name must not be empty",
            ));
        }
        let slug = slug_or_fallback(&fields.name);
        let clash = self.workspaces.values().any(|w| {
            w.organization == organization_id
                && (w.slug == slug || w.fields.name.eq_ignore_ascii_case(&fields.name))
        });
        if clash {
            return Err(ApiError::conflict("Workspace already exists"));
        }
        Ok(self.insert_workspace(None, organization_id, fields, variant))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::control::NewOrganization;
    use crate::state::org::DEFAULT_ORGANIZATION_ID;
    use axum::http::StatusCode;

    #[test]
    fn onboarding_rules() {
        let mut world = World::seeded();
        let id = world
            .onboard_workspace(
                DEFAULT_ORGANIZATION_ID,
                NewWorkspace::default_for("Acme Line"),
                WorkspaceVariant::Custom,
            )
            .unwrap();
        assert_eq!(world.workspaces[&id].to_json()["slug"], "acme-line");
        let dup = world
            .onboard_workspace(
                DEFAULT_ORGANIZATION_ID,
                NewWorkspace::default_for("ACME line"),
                WorkspaceVariant::Shopify,
            )
            .unwrap_err();
        assert_eq!(dup.status, StatusCode::CONFLICT);

        let standalone = world.create_organization(NewOrganization {
            stand_alone: Some(true),
            ..NewOrganization::default()
        });
        let err = world
            .onboard_workspace(
                &standalone.organization_id,
                NewWorkspace::default_for("X"),
                WorkspaceVariant::Custom,
            )
            .unwrap_err();
        assert_eq!(err.status, StatusCode::FORBIDDEN);

        world
            .orgs
            .get_mut(DEFAULT_ORGANIZATION_ID)
            .unwrap()
            .archived_at = Some(0);
        let err = world
            .onboard_workspace(
                DEFAULT_ORGANIZATION_ID,
                NewWorkspace::default_for("Y"),
                WorkspaceVariant::Custom,
            )
            .unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert!(world.workspace_archived(&id));
    }

    #[test]
    fn names_in_other_scripts_do_not_collide() {
        let mut world = World::seeded();
        let onboard = |world: &mut World, name: &str| {
            world.onboard_workspace(
                DEFAULT_ORGANIZATION_ID,
                NewWorkspace::default_for(name),
                WorkspaceVariant::Custom,
            )
        };
        let tokyo = onboard(&mut world, "東京").unwrap();
        let osaka = onboard(&mut world, "大阪").unwrap();
        assert_eq!(world.workspaces[&tokyo].to_json()["slug"], "東京");
        assert_eq!(world.workspaces[&osaka].to_json()["slug"], "大阪");
        assert_eq!(
            onboard(&mut world, "東京").unwrap_err().status,
            StatusCode::CONFLICT
        );
        // Names without a letter or digit get distinct fallback slugs.
        onboard(&mut world, "!!!").unwrap();
        onboard(&mut world, "???").unwrap();
    }
}
