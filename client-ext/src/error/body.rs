//! Error response bodies: bounded storage and tolerant parsing of `code` and `message`.

use std::fmt;

use bytes::Bytes;
use serde_json::Value;

use crate::redact::{BodyDirection, render_body};

/// How many bytes of a response body an error keeps.
pub const MAX_KEPT_BODY_BYTES: usize = 8 * 1024;

/// How many bytes of an error body are read from the network for parsing; the rest is discarded unread.
pub const MAX_READ_BODY_BYTES: usize = 64 * 1024;

/// How many characters of a body `Debug` output shows.
const DEBUG_PREVIEW_CHARS: usize = 512;

/// Longest plain-text body that is taken as the error message.
const MAX_TEXT_MESSAGE_CHARS: usize = 200;

/// The raw body of a response, kept for inspection, at most [`MAX_KEPT_BODY_BYTES`] long.
///
/// [`as_bytes`](Self::as_bytes) and [`text`](Self::text) give the body exactly as received, credentials
/// included: they are for a caller who asks for the raw answer. Everything formatted (`Debug`, and
/// [`redacted`](Self::redacted)) follows the [redaction table](crate::redact) of the operation the body belongs
/// to ([`for_operation`](Self::for_operation)): credentials become `[redacted]`, and a body of a secret-bearing
/// operation that is not valid JSON is withheld entirely.
///
/// ```
/// use mirai_voice::error::{MAX_KEPT_BODY_BYTES, RawBody};
/// let body = RawBody::bounded(&vec![b'x'; 10_000], false);
/// assert_eq!(body.len(), MAX_KEPT_BODY_BYTES);
/// assert!(body.is_truncated());
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RawBody {
    bytes: Bytes,
    truncated: bool,
    /// The operation whose response this is; decides how formatted output is redacted.
    operation_id: Option<&'static str>,
}

impl RawBody {
    /// Keeps the first [`MAX_KEPT_BODY_BYTES`] of `body`. `already_truncated` says the caller stopped reading
    /// before the end of the body.
    pub fn bounded(body: &[u8], already_truncated: bool) -> Self {
        let keep = body.len().min(MAX_KEPT_BODY_BYTES);
        Self {
            bytes: Bytes::copy_from_slice(&body[..keep]),
            truncated: already_truncated || body.len() > keep,
            operation_id: None,
        }
    }

    /// Marks the body as a response of `operation_id`, so that its formatted output follows that operation's row of
    /// the [redaction table](crate::redact). Errors of this crate always set it.
    ///
    /// ```
    /// use mirai_voice::error::RawBody;
    /// let body = RawBody::bounded(br#"{"token":"lk-123"}"#, false).for_operation("initiateWebCall");
    /// assert_eq!(body.redacted(), r#"{"token":"[redacted]"}"#);
    /// assert!(!format!("{body:?}").contains("lk-123"));
    /// assert_eq!(body.text(), r#"{"token":"lk-123"}"#, "the raw text is still there when asked for");
    /// ```
    pub fn for_operation(mut self, operation_id: &'static str) -> Self {
        self.operation_id = Some(operation_id);
        self
    }

    /// The operation the body belongs to, when known.
    pub fn operation_id(&self) -> Option<&'static str> {
        self.operation_id
    }

    /// The kept body rendered for display: credentials [redacted](crate::redact::render_body) per the
    /// operation's row of the redaction table, key-shaped text masked.
    pub fn redacted(&self) -> String {
        self.render(MAX_KEPT_BODY_BYTES)
    }

    fn render(&self, max_chars: usize) -> String {
        let operation_id = self.operation_id.unwrap_or_default();
        render_body(
            operation_id,
            BodyDirection::Response,
            &self.bytes,
            max_chars,
        )
    }

    /// An empty body.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The kept bytes, exactly as received (not redacted).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// How many bytes were kept.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the body was empty.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty() && !self.truncated
    }

    /// Whether the body was longer than what was kept (or could not be read to the end).
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// The body as text: the longest valid UTF-8 prefix, so a body cut inside a character still shows. Not
    /// redacted: use [`redacted`](Self::redacted) for anything that is logged or shown.
    pub fn text(&self) -> &str {
        match std::str::from_utf8(&self.bytes) {
            Ok(text) => text,
            // `valid_up_to` is a char boundary by definition, so this cannot fail.
            Err(e) => std::str::from_utf8(&self.bytes[..e.valid_up_to()]).unwrap_or_default(),
        }
    }
}

impl fmt::Debug for RawBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawBody")
            .field("len", &self.bytes.len())
            .field("truncated", &self.truncated)
            .field("text", &self.render(DEBUG_PREVIEW_CHARS))
            .finish()
    }
}

/// The `code` and `message` found in an error body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedErrorBody {
    /// The numeric error code (`code`, `status_code` or `statusCode`).
    pub code: Option<i64>,
    /// The human-readable message.
    pub message: Option<String>,
}

