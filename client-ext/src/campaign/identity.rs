//! Names of campaigns and of the workers that run them.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::ids::AssistantId;

/// Names a campaign in its journal, so that a journal is only ever resumed by the campaign that wrote it.
///
/// [`CampaignId::derive`] names it after the rows file and the assistant (a digest): a changed file or another
/// assistant is another campaign, and a file journal written for one refuses the other. [`CampaignId::named`]
/// takes a name of your own, which keeps the journal across edits of the file (give the rows an `id` column
/// then, so that each row keeps its key).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct CampaignId(String);

/// A campaign name that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a campaign name: use 1 to 64 letters, digits, `.`, `_` or `-`, not starting with `.` or `-`"
)]
pub struct InvalidCampaignName(pub String);

impl CampaignId {
    /// The campaign of `rows_file` (its exact bytes) placed by `assistant`: `c-` and 16 hex digits of the
    /// SHA-256 of both.
    pub fn derive(rows_file: &[u8], assistant: &AssistantId) -> Self {
        let mut digest = Sha256::new();
        digest.update(assistant.as_str().as_bytes());
        digest.update([0]);
        digest.update(rows_file);
        let hex = hex::encode(digest.finalize());
        CampaignId(format!("c-{}", &hex[..16]))
    }

    /// A campaign named by its owner. The name becomes part of Redis keys and of a journal file, hence the
    /// restricted characters.
    pub fn named(name: impl Into<String>) -> Result<Self, InvalidCampaignName> {
        let name = name.into();
        let valid = (1..=64).contains(&name.len())
            && !name.starts_with(['.', '-'])
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if valid {
            Ok(CampaignId(name))
        } else {
            Err(InvalidCampaignName(name))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CampaignId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Names one process working on a campaign; recorded with each row it claims.
///
/// [`WorkerId::generate`] gives `<host>:<pid>:<random>`, so a person reading the journal sees which machine and
/// process left a row undecided, and a restarted process is never mistaken for the one that died.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct WorkerId(String);

impl WorkerId {
    /// A fresh id for this process.
    pub fn generate() -> Self {
        let host = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "host".to_owned());
        WorkerId(format!(
            "{host}:{}:{:08x}",
            std::process::id(),
            rand::random::<u32>()
        ))
    }

    /// An id of your own (e.g. in tests).
    pub fn new(id: impl Into<String>) -> Self {
        WorkerId(id.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WorkerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_ids_follow_the_file_and_the_assistant() {
        let a = AssistantId::from("a1");
        let b = AssistantId::from("b2");
        let id = CampaignId::derive(b"phone\n+15550100\n", &a);
        assert_eq!(id, CampaignId::derive(b"phone\n+15550100\n", &a));
        assert_ne!(id, CampaignId::derive(b"phone\n+15550101\n", &a));
        assert_ne!(id, CampaignId::derive(b"phone\n+15550100\n", &b));
        assert!(id.as_str().starts_with("c-"));
        assert_eq!(id.as_str().len(), 18);
    }

    #[test]
    fn names_are_checked() {
        assert!(CampaignId::named("spring-sale_2026.v2").is_ok());
        for bad in ["", "-x", ".x", "a b", "a:b", "a/b", &"x".repeat(65)] {
            assert!(CampaignId::named(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn worker_ids_are_unique_per_call() {
        assert_ne!(WorkerId::generate(), WorkerId::generate());
    }
}
