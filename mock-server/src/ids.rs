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

/// A URL- and name-friendly slug: lower-case ASCII alphanumerics joined by single dashes, for
/// names the emulator makes up itself (knowledge-base collections).
pub(crate) fn ascii_slugify(name: &str) -> String {
    slug_of(name, |c| c.is_ascii_alphanumeric())
}

/// The slug of a user-given name: lower-case letters and digits of any script (with their
/// combining marks, so that "नमस्ते" stays whole) joined by single dashes. Keeping every script
/// matters: two names written only in, say, Japanese must not both slug to nothing and collide.
pub(crate) fn slugify(name: &str) -> String {
    slug_of(name, |c| {
        c.is_alphanumeric()
            || (!c.is_ascii() && !c.is_whitespace() && !c.is_control() && !is_punctuation(c))
    })
}

/// [`slugify`], or when that is empty (a name of punctuation only) the name's UTF-8 bytes in
/// hex: stable, and distinct for distinct names.
pub(crate) fn slug_or_fallback(name: &str) -> String {
    let slug = slugify(name);
    if slug.is_empty() && !name.trim().is_empty() {
        format!("x-{}", hex::encode(name.trim()))
    } else {
        slug
    }
}

/// Non-ASCII punctuation and spacing blocks: general punctuation, CJK symbols and punctuation
/// (whose letters, such as the iteration mark 々, are alphanumeric and kept anyway), and the
/// full-width ASCII punctuation.
fn is_punctuation(c: char) -> bool {
    matches!(c,
        '\u{2000}'..='\u{206F}'
        | '\u{3000}'..='\u{303F}'
        | '\u{FF01}'..='\u{FF0F}'
        | '\u{FF1A}'..='\u{FF20}'
        | '\u{FF3B}'..='\u{FF40}'
        | '\u{FF5B}'..='\u{FF65}')
}

fn slug_of(name: &str, keep: impl Fn(char) -> bool) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars() {
        if keep(c) {
            slug.extend(c.to_lowercase());
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
        assert_eq!(slugify("注文状況"), "注文状況");
        assert_eq!(slugify("東京"), "東京");
        assert_ne!(slugify("東京"), slugify("大阪"));
        assert_eq!(slugify("佐々木 Ömer"), "佐々木-ömer");
        assert_eq!(slugify("नमस्ते दुनिया"), "नमस्ते-दुनिया");
        assert_eq!(slugify("「注文」、状況！"), "注文-状況");
        assert_eq!(ascii_slugify("東京 Report"), "report");
        assert_eq!(slug_or_fallback("!!!"), "x-212121");
        assert_ne!(slug_or_fallback("!!!"), slug_or_fallback("???"));
        assert_eq!(slug_or_fallback("東京"), "東京");
        assert!(!is_object_id("xyz"));
    }
}
