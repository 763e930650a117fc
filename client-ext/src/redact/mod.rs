//! Redaction of third-party credentials inside request and response bodies.
//!
//! Some operations carry credentials that are not the API keys: an API tool's `headers` hold the `Authorization`
//! value of the user's own API, an assistant's `preCall.apiPlan.headers` and `webhookToken` do the same, and a
//! web call's answer holds a LiveKit `token`. Wherever the SDK shows such a body (the `TRACE` log of a request,
//! the `Debug` of an error's kept body, an error message), it goes through [`render_body`] or [`redact_text`].
//!
//! Which operations carry secrets is decided by one table, [`SECRET_BEARING_OPERATIONS`]:
//!
//! | operation | request body | response body | what |
//! |---|---|---|---|
//! | `createApiTool`, `updateApiTool` | yes | yes | tool `headers` values, credentials in the tool `url` |
//! | `listApiTools` | no | yes | `config.headers` values and `config.url` of every tool |
//! | `adminCreateAssistant`, `adminUpdateAssistant` | yes | yes | `preCall.apiPlan.headers`, `webhookToken` |
//! | `adminGetAssistant`, `adminListAssistants` | no | yes | the same, as stored |
//! | `initiateCall` | yes | no | `variableValues` such as `token` feeding header templates |
//! | `initiateWebCall` | no | yes | the LiveKit `token` |
//! | `shiprocketNdrWebhook` | no | no | the token travels in the `x-api-key` header, never in a body |
//!
//! The response column is "yes" for every operation whose success answer returns what its request set (the
//! created tool or assistant). When only the request column says "yes", an error answer may still quote the
//! request (a `400` naming the rejected `callbackUrl` of an `initiateCall`): [`render_body`] shows such a response
//! body as text masked by [`redact_text`]. Free text derived from a body (an error message, a decoder's
//! complaint) is masked for every operation with a row ([`redact_text`]).
//!
//! In a body of a secret-bearing operation (see [`redact_json`]):
//!
//! * every value under a `headers` object or array is replaced by [`REDACTED`], header names (`key`/`name`
//!   fields and map keys) are kept;
//! * every value under a credential-named key (`authorization`, `x-api-key`, `apiKey`, `token`, `webhookToken`,
//!   `password`, `secret`, `auth`, `cookie`, and names ending in `token`, `secret`, `password`, `apikey`) is
//!   replaced;
//! * in every `http(s)://` URL the user-info, the query values and the fragment are replaced (`?key=[redacted]`);
//! * key-shaped text (`sk_…`, `pk_…`) is masked as by [`redact_key_material`].
//!
//! Keys are kept so logs stay useful. A body of a secret-bearing operation that is not valid JSON (HTML from a
//! gateway, a truncated answer) is never shown, not even in part: it renders as `[N bytes withheld]`.
//!
//! Bodies of other operations render as text, with key-shaped text masked.

#![warn(missing_docs)]

mod json;
mod text;

use std::borrow::Cow;

pub use json::{CREDENTIAL_KEYS, CREDENTIAL_SUFFIXES, redact_json};

pub use crate::secret::REDACTED;
use crate::secret::redact_key_material;

/// Which way a body travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BodyDirection {
    /// A request body the SDK sends.
    Request,
    /// A response body the server sent (success or error).
    Response,
}

/// One row of [`SECRET_BEARING_OPERATIONS`]: an operation whose bodies may hold credentials.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SecretBearing {
    /// The operation id from `swagger.yaml`.
    pub operation_id: &'static str,
    /// Whether its request body may hold a credential.
    pub request: bool,
    /// Whether its response body (as documented) may hold a credential.
    pub response: bool,
    /// Where the credentials sit.
    pub what: &'static str,
}

const fn row(
    operation_id: &'static str,
    request: bool,
    response: bool,
    what: &'static str,
) -> SecretBearing {
    SecretBearing {
        operation_id,
        request,
        response,
        what,
    }
}

