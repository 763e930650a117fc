//! Fault injection: per-route error statuses, rate limiting, latency, connection resets and
//! truncated bodies, each applied a fixed number of times; plus the request log.
//!
//! Faults apply to the emulated API only, never to the control API.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use crate::app::{AppState, lock};
use crate::conformance::StatusRecord;
use crate::error::{ErrorMarker, ErrorStyle};
use crate::request_log;
use crate::spec::{self, SpecOperation};

/// Most request bytes a connection-reset fault reads (and holds) before dropping the
/// connection: the largest chunk upload plus room for its multipart framing. Larger requests
/// get `413` instead.
pub const MAX_FAULT_BUFFERED_BYTES: usize =
    crate::state::kb::MAX_CHUNK_BYTES as usize + 1024 * 1024;

/// Most bytes of the emulator's own response a truncating fault buffers; the emulator's
/// bodies are far smaller, so this only guards against a runaway body.
const MAX_BUFFERED_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Which requests a fault applies to. Every given field must match; an empty matcher matches
/// every API request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FaultMatch {
    /// The spec's `operationId`, e.g. `initiateCall`.
    pub operation_id: Option<String>,
    /// HTTP method, case-insensitive.
    pub method: Option<String>,
    /// A path template as in the spec (`/v2/call/{callId}`) or a concrete path.
    pub path: Option<String>,
}

impl FaultMatch {
    /// Matches requests of one operation.
    pub fn operation(operation_id: impl Into<String>) -> Self {
        Self {
            operation_id: Some(operation_id.into()),
            ..Self::default()
        }
    }

    /// Matches requests with this method and path (template or concrete).
    pub fn route(method: impl Into<String>, path: impl Into<String>) -> Self {
        Self {
            method: Some(method.into()),
            path: Some(path.into()),
            ..Self::default()
        }
    }

    fn matches(&self, operation: Option<&SpecOperation>, method: &str, path: &str) -> bool {
        self.operation_id
            .as_ref()
            .is_none_or(|id| operation.is_some_and(|op| op.operation_id == *id))
            && self
                .method
                .as_ref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path
                .as_ref()
                .is_none_or(|p| p == path || operation.is_some_and(|op| op.path == *p))
    }
}

/// The body of an injected error status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FaultBody {
    /// An HTML error page, as a proxy or load balancer would send.
    #[default]
    Html,
    /// No body at all.
    Empty,
    /// The service's JSON error body.
    Json,
}

/// What an injected fault does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum FaultKind {
    /// Answer with `status` without running the handler.
    Status {
        /// The HTTP status (100–599).
        status: u16,
        /// The body to send with it.
        #[serde(default)]
        body: FaultBody,
    },
    /// Answer `429` without running the handler, with `Retry-After` when given.
    RateLimit {
        /// `Retry-After` in seconds; the header is left out when `None`.
        #[serde(default)]
        retry_after_secs: Option<u64>,
    },
    /// Wait `delay_ms` (real time) before handling the request normally.
    Latency {
        /// The delay in milliseconds.
        delay_ms: u64,
    },
    /// Read the whole request, then drop the connection without answering (a TCP reset).
    ConnectionReset {
        /// Run the handler before dropping the connection, so the request takes effect
        /// although the client never learns it.
        #[serde(default)]
        after_handler: bool,
    },
    /// Run the handler, then send only the first half of its body, framed as complete (the
    /// client reads a whole body that is not valid JSON).
    TruncatedJson,
    /// Run the handler, announce its whole body (`Content-Length`), send the first half and
    /// close the connection: the status arrives, the body never completes.
    CutOffBody,
}

impl FaultKind {
    fn name(&self) -> &'static str {
        match self {
            Self::Status { .. } => "status",
            Self::RateLimit { .. } => "rateLimit",
            Self::Latency { .. } => "latency",
            Self::ConnectionReset { .. } => "connectionReset",
            Self::TruncatedJson => "truncatedJson",
            Self::CutOffBody => "cutOffBody",
        }
    }
}

fn one() -> u32 {
    1
}

