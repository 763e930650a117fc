//! The control API over HTTP: every route, as a test written in another language would use it.

use mirai_voice_mock::MockServer;
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

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            if text.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&text).unwrap()
            },
        )
    }

    async fn api(&self, creds: &Value, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self
            .http
            .request(method, self.url(path))
            .header("x-public-key", creds["publicKey"].as_str().unwrap())
            .header("x-private-key", creds["privateKey"].as_str().unwrap())
            .header("workspace", creds["workspaceId"].as_str().unwrap())
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap()
    }
}

use reqwest::Method;

#[tokio::test]
async fn organizations_clock_and_calls() {
    let fx = Fixture::new().await;
    let (status, default) = fx
        .send(Method::GET, "/__control/organizations/default", None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(default["publicKey"], mirai_voice_mock::DEFAULT_PUBLIC_KEY);

    let (status, creds) = fx
        .send(
            Method::POST,
            "/__control/organizations",
            Some(json!({ "name": "Beta", "role": "member", "creditBalance": 5 })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(creds["privateKey"].as_str().unwrap().starts_with("sk_"));
    let org_path = format!(
        "/__control/organizations/{}",
        creds["organizationId"].as_str().unwrap()
    );
    let (_, info) = fx.send(Method::GET, &org_path, None).await;
    assert_eq!(
        (info["role"].as_str(), info["creditBalance"].as_f64()),
        (Some("member"), Some(5.0))
    );
    assert!(info.get("privateKey").is_none());
    let (_, info) = fx
        .send(
            Method::PATCH,
            &org_path,
            Some(json!({ "creditBalance": 0, "standAlone": true })),
        )
        .await;
    assert_eq!(
        (info["creditBalance"].as_f64(), info["standAlone"].as_bool()),
        (Some(0.0), Some(true))
    );
    assert_eq!(
        fx.send(Method::GET, "/__control/organizations/nope", None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        fx.send(
            Method::POST,
            "/__control/organizations",
            Some(json!({ "role": "king" }))
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );

    let assistant = fx
        .api(&default, Method::POST, "/v1/admin/assistant/create", json!({
            "name": "A", "variant": { "type": "custom" }, "agent": { "identity": {}, "systemPrompt": "x" },
        }))
        .await;
    let assistant = assistant["data"]["assistantId"].as_str().unwrap();
    let call = fx
        .api(
            &default,
            Method::POST,
            "/v2/call/initiate",
            json!({ "phoneNumber": "+14155552671", "assistant": assistant }),
        )
        .await;
    let call_path = format!("/__control/calls/{}", call["callId"].as_str().unwrap());

    let (_, snapshot) = fx
        .send(
            Method::PUT,
            &format!("{call_path}/outcomes"),
            Some(json!({ "outcomes": ["no-answer"] })),
        )
        .await;
    assert_eq!(snapshot["pendingOutcomes"], json!(["no-answer"]));
    assert_eq!(snapshot["status"], Value::Null);
    assert_eq!(
        fx.send(
            Method::PUT,
            &format!("{call_path}/outcomes"),
            Some(json!({ "outcomes": ["maybe"] }))
        )
        .await
        .0,
        StatusCode::BAD_REQUEST
    );

    let (_, clock) = fx.send(Method::GET, "/__control/clock", None).await;
    assert_eq!(
        clock,
        json!({ "now": "2026-06-01T10:00:00.000Z", "elapsedSeconds": 0 })
    );
    let (_, report) = fx
        .send(
            Method::POST,
            "/__control/clock/advance",
            Some(json!({ "seconds": 40 })),
        )
        .await;
    assert_eq!(report["elapsedSeconds"], 40);
    assert_eq!(
        report["transitions"], 4,
        "dial, call.initiate, call.no-answer, end of attempt"
    );
    assert_eq!(report["deliveriesSettled"], true);
    let (_, snapshot) = fx.send(Method::GET, &call_path, None).await;
    assert_eq!(snapshot["status"], "no-answer");
    assert_eq!(snapshot["history"][1]["event"], "call.no-answer");
    assert_eq!(snapshot["history"][1]["at"], "2026-06-01T10:00:31.000Z");

    let (_, report) = fx
        .send(Method::POST, "/__control/clock/run-until-idle", None)
        .await;
    assert_eq!(report["deliveriesSettled"], true);
    let (_, calls) = fx.send(Method::GET, "/__control/calls", None).await;
    assert_eq!(
        calls[0]["status"], "completed",
        "the re-attempt follows the phone-number rule"
    );
    assert_eq!(calls[0]["lifecycleEnded"], true);
    assert_eq!(
        fx.send(Method::GET, "/__control/calls/nope", None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn webhooks_requests_health_and_reset() {
    let fx = Fixture::new().await;
    let (_, config) = fx
        .send(Method::GET, "/__control/webhooks/config", None)
        .await;
    assert_eq!(config["maxAttempts"], 4);
    let (status, config) = fx
        .send(
            Method::PUT,
            "/__control/webhooks/config",
            Some(json!({ "maxAttempts": 2, "retryDelayMs": 1, "timeoutMs": 500 })),
        )
        .await;
    assert_eq!(
        (status, config["maxAttempts"].as_u64()),
        (StatusCode::OK, Some(2))
    );
    let (status, _) = fx
        .send(
            Method::POST,
            "/__control/webhooks/duplicates",
            Some(json!({ "eventType": "call.skip", "copies": 1 })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);

    // Deliver to the emulator's own call-events endpoint, which verifies the signature.
    let (_, default) = fx
        .send(Method::GET, "/__control/organizations/default", None)
        .await;
    let assistant = fx
        .api(&default, Method::POST, "/v1/admin/assistant/create", json!({
            "name": "A", "variant": { "type": "custom" }, "agent": { "identity": {}, "systemPrompt": "x" },
        }))
        .await;
    let callback = fx.url("/v2/webhooks/call-events");
    fx.api(&default, Method::POST, "/v2/call/initiate", json!({
        "phoneNumber": "+14155550005", "assistant": assistant["data"]["assistantId"], "callbackUrl": callback, "metadata": { "k": "v" },
    }))
    .await;
    fx.send(
        Method::POST,
        "/__control/clock/advance",
        Some(json!({ "seconds": 2 })),
    )
    .await;
    let (_, waited) = fx
        .send(
            Method::POST,
            "/__control/webhooks/wait",
            Some(json!({ "timeoutMs": 5000 })),
        )
        .await;
    assert_eq!(waited, json!({ "idle": true, "pending": 0 }));

    let (_, deliveries) = fx
        .send(Method::GET, "/__control/webhooks/deliveries", None)
        .await;
    let types: Vec<&str> = deliveries
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["eventType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["call.skip", "call.skip", "call.lifecycle-ended"]);
    assert!(
        deliveries
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["state"] == "delivered")
    );
    let (_, received) = fx
        .send(Method::GET, "/__control/webhooks/received", None)
        .await;
    assert_eq!(received.as_array().unwrap().len(), 3);
    assert_eq!(received[0]["metadata"], json!({ "k": "v" }));
    let first = deliveries[0]["id"].as_str().unwrap();
    let (status, replay) = fx
        .send(
            Method::POST,
            &format!("/__control/webhooks/deliveries/{first}/redeliver"),
            None,
        )
        .await;
    assert_eq!(
        (status, replay["duplicateOf"].as_str()),
        (StatusCode::OK, Some(first))
    );
    let call_id = deliveries[0]["callId"].as_str().unwrap();
    let (_, filtered) = fx
        .send(
            Method::GET,
            &format!("/__control/webhooks/deliveries?callId={call_id}"),
            None,
        )
        .await;
    assert_eq!(filtered.as_array().unwrap().len(), 4);
    assert_eq!(
        fx.send(
            Method::POST,
            "/__control/webhooks/deliveries/dlv_404/redeliver",
            None
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );

    assert_eq!(
        fx.send(
            Method::PUT,
            "/__control/health",
            Some(json!({ "underMaintenance": true }))
        )
        .await
        .0,
        StatusCode::NO_CONTENT
    );
    let (_, health) = fx.send(Method::GET, "/health", None).await;
    assert_eq!(
        health["data"],
        json!({ "underMaintenance": true, "status": "maintenance" })
    );

    let (_, requests) = fx.send(Method::GET, "/__control/requests", None).await;
    let operations: Vec<&str> = requests
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["operationId"].as_str())
        .collect();
    assert!(
        operations.starts_with(&["adminCreateAssistant", "initiateCall"]),
        "{operations:?}"
    );
    assert!(operations.contains(&"callEventsWebhook") && operations.contains(&"getHealthMonitor"));
    assert_eq!(
        fx.send(Method::DELETE, "/__control/requests", None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        fx.send(Method::GET, "/__control/requests", None).await.1,
        json!([])
    );

    fx.send(
        Method::POST,
        "/__control/faults",
        Some(json!({ "fault": { "type": "truncatedJson" } })),
    )
    .await;
    assert_eq!(
        fx.send(Method::DELETE, "/__control/faults", None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        fx.send(Method::GET, "/__control/faults", None).await.1,
        json!([])
    );

    assert_eq!(
        fx.send(Method::POST, "/__control/reset", None).await.0,
        StatusCode::NO_CONTENT
    );
    let (_, calls) = fx.send(Method::GET, "/__control/calls", None).await;
    assert_eq!(calls, json!([]));
    let (_, health) = fx.send(Method::GET, "/health", None).await;
    assert_eq!(health["data"]["status"], "healthy");
    let (_, clock) = fx.send(Method::GET, "/__control/clock", None).await;
    assert_eq!(clock["elapsedSeconds"], 0);
    let (_, config) = fx
        .send(Method::GET, "/__control/webhooks/config", None)
        .await;
    assert_eq!(config["maxAttempts"], 4);
}
