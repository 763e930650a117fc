//! An error response from the API.

use std::fmt;
use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};

use super::body::{ParsedErrorBody, RawBody, parse_error_body};
use super::kind::ErrorKind;
use crate::operation::OperationContext;
use crate::redact::redact_text;
use crate::retry::parse_retry_after;
use crate::secret::{redact_headers, redact_key_material};

/// Longest message shown by `Display`; the full message stays available through [`ApiError::message`].
const MAX_DISPLAY_MESSAGE_CHARS: usize = 500;

/// The response headers a request id is read from, in order of preference; the first present (and well-formed)
/// one wins.
///
/// `x-request-id` (the common convention), `request-id`, `x-correlation-id`, `x-amzn-requestid` (AWS API
/// Gateway), `x-amz-request-id` (other AWS services), `x-trace-id`, and `cf-ray` (Cloudflare, which names the
/// edge request when nothing behind it sent an id).
pub const REQUEST_ID_HEADERS: [&str; 7] = [
    "x-request-id",
    "request-id",
    "x-correlation-id",
    "x-amzn-requestid",
    "x-amz-request-id",
    "x-trace-id",
    "cf-ray",
];

/// Longest request id kept; a longer value is not an id but something else.
const MAX_REQUEST_ID_CHARS: usize = 128;

/// The request id among `headers` (see [`REQUEST_ID_HEADERS`]): the first header present whose value is 1 to 128
/// visible ASCII characters. Values of any other shape are skipped, so nothing odd reaches a log line.
///
/// ```
/// use reqwest::header::{HeaderMap, HeaderValue};
/// use mirai_voice::error::request_id_from_headers;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("cf-ray", HeaderValue::from_static("8a1b2c3d4e5f-BOM"));
/// headers.insert("x-request-id", HeaderValue::from_static("req_42"));
/// assert_eq!(request_id_from_headers(&headers), Some("req_42"));
/// ```
pub fn request_id_from_headers(headers: &HeaderMap) -> Option<&str> {
    // One pass over the response's few headers, keeping the best-ranked usable value: called for every
    // response, where a lookup per candidate name would parse each of the seven names every time.
    let mut best: Option<(usize, &str)> = None;
    for (name, value) in headers {
        let Some(rank) = request_id_rank(name.as_str()) else {
            continue;
        };
        if best.is_some_and(|(best_rank, _)| best_rank <= rank) {
            continue;
        }
        let Ok(id) = value.to_str().map(str::trim) else {
            continue;
        };
        if !id.is_empty()
            && id.len() <= MAX_REQUEST_ID_CHARS
            && id.bytes().all(|b| b.is_ascii_graphic())
        {
            best = Some((rank, id));
        }
    }
    best.map(|(_, id)| id)
}

/// The position of `name` in [`REQUEST_ID_HEADERS`]. A `match` on the name dispatches on its length before comparing
/// bytes, so the common headers (`content-type`, `date`, …) are passed over at once.
fn request_id_rank(name: &str) -> Option<usize> {
    let rank = match name {
        "x-request-id" => 0,
        "request-id" => 1,
        "x-correlation-id" => 2,
        "x-amzn-requestid" => 3,
        "x-amz-request-id" => 4,
        "x-trace-id" => 5,
        "cf-ray" => 6,
        _ => return None,
    };
    Some(rank)
}

/// The API answered with an error status.
///
/// Keeps everything needed to act on the error or report it: the operation, the status and its [`ErrorKind`], the
/// `code` and `message` parsed from the body (whether it said `code` or `status_code`), the raw body (bounded, see
/// [`RawBody`]) and the response headers (with any sensitive value [redacted](crate::secret::redact_headers)).
///
/// ```
/// use reqwest::StatusCode;
/// use reqwest::header::HeaderMap;
/// use mirai_voice::error::{ApiError, ErrorKind};
/// use mirai_voice::operation::OperationContext;
///
/// let op = OperationContext::new("abortCall", "POST", "/v2/call/abort");
/// let err = ApiError::from_parts(op, StatusCode::NOT_FOUND, &HeaderMap::new(),
///     br#"{"code":404,"message":"Call not found"}"#, false);
/// assert_eq!(err.kind(), ErrorKind::NotFound);
/// assert_eq!(err.to_string(), "abortCall: 404 Not Found: Call not found");
/// ```
#[derive(Clone)]
pub struct ApiError {
    operation: OperationContext,
    status: StatusCode,
    kind: ErrorKind,
    code: Option<i64>,
    message: Option<String>,
    body: RawBody,
    headers: HeaderMap,
    not_found_after_retry: bool,
}