/// The operations whose bodies may hold credentials other than the API keys (see the module documentation).
///
/// `shiprocketNdrWebhook` is listed although neither body holds its token: the row documents that the token is
/// a header (`x-api-key`, never printed, see [`SENSITIVE_HEADERS`](crate::secret::SENSITIVE_HEADERS)).
pub const SECRET_BEARING_OPERATIONS: &[SecretBearing] = &[
    row(
        "createApiTool",
        true,
        true,
        "headers[].value, url query; echoed as data.config",
    ),
    row(
        "updateApiTool",
        true,
        true,
        "headers[].value, url query; echoed as data.config",
    ),
    row(
        "listApiTools",
        false,
        true,
        "data[].config.headers[].value, data[].config.url query",
    ),
    row(
        "adminCreateAssistant",
        true,
        true,
        "preCall.apiPlan.headers, variant.config.ndr_followup.webhookToken",
    ),
    row(
        "adminUpdateAssistant",
        true,
        true,
        "preCall.apiPlan.headers, variant.config.ndr_followup.webhookToken",
    ),
    row(
        "adminGetAssistant",
        false,
        true,
        "data.preCall.apiPlan.headers, data.variant.config.ndr_followup.webhookToken",
    ),
    row(
        "adminListAssistants",
        false,
        true,
        "data[].preCall.apiPlan.headers, data[].variant.config.ndr_followup.webhookToken",
    ),
    row(
        "initiateCall",
        true,
        false,
        "variableValues (e.g. token) feeding preCall header templates",
    ),
    row("initiateWebCall", false, true, "token (LiveKit)"),
    row(
        "shiprocketNdrWebhook",
        false,
        false,
        "x-api-key header only",
    ),
];

/// The table row of `operation_id`, if it has one.
pub fn secret_bearing(operation_id: &str) -> Option<&'static SecretBearing> {
    SECRET_BEARING_OPERATIONS
        .iter()
        .find(|row| row.operation_id == operation_id)
}

/// Whether a body of `operation_id` travelling in `direction` must be redacted.
///
/// ```
/// use mirai_voice::redact::{BodyDirection, carries_secrets};
/// assert!(carries_secrets("createApiTool", BodyDirection::Request));
/// assert!(carries_secrets("createApiTool", BodyDirection::Response), "the created tool comes back");
/// assert!(!carries_secrets("listApiTools", BodyDirection::Request));
/// assert!(!carries_secrets("abortCall", BodyDirection::Response));
/// ```
pub fn carries_secrets(operation_id: &str, direction: BodyDirection) -> bool {
    secret_bearing(operation_id).is_some_and(|row| match direction {
        BodyDirection::Request => row.request,
        BodyDirection::Response => row.response,
    })
}

/// Whether free text derived from a body of `operation_id` (an error message, a decoder's complaint) is masked by
/// [`redact_text`]: true for every operation with a body that may hold a credential in either direction.
pub fn operation_carries_secrets(operation_id: &str) -> bool {
    secret_bearing(operation_id).is_some_and(|row| row.request || row.response)
}

/// A printable rendering of `body`, at most `max_chars` characters (plus `…` when cut), safe to log.
///
/// For a secret-bearing operation (see [`carries_secrets`]) the body is parsed as JSON and [redacted](redact_json):
/// when that changed something it is printed compactly (object keys in `serde_json`'s map order), otherwise as
/// sent; if it is not valid JSON it renders as `[N bytes withheld]`, never as a prefix. Other bodies render as
/// text with key-shaped text masked.
///
/// ```
/// use mirai_voice::redact::{BodyDirection, render_body};
/// let body = br#"{"headers":[{"key":"Authorization","value":"Bearer s3cr3t"}]}"#;
/// assert_eq!(
///     render_body("createApiTool", BodyDirection::Request, body, 200),
///     r#"{"headers":[{"key":"Authorization","value":"[redacted]"}]}"#,
/// );
/// assert_eq!(
///     render_body("createApiTool", BodyDirection::Response, b"{\"data\":{\"con", 200),
///     "[13 bytes withheld]",
/// );
/// ```
pub fn render_body(
    operation_id: &str,
    direction: BodyDirection,
    body: &[u8],
    max_chars: usize,
) -> String {
    if !carries_secrets(operation_id, direction) {
        let text = String::from_utf8_lossy(body);
        if direction == BodyDirection::Response && operation_carries_secrets(operation_id) {
            // No credential of its own, but an error answer may quote the request it rejects (a `400` naming
            // the `callbackUrl` of an `initiateCall`): masked as that answer's message is.
            return shorten(&redact_text(operation_id, &text), max_chars);
        }
        return shorten(&redact_key_material(&text), max_chars);
    }
    if body.trim_ascii().is_empty() {
        return String::new();
    }
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(parsed) => {
            let mut value = parsed.clone();
            redact_json(&mut value);
            if value == parsed {
                // Nothing to hide: show the body as sent, with its own key order and spacing.
                let text = String::from_utf8_lossy(body);
                shorten(text.trim(), max_chars)
            } else {
                shorten(&value.to_string(), max_chars)
            }
        }
        Err(_) => withheld(body.len()),
    }
}

