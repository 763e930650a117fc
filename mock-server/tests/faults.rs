//! Fault injection seen from a real HTTP client: every fault kind, counts, matching, and the
//! control API staying unaffected.

use std::time::{Duration, Instant};

use mirai_voice_mock::{FaultBody, FaultKind, FaultMatch, FaultRule, MockServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Fixture {
    server: MockServer,
    http: reqwest::Client,
}

impl Fixture {
    async fn new() -> Self {
        Self {
            server: MockServer::start().await,
            http: reqwest::Client::new(),
        }
    }

    fn list_assistants(&self) -> reqwest::RequestBuilder {
        let creds = self.server.credentials();
        self.http
            .get(format!(
                "{}/v1/admin/assistant/list",
                self.server.base_url()
            ))
            .header("x-public-key", &creds.public_key)
            .header("x-private-key", &creds.private_key)
            .header("workspace", &creds.workspace_id)
    }

    async fn add(&self, rule: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/__control/faults", self.server.base_url()))
            .json(&rule)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.unwrap()
    }
}

fn on_list(fault: FaultKind, count: u32) -> FaultRule {
    FaultRule {
        matcher: FaultMatch::operation("adminListAssistants"),
        fault,
        count,
    }
}

#[tokio::test]
async fn error_statuses_with_html_empty_and_json_bodies_apply_count_times() {
    let fx = Fixture::new().await;
    fx.add(json!({ "match": { "operationId": "adminListAssistants" }, "fault": { "type": "status", "status": 502 }, "count": 2 }))
        .await;
    for _ in 0..2 {
        let response = fx.list_assistants().send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(response.text().await.unwrap().contains("502 Bad Gateway"));
    }
    assert_eq!(
        fx.list_assistants().send().await.unwrap().status(),
        StatusCode::OK
    );

    let control = fx.server.control();
    control
        .add_fault(on_list(
            FaultKind::Status {
                status: 503,
                body: FaultBody::Empty,
            },
            1,
        ))
        .unwrap();
    let response = fx.list_assistants().send().await.unwrap();
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(response.bytes().await.unwrap().is_empty());

    control
        .add_fault(on_list(
            FaultKind::Status {
                status: 500,
                body: FaultBody::Json,
            },
            1,
        ))
        .unwrap();
    let response = fx.list_assistants().send().await.unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "code": 500, "message": "Internal Server Error" })
    );
    assert!(control.faults().is_empty());
}

#[tokio::test]
async fn rate_limits_with_and_without_retry_after() {
    let fx = Fixture::new().await;
    let control = fx.server.control();
    control
        .add_fault(on_list(
            FaultKind::RateLimit {
                retry_after_secs: Some(3),
            },
            1,
        ))
        .unwrap();
    control
        .add_fault(on_list(
            FaultKind::RateLimit {
                retry_after_secs: None,
            },
            1,
        ))
        .unwrap();
    let first = fx.list_assistants().send().await.unwrap();
    assert_eq!(first.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(first.headers()["retry-after"], "3");
    let body: Value = first.json().await.unwrap();
    assert_eq!(body["code"], 429);
    let second = fx.list_assistants().send().await.unwrap();
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(second.headers().get("retry-after").is_none());
    assert_eq!(
        fx.list_assistants().send().await.unwrap().status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn latency_makes_a_client_timeout_fire() {
    let fx = Fixture::new().await;
    fx.server
        .control()
        .add_fault(on_list(FaultKind::Latency { delay_ms: 1_500 }, 1))
        .unwrap();
    let started = Instant::now();
    let error = fx
        .list_assistants()
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error:?}");
    assert!(started.elapsed() < Duration::from_millis(1_400));
    let response = fx
        .list_assistants()
        .timeout(Duration::from_millis(1_000))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "the fault was used up");
}

#[tokio::test]
async fn connection_reset_drops_the_connection_without_a_response() {
    let fx = Fixture::new().await;
    fx.server
        .control()
        .add_fault(on_list(
            FaultKind::ConnectionReset {
                after_handler: false,
            },
            1,
        ))
        .unwrap();
    let error = fx.list_assistants().send().await.unwrap_err();
    assert!(!error.is_timeout() && !error.is_status(), "{error:?}");
    assert!(
        error.is_request() || error.is_connect() || error.is_body(),
        "{error:?}"
    );
    assert_eq!(
        fx.list_assistants().send().await.unwrap().status(),
        StatusCode::OK
    );
    let log = fx.server.control().requests();
    assert_eq!(log[0].fault.as_deref(), Some("connectionReset"));
    assert_eq!(log[0].status, None);
}

#[tokio::test]
async fn a_reset_after_the_handler_still_changes_state() {
    let fx = Fixture::new().await;
    let creds = fx.server.credentials();
    let control = fx.server.control();
    fx.add(json!({ "match": { "method": "post", "path": "/v1/admin/assistant/create" }, "fault": { "type": "connectionReset", "afterHandler": true } }))
        .await;
    let body = json!({ "name": "Lost reply", "variant": { "type": "custom" }, "agent": { "identity": {}, "systemPrompt": "x" } });
    let error = fx
        .http
        .post(format!(
            "{}/v1/admin/assistant/create",
            fx.server.base_url()
        ))
        .header("x-public-key", &creds.public_key)
        .header("x-private-key", &creds.private_key)
        .header("workspace", &creds.workspace_id)
        .json(&body)
        .send()
        .await
        .unwrap_err();
    assert!(!error.is_timeout(), "{error:?}");
    assert!(control.faults().is_empty());
    let list: Value = fx
        .list_assistants()
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"][0]["name"], "Lost reply");
}

#[tokio::test]
async fn truncated_json_is_a_prefix_of_the_real_body() {
    let fx = Fixture::new().await;
    let full = fx
        .list_assistants()
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    fx.server
        .control()
        .add_fault(on_list(FaultKind::TruncatedJson, 1))
        .unwrap();
    let response = fx.list_assistants().send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    let cut = response.text().await.unwrap();
    assert!(
        !cut.is_empty() && full.starts_with(&cut) && cut.len() < full.len(),
        "{cut} / {full}"
    );
    assert!(serde_json::from_str::<Value>(&cut).is_err());
}

#[tokio::test]
async fn a_cut_off_body_announces_the_whole_length_and_ends_early() {
    let fx = Fixture::new().await;
    let full = fx
        .list_assistants()
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    fx.add(json!({ "match": { "operationId": "adminListAssistants" }, "fault": { "type": "cutOffBody" } }))
        .await;
    let response = fx.list_assistants().send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "the head arrives");
    assert_eq!(
        response.content_length(),
        Some(u64::try_from(full.len()).unwrap()),
        "the whole body is announced"
    );
    let error = response.bytes().await.unwrap_err();
    assert!(error.is_body() || error.is_decode(), "{error:?}");

    let log = fx.server.control().requests();
    let last = log.last().unwrap();
    assert_eq!(
        (last.status, last.fault.as_deref()),
        (Some(200), Some("cutOffBody"))
    );
    // Only one application: the next request is whole.
    let again = fx
        .list_assistants()
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(again, full);
}

