//! Seed files: organizations, workspaces, assistants and numbers loaded at start, so a
//! standalone emulator used from any language starts with the data its tests expect.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::state::org::Role;

/// What to load at start, read from JSON or YAML. Every field but workspace names is optional.
///
/// An organization or workspace whose `id` already exists (such as the seeded default
/// organization) is reused; the others are created, with fresh ids and keys unless given.
/// Assistants are `POST /v1/admin/assistant/create` bodies, validated like requests; numbers
/// are E.164 strings held by the organization and assigned to the workspace.
///
/// ```
/// use mirai_voice_mock::Seed;
///
/// let seed = Seed::from_yaml(r#"
/// organizations:
///   - name: Acme
///     publicKey: pk_acme
///     privateKey: sk_acme
///     creditBalance: 50
///     workspaces:
///       - name: Support
///         assistants:
///           - name: Priya
///             variant: { type: custom }
///             agent: { identity: { name: Priya }, systemPrompt: Be helpful. }
///         numbers: ["+14155550150"]
/// "#).unwrap();
/// assert_eq!(seed.organizations[0].workspaces[0].name, "Support");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Seed {
    /// Organizations to create or extend.
    #[serde(default)]
    pub organizations: Vec<SeedOrganization>,
}

/// An organization of a [`Seed`].
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedOrganization {
    /// Its id; an existing id extends that organization.
    pub id: Option<String>,
    /// Display name.
    pub name: Option<String>,
    /// `x-public-key` (with `private_key`; generated when both are absent).
    pub public_key: Option<String>,
    /// `x-private-key` (with `public_key`).
    pub private_key: Option<String>,
    /// Role of its key pair (default `organization_admin`).
    pub role: Option<Role>,
    /// Credit balance (default 100).
    pub credit_balance: Option<f64>,
    /// Whether it may not onboard further workspaces (default `false`).
    pub stand_alone: Option<bool>,
    /// Its workspaces; a new organization without any gets a `Default Workspace`.
    #[serde(default)]
    pub workspaces: Vec<SeedWorkspace>,
}

impl fmt::Debug for SeedOrganization {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SeedOrganization")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("public_key", &self.public_key)
            .field(
                "private_key",
                &self.private_key.as_ref().map(|_| "<redacted>"),
            )
            .field("role", &self.role)
            .field("credit_balance", &self.credit_balance)
            .field("stand_alone", &self.stand_alone)
            .field("workspaces", &self.workspaces)
            .finish()
    }
}

/// A workspace of a [`SeedOrganization`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeedWorkspace {
    /// Its id; an existing id extends that workspace.
    pub id: Option<String>,
    /// Display name.
    pub name: String,
    /// `POST /v1/admin/assistant/create` bodies.
    #[serde(default)]
    pub assistants: Vec<Value>,
    /// Phone numbers (E.164) held by the organization and assigned to this workspace.
    #[serde(default)]
    pub numbers: Vec<String>,
}

/// Why a seed could not be read or applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    /// The file, when read from one.
    pub file: Option<PathBuf>,
    /// What is wrong, naming the entry.
    pub problem: String,
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.file {
            Some(file) => write!(f, "seed file {}: {}", file.display(), self.problem),
            None => write!(f, "seed: {}", self.problem),
        }
    }
}

impl std::error::Error for SeedError {}

impl SeedError {
    pub(crate) fn new(problem: impl Into<String>) -> Self {
        Self {
            file: None,
            problem: problem.into(),
        }
    }

    fn in_file(mut self, file: &Path) -> Self {
        self.file = Some(file.to_owned());
        self
    }
}

impl Seed {
    /// Reads a seed from YAML (JSON is YAML too).
    ///
    /// # Errors
    ///
    /// When the text is not a seed, with the line and column of the problem.
    pub fn from_yaml(text: &str) -> Result<Self, SeedError> {
        serde_norway::from_str(text).map_err(|e| SeedError::new(e.to_string()))
    }

    /// Reads a seed from JSON.
    ///
    /// # Errors
    ///
    /// When the text is not a seed, with the line and column of the problem.
    pub fn from_json(text: &str) -> Result<Self, SeedError> {
        serde_json::from_str(text).map_err(|e| SeedError::new(e.to_string()))
    }

    /// Reads a seed file: JSON when its name ends in `.json`, YAML otherwise.
    ///
    /// # Errors
    ///
    /// When the file cannot be read or is not a seed; the error names the file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, SeedError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| SeedError::new(format!("cannot read it: {e}")).in_file(path))?;
        let is_json = path
            .extension()
            .is_some_and(|ext| ext.eq_ignore_ascii_case("json"));
        let seed = if is_json {
            Self::from_json(&text)
        } else {
            Self::from_yaml(&text)
        };
        seed.map_err(|e| e.in_file(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_leaves_private_keys_out() {
        let seed = Seed::from_json(
            r#"{"organizations": [{"publicKey": "pk_visible", "privateKey": "sk_hidden_value"}]}"#,
        )
        .unwrap();
        let shown = format!("{seed:?}");
        assert!(shown.contains("pk_visible"), "{shown}");
        assert!(!shown.contains("sk_hidden_value"), "{shown}");
    }
}