impl ApiError {
    /// Builds the error from a response's parts. `body` is everything read of the body; `truncated` says reading
    /// stopped before its end. Pure: no I/O.
    pub fn from_parts(
        operation: OperationContext,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        truncated: bool,
    ) -> Self {
        let ParsedErrorBody { code, message } = parse_error_body(body);
        Self {
            operation,
            status,
            kind: ErrorKind::from_status(status),
            code,
            message,
            body: RawBody::bounded(body, truncated).for_operation(operation.operation_id()),
            headers: redact_headers(headers),
            not_found_after_retry: false,
        }
    }

    pub(crate) fn mark_not_found_after_retry(&mut self) {
        self.not_found_after_retry = true;
    }

    /// Whether this is a `404` to a `DELETE` that was retried after an attempt whose outcome was unknown (a
    /// timeout, a lost connection, a `5xx`): the earlier attempt probably deleted the resource, so "not found"
    /// most likely means "already gone". The [`kind`](Self::kind) stays [`ErrorKind::NotFound`].
    pub fn is_not_found_after_retry(&self) -> bool {
        self.not_found_after_retry
    }

    /// The operation that failed.
    pub fn operation(&self) -> &OperationContext {
        &self.operation
    }

    /// The operation id from `swagger.yaml`, e.g. `abortCall`.
    pub fn operation_id(&self) -> &'static str {
        self.operation.operation_id()
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The kind of error, derived from the status.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The numeric code from the body (`code` or `status_code`), if there was one.
    pub fn code(&self) -> Option<i64> {
        self.code
    }

    /// The message from the body, if there was one. Not redacted: it is the server's text as sent.
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }

    /// The raw body, at most [`MAX_KEPT_BODY_BYTES`](super::MAX_KEPT_BODY_BYTES) of it.
    pub fn body(&self) -> &RawBody {
        &self.body
    }

    /// The response headers, with sensitive values redacted.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The response's `Content-Type`, if it had a readable one.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }

    /// How long the server asked the client to wait (`Retry-After` or `retry-after-ms`), if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        parse_retry_after(&self.headers, SystemTime::now())
    }

    /// The request id the server sent with the response (see [`REQUEST_ID_HEADERS`]), if any; quote it when
    /// asking the API's support about the error.
    pub fn request_id(&self) -> Option<&str> {
        request_id_from_headers(&self.headers)
    }

    /// Whether repeating the request could succeed: `429`, `502`, `503` and `504`.
    pub fn is_retryable(&self) -> bool {
        matches!(self.status.as_u16(), 429 | 502 | 503 | 504)
    }

    fn describe_missing_message(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.body.is_empty() {
            return f.write_str("empty response body");
        }
        let size = if self.body.is_truncated() {
            format!("more than {} bytes", self.body.len())
        } else {
            format!("{} bytes", self.body.len())
        };
        match self.content_type() {
            Some(ct) if ct.contains("json") && !is_json(self.body.as_bytes()) => {
                write!(f, "invalid JSON in the {ct} body ({size})")
            }
            Some(ct) if ct.contains("json") => {
                write!(f, "no error message in the {ct} body ({size})")
            }
            Some(ct) => write!(f, "non-JSON {ct} body ({size})"),
            None => write!(f, "body without a message ({size})"),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.operation.operation_id(), self.status)?;
        // A code that repeats the HTTP status says nothing new; one that differs is shown.
        if let Some(code) = self
            .code
            .filter(|code| *code != i64::from(self.status.as_u16()))
        {
            write!(f, " (code {code})")?;
        }
        f.write_str(": ")?;
        match &self.message {
            Some(message) => {
                let message = redact_text(self.operation.operation_id(), message);
                let shown: String = message.chars().take(MAX_DISPLAY_MESSAGE_CHARS).collect();
                f.write_str(&shown)?;
                if shown.len() < message.len() {
                    f.write_str("…")?;
                }
            }
            None => self.describe_missing_message(f)?,
        }
        if self.not_found_after_retry {
            f.write_str(
                " — after a retry: an earlier attempt whose outcome was unknown probably deleted it",
            )?;
        }
        match (self.kind, self.retry_after()) {
            (ErrorKind::RateLimited, Some(after)) => {
                write!(f, " — rate limited, retry after {after:?}")?
            }
            (kind, _) => {
                if let Some(hint) = kind.hint() {
                    write!(f, " — {hint}")?;
                }
            }
        }
        if let Some(id) = self.request_id() {
            write!(f, " (request id {id})")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("operation_id", &self.operation.operation_id())
            .field("method", &self.operation.method())
            .field("path", &self.operation.path_template())
            .field("status", &self.status.as_u16())
            .field("kind", &self.kind)
            .field("code", &self.code)
            .field("request_id", &self.request_id())
            .field(
                "message",
                &self
                    .message
                    .as_deref()
                    .map(|m| redact_text(self.operation.operation_id(), m)),
            )
            .field("headers", &HeadersDebug(&self.headers))
            .field("body", &self.body)
            .field("not_found_after_retry", &self.not_found_after_retry)
            .finish()
    }
}