#[tokio::test]
async fn faults_match_routes_by_template_and_spare_the_control_api() {
    let fx = Fixture::new().await;
    let creds = fx.server.credentials();
    fx.add(json!({ "match": { "method": "PUT", "path": "/v2/call/{callId}" }, "fault": { "type": "status", "status": 504, "body": "empty" } }))
        .await;
    let catch_all = fx
        .add(json!({ "fault": { "type": "status", "status": 500, "body": "json" } }))
        .await;
    // The control API is never faulted.
    let faults: Value = fx
        .http
        .get(format!("{}/__control/faults", fx.server.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(faults.as_array().unwrap().len(), 2);

    let put = fx
        .http
        .put(format!(
            "{}/v2/call/6690a1b2c3d4e5f6000000ff",
            fx.server.base_url()
        ))
        .header("x-public-key", &creds.public_key)
        .header("x-private-key", &creds.private_key)
        .header("workspace", &creds.workspace_id)
        .json(&json!({ "payload": {} }))
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::GATEWAY_TIMEOUT);
    // The catch-all fault is next in line and hits any operation.
    let health = fx
        .http
        .get(format!("{}/health", fx.server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let body: Value = health.json().await.unwrap();
    assert_eq!(
        body["status_code"], 500,
        "error bodies take the operation's shape: {body}"
    );
    assert!(fx.server.control().faults().is_empty());

    let removed = fx
        .add(json!({ "fault": { "type": "truncatedJson" }, "count": 5 }))
        .await;
    let url = format!(
        "{}/__control/faults/{}",
        fx.server.base_url(),
        removed["id"].as_str().unwrap()
    );
    assert_eq!(
        fx.http.delete(&url).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        fx.http.delete(&url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    assert_ne!(removed["id"], catch_all["id"]);

    let log = fx.server.control().requests();
    let seen: Vec<(Option<&str>, Option<u16>, Option<&str>)> = log
        .iter()
        .map(|r| (r.operation_id.as_deref(), r.status, r.fault.as_deref()))
        .collect();
    assert_eq!(
        seen,
        [
            (Some("updateCallPayload"), Some(504), Some("status")),
            (Some("getHealthMonitor"), Some(500), Some("status"))
        ]
    );
}

#[tokio::test]
async fn invalid_fault_rules_are_refused() {
    let fx = Fixture::new().await;
    let url = format!("{}/__control/faults", fx.server.base_url());
    for rule in [
        json!({ "match": { "operationId": "noSuchOperation" }, "fault": { "type": "truncatedJson" } }),
        json!({ "fault": { "type": "status", "status": 42 } }),
        json!({ "fault": { "type": "explode" } }),
    ] {
        let response = fx.http.post(&url).json(&rule).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{rule}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["code"], 400);
    }
}