/// A fault to inject: where, what, and how many times. Faults apply to the emulated API
/// only, never to `/__control`; the first armed fault matching a request is used.
///
/// Over HTTP (`POST /__control/faults`) the same rule reads:
///
/// ```json
/// { "match": { "operationId": "initiateCall" },
///   "fault": { "type": "rateLimit", "retryAfterSecs": 2 },
///   "count": 3 }
/// ```
///
/// Other `fault` values: `{"type": "status", "status": 502, "body": "html" | "empty" | "json"}`,
/// `{"type": "latency", "delayMs": 2000}`, `{"type": "connectionReset", "afterHandler": false}`,
/// `{"type": "truncatedJson"}`, `{"type": "cutOffBody"}`. `match` may instead give `method` and `path` (a template such as
/// `/v2/call/{callId}` or a concrete path), or be left out to match every request.
///
/// ```
/// use mirai_voice_mock::{FaultKind, FaultMatch, FaultRule};
///
/// let rule: FaultRule = serde_json::from_str(
///     r#"{"match": {"operationId": "initiateCall"}, "fault": {"type": "rateLimit", "retryAfterSecs": 2}, "count": 3}"#,
/// ).unwrap();
/// assert_eq!(rule, FaultRule {
///     matcher: FaultMatch::operation("initiateCall"),
///     fault: FaultKind::RateLimit { retry_after_secs: Some(2) },
///     count: 3,
/// });
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultRule {
    /// Which requests it applies to.
    #[serde(rename = "match", default)]
    pub matcher: FaultMatch,
    /// What it does.
    pub fault: FaultKind,
    /// How many matching requests it applies to (default 1).
    #[serde(default = "one")]
    pub count: u32,
}

/// A registered fault and how many more requests it will hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FaultInfo {
    /// Id for removal, `flt_<n>`.
    pub id: String,
    /// The rule as registered.
    pub rule: FaultRule,
    /// Applications left.
    pub remaining: u32,
}

/// One request the emulated API received. Secret header values (`x-private-key` and any
/// header named like a key, token, secret or password) and secret-named JSON fields are stored
/// as `<redacted>`; only JSON bodies up to 64 KiB are stored, other bodies are described.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    /// When it arrived, wall-clock RFC 3339.
    #[serde(default)]
    pub received_at: String,
    /// The emulator's clock when it arrived, RFC 3339.
    #[serde(default)]
    pub virtual_time: String,
    /// HTTP method.
    pub method: String,
    /// Concrete path, without the query.
    pub path: String,
    /// The raw query string, without `?`.
    #[serde(default)]
    pub query: Option<String>,
    /// Request headers by lowercase name, secrets redacted, repeated headers joined by `, `.
    #[serde(default)]
    pub headers: std::collections::BTreeMap<String, String>,
    /// The JSON body with secret fields redacted, or a description of a body not stored.
    #[serde(default)]
    pub body: Option<String>,
    /// The spec operation it was routed to.
    pub operation_id: Option<String>,
    /// The status sent; `None` when the connection was reset.
    pub status: Option<u16>,
    /// The fault applied, by kind (`status`, `rateLimit`, …).
    pub fault: Option<String>,
}

/// Registered faults, in registration order.
#[derive(Debug, Default)]
pub(crate) struct FaultTable {
    next_id: u64,
    faults: Vec<FaultInfo>,
}

impl FaultTable {
    /// Registers a rule.
    pub(crate) fn add(&mut self, rule: FaultRule) -> Result<FaultInfo, String> {
        if let FaultKind::Status { status, .. } = rule.fault
            && !(100..=599).contains(&status)
        {
            return Err(format!("status {status} is not an HTTP status"));
        }
        if let Some(id) = &rule.matcher.operation_id
            && spec::operation(id).is_none()
        {
            return Err(format!("no operation has operationId {id}"));
        }
        self.next_id += 1;
        let info = FaultInfo {
            id: format!("flt_{}", self.next_id),
            remaining: rule.count,
            rule,
        };
        if info.remaining > 0 {
            self.faults.push(info.clone());
        }
        Ok(info)
    }

    /// The first fault matching a request, consuming one application of it.
    fn take(
        &mut self,
        operation: Option<&SpecOperation>,
        method: &str,
        path: &str,
    ) -> Option<FaultKind> {
        let position = self
            .faults
            .iter()
            .position(|f| f.rule.matcher.matches(operation, method, path))?;
        let fault = &mut self.faults[position];
        fault.remaining -= 1;
        let kind = fault.rule.fault.clone();
        if fault.remaining == 0 {
            self.faults.remove(position);
        }
        Some(kind)
    }

    /// Faults still armed.
    pub(crate) fn list(&self) -> Vec<FaultInfo> {
        self.faults.clone()
    }

