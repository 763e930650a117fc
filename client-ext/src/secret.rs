//! Key material: format checks and redaction.
//!
//! The API authenticates with an organization key pair sent as the `x-public-key` and `x-private-key` headers.
//! Neither value may appear in `Debug`/`Display` output, error text or log lines. This module is the single
//! place that decides what counts as sensitive and how it is masked.

#![warn(missing_docs)]

use std::borrow::Cow;

use reqwest::header::{HeaderMap, HeaderValue};
/// The secret string type this crate takes credentials in (the Shiprocket webhook token, tool header values):
/// re-exported from [`secrecy`] so callers need no extra dependency.
pub use secrecy::{ExposeSecret, SecretString};

/// The text that replaces a redacted value.
pub const REDACTED: &str = "[redacted]";

/// Header names whose values are never printed, compared case-insensitively.
///
/// Response headers should never carry the API keys, but they are filtered anyway so that a misbehaving proxy
/// echoing request headers cannot leak them into an error.
pub const SENSITIVE_HEADERS: &[&str] = &[
    "x-private-key",
    "x-public-key",
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-signature",
    "x-api-key",
];

/// Returns `true` when the values of the header `name` must never be printed.
///
/// ```
/// use mirai_voice::secret::is_sensitive_header;
/// assert!(is_sensitive_header("X-Private-Key"));
/// assert!(!is_sensitive_header("content-type"));
/// ```
pub fn is_sensitive_header(name: &str) -> bool {
    SENSITIVE_HEADERS
        .iter()
        .any(|sensitive| sensitive.eq_ignore_ascii_case(name))
}

/// Returns a copy of `headers` in which every value of a [sensitive header](SENSITIVE_HEADERS) is replaced by
/// [`REDACTED`] (and marked sensitive, so `reqwest`/`http` also hide it from their own `Debug`), and key-shaped
/// text in any other value is masked as by [`redact_key_material`].
pub fn redact_headers(headers: &HeaderMap) -> HeaderMap {
    let mut redacted = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        if is_sensitive_header(name.as_str()) {
            let mut masked = HeaderValue::from_static(REDACTED);
            masked.set_sensitive(true);
            redacted.append(name.clone(), masked);
        } else {
            redacted.append(name.clone(), mask_key_material(value));
        }
    }
    redacted
}

/// Marks the value of every [sensitive header](SENSITIVE_HEADERS) in `headers` as sensitive, so that `http`,
/// `reqwest` and HTTP/2 header compression treat it as a secret (e.g. `Debug` shows `Sensitive`).
///
/// ```
/// use reqwest::header::{HeaderMap, HeaderValue};
/// use mirai_voice::secret::mark_sensitive_headers;
/// let mut headers = HeaderMap::new();
/// headers.insert("x-api-key", HeaderValue::from_static("shiprocket-token"));
/// headers.insert("accept", HeaderValue::from_static("application/json"));
/// mark_sensitive_headers(&mut headers);
/// assert!(headers["x-api-key"].is_sensitive());
/// assert!(!headers["accept"].is_sensitive());
/// assert!(!format!("{headers:?}").contains("shiprocket-token"));
/// ```
pub fn mark_sensitive_headers(headers: &mut HeaderMap) {
    for (name, value) in headers.iter_mut() {
        // `HeaderName`s are lower-case, so an exact comparison is enough here (runs on every request); values
        // already marked, such as the credentials the client attaches, need no lookup.
        if !value.is_sensitive() && SENSITIVE_HEADERS.contains(&name.as_str()) {
            value.set_sensitive(true);
        }
    }
}

/// Masks key-shaped text inside an otherwise harmless header value (e.g. a proxy echoing a key).
fn mask_key_material(value: &HeaderValue) -> HeaderValue {
    let Ok(text) = value.to_str() else {
        return value.clone();
    };
    match redact_key_material(text) {
        Cow::Borrowed(_) => value.clone(),
        // The masked text is the original visible ASCII with some characters replaced, so it stays valid.
        Cow::Owned(masked) => {
            HeaderValue::from_str(&masked).unwrap_or_else(|_| HeaderValue::from_static(REDACTED))
        }
    }
}

/// Returns `true` when `key` has the documented public-key shape: `pk_` followed by 32 hexadecimal characters.
///
/// ```
/// use mirai_voice::secret::looks_like_public_key;
/// assert!(looks_like_public_key("pk_0123456789abcdef0123456789abcdef"));
/// assert!(!looks_like_public_key("sk_0123456789abcdef0123456789abcdef"));
/// ```
pub fn looks_like_public_key(key: &str) -> bool {
    has_prefixed_hex(key, "pk_", 32)
}

/// Returns `true` when `key` has the documented private-key shape: `sk_` followed by 64 hexadecimal characters.
///
/// ```
/// use mirai_voice::secret::looks_like_private_key;
/// assert!(looks_like_private_key(&format!("sk_{}", "ab".repeat(32))));
/// assert!(!looks_like_private_key("sk_short"));
/// ```
pub fn looks_like_private_key(key: &str) -> bool {
    has_prefixed_hex(key, "sk_", 64)
}