impl std::error::Error for ApiError {}

fn is_json(body: &[u8]) -> bool {
    serde_json::from_slice::<serde::de::IgnoredAny>(body).is_ok()
}

/// Prints headers as `name: value` pairs, never showing the value of a sensitive one.
pub(crate) struct HeadersDebug<'a>(pub(crate) &'a HeaderMap);

impl fmt::Debug for HeadersDebug<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut map = f.debug_map();
        for (name, value) in self.0 {
            if crate::secret::is_sensitive_header(name.as_str()) || value.is_sensitive() {
                map.entry(&name.as_str(), &crate::secret::REDACTED);
            } else {
                map.entry(
                    &name.as_str(),
                    &redact_key_material(&String::from_utf8_lossy(value.as_bytes())),
                );
            }
        }
        map.finish()
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn op() -> OperationContext {
        OperationContext::new("adminCreateAssistant", "POST", "/v1/admin/assistant/create")
    }

    /// The `match` and the public list name the same headers in the same order.
    #[test]
    fn request_id_ranks_follow_the_public_list() {
        for (rank, name) in REQUEST_ID_HEADERS.iter().enumerate() {
            assert_eq!(request_id_rank(name), Some(rank), "{name}");
        }
        for other in [
            "content-type",
            "x-request-ids",
            "request-i",
            "",
            "X-Request-Id",
        ] {
            assert_eq!(request_id_rank(other), None, "{other}");
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn request_id_is_the_best_ranked_usable_value() {
        type Case<'a> = (&'a [(&'a str, &'a str)], Option<&'a str>);
        let cases: &[Case] = &[
            (&[], None),
            (&[("content-type", "application/json")], None),
            (
                &[("cf-ray", "ray-1"), ("x-request-id", "req_1")],
                Some("req_1"),
            ),
            (
                &[("x-request-id", "req_1"), ("cf-ray", "ray-1")],
                Some("req_1"),
            ),
            (&[("x-trace-id", "t-1"), ("request-id", "r-1")], Some("r-1")),
            // An unusable value of a better-ranked name does not hide a usable one.
            (
                &[("x-request-id", "has space"), ("cf-ray", "ray-1")],
                Some("ray-1"),
            ),
            (
                &[("x-request-id", " "), ("x-request-id", "req_2")],
                Some("req_2"),
            ),
            (&[("x-request-id", "  req_3  ")], Some("req_3")),
        ];
        for (pairs, expected) in cases {
            assert_eq!(
                request_id_from_headers(&headers(pairs)),
                *expected,
                "{pairs:?}"
            );
        }
        let long = "a".repeat(MAX_REQUEST_ID_CHARS + 1);
        let mut map = HeaderMap::new();
        map.insert("x-request-id", HeaderValue::from_str(&long).unwrap());
        assert_eq!(request_id_from_headers(&map), None);
    }

    #[test]
    fn display_with_code_and_message() {
        let err = ApiError::from_parts(
            op(),
            StatusCode::CONFLICT,
            &headers(&[("content-type", "application/json")]),
            br#"{"status_code":409,"message":"Assistant with this name already exists"}"#,
            false,
        );
        assert_eq!(
            err.to_string(),
            "adminCreateAssistant: 409 Conflict: Assistant with this name already exists"
        );
        assert_eq!(err.kind(), ErrorKind::Conflict);
        assert_eq!(
            err.code(),
            Some(409),
            "the code is kept even when Display leaves it out"
        );
        assert!(!err.is_retryable());
    }

    #[test]
    fn display_shows_a_code_that_differs_from_the_status() {
        let err = ApiError::from_parts(
            op(),
            StatusCode::BAD_REQUEST,
            &headers(&[("content-type", "application/json")]),
            br#"{"code":1001,"message":"Name too long"}"#,
            false,
        );
        assert_eq!(
            err.to_string(),
            "adminCreateAssistant: 400 Bad Request (code 1001): Name too long"
        );
    }

    #[test]
    fn display_without_a_message_describes_the_body() {
        let html = ApiError::from_parts(
            op(),
            StatusCode::BAD_GATEWAY,
            &headers(&[("content-type", "text/html")]),
            b"<html>bad gateway</html>",
            false,
        );
        assert_eq!(
            html.to_string(),
            "adminCreateAssistant: 502 Bad Gateway: non-JSON text/html body (24 bytes) — the server failed, try again later"
        );
        assert_eq!(html.message(), None);
        assert_eq!(html.body().text(), "<html>bad gateway</html>");
        assert!(html.is_retryable());

        let empty = ApiError::from_parts(
            op(),
            StatusCode::UNAUTHORIZED,
            &HeaderMap::new(),
            b"",
            false,
        );
        assert_eq!(
            empty.to_string(),
            "adminCreateAssistant: 401 Unauthorized: empty response body — check the credentials sent with the request (API keys, or the route's own token)"
        );

        let json_no_message = ApiError::from_parts(
            op(),
            StatusCode::BAD_REQUEST,
            &headers(&[("content-type", "application/json; charset=utf-8")]),
            br#"{"errors":[]}"#,
            false,
        );
        assert_eq!(
            json_no_message.to_string(),
            "adminCreateAssistant: 400 Bad Request: no error message in the application/json; charset=utf-8 body (13 bytes)"
        );

        let cut = ApiError::from_parts(
            op(),
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            b"{\"a",
            true,
        );
        assert_eq!(
            cut.to_string(),
            "adminCreateAssistant: 400 Bad Request: body without a message (more than 3 bytes)"
        );
    }

    #[test]
    fn long_messages_are_shortened_in_display_only() {
        let message = "m".repeat(2000);
        let body = format!(r#"{{"message":"{message}"}}"#);
        let err = ApiError::from_parts(
            op(),
            StatusCode::BAD_REQUEST,
            &HeaderMap::new(),
            body.as_bytes(),
            false,
        );
        assert_eq!(err.message(), Some(message.as_str()));
        assert!(err.to_string().ends_with("m…"));
        assert!(err.to_string().len() < 600);
    }

    #[test]
    fn key_material_never_shows() {
        let pk = format!("pk_{}", "1f".repeat(16));
        let sk = format!("sk_{}", "2e".repeat(32));
        let body = format!(r#"{{"message":"invalid key {sk}"}}"#);
        let mut map = headers(&[("content-type", "application/json")]);
        map.insert("x-private-key", HeaderValue::from_str(&sk).unwrap());
        map.insert("x-public-key", HeaderValue::from_str(&pk).unwrap());
        map.insert(
            "x-echo",
            HeaderValue::from_str(&format!("echo {sk}")).unwrap(),
        );
        let err =
            ApiError::from_parts(op(), StatusCode::UNAUTHORIZED, &map, body.as_bytes(), false);
        for text in [
            err.to_string(),
            format!("{err:?}"),
            format!("{:?}", err.headers()),
        ] {
            assert!(!text.contains(&sk), "{text}");
            assert!(!text.contains(&pk), "{text}");
        }
        assert_eq!(err.headers()["x-private-key"], crate::secret::REDACTED);
    }

    #[test]
    fn retry_after_is_read_from_headers() {
        let err = ApiError::from_parts(
            op(),
            StatusCode::TOO_MANY_REQUESTS,
            &headers(&[("retry-after", "12")]),
            b"",
            false,
        );
        assert_eq!(err.retry_after(), Some(Duration::from_secs(12)));
        assert!(err.is_retryable());
    }
}