/// Extracts `code` and `message` from an error body, whatever its shape.
///
/// The API is not uniform: some errors say `{code, message}`, others `{status_code, message}`; gateways answer
/// with HTML and some `401`s have no body at all. Accepted, in order of preference:
/// * code: `code`, `status_code`, `statusCode`, or the same inside an `error` object; a number or a numeric string;
/// * message: `message`, `error` (a string), `error.message`, `msg`, `detail`;
/// * a JSON string body is the message;
/// * a short single-line plain-text body (not HTML, not broken JSON) is the message.
///
/// Anything else yields no code and no message; the raw body is kept by the caller.
///
/// ```
/// use mirai_voice::error::parse_error_body;
/// let parsed = parse_error_body(br#"{"status_code": 404, "message": "Call not found"}"#);
/// assert_eq!(parsed.code, Some(404));
/// assert_eq!(parsed.message.as_deref(), Some("Call not found"));
/// assert_eq!(parse_error_body(b"<html>502 Bad Gateway</html>").message, None);
/// ```
pub fn parse_error_body(body: &[u8]) -> ParsedErrorBody {
    let trimmed = body.trim_ascii();
    if trimmed.is_empty() {
        return ParsedErrorBody::default();
    }
    match serde_json::from_slice::<Value>(trimmed) {
        Ok(Value::Object(object)) => {
            let nested = object.get("error").and_then(Value::as_object);
            let code = ["code", "status_code", "statusCode"]
                .iter()
                .find_map(|key| object.get(*key).and_then(as_code))
                .or_else(|| {
                    nested.and_then(|e| {
                        ["code", "status_code"]
                            .iter()
                            .find_map(|k| e.get(*k).and_then(as_code))
                    })
                });
            let message = object
                .get("message")
                .and_then(as_text)
                .or_else(|| object.get("error").and_then(as_text))
                .or_else(|| nested.and_then(|e| e.get("message")).and_then(as_text))
                .or_else(|| object.get("msg").and_then(as_text))
                .or_else(|| object.get("detail").and_then(as_text));
            ParsedErrorBody { code, message }
        }
        Ok(Value::String(message)) => ParsedErrorBody {
            code: None,
            message: non_empty(message),
        },
        Ok(_) => ParsedErrorBody::default(),
        Err(_) => ParsedErrorBody {
            code: None,
            message: plain_text_message(trimmed),
        },
    }
}

fn as_code(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_text(value: &Value) -> Option<String> {
    value
        .as_str()
        .map(str::trim)
        .map(str::to_owned)
        .and_then(non_empty)
}

fn non_empty(text: String) -> Option<String> {
    (!text.trim().is_empty()).then_some(text)
}

fn plain_text_message(body: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let looks_structured = text.starts_with(['<', '{', '[']);
    let short = text.chars().count() <= MAX_TEXT_MESSAGE_CHARS;
    (!looks_structured && short && !text.contains('\n')).then(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(body: &str) -> (Option<i64>, Option<String>) {
        let p = parse_error_body(body.as_bytes());
        (p.code, p.message)
    }

    #[test]
    fn both_documented_shapes() {
        assert_eq!(
            parsed(r#"{"code":400,"message":"Call already aborted"}"#),
            (Some(400), Some("Call already aborted".into()))
        );
        assert_eq!(
            parsed(r#"{"status_code":401,"message":"Unauthorized","data":[]}"#),
            (Some(401), Some("Unauthorized".into()))
        );
        assert_eq!(
            parsed(r#"{"statusCode":"409","message":" taken "}"#),
            (Some(409), Some("taken".into()))
        );
    }

    #[test]
    fn nested_and_alternative_fields() {
        assert_eq!(
            parsed(r#"{"error":{"code":"E1","message":"boom"}}"#),
            (None, Some("boom".into()))
        );
        assert_eq!(
            parsed(r#"{"error":{"status_code":503,"message":"down"}}"#),
            (Some(503), Some("down".into()))
        );
        assert_eq!(
            parsed(r#"{"error":"bad thing"}"#),
            (None, Some("bad thing".into()))
        );
        assert_eq!(parsed(r#"{"msg":"m"}"#), (None, Some("m".into())));
        assert_eq!(parsed(r#"{"detail":"d"}"#), (None, Some("d".into())));
        assert_eq!(
            parsed(r#""just a string""#),
            (None, Some("just a string".into()))
        );
        assert_eq!(parsed(r#"{"message":""}"#), (None, None));
        assert_eq!(parsed(r#"{"code":1.5,"message":7}"#), (None, None));
        assert_eq!(parsed("[1,2]"), (None, None));
    }

    #[test]
    fn non_json_bodies() {
        assert_eq!(parsed(""), (None, None));
        assert_eq!(parsed("  \n "), (None, None));
        assert_eq!(
            parsed("<html><body>502 Bad Gateway</body></html>"),
            (None, None)
        );
        assert_eq!(
            parsed(r#"{"code":400,"mess"#),
            (None, None),
            "truncated JSON"
        );
        assert_eq!(
            parsed("Too Many Requests"),
            (None, Some("Too Many Requests".into()))
        );
        assert_eq!(parsed("line one\nline two"), (None, None));
        assert_eq!(parsed(&"x".repeat(201)), (None, None));
    }

    #[test]
    fn raw_body_keeps_a_bounded_prefix() {
        let small = RawBody::bounded(b"hello", false);
        assert_eq!(small.text(), "hello");
        assert!(!small.is_truncated());
        let cut = RawBody::bounded(b"hello", true);
        assert!(cut.is_truncated());
        assert!(!cut.is_empty());
        assert!(RawBody::empty().is_empty());

        let mut big = "é".repeat(MAX_KEPT_BODY_BYTES);
        big.push('!');
        let kept = RawBody::bounded(big.as_bytes(), false);
        assert_eq!(kept.len(), MAX_KEPT_BODY_BYTES);
        assert!(kept.is_truncated());
        assert_eq!(kept.text().chars().count(), MAX_KEPT_BODY_BYTES / 2);
    }

    #[test]
    fn raw_body_debug_is_short_and_redacted() {
        let key = format!("sk_{}", "ab".repeat(32));
        let body = RawBody::bounded(
            format!("{{\"echo\":\"{key}\"}}{}", "y".repeat(4000)).as_bytes(),
            false,
        );
        let debug = format!("{body:?}");
        assert!(!debug.contains(&key));
        assert!(debug.contains("sk_[redacted]"));
        assert!(debug.len() < 700, "{}", debug.len());
    }
}