    /// Removes one fault; `false` if unknown.
    pub(crate) fn remove(&mut self, id: &str) -> bool {
        let before = self.faults.len();
        self.faults.retain(|f| f.id != id);
        self.faults.len() != before
    }

    /// Removes every fault.
    pub(crate) fn clear(&mut self) {
        self.faults.clear();
    }
}

/// The operation a request was routed to, for extractors and error shaping.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OperationId(pub(crate) &'static str);

/// Set by the connection loop on every request; flipping it makes the connection close
/// without a response.
#[derive(Debug, Clone)]
pub(crate) struct ResetSwitch(pub(crate) Arc<AtomicBool>);

fn html_page(status: StatusCode) -> String {
    let line = format!(
        "{} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("Error")
    );
    format!(
        "<!DOCTYPE html>\n<html><head><title>{line}</title></head><body><center><h1>{line}</h1></center><hr><center>nginx</center></body></html>\n"
    )
}

fn status_response(status: StatusCode, body: FaultBody, style: ErrorStyle) -> Response {
    match body {
        FaultBody::Html => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html_page(status),
        )
            .into_response(),
        FaultBody::Empty => status.into_response(),
        FaultBody::Json => {
            let message = status.canonical_reason().unwrap_or("Error");
            let error = crate::error::ApiError::new(status, message);
            (status, axum::Json(style.body(&error))).into_response()
        }
    }
}

async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, MAX_BUFFERED_RESPONSE_BYTES)
        .await
        .unwrap_or_default();
    let cut = bytes.slice(..bytes.len() / 2);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(cut))
}

async fn cut_off(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = to_bytes(body, MAX_BUFFERED_RESPONSE_BYTES)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    parts
        .headers
        .insert(header::CONTENT_LENGTH, HeaderValue::from(bytes.len()));
    // A body stream that fails after the first half makes hyper drop the connection with the
    // announced length unmet, as a server dying mid-response would. It waits once between the
    // two so that hyper flushes the head and the first half before it sees the failure.
    let chunks = futures::stream::unfold(Some(half), |half| async move {
        match half {
            Some(half) => Some((Ok(half), None)),
            None => {
                tokio::task::yield_now().await;
                let error = std::io::Error::new(
                    std::io::ErrorKind::ConnectionAborted,
                    "body cut off by fault injection",
                );
                Some((Err(error), None))
            }
        }
    });
    Response::from_parts(parts, Body::from_stream(chunks))
}

async fn reshape_error(response: Response, style: ErrorStyle) -> Response {
    if style == ErrorStyle::Code {
        return response;
    }
    let Some(ErrorMarker(error)) = response.extensions().get::<ErrorMarker>().cloned() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = serde_json::to_vec(&style.body(&error)).unwrap_or_default();
    Response::from_parts(parts, Body::from(body))
}

