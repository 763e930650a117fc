//! Signature verification over the raw request body.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::Sha256;

use super::error::WebhookError;
use super::event::WebhookEvent;
use super::keys::{KeyLookupError, KeyStore, SingleSecret, WebhookSecret};

/// Header that carries the hex HMAC-SHA256 of the body.
pub const SIGNATURE_HEADER: &str = "x-signature";

/// Header that carries the sending organization's public key.
pub const PUBLIC_KEY_HEADER: &str = "x-public-key";

/// Default body size limit: 1 MiB, far above any documented event (a few KiB)
/// and small enough that unauthenticated senders cannot make a receiver buffer
/// much.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Length of an HMAC-SHA256 digest.
const DIGEST_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// Why a delivery failed verification. None of the variants carries key
/// material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The body is larger than the verifier's limit.
    #[error("webhook body is larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// The `x-signature` header is missing.
    #[error("the x-signature header is missing")]
    MissingSignature,
    /// The `x-signature` header is not 64 lowercase hex digits.
    #[error("the x-signature header is malformed: {0}")]
    MalformedSignature(SignatureFormatError),
    /// The key store needs `x-public-key` and the delivery has none.
    #[error("the x-public-key header is missing")]
    MissingPublicKey,
    /// No secret is known for the delivery's `x-public-key`.
    #[error("no webhook secret is registered for public key {public_key:?}")]
    UnknownPublicKey {
        /// The header value, cut to 64 characters.
        public_key: String,
    },
    /// The signature is well formed but does not match the body: the body was
    /// changed, or it was signed with another key.
    #[error("the webhook signature does not match the body")]
    SignatureMismatch,
}

impl From<KeyLookupError> for VerifyError {
    fn from(error: KeyLookupError) -> Self {
        match error {
            KeyLookupError::MissingPublicKey => VerifyError::MissingPublicKey,
            KeyLookupError::UnknownPublicKey { public_key } => {
                VerifyError::UnknownPublicKey { public_key }
            }
        }
    }
}

/// How an `x-signature` value departs from 64 lowercase hex digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureFormatError {
    /// The value has the wrong length.
    #[error("expected 64 hex digits, got {0} bytes")]
    WrongLength(usize),
    /// The value has a character other than `0-9a-f`. The API sends lowercase
    /// hex and its documentation requires an exact, case-sensitive match.
    #[error("expected lowercase hex digits")]
    NotLowercaseHex,
    /// The header appears more than once.
    #[error("the header appears more than once")]
    Repeated,
}

/// Checks that `signature` (the `x-signature` value) is the HMAC-SHA256 of
/// `body` under `secret`.
///
/// The comparison is constant-time (`hmac::Mac::verify_slice`). Use it when
/// your framework hands you the header as a string; [`Verifier`] reads the
/// headers, applies a body limit and picks the secret for you.
///
/// ```
/// use mirai_voice::webhook::{testing, verify_signature, VerifyError, WebhookSecret};
///
/// let secret = WebhookSecret::new("sk_example");
/// let body = br#"{"event":{"type":"call.initiate","data":{}}}"#;
/// let signature = testing::sign(&secret, body);
/// assert_eq!(verify_signature(&secret, body, &signature), Ok(()));
/// assert_eq!(
///     verify_signature(&secret, b"tampered", &signature),
///     Err(VerifyError::SignatureMismatch)
/// );
/// ```
pub fn verify_signature(
    secret: &WebhookSecret,
    body: &[u8],
    signature: &str,
) -> Result<(), VerifyError> {
    let expected = decode_signature(signature.as_bytes())?;
    let mut mac = keyed_mac(secret);
    mac.update(body);
    mac.verify_slice(&expected)
        .map_err(|_| VerifyError::SignatureMismatch)
}

/// The lowercase hex HMAC-SHA256 of `body` under `secret`: what the API sends
/// as `x-signature`.
pub(crate) fn signature_hex(secret: &WebhookSecret, body: &[u8]) -> String {
    let mut mac = keyed_mac(secret);
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn keyed_mac(secret: &WebhookSecret) -> HmacSha256 {
    // HMAC hashes keys longer than a block and pads shorter ones, so every key
    // length is valid and this never fails.
    HmacSha256::new_from_slice(secret.key_bytes()).expect("HMAC accepts keys of any length")
}

/// Decodes a signature, accepting exactly 64 lowercase hex digits.
fn decode_signature(signature: &[u8]) -> Result<[u8; DIGEST_LEN], VerifyError> {
    if signature.len() != DIGEST_LEN * 2 {
        return Err(VerifyError::MalformedSignature(
            SignatureFormatError::WrongLength(signature.len()),
        ));
    }
    if !signature
        .iter()
        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return Err(VerifyError::MalformedSignature(
            SignatureFormatError::NotLowercaseHex,
        ));
    }
    let mut digest = [0u8; DIGEST_LEN];
    hex::decode_to_slice(signature, &mut digest)
        .map_err(|_| VerifyError::MalformedSignature(SignatureFormatError::NotLowercaseHex))?;
    Ok(digest)
}