/// `Debug` of a free-form value the SDK sends (a call's payload, its metadata, a URL): printed as its compact JSON,
/// [redacted](redact_json) like a body of a secret-bearing operation, so a `token` among per-call values shows as
/// `[redacted]`.
pub(crate) struct RedactedJson<'a, T: ?Sized>(pub(crate) &'a T);

impl<T: ?Sized + serde::Serialize> std::fmt::Debug for RedactedJson<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match serde_json::to_value(self.0) {
            Ok(mut value) => {
                redact_json(&mut value);
                write!(f, "{value}")
            }
            // Never fall back to the value's own `Debug`, which would show what was to be hidden.
            Err(_) => f.write_str("<unprintable>"),
        }
    }
}

/// The rendering of a secret-bearing body that could not be parsed: its size only.
pub fn withheld(len: usize) -> String {
    format!("[{len} bytes withheld]")
}

/// Masks credentials in free text that came from a body of `operation_id`, such as an error message or a
/// decoder's complaint.
///
/// For a secret-bearing operation: URLs lose their user-info, query values and fragment; `Bearer`/`Basic`
/// credentials, values after a credential-named word (`token=…`, `x-api-key: …`, `"webhookToken":"…"`) and
/// `"value":"…"` pairs are masked. Key-shaped text is masked for every operation. Text the server phrased freely
/// (a secret quoted without any of these markers) cannot be recognised; such text is rare in error messages.
///
/// ```
/// use mirai_voice::redact::redact_text;
/// assert_eq!(
///     redact_text("createApiTool", r#"/url: "https://x.test/a?api_key=s3cr3t" is not a "uri""#),
///     r#"/url: "https://x.test/a?api_key=[redacted]" is not a "uri""#,
/// );
/// assert_eq!(redact_text("abortCall", "Call not found"), "Call not found");
/// ```
pub fn redact_text<'a>(operation_id: &str, text: &'a str) -> Cow<'a, str> {
    if !operation_carries_secrets(operation_id) {
        return redact_key_material(text);
    }
    let masked = text::redact_credentials(text);
    match redact_key_material(&masked) {
        Cow::Borrowed(_) => masked,
        Cow::Owned(owned) => Cow::Owned(owned),
    }
}

/// Like [`redact_text`], and for a secret-bearing operation also masks every quoted (`"…"`) or backticked
/// (`` `…` ``) value: decoder messages such as `invalid type: string "…", expected …` quote the offending value,
/// whichever field it came from.
pub fn redact_decoder_detail<'a>(operation_id: &str, detail: &'a str) -> Cow<'a, str> {
    if !operation_carries_secrets(operation_id) {
        return redact_key_material(detail);
    }
    Cow::Owned(text::mask_quoted(&redact_text(operation_id, detail)))
}

