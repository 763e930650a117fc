//! Webhook secrets and the stores that find them by public key.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

/// An organization's private key (`sk_…`), the HMAC key of its webhook
/// signatures.
///
/// The value is held in a [`secrecy::SecretString`], zeroized when the last
/// clone is dropped, and never printed: `Debug` shows `[REDACTED]`. Clones share
/// one allocation, so handing a secret to several receivers copies no key
/// material.
///
/// ```
/// use mirai_voice::webhook::WebhookSecret;
///
/// let secret = WebhookSecret::new("sk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
/// assert_eq!(format!("{secret:?}"), "WebhookSecret([REDACTED])");
/// ```
#[derive(Clone)]
pub struct WebhookSecret(Arc<SecretString>);

impl WebhookSecret {
    /// Wraps a private key. The API generates keys of the form `sk_` followed by
    /// 64 hex digits; any string is accepted, since it is only an HMAC key.
    pub fn new(secret: impl Into<String>) -> Self {
        WebhookSecret(Arc::new(SecretString::from(secret.into())))
    }

    /// The key bytes, for the HMAC computation only.
    pub(crate) fn key_bytes(&self) -> &[u8] {
        self.0.expose_secret().as_bytes()
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([REDACTED])")
    }
}

impl From<String> for WebhookSecret {
    fn from(secret: String) -> Self {
        WebhookSecret::new(secret)
    }
}

impl From<&str> for WebhookSecret {
    fn from(secret: &str) -> Self {
        WebhookSecret::new(secret)
    }
}

impl From<SecretString> for WebhookSecret {
    fn from(secret: SecretString) -> Self {
        WebhookSecret(Arc::new(secret))
    }
}

/// Why a [`KeyStore`] found no secret for a delivery.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyLookupError {
    /// The store needs the `x-public-key` header and the delivery has none.
    #[error("the x-public-key header is missing")]
    MissingPublicKey,
    /// No secret is registered for this public key.
    #[error("no webhook secret is registered for public key {public_key:?}")]
    UnknownPublicKey {
        /// The header value, cut to 64 characters (it comes from the network).
        public_key: String,
    },
}

impl KeyLookupError {
    /// An [`KeyLookupError::UnknownPublicKey`] for a header value, bounded in
    /// length so a hostile header cannot bloat logs.
    pub fn unknown(public_key: &str) -> Self {
        const MAX_CHARS: usize = 64;
        KeyLookupError::UnknownPublicKey {
            public_key: public_key.chars().take(MAX_CHARS).collect(),
        }
    }
}

/// Finds the secret that signed a delivery, from its `x-public-key` header.
///
/// Implement it over your own storage when a receiver serves organizations that
/// change at run time. Lookups are synchronous because they run on every
/// delivery: keep secrets in memory and refresh them in the background. The
/// `Debug` bound exists so a verifier can be printed; derive it on a type that
/// holds [`WebhookSecret`]s and the secrets stay redacted.
pub trait KeyStore: fmt::Debug + Send + Sync {
    /// Returns the secret for `public_key` (`None` when the delivery has no
    /// `x-public-key` header).
    fn secret_for(&self, public_key: Option<&str>) -> Result<WebhookSecret, KeyLookupError>;
}

impl<K: KeyStore + ?Sized> KeyStore for Arc<K> {
    fn secret_for(&self, public_key: Option<&str>) -> Result<WebhookSecret, KeyLookupError> {
        (**self).secret_for(public_key)
    }
}

impl<K: KeyStore + ?Sized> KeyStore for Box<K> {
    fn secret_for(&self, public_key: Option<&str>) -> Result<WebhookSecret, KeyLookupError> {
        (**self).secret_for(public_key)
    }
}

/// One organization's secret: the usual receiver.
///
/// By default it verifies every delivery with its secret whatever the
/// `x-public-key` header says (or whether it is present); a wrong organization
/// then fails as a signature mismatch. [`SingleSecret::expect_public_key`]
/// makes the header mandatory and checks it first, which gives clearer errors.
#[derive(Debug, Clone)]
pub struct SingleSecret {
    secret: WebhookSecret,
    public_key: Option<String>,
}

impl SingleSecret {
    /// A store that answers every lookup with `secret`.
    pub fn new(secret: impl Into<WebhookSecret>) -> Self {
        SingleSecret {
            secret: secret.into(),
            public_key: None,
        }
    }

    /// Requires `x-public-key` to equal `public_key` (the organization's
    /// `pk_…`).
    pub fn expect_public_key(mut self, public_key: impl Into<String>) -> Self {
        self.public_key = Some(public_key.into());
        self
    }
}