/// Verifies deliveries: body limit, headers, key lookup, constant-time HMAC
/// check, in that order, all before any parsing.
///
/// Cheap to clone; share one across request handlers.
///
/// ```
/// use mirai_voice::webhook::{testing, Verifier, VerifyError, StaticKeyStore};
///
/// let secret = testing::test_secret();
/// let verifier = Verifier::new(
///     StaticKeyStore::new().with_key(testing::TEST_PUBLIC_KEY, secret.clone()),
/// );
/// let delivery = testing::EventBuilder::call_completed().signed(testing::TEST_PUBLIC_KEY, &secret);
/// assert_eq!(verifier.verify(&delivery.headers, &delivery.body), Ok(()));
///
/// let mut body = delivery.body.clone();
/// body.push(b' ');
/// assert_eq!(verifier.verify(&delivery.headers, &body), Err(VerifyError::SignatureMismatch));
/// ```
#[derive(Clone)]
pub struct Verifier {
    keys: Arc<dyn KeyStore>,
    max_body_bytes: usize,
}

impl Verifier {
    /// A verifier that looks secrets up in `keys`.
    pub fn new(keys: impl KeyStore + 'static) -> Self {
        Verifier {
            keys: Arc::new(keys),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// A verifier for a single organization; see [`SingleSecret`].
    pub fn with_secret(secret: impl Into<WebhookSecret>) -> Self {
        Verifier::new(SingleSecret::new(secret))
    }

    /// Sets the largest body accepted, in bytes (default
    /// [`DEFAULT_MAX_BODY_BYTES`]).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// The largest body accepted, in bytes. Receivers should stop reading a
    /// request once it is exceeded.
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes
    }

    /// Verifies a delivery from its headers and raw body.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), VerifyError> {
        self.check_body_len(body.len())?;
        let signature = single_header(headers, SIGNATURE_HEADER)?;
        let public_key = headers
            .get(PUBLIC_KEY_HEADER)
            .map(|value| String::from_utf8_lossy(value.as_bytes()));
        self.verify_parts(signature, public_key.as_deref(), body)
    }

    /// Verifies a delivery from the raw `x-signature` and `x-public-key` header
    /// values, for frameworks that do not use [`http::HeaderMap`].
    pub fn verify_parts(
        &self,
        signature: Option<&[u8]>,
        public_key: Option<&str>,
        body: &[u8],
    ) -> Result<(), VerifyError> {
        self.check_body_len(body.len())?;
        let signature = signature.ok_or(VerifyError::MissingSignature)?;
        let expected = decode_signature(signature)?;
        let secret = self.keys.secret_for(public_key)?;
        let mut mac = keyed_mac(&secret);
        mac.update(body);
        mac.verify_slice(&expected)
            .map_err(|_| VerifyError::SignatureMismatch)
    }

    /// Fails with [`VerifyError::BodyTooLarge`] when `len` exceeds the limit;
    /// receivers call it with a `Content-Length` before reading the body.
    pub fn check_body_len(&self, len: usize) -> Result<(), VerifyError> {
        if len > self.max_body_bytes {
            return Err(VerifyError::BodyTooLarge {
                limit: self.max_body_bytes,
            });
        }
        Ok(())
    }

    /// Verifies a delivery, then parses it into a [`WebhookEvent`].
    pub fn verify_and_parse(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<WebhookEvent, WebhookError> {
        self.verify(headers, body)?;
        Ok(WebhookEvent::from_slice(body)?)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("keys", &self.keys)
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

/// The value of a header that must appear at most once.
fn single_header<'a>(headers: &'a HeaderMap, name: &str) -> Result<Option<&'a [u8]>, VerifyError> {
    let mut values = headers.get_all(name).iter();
    let first = values.next();
    if values.next().is_some() {
        return Err(VerifyError::MalformedSignature(
            SignatureFormatError::Repeated,
        ));
    }
    Ok(first.map(|value| value.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_accepts_only_lowercase_hex_of_the_right_length() {
        let good = "0123456789abcdef".repeat(4);
        assert!(decode_signature(good.as_bytes()).is_ok());
        assert_eq!(
            decode_signature(good.to_uppercase().as_bytes()),
            Err(VerifyError::MalformedSignature(
                SignatureFormatError::NotLowercaseHex
            ))
        );
        assert_eq!(
            decode_signature(&good.as_bytes()[..63]),
            Err(VerifyError::MalformedSignature(
                SignatureFormatError::WrongLength(63)
            ))
        );
        let mut with_space = good.clone();
        with_space.replace_range(0..1, " ");
        assert_eq!(
            decode_signature(with_space.as_bytes()),
            Err(VerifyError::MalformedSignature(
                SignatureFormatError::NotLowercaseHex
            ))
        );
    }
}