fn has_prefixed_hex(key: &str, prefix: &str, hex_len: usize) -> bool {
    key.strip_prefix(prefix)
        .is_some_and(|rest| rest.len() == hex_len && rest.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Shortest run of hex digits after `pk_`/`sk_` that is treated as key material. Shorter runs (`sk_1`) are
/// ordinary text; a real key has 32 or 64.
const MIN_KEY_HEX_RUN: usize = 16;

/// Masks anything in `text` that looks like key material: `pk_` or `sk_` followed by at least 16 hexadecimal
/// characters becomes `pk_[redacted]` / `sk_[redacted]`.
///
/// Used on every server-provided text (error messages, bodies) before it is displayed, as a second line of
/// defence should a server or proxy echo a key back.
///
/// ```
/// use mirai_voice::secret::redact_key_material;
/// let key = format!("sk_{}", "0f".repeat(32));
/// assert_eq!(redact_key_material(&format!("bad key {key}!")), "bad key sk_[redacted]!");
/// assert_eq!(redact_key_material("nothing to hide"), "nothing to hide");
/// ```
pub fn redact_key_material(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let mut copied_up_to = 0;
    let mut i = 0;
    while i + 3 <= bytes.len() {
        let prefix = &bytes[i..i + 3];
        if prefix == b"pk_" || prefix == b"sk_" {
            let run = bytes[i + 3..]
                .iter()
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            if run >= MIN_KEY_HEX_RUN {
                let buf = out.get_or_insert_with(|| String::with_capacity(text.len()));
                // The indices are on ASCII bytes, so they are char boundaries.
                buf.push_str(&text[copied_up_to..i + 3]);
                buf.push_str(REDACTED);
                i += 3 + run;
                copied_up_to = i;
                continue;
            }
        }
        i += 1;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut buf) => {
            buf.push_str(&text[copied_up_to..]);
            Cow::Owned(buf)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_names_are_lower_case_so_marking_matches_header_names_exactly() {
        for name in SENSITIVE_HEADERS {
            assert_eq!(*name, name.to_ascii_lowercase());
        }
        let mut headers = HeaderMap::new();
        headers.insert("X-Private-Key", HeaderValue::from_static("sk_x"));
        headers.insert("accept", HeaderValue::from_static("application/json"));
        mark_sensitive_headers(&mut headers);
        assert!(headers["x-private-key"].is_sensitive());
        assert!(!headers["accept"].is_sensitive());
    }

    #[test]
    fn key_shapes_are_recognised_exactly() {
        let pk = format!("pk_{}", "a1".repeat(16));
        let sk = format!("sk_{}", "B2".repeat(32));
        assert!(looks_like_public_key(&pk));
        assert!(looks_like_private_key(&sk));
        assert!(!looks_like_public_key(&format!("{pk}0")), "33 hex digits");
        assert!(
            !looks_like_private_key(&sk[..sk.len() - 1]),
            "63 hex digits"
        );
        assert!(!looks_like_private_key(&format!("sk_{}", "zz".repeat(32))));
        assert!(!looks_like_public_key(""));
    }

    #[test]
    fn redaction_masks_every_occurrence_and_keeps_the_rest() {
        let pk = format!("pk_{}", "a1".repeat(16));
        let sk = format!("sk_{}", "b2".repeat(32));
        let text = format!("{pk} and {sk}; tail é");
        let masked = redact_key_material(&text);
        assert_eq!(masked, "pk_[redacted] and sk_[redacted]; tail é");
        assert!(matches!(
            redact_key_material("sk_123 short"),
            Cow::Borrowed(_)
        ));
        assert_eq!(redact_key_material("ends with sk_"), "ends with sk_");
    }

    #[test]
    fn sensitive_headers_are_replaced_not_dropped() {
        let mut headers = HeaderMap::new();
        headers.insert("x-private-key", HeaderValue::from_static("sk_secret"));
        headers.insert("X-Public-Key", HeaderValue::from_static("pk_secret"));
        headers.insert("content-type", HeaderValue::from_static("text/html"));
        let echoed = format!("key={}", "ab".repeat(32));
        headers.insert(
            "x-echo",
            HeaderValue::from_str(&format!("sk_{}", &echoed[4..])).unwrap(),
        );
        let redacted = redact_headers(&headers);
        assert_eq!(redacted["x-echo"], "sk_[redacted]");
        assert_eq!(redacted["x-private-key"], REDACTED);
        assert!(redacted["x-private-key"].is_sensitive());
        assert_eq!(redacted["x-public-key"], REDACTED);
        assert_eq!(redacted["content-type"], "text/html");
        assert!(!format!("{redacted:?}").contains("secret"));
    }
}