impl KeyStore for SingleSecret {
    fn secret_for(&self, public_key: Option<&str>) -> Result<WebhookSecret, KeyLookupError> {
        match (&self.public_key, public_key) {
            (None, _) => Ok(self.secret.clone()),
            (Some(_), None) => Err(KeyLookupError::MissingPublicKey),
            (Some(expected), Some(got)) if expected == got => Ok(self.secret.clone()),
            (Some(_), Some(got)) => Err(KeyLookupError::unknown(got)),
        }
    }
}

/// Secrets of several organizations, looked up by public key.
///
/// ```
/// use mirai_voice::webhook::{KeyStore, StaticKeyStore, KeyLookupError};
///
/// let keys = StaticKeyStore::new()
///     .with_key("pk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "sk_secret_of_a")
///     .with_key("pk_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "sk_secret_of_b");
/// assert!(keys.secret_for(Some("pk_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")).is_ok());
/// assert_eq!(keys.secret_for(None).unwrap_err(), KeyLookupError::MissingPublicKey);
/// // Debug lists public keys only.
/// assert!(!format!("{keys:?}").contains("sk_secret"));
/// ```
#[derive(Debug, Clone, Default)]
pub struct StaticKeyStore {
    secrets: HashMap<String, WebhookSecret>,
}

impl StaticKeyStore {
    /// An empty store.
    pub fn new() -> Self {
        StaticKeyStore::default()
    }

    /// Adds (or replaces) the secret of the organization `public_key`.
    pub fn with_key(
        mut self,
        public_key: impl Into<String>,
        secret: impl Into<WebhookSecret>,
    ) -> Self {
        self.insert(public_key, secret);
        self
    }

    /// Adds (or replaces) the secret of the organization `public_key`.
    pub fn insert(&mut self, public_key: impl Into<String>, secret: impl Into<WebhookSecret>) {
        self.secrets.insert(public_key.into(), secret.into());
    }

    /// Number of organizations in the store.
    pub fn len(&self) -> usize {
        self.secrets.len()
    }

    /// Whether the store holds no secret.
    pub fn is_empty(&self) -> bool {
        self.secrets.is_empty()
    }
}

impl<P: Into<String>, S: Into<WebhookSecret>> FromIterator<(P, S)> for StaticKeyStore {
    fn from_iter<I: IntoIterator<Item = (P, S)>>(iter: I) -> Self {
        let mut store = StaticKeyStore::new();
        for (public_key, secret) in iter {
            store.insert(public_key, secret);
        }
        store
    }
}

impl KeyStore for StaticKeyStore {
    fn secret_for(&self, public_key: Option<&str>) -> Result<WebhookSecret, KeyLookupError> {
        let public_key = public_key.ok_or(KeyLookupError::MissingPublicKey)?;
        self.secrets
            .get(public_key)
            .cloned()
            .ok_or_else(|| KeyLookupError::unknown(public_key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "sk_1111111111111111111111111111111111111111111111111111111111111111";

    #[test]
    fn single_secret_without_pinned_key_ignores_the_header() {
        let store = SingleSecret::new(SECRET);
        assert!(store.secret_for(None).is_ok());
        assert!(store.secret_for(Some("pk_anything")).is_ok());
    }

    #[test]
    fn single_secret_with_pinned_key_checks_the_header() {
        let store = SingleSecret::new(SECRET).expect_public_key("pk_a");
        assert_eq!(
            store.secret_for(None).unwrap_err(),
            KeyLookupError::MissingPublicKey
        );
        assert_eq!(
            store.secret_for(Some("pk_b")).unwrap_err(),
            KeyLookupError::UnknownPublicKey {
                public_key: "pk_b".into()
            }
        );
        assert_eq!(
            store.secret_for(Some("pk_a")).unwrap().key_bytes(),
            SECRET.as_bytes()
        );
    }

    #[test]
    fn static_store_finds_each_organization_and_bounds_unknown_keys() {
        let store: StaticKeyStore = [("pk_a", "sk_a"), ("pk_b", "sk_b")].into_iter().collect();
        assert_eq!(store.len(), 2);
        assert_eq!(store.secret_for(Some("pk_b")).unwrap().key_bytes(), b"sk_b");
        let long = "x".repeat(500);
        match store.secret_for(Some(&long)).unwrap_err() {
            KeyLookupError::UnknownPublicKey { public_key } => assert_eq!(public_key.len(), 64),
            other => panic!("unexpected {other:?}"),
        }
    }
}
