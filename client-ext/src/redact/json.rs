//! Redaction of a parsed JSON body: credential-bearing values are replaced, keys are kept.

use serde_json::Value;

use super::REDACTED;
use super::text::redact_url;
use crate::secret::redact_key_material;

/// Object keys whose whole value is a set of HTTP headers, compared after [`normalize`].
const HEADER_CONTAINERS: &[&str] = &["headers"];

/// Fields of a header entry (`{"key": …, "value": …}`) that name the header rather than hold its value.
const HEADER_NAME_FIELDS: &[&str] = &["key", "name"];

/// Object keys that are credentials themselves, compared lower-cased without `-` and `_`. The codegen's
/// `secret-fields` rule uses the same list for the generated types' `Debug` (a test keeps the two equal).
pub const CREDENTIAL_KEYS: &[&str] = &[
    "auth",
    "authorization",
    "proxyauthorization",
    "cookie",
    "setcookie",
    "privatekey",
    "xprivatekey",
    "credentials",
];

/// Endings that make an object key a credential (`webhookToken`, `clientSecret`, `x-api-key`, …), compared as
/// [`CREDENTIAL_KEYS`] are.
pub const CREDENTIAL_SUFFIXES: &[&str] = &["token", "secret", "password", "passwd", "apikey"];

/// Lowercase, without `-` and `_`: `X-Api-Key`, `api_key` and `apiKey` all become `apikey`.
fn normalize(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// Whether the value under object key `key` is a credential.
pub(crate) fn is_credential_key(key: &str) -> bool {
    let key = normalize(key);
    CREDENTIAL_KEYS.contains(&key.as_str())
        || CREDENTIAL_SUFFIXES.iter().any(|end| key.ends_with(end))
}

fn is_header_container(key: &str) -> bool {
    HEADER_CONTAINERS.contains(&normalize(key).as_str())
}

/// Replaces, in place, every credential-bearing value of `value` with [`REDACTED`] (see the
/// [module documentation](super) for the rules). Object keys and the shape of the document are kept.
///
/// ```
/// use serde_json::json;
/// use mirai_voice::redact::redact_json;
/// let mut body = json!({"preCall": {"apiPlan": {"headers": {"Authorization": "Bearer s3cr3t"}}}});
/// redact_json(&mut body);
/// assert_eq!(body, json!({"preCall": {"apiPlan": {"headers": {"Authorization": "[redacted]"}}}}));
/// ```
pub fn redact_json(value: &mut Value) {
    walk(value, Context::Plain);
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Ordinary data: only URLs and key-shaped text are touched.
    Plain,
    /// Inside a `headers` container: values go, header names stay.
    Headers,
    /// Under a credential key: every leaf goes.
    Secret,
}

fn walk(value: &mut Value, context: Context) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                let child_context = match context {
                    Context::Secret => Context::Secret,
                    _ if is_credential_key(key) => Context::Secret,
                    Context::Headers if HEADER_NAME_FIELDS.contains(&key.as_str()) => {
                        Context::Plain
                    }
                    Context::Headers => Context::Headers,
                    Context::Plain if is_header_container(key) => Context::Headers,
                    Context::Plain => Context::Plain,
                };
                walk(child, child_context);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| walk(item, context)),
        Value::Null => {}
        leaf if context != Context::Plain => *leaf = Value::String(REDACTED.to_owned()),
        Value::String(text) => {
            let masked = redact_key_material(&redact_url(text)).into_owned();
            if masked != *text {
                *text = masked;
            }
        }
        Value::Bool(_) | Value::Number(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn redacted(mut value: Value) -> Value {
        redact_json(&mut value);
        value
    }

    #[test]
    fn credential_keys_are_recognised_in_every_spelling() {
        for key in [
            "Authorization",
            "x-api-key",
            "X_API_KEY",
            "apiKey",
            "webhookToken",
            "token",
            "access_token",
            "clientSecret",
            "password",
            "auth",
            "Set-Cookie",
            "x-private-key",
        ] {
            assert!(is_credential_key(key), "{key}");
        }
        for key in [
            "name",
            "key",
            "value",
            "url",
            "tokens_used",
            "description",
            "method",
        ] {
            assert!(!is_credential_key(key), "{key}");
        }
    }

    #[test]
    fn tool_headers_keep_their_names() {
        let body = json!({
            "name": "order_lookup",
            "url": "https://api.example.com/orders?key=abc&limit=5#frag",
            "headers": [
                {"key": "Authorization", "value": "Bearer t0k"},
                {"key": "X-Count", "value": 5},
                {"key": "X-Flag", "value": true, "extra": {"deep": "d"}},
                {"value": null}
            ],
            "parameters": {"required": ["orderId"], "properties": [{"name": "orderId", "type": "string"}]}
        });
        assert_eq!(
            redacted(body),
            json!({
                "name": "order_lookup",
                "url": "https://api.example.com/orders?key=[redacted]&limit=[redacted]#[redacted]",
                "headers": [
                    {"key": "Authorization", "value": "[redacted]"},
                    {"key": "X-Count", "value": "[redacted]"},
                    {"key": "X-Flag", "value": "[redacted]", "extra": {"deep": "[redacted]"}},
                    {"value": null}
                ],
                "parameters": {"required": ["orderId"], "properties": [{"name": "orderId", "type": "string"}]}
            })
        );
    }

    #[test]
    fn header_maps_and_nested_credentials() {
        let body = json!({
            "data": [{
                "preCall": {"apiPlan": {"headers": {"Authorization": "Bearer x", "X-Id": 7}, "url": "https://c.test/l"}},
                "variant": {"config": {"ndr_followup": {"webhookToken": "shiprocket-secret", "maxRescheduleDays": 3}}},
                "auth": {"username": "u", "password": "p"},
                "headers": "Authorization: Bearer raw"
            }]
        });
        assert_eq!(
            redacted(body),
            json!({
                "data": [{
                    "preCall": {"apiPlan": {"headers": {"Authorization": "[redacted]", "X-Id": "[redacted]"}, "url": "https://c.test/l"}},
                    "variant": {"config": {"ndr_followup": {"webhookToken": "[redacted]", "maxRescheduleDays": 3}}},
                    "auth": {"username": "[redacted]", "password": "[redacted]"},
                    "headers": "[redacted]"
                }]
            })
        );
    }

    #[test]
    fn credentials_inside_headers_go_even_under_a_name_field() {
        let body = json!({"headers": [{"key": {"token": "t"}, "value": "v"}]});
        assert_eq!(
            redacted(body),
            json!({"headers": [{"key": {"token": "[redacted]"}, "value": "[redacted]"}]})
        );
    }

    #[test]
    fn plain_data_is_untouched_except_key_material() {
        let sk = format!("sk_{}", "ab".repeat(32));
        let body =
            json!({"message": "ok", "count": 2, "note": format!("echo {sk}"), "list": [1, "a"]});
        assert_eq!(
            redacted(body),
            json!({"message": "ok", "count": 2, "note": "echo sk_[redacted]", "list": [1, "a"]})
        );
    }
}
