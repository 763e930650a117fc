//! Applies a [`Seed`] to the world.

use super::World;
use super::number::{NumberStatus, TelephonyNumber};
use super::org::{self, Role};
use super::workspace::{NewWorkspace, WorkspaceVariant};
use crate::seed::{Seed, SeedError, SeedOrganization, SeedWorkspace};
use crate::spec;

impl World {
    /// Creates or extends what the seed names, in order; stops at the first problem, naming
    /// the entry (the caller starts over from a fresh world).
    pub(crate) fn apply_seed(&mut self, seed: &Seed) -> Result<(), SeedError> {
        for (index, organization) in seed.organizations.iter().enumerate() {
            let label = format!(
                "organizations[{index}]{}",
                organization
                    .name
                    .as_ref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default()
            );
            let id = self
                .seed_organization(organization)
                .map_err(|problem| SeedError::new(format!("{label}: {problem}")))?;
            for (w, workspace) in organization.workspaces.iter().enumerate() {
                self.seed_workspace(&id, workspace).map_err(|problem| {
                    SeedError::new(format!(
                        "{label}.workspaces[{w}] ({}): {problem}",
                        workspace.name
                    ))
                })?;
            }
        }
        Ok(())
    }

    fn seed_organization(&mut self, seed: &SeedOrganization) -> Result<String, String> {
        if let Some(id) = seed.id.as_ref().filter(|id| self.orgs.contains_key(*id)) {
            let org = self.orgs.get_mut(id).ok_or("vanished")?;
            let keys_differ = seed
                .public_key
                .as_ref()
                .is_some_and(|k| *k != org.public_key)
                || seed
                    .private_key
                    .as_ref()
                    .is_some_and(|k| !org.private_key_matches(k));
            if keys_differ {
                return Err(format!(
                    "organization {id} exists with other keys: leave publicKey and privateKey out to extend it"
                ));
            }
            if let Some(name) = &seed.name {
                org.name.clone_from(name);
            }
            if let Some(role) = seed.role {
                org.role = role;
            }
            if let Some(balance) = seed.credit_balance {
                org.credit_balance = balance;
            }
            if let Some(stand_alone) = seed.stand_alone {
                org.stand_alone = stand_alone;
            }
            return Ok(id.clone());
        }
        let id = match &seed.id {
            Some(id) if id.trim().is_empty() => return Err("id is empty".to_owned()),
            Some(id) => id.clone(),
            None => self.new_id(),
        };
        let (public_key, private_key) = match (&seed.public_key, &seed.private_key) {
            (Some(public), Some(private)) => (public.clone(), private.clone()),
            (None, None) => self.ids.key_pair(&id),
            _ => return Err("give both publicKey and privateKey, or neither".to_owned()),
        };
        if public_key.trim().is_empty() || private_key.trim().is_empty() {
            return Err("publicKey and privateKey must not be empty".to_owned());
        }
        if self.org_by_public_key(&public_key).is_some() {
            return Err(format!(
                "publicKey {public_key} is already used by another organization"
            ));
        }
        if seed.credit_balance.is_some_and(|b| !b.is_finite()) {
            return Err("creditBalance must be a finite number".to_owned());
        }
        self.insert_organization(
            id.clone(),
            seed.name
                .clone()
                .unwrap_or_else(|| format!("Organization {id}")),
            public_key,
            private_key,
            seed.role.unwrap_or(Role::OrganizationAdmin),
            seed.credit_balance.unwrap_or(org::DEFAULT_CREDIT_BALANCE),
            seed.stand_alone.unwrap_or(false),
        );
        if seed.workspaces.is_empty() {
            self.insert_workspace(
                None,
                &id,
                NewWorkspace::default_for("Default Workspace"),
                WorkspaceVariant::Custom,
            );
        }
        Ok(id)
    }

    fn seed_workspace(&mut self, organization: &str, seed: &SeedWorkspace) -> Result<(), String> {
        if seed.name.trim().is_empty() {
            return Err("name must not be empty".to_owned());
        }
        let id = match seed.id.as_ref().map(|id| (id, self.workspaces.get(id))) {
            Some((id, Some(existing))) if existing.organization == organization => id.clone(),
            Some((id, Some(_))) => {
                return Err(format!("workspace {id} belongs to another organization"));
            }
            Some((id, None)) if id.trim().is_empty() => return Err("id is empty".to_owned()),
            other => self.insert_workspace(
                other.map(|(id, _)| id.clone()),
                organization,
                NewWorkspace::default_for(&seed.name),
                WorkspaceVariant::Custom,
            ),
        };
        let validator = spec::request_validator("adminCreateAssistant");
        for (index, body) in seed.assistants.iter().enumerate() {
            if let Some(validator) = validator {
                spec::check(validator, body)
                    .map_err(|errors| format!("assistants[{index}]: {}", errors.join("; ")))?;
            }
            self.create_assistant(&id, body)
                .map_err(|e| format!("assistants[{index}]: {}", e.message))?;
        }
        for number in &seed.numbers {
            let valid = number.strip_prefix('+').is_some_and(|digits| {
                (8..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
            });
            if !valid {
                return Err(format!(
                    "number {number} is not E.164 (+ and 8 to 15 digits)"
                ));
            }
            if self
                .numbers
                .values()
                .any(|n| n.number == *number && n.status == NumberStatus::Active)
            {
                return Err(format!("number {number} is already held"));
            }
            let number_id = self.new_id();
            let provider_number_id = self.new_id();
            let now = self.now();
            self.numbers.insert(
                number_id.clone(),
                TelephonyNumber {
                    id: number_id,
                    number: number.clone(),
                    provider: "miraiminds".to_owned(),
                    organization: organization.to_owned(),
                    workspace: Some(id.clone()),
                    status: NumberStatus::Active,
                    provider_number_id,
                    setup_fee_cents: 0,
                    country_code: "US".to_owned(),
                    created_at: now,
                    updated_at: now,
                },
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_numbers_are_held_by_the_organization_and_assigned_to_the_workspace() {
        let mut world = World::seeded();
        let seed = Seed::from_yaml(
            "organizations:\n  - name: A\n    workspaces:\n      - name: W\n        numbers: [\"+14155550150\"]\n",
        )
        .unwrap();
        world.apply_seed(&seed).unwrap();
        let number = world
            .numbers
            .values()
            .find(|n| n.number == "+14155550150")
            .unwrap();
        let workspace = &world.workspaces[number.workspace.as_ref().unwrap()];
        assert_eq!(workspace.fields.name, "W");
        assert_eq!(world.orgs[&number.organization].name, "A");
        assert_eq!(workspace.organization, number.organization);
        let again = world.apply_seed(&seed).unwrap_err();
        assert!(again.problem.contains("already held"), "{again}");
    }
}