/// Middleware of every emulated API route: resolves the operation, applies faults, shapes
/// error bodies for the operation and logs the request.
pub(crate) async fn middleware(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let received_at = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let virtual_time = state.with_world(|w| w.clock.now_rfc3339());
    let query = request.uri().query().map(str::to_owned);
    let headers = request_log::headers(request.headers());
    let (mut request, body) = request_log::capture_body(request).await;
    let operation = spec::find_operation(&method, &path);
    if let Some(op) = operation {
        request
            .extensions_mut()
            .insert(OperationId(op.operation_id.as_str()));
    }
    let style = operation.map_or(ErrorStyle::Code, |op| ErrorStyle::of(&op.operation_id));
    let fault = lock(&state.faults).take(operation, &method, &path);
    let fault_name = fault.as_ref().map(|f| f.name().to_owned());

    let response = match fault {
        None => Some(reshape_error(next.run(request).await, style).await),
        Some(FaultKind::Status { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Some(status_response(status, body, style))
        }
        Some(FaultKind::RateLimit { retry_after_secs }) => {
            let mut response =
                status_response(StatusCode::TOO_MANY_REQUESTS, FaultBody::Json, style);
            if let Some(secs) = retry_after_secs {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            }
            Some(response)
        }
        Some(FaultKind::Latency { delay_ms }) => {
            tokio::time::sleep(Duration::from_millis(delay_ms)).await;
            Some(reshape_error(next.run(request).await, style).await)
        }
        Some(FaultKind::TruncatedJson) => {
            Some(truncate(reshape_error(next.run(request).await, style).await).await)
        }
        Some(FaultKind::CutOffBody) => {
            Some(cut_off(reshape_error(next.run(request).await, style).await).await)
        }
        Some(FaultKind::ConnectionReset { after_handler }) => {
            let switch = request.extensions().get::<ResetSwitch>().cloned();
            let (parts, body) = request.into_parts();
            match to_bytes(body, MAX_FAULT_BUFFERED_BYTES).await {
                Err(_) => {
                    let error = crate::error::ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("Request body is over the {MAX_FAULT_BUFFERED_BYTES}-byte limit"),
                    );
                    Some(reshape_error(error.into_response(), style).await)
                }
                Ok(bytes) => {
                    if after_handler {
                        let _ = next
                            .run(Request::from_parts(parts, Body::from(bytes)))
                            .await;
                    }
                    match switch {
                        Some(ResetSwitch(flag)) => {
                            flag.store(true, Ordering::SeqCst);
                            None
                        }
                        // Not served by the emulator's own connection loop: the closest it can do.
                        None => Some(StatusCode::BAD_GATEWAY.into_response()),
                    }
                }
            }
        }
    };

    let record = RequestRecord {
        received_at,
        virtual_time,
        method,
        path,
        query,
        headers,
        body,
        operation_id: operation.map(|op| op.operation_id.clone()),
        status: response.as_ref().map(|r| r.status().as_u16()),
        fault: fault_name,
    };
    if let Some(log) = &state.status_log
        && let Some(status) = StatusRecord::from_request(&record)
    {
        log.append(&status);
    }
    lock(&state.requests).push(record);
    response.unwrap_or_else(|| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(matcher: FaultMatch, count: u32) -> FaultRule {
        FaultRule {
            matcher,
            fault: FaultKind::TruncatedJson,
            count,
        }
    }

    #[test]
    fn faults_apply_count_times_to_matching_requests() {
        let mut table = FaultTable::default();
        table
            .add(rule(FaultMatch::operation("abortCall"), 2))
            .unwrap();
        let abort = spec::find_operation("POST", "/v2/call/abort");
        let other = spec::find_operation("GET", "/health");
        assert!(table.take(other, "GET", "/health").is_none());
        assert!(table.take(abort, "POST", "/v2/call/abort").is_some());
        assert!(table.take(abort, "POST", "/v2/call/abort").is_some());
        assert!(table.take(abort, "POST", "/v2/call/abort").is_none());
    }

    #[test]
    fn routes_match_by_template_or_concrete_path() {
        let mut table = FaultTable::default();
        let put = spec::find_operation("PUT", "/v2/call/abc");
        table
            .add(rule(FaultMatch::route("put", "/v2/call/{callId}"), 1))
            .unwrap();
        table
            .add(rule(FaultMatch::route("PUT", "/v2/call/xyz"), 1))
            .unwrap();
        assert!(table.take(put, "PUT", "/v2/call/abc").is_some());
        assert!(table.take(put, "PUT", "/v2/call/abc").is_none());
        assert!(table.take(put, "PUT", "/v2/call/xyz").is_some());
        assert!(table.list().is_empty());
    }

    #[test]
    fn invalid_rules_are_refused() {
        let mut table = FaultTable::default();
        assert!(table.add(rule(FaultMatch::operation("nope"), 1)).is_err());
        let bad = FaultRule {
            matcher: FaultMatch::default(),
            fault: FaultKind::Status {
                status: 42,
                body: FaultBody::Empty,
            },
            count: 1,
        };
        assert!(table.add(bad).is_err());
        let id = table.add(rule(FaultMatch::default(), 3)).unwrap().id;
        assert!(table.remove(&id));
        assert!(!table.remove(&id));
    }

    #[test]
    fn rules_read_from_json() {
        let rule: FaultRule = serde_json::from_value(serde_json::json!({
            "match": {"operationId": "initiateCall"},
            "fault": {"type": "rateLimit", "retryAfterSecs": 2},
            "count": 3
        }))
        .unwrap();
        assert_eq!(
            rule.fault,
            FaultKind::RateLimit {
                retry_after_secs: Some(2)
            }
        );
        let rule: FaultRule = serde_json::from_value(serde_json::json!({
            "fault": {"type": "connectionReset"}
        }))
        .unwrap();
        assert_eq!(rule.count, 1);
        assert_eq!(
            rule.fault,
            FaultKind::ConnectionReset {
                after_handler: false
            }
        );
    }
}