fn shorten(text: &str, max_chars: usize) -> String {
    let mut chars = text.char_indices();
    match chars.nth(max_chars) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every operation of the spec, with what the table must say for (request, response).
    const EXPECTED: &[(&str, bool, bool)] = &[
        ("createApiTool", true, true),
        ("updateApiTool", true, true),
        ("listApiTools", false, true),
        ("deleteApiTool", false, false),
        ("adminCreateAssistant", true, true),
        ("adminUpdateAssistant", true, true),
        ("adminGetAssistant", false, true),
        ("adminListAssistants", false, true),
        ("initiateCall", true, false),
        ("initiateWebCall", false, true),
        ("shiprocketNdrWebhook", false, false),
        ("abortCall", false, false),
        ("getHealthMonitor", false, false),
        ("purchaseNumber", false, false),
        ("getVoiceGallery", false, false),
    ];

    #[test]
    fn the_table_decides_each_direction() {
        for &(operation_id, request, response) in EXPECTED {
            assert_eq!(
                carries_secrets(operation_id, BodyDirection::Request),
                request,
                "{operation_id} request"
            );
            assert_eq!(
                carries_secrets(operation_id, BodyDirection::Response),
                response,
                "{operation_id} response"
            );
        }
        assert!(!carries_secrets("", BodyDirection::Response));
        assert!(
            !carries_secrets("CREATEAPITOOL", BodyDirection::Request),
            "ids are exact"
        );
    }

    #[test]
    fn every_row_names_an_operation_of_the_spec_once() {
        for row in SECRET_BEARING_OPERATIONS {
            assert!(
                mirai_voice_generated::OperationSpec::find(row.operation_id).is_some(),
                "{} is not an operation",
                row.operation_id
            );
            let rows = SECRET_BEARING_OPERATIONS
                .iter()
                .filter(|other| other.operation_id == row.operation_id)
                .count();
            assert_eq!(rows, 1, "{}", row.operation_id);
            assert!(!row.what.is_empty());
        }
    }

    #[test]
    fn secret_bodies_are_redacted_or_withheld() {
        let cases: &[(&str, BodyDirection, &[u8], &str)] = &[
            (
                "updateApiTool",
                BodyDirection::Request,
                br#"{"headers":[{"key":"X-Api-Key","value":"k-123"}]}"#,
                r#"{"headers":[{"key":"X-Api-Key","value":"[redacted]"}]}"#,
            ),
            (
                "listApiTools",
                BodyDirection::Response,
                br#"{"data":[{"config":{"url":"https://u:p@x.test/o?t=1","headers":[]}}]}"#,
                r#"{"data":[{"config":{"headers":[],"url":"https://[redacted]@x.test/o?t=[redacted]"}}]}"#,
            ),
            (
                "listApiTools",
                BodyDirection::Response,
                b"<html>502</html>",
                "[16 bytes withheld]",
            ),
            ("listApiTools", BodyDirection::Response, b"  ", ""),
            (
                "initiateWebCall",
                BodyDirection::Response,
                br#"{"success":true,"token":"eyJhbGciOi"}"#,
                r#"{"success":true,"token":"[redacted]"}"#,
            ),
            (
                "abortCall",
                BodyDirection::Response,
                br#"{"message":"Call not found"}"#,
                r#"{"message":"Call not found"}"#,
            ),
            (
                "listApiTools",
                BodyDirection::Response,
                br#" {"status_code": 500, "message": "boom"} "#,
                r#"{"status_code": 500, "message": "boom"}"#,
            ),
            (
                "abortCall",
                BodyDirection::Response,
                b"<html>502</html>",
                "<html>502</html>",
            ),
            (
                "listApiTools",
                BodyDirection::Request,
                br#"{"token":"t"}"#,
                r#"{"token":"t"}"#,
            ),
            // A rejection quoting the request of an operation whose answers hold no secret of their own.
            (
                "initiateCall",
                BodyDirection::Response,
                br#"{"code":400,"message":"/callbackUrl: \"https://[h]/x?token=t1\" is not a \"uri\""}"#,
                r#"{"code":400,"message":"/callbackUrl: \"https://[h]/x?token=[redacted]\" is not a \"uri\""}"#,
            ),
            (
                "initiateCall",
                BodyDirection::Response,
                b"Too Many Requests",
                "Too Many Requests",
            ),
        ];
        for &(operation_id, direction, body, expected) in cases {
            let shown = render_body(operation_id, direction, body, 1000);
            // Key order depends on serde_json's `preserve_order` feature: compare JSON as values.
            match serde_json::from_str::<serde_json::Value>(expected) {
                Ok(expected) if expected.is_object() => assert_eq!(
                    serde_json::from_str::<serde_json::Value>(&shown).ok(),
                    Some(expected),
                    "{operation_id} {direction:?}: {shown}"
                ),
                _ => assert_eq!(shown, expected, "{operation_id} {direction:?}"),
            }
        }
    }

    #[test]
    fn rendering_is_bounded_after_redaction() {
        let body = format!(
            r#"{{"headers":[{{"key":"Authorization","value":"{}"}}],"name":"{}"}}"#,
            "s".repeat(50),
            "n".repeat(100)
        );
        let shown = render_body("createApiTool", BodyDirection::Request, body.as_bytes(), 40);
        assert_eq!(shown.chars().count(), 41);
        assert!(shown.ends_with('…'));
        assert!(!shown.contains("sss"));
        assert_eq!(
            render_body(
                "listApiTools",
                BodyDirection::Response,
                br#" {"b": 1, "a": 2} "#,
                100
            ),
            r#"{"b": 1, "a": 2}"#,
            "a body with nothing to hide keeps its order and spacing"
        );
        let plain = render_body(
            "abortCall",
            BodyDirection::Request,
            "é".repeat(10).as_bytes(),
            3,
        );
        assert_eq!(plain, "ééé…");
    }

    #[test]
    fn decoder_details_lose_quoted_values_only_for_secret_operations() {
        let detail = "invalid type: string \"Bearer abc\", expected a map at line 1 column 9";
        assert_eq!(
            redact_decoder_detail("listApiTools", detail),
            "invalid type: string \"[redacted]\", expected a map at line 1 column 9"
        );
        assert_eq!(
            redact_decoder_detail("listApiTools", "unknown variant `fetch`, expected `get`"),
            "unknown variant `[redacted]`, expected `[redacted]`"
        );
        assert_eq!(redact_decoder_detail("abortCall", detail), detail);
    }
}
