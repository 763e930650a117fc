//! What the request log keeps of a request: time, query, headers and body, with secrets
//! redacted before anything is stored.

use std::collections::BTreeMap;

use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::{HeaderMap, header};
use serde_json::Value;

/// Stands in for every secret value in the log.
pub(crate) const REDACTED: &str = "<redacted>";
/// The largest body the log records; larger bodies are described, not stored.
pub(crate) const MAX_LOGGED_BODY: usize = 64 * 1024;

/// Whether a header or JSON field of this name carries a secret.
pub(crate) fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase().replace(['-', '_'], "");
    [
        "privatekey",
        "secret",
        "password",
        "token",
        "authorization",
        "cookie",
        "apikey",
        "credential",
    ]
    .iter()
    .any(|word| name.contains(word))
}

/// The headers as a map, secret values replaced by [`REDACTED`] and repeated headers joined.
pub(crate) fn headers(headers: &HeaderMap) -> BTreeMap<String, String> {
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers {
        let value = if is_secret_name(name.as_str()) {
            REDACTED.to_owned()
        } else {
            String::from_utf8_lossy(value.as_bytes()).into_owned()
        };
        map.entry(name.as_str().to_owned())
            .and_modify(|joined| {
                joined.push_str(", ");
                joined.push_str(&value);
            })
            .or_insert(value);
    }
    map
}

/// A JSON value with the values of secret-named fields replaced by [`REDACTED`], at any depth.
pub(crate) fn redact_json(value: &mut Value) {
    match value {
        Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                if is_secret_name(name) {
                    *field = Value::String(REDACTED.to_owned());
                } else {
                    redact_json(field);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

/// Reads a small body so it can be logged, handing back the request with the same bytes.
///
/// Only JSON bodies announced within [`MAX_LOGGED_BODY`] are kept, redacted; any other body
/// (uploads, forms, large or unannounced bodies) is described by its type and length, so that
/// nothing unredacted is stored and large uploads are never buffered for the log.
pub(crate) async fn capture_body(request: Request) -> (Request, Option<String>) {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let length = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let is_json = content_type.to_ascii_lowercase().contains("json");
    match length {
        Some(0) => (request, None),
        Some(length) if is_json && length <= MAX_LOGGED_BODY => {
            let (parts, body) = request.into_parts();
            match to_bytes(body, MAX_LOGGED_BODY).await {
                Ok(bytes) => {
                    let logged = describe_json(&bytes);
                    (Request::from_parts(parts, Body::from(bytes)), Some(logged))
                }
                // The client stopped sending, so it will never read the answer either.
                Err(_) => (
                    Request::from_parts(parts, Body::empty()),
                    Some("<body not received in full>".to_owned()),
                ),
            }
        }
        Some(length) => {
            let logged = format!("<{length} bytes of {}>", type_name(&content_type));
            (request, Some(logged))
        }
        None if request.method() == axum::http::Method::GET => (request, None),
        None => {
            let logged = format!("<streamed body of {}>", type_name(&content_type));
            (request, Some(logged))
        }
    }
}

fn type_name(content_type: &str) -> &str {
    if content_type.is_empty() {
        "unknown type"
    } else {
        content_type
    }
}

fn describe_json(bytes: &[u8]) -> String {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(mut value) => {
            redact_json(&mut value);
            value.to_string()
        }
        // Unparseable JSON may hold anything: its length is all the log keeps.
        Err(_) => format!("<{} bytes of malformed JSON>", bytes.len()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use serde_json::json;

    #[test]
    fn secret_headers_are_redacted_and_others_kept() {
        let mut map = HeaderMap::new();
        map.insert("x-private-key", HeaderValue::from_static("sk_live"));
        map.insert("x-public-key", HeaderValue::from_static("pk_1"));
        map.insert("authorization", HeaderValue::from_static("Bearer t"));
        map.insert("x-webhook-secret", HeaderValue::from_static("whsec"));
        map.append("accept", HeaderValue::from_static("a/b"));
        map.append("accept", HeaderValue::from_static("c/d"));
        let logged = headers(&map);
        assert_eq!(logged["x-private-key"], REDACTED);
        assert_eq!(logged["authorization"], REDACTED);
        assert_eq!(logged["x-webhook-secret"], REDACTED);
        assert_eq!(logged["x-public-key"], "pk_1");
        assert_eq!(logged["accept"], "a/b, c/d");
        assert!(!format!("{logged:?}").contains("sk_live"));
    }

    #[test]
    fn secret_fields_are_redacted_at_any_depth() {
        let mut body = json!({
            "name": "Lookup",
            "headers": {"Authorization": "Bearer abc", "X-Api-Key": "k1"},
            "list": [{"client_secret": "s"}, {"privateKey": "sk"}],
        });
        redact_json(&mut body);
        assert_eq!(body["name"], "Lookup");
        assert_eq!(body["headers"]["Authorization"], REDACTED);
        assert_eq!(body["headers"]["X-Api-Key"], REDACTED);
        assert_eq!(body["list"][0]["client_secret"], REDACTED);
        assert_eq!(body["list"][1]["privateKey"], REDACTED);
    }

    #[test]
    fn malformed_json_is_described_not_stored() {
        assert_eq!(
            describe_json(b"{\"token\": \"abc"),
            "<14 bytes of malformed JSON>"
        );
    }
}
