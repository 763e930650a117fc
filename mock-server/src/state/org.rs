//! Organizations: key pairs, roles, credit and archive state.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Public key of the seeded default organization (`pk_` + 32 hex).
pub const DEFAULT_PUBLIC_KEY: &str = "pk_6d6f636b7075626c69636b6579303031";
/// Private key of the seeded default organization (`sk_` + 64 hex); also its webhook signing key.
pub const DEFAULT_PRIVATE_KEY: &str =
    "sk_6d6f636b2d707269766174652d6b65792d64656661756c742d6f72672d303031";
/// Id of the seeded default organization.
pub const DEFAULT_ORGANIZATION_ID: &str = "6690a1b2c3d4e5f600000001";
/// Id of the seeded default organization's workspace.
pub const DEFAULT_WORKSPACE_ID: &str = "6690a1b2c3d4e5f600000002";
/// Credit balance every new organization starts with unless told otherwise.
pub const DEFAULT_CREDIT_BALANCE: f64 = 100.0;
/// Overdraft allowed for calls once the balance reaches zero.
pub const NEGATIVE_CREDIT_ALLOWANCE: f64 = 100.0;

/// The role carried by an organization's key pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Platform administrator: may archive and unarchive any organization or workspace.
    Admin,
    /// Administrator of its own organization: may archive and unarchive it and its workspaces.
    #[default]
    OrganizationAdmin,
    /// Regular member: archive and unarchive answer `403`.
    Member,
}

impl Role {
    /// Whether this role may archive and unarchive.
    pub fn can_archive(self) -> bool {
        matches!(self, Self::Admin | Self::OrganizationAdmin)
    }
}

/// The key pair and ids an application needs to talk to one organization of the emulator.
///
/// `Debug` leaves the private key out.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    /// The organization's id (the `organization` header of the number-pool operations).
    pub organization_id: String,
    /// The organization's first workspace (the `workspace` header).
    pub workspace_id: String,
    /// `x-public-key`.
    pub public_key: String,
    /// `x-private-key`, also the HMAC key of webhook signatures.
    pub private_key: String,
    /// The role of this key pair.
    pub role: Role,
}

impl Credentials {
    /// The seeded default organization's credentials.
    pub fn default_organization() -> Self {
        Self {
            organization_id: DEFAULT_ORGANIZATION_ID.to_owned(),
            workspace_id: DEFAULT_WORKSPACE_ID.to_owned(),
            public_key: DEFAULT_PUBLIC_KEY.to_owned(),
            private_key: DEFAULT_PRIVATE_KEY.to_owned(),
            role: Role::OrganizationAdmin,
        }
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("organization_id", &self.organization_id)
            .field("workspace_id", &self.workspace_id)
            .field("public_key", &self.public_key)
            .field("private_key", &"<redacted>")
            .field("role", &self.role)
            .finish()
    }
}

/// An organization held by the emulator.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct Organization {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) role: Role,
    pub(crate) public_key: String,
    pub(crate) private_key: String,
    pub(crate) credit_balance: f64,
    pub(crate) stand_alone: bool,
    pub(crate) archived_at: Option<u64>,
    pub(crate) default_workspace: String,
}

impl Organization {
    /// Whether `private_key` is this organization's, compared in constant time.
    pub(crate) fn private_key_matches(&self, private_key: &str) -> bool {
        let (a, b) = (self.private_key.as_bytes(), private_key.as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_keys_have_the_documented_shape() {
        assert_eq!(DEFAULT_PUBLIC_KEY.len(), 3 + 32);
        assert_eq!(DEFAULT_PRIVATE_KEY.len(), 3 + 64);
        assert!(
            DEFAULT_PRIVATE_KEY[3..]
                .bytes()
                .all(|b| b.is_ascii_hexdigit())
        );
    }

    #[test]
    fn debug_redacts_the_private_key() {
        let text = format!("{:?}", Credentials::default_organization());
        assert!(!text.contains(DEFAULT_PRIVATE_KEY), "{text}");
        assert!(text.contains(DEFAULT_PUBLIC_KEY));
    }

    #[test]
    fn roles() {
        assert!(Role::Admin.can_archive());
        assert!(Role::OrganizationAdmin.can_archive());
        assert!(!Role::Member.can_archive());
        assert_eq!(
            serde_json::to_string(&Role::OrganizationAdmin).unwrap(),
            "\"organization_admin\""
        );
    }
}
