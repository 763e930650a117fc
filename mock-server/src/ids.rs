//! Identifiers and key material, deterministic per emulator instance.

use sha2::{Digest, Sha256};

/// Hands out 24-hex-digit Mongo-style object ids: 8 digits of virtual Unix time, a fixed
/// 10-digit "machine" part and a 6-digit counter, like the service's `_id`s.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct IdGen {
    counter: u32,
}

impl Default for IdGen {
    fn default() -> Self {
        // Counter values below 0x100 are left to the seeded, fixed ids.
        Self { counter: 0x100 }
    }
}

impl IdGen {
    /// The next object id, stamped with `unix_time`.
    pub(crate) fn object_id(&mut self, unix_time: i64) -> String {
        self.counter = self.counter.wrapping_add(1) & 0x00ff_ffff;
        format!(
            "{:08x}a1b2c3d4e5{:06x}",
            (unix_time as u64) & 0xffff_ffff,
            self.counter
        )
    }

    /// A fresh upload-session id, `sess_` followed by an object id.
    pub(crate) fn session_id(&mut self, unix_time: i64) -> String {
        format!("sess_{}", self.object_id(unix_time))
    }

    /// A fresh key pair: `pk_` + 32 hex and `sk_` + 64 hex.
    pub(crate) fn key_pair(&mut self, organization_id: &str) -> (String, String) {
        self.counter = self.counter.wrapping_add(1) & 0x00ff_ffff;
        let digest = |label: &str| {
            let mut hasher = Sha256::new();
            hasher.update(label.as_bytes());
            hasher.update(organization_id.as_bytes());
            hasher.update(self.counter.to_be_bytes());
            hex::encode(hasher.finalize())
        };
        let public = digest("public");
        (
            format!("pk_{}", &public[..32]),
            format!("sk_{}", digest("private")),
        )
    }
}

/// Whether `id` looks like a 24-hex-digit object id.
pub(crate) fn is_object_id(id: &str) -> bool {
    id.len() == 24 && id.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A URL- and name-friendly slug: lower-case ASCII alphanumerics joined by single dashes.
pub(crate) fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_are_24_hex_and_unique() {
        let mut ids = IdGen::default();
        let a = ids.object_id(1_780_308_000);
        let b = ids.object_id(1_780_308_000);
        assert!(is_object_id(&a), "{a}");
        assert_ne!(a, b);
        assert!(ids.session_id(0).starts_with("sess_"));
    }

    #[test]
    fn key_pairs_have_the_documented_shape() {
        let mut ids = IdGen::default();
        let (pk, sk) = ids.key_pair("org");
        assert!(pk.starts_with("pk_") && pk.len() == 35);
        assert!(sk.starts_with("sk_") && sk.len() == 67);
        assert!(pk[3..].bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(ids.key_pair("org"), (pk, sk));
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Acme Support Line"), "acme-support-line");
        assert_eq!(slugify("  Check   Order-Status! "), "check-order-status");
        assert!(!is_object_id("xyz"));
    }
}
