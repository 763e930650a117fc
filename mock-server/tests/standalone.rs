//! What a long-running emulator used from other languages needs: bounded logs with a dropped
//! count, clock runs that do not block requests, a real-time clock and a detailed request log.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mirai_voice_mock::{
    CallStatus, ClockMode, DEFAULT_PRIVATE_KEY, DEFAULT_PUBLIC_KEY, DEFAULT_WORKSPACE_ID,
    MockServer,
};
use serde_json::{Value, json};

async fn api(server: &MockServer, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}{path}", server.base_url()))
        .header("x-public-key", DEFAULT_PUBLIC_KEY)
        .header("x-private-key", DEFAULT_PRIVATE_KEY)
        .header("workspace", DEFAULT_WORKSPACE_ID)
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

/// Creates an assistant and places a call to `phone_number`, delivering its events to the
/// emulator's own call-events receiver. Returns the call id.
async fn place_call(server: &MockServer, name: &str, phone_number: &str) -> String {
    let created = api(
        server,
        "/v1/admin/assistant/create",
        json!({
            "name": name,
            "variant": { "type": "custom" },
            "agent": { "identity": { "name": "Priya" }, "systemPrompt": "Be helpful." },
        }),
    )
    .await;
    let assistant = created["data"]["assistantId"].as_str().unwrap().to_owned();
    let call = api(
        server,
        "/v2/call/initiate",
        json!({
            "phoneNumber": phone_number,
            "assistant": assistant,
            "callbackUrl": format!("{}/v2/webhooks/call-events", server.base_url()),
        }),
    )
    .await;
    call["callId"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn logs_keep_the_newest_entries_and_count_what_they_dropped() {
    let server = MockServer::builder().log_cap(3).start().await.unwrap();
    let control = server.control();
    for _ in 0..5 {
        reqwest::get(format!("{}/health", server.base_url()))
            .await
            .unwrap();
    }
    let logs = control.logs();
    assert_eq!((logs.requests.cap, logs.requests.held), (3, 3));
    assert_eq!(logs.requests.dropped, 2);
    assert!(control.requests().iter().all(|r| r.path == "/health"));

    let call = place_call(&server, "Support", "+14155550123").await;
    let report = control.run_until_idle().await;
    assert!(report.deliveries_settled);
    assert!(control.call(&call).unwrap().lifecycle_ended);
    let events = control.call(&call).unwrap().history.len() as u64;
    assert!(
        events > 3,
        "an answered call sends more events than the cap"
    );

    let logs = control.logs();
    assert_eq!(logs.deliveries.held, 3);
    assert_eq!(logs.deliveries.dropped, events - 3);
    assert_eq!(logs.received_events.held, 3);
    assert_eq!(logs.received_events.dropped, events - 3);
    let kept = control.deliveries(None);
    let last_event = kept.last().unwrap().event_type.clone();
    assert_eq!(
        last_event, "call.lifecycle-ended",
        "the newest deliveries are kept"
    );

    // Other languages read the same counters over HTTP.
    let over_http: Value = reqwest::get(format!("{}/__control/logs", server.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http["deliveries"]["dropped"], json!(events - 3));
    assert_eq!(over_http["requests"]["cap"], 3);
    assert!(over_http["receivedEvents"]["dropped"].as_u64().unwrap() > 0);

    control.reset();
    assert_eq!(control.logs().deliveries.dropped, 0);
    assert_eq!(control.logs().requests.dropped, 0);
}

#[tokio::test(flavor = "current_thread")]
async fn a_long_clock_run_lets_other_work_in_between_its_steps() {
    let server = MockServer::start().await;
    let control = server.control();
    // A number that never answers: attempts and re-attempts spread over hours.
    let call = place_call(&server, "Retries", "+14155550001").await;

    // On a single-threaded runtime this task only runs when the clock run lets go.
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let observer = tokio::spawn({
        let control = control.clone();
        let seen = Arc::clone(&seen);
        let stop = Arc::clone(&stop);
        async move {
            while !stop.load(Ordering::SeqCst) {
                seen.lock().unwrap().push(control.clock().elapsed_seconds);
                tokio::task::yield_now().await;
            }
        }
    });
    tokio::task::yield_now().await;
    let report = control.run_until_idle().await;
    stop.store(true, Ordering::SeqCst);
    observer.await.unwrap();

    let snapshot = control.call(&call).unwrap();
    assert!(snapshot.lifecycle_ended);
    assert!(report.transitions > 3, "{report:?}");
    let seen = seen.lock().unwrap();
    let between: Vec<u64> = seen
        .iter()
        .copied()
        .filter(|t| *t > 0 && *t < report.elapsed_seconds)
        .collect();
    assert!(
        between.len() >= 2,
        "the clock was read mid-run: {seen:?} (ended at {})",
        report.elapsed_seconds
    );
}

#[tokio::test]
async fn a_real_time_clock_moves_calls_on_its_own() {
    let server = MockServer::builder()
        .clock(ClockMode::Realtime { speed: 60.0 })
        .start()
        .await
        .unwrap();
    let control = server.control();
    let started = Instant::now();
    let call = place_call(&server, "Live", "+14155550123").await;
    // An answered call is over 61 virtual seconds after it was placed: about a real second.
    loop {
        let snapshot = control.call(&call).unwrap();
        if snapshot.lifecycle_ended {
            assert_eq!(snapshot.status, Some(CallStatus::Completed));
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the call did not progress: {snapshot:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // No one called the control API to move time.
    assert!(control.clock().elapsed_seconds >= 60);
    assert!(
        control
            .requests()
            .iter()
            .all(|r| !r.path.starts_with("/__control"))
    );
}

#[tokio::test]
async fn the_request_log_keeps_time_query_headers_and_body_without_secrets() {
    let server = MockServer::start().await;
    let control = server.control();
    let response = reqwest::Client::new()
        .post(format!("{}/v1/admin/tool/api?trace=on", server.base_url()))
        .header("x-public-key", DEFAULT_PUBLIC_KEY)
        .header("x-private-key", DEFAULT_PRIVATE_KEY)
        .header("workspace", DEFAULT_WORKSPACE_ID)
        .header("x-request-id", "req-42")
        .json(&json!({
            "name": "lookup",
            "headers": { "Authorization": "Bearer tool-token-abc" },
            "clientSecret": "cs-very-secret",
        }))
        .send()
        .await
        .unwrap();
    let _ = response.status();

    let record = control.requests().pop().unwrap();
    assert_eq!(record.method, "POST");
    assert_eq!(record.path, "/v1/admin/tool/api");
    assert_eq!(record.query.as_deref(), Some("trace=on"));
    assert_eq!(record.headers["x-request-id"], "req-42");
    assert_eq!(record.headers["x-public-key"], DEFAULT_PUBLIC_KEY);
    assert_eq!(record.headers["x-private-key"], "<redacted>");
    let body: Value = serde_json::from_str(record.body.as_deref().unwrap()).unwrap();
    assert_eq!(body["name"], "lookup");
    assert_eq!(body["headers"]["Authorization"], "<redacted>");
    assert_eq!(body["clientSecret"], "<redacted>");
    chrono::DateTime::parse_from_rfc3339(&record.received_at).unwrap();
    assert_eq!(record.virtual_time, "2026-06-01T10:00:00.000Z");

    // Nothing secret is readable anywhere in the log, in Rust or over HTTP.
    let over_http = reqwest::get(format!("{}/__control/requests", server.base_url()))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for text in [over_http, format!("{:?}", control.requests())] {
        for secret in [DEFAULT_PRIVATE_KEY, "tool-token-abc", "cs-very-secret"] {
            assert!(!text.contains(secret), "{secret} leaked: {text}");
        }
    }
    assert!(
        reqwest::get(format!("{}/__control/requests", server.base_url()))
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()[0]["headers"]["x-request-id"]
            == "req-42"
    );
}

const SEED: &str = r#"
organizations:
  - name: Acme
    publicKey: pk_acme_test
    privateKey: sk_acme_test
    creditBalance: 42
    workspaces:
      - name: Support
        assistants:
          - name: Priya
            variant: { type: custom }
            agent: { identity: { name: Priya }, systemPrompt: Be helpful. }
        numbers: ["+14155550150"]
  - id: 6690a1b2c3d4e5f600000001
    workspaces:
      - id: 6690a1b2c3d4e5f600000002
        name: Default Workspace
        assistants:
          - name: Seeded
            variant: { type: custom }
            agent: { identity: { name: Sam }, systemPrompt: Be brief. }
"#;

async fn assistant_names(server: &MockServer, keys: (&str, &str), workspace: &str) -> Vec<String> {
    let listed: Value = reqwest::Client::new()
        .get(format!("{}/v1/admin/assistant/list", server.base_url()))
        .header("x-public-key", keys.0)
        .header("x-private-key", keys.1)
        .header("workspace", workspace)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = listed["data"]["assistants"]
        .as_array()
        .or_else(|| listed["data"].as_array())
        .unwrap_or_else(|| panic!("unexpected list: {listed}"));
    items
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_seed_loads_organizations_workspaces_assistants_and_numbers_again_on_reset() {
    let seed = mirai_voice_mock::Seed::from_yaml(SEED).unwrap();
    let server = MockServer::builder().seed(seed).start().await.unwrap();
    let control = server.control();
    let dashboard: Value = reqwest::get(format!("{}/__control/dashboard", server.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let acme = dashboard["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Acme")
        .unwrap_or_else(|| panic!("no Acme: {dashboard}"))
        .clone();
    assert_eq!(acme["creditBalance"], 42.0);
    let workspace = acme["workspaces"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(acme["workspaces"][0]["name"], "Support");

    let acme_keys = ("pk_acme_test", "sk_acme_test");
    assert_eq!(
        assistant_names(&server, acme_keys, &workspace).await,
        ["Priya"]
    );
    let default_keys = (DEFAULT_PUBLIC_KEY, DEFAULT_PRIVATE_KEY);
    assert_eq!(
        assistant_names(&server, default_keys, DEFAULT_WORKSPACE_ID).await,
        ["Seeded"]
    );
    let info = control.organization(acme["id"].as_str().unwrap()).unwrap();
    assert_eq!(info.public_key, "pk_acme_test");

    control.reset();
    assert_eq!(
        assistant_names(&server, acme_keys, &workspace).await,
        ["Priya"]
    );
    assert_eq!(
        assistant_names(&server, default_keys, DEFAULT_WORKSPACE_ID).await,
        ["Seeded"]
    );
}

#[tokio::test]
async fn a_bad_seed_is_a_clear_error_naming_the_entry() {
    let cases = [
        (
            "organizations:\n  - name: A\n    colour: red\n",
            "unknown field `colour`",
        ),
        (
            "organizations:\n  - publicKey: pk_only\n",
            "organizations[0]: give both publicKey and privateKey",
        ),
        (
            "organizations:\n  - publicKey: pk_6d6f636b7075626c69636b6579303031\n    privateKey: sk_x\n",
            "already used by another organization",
        ),
        (
            "organizations:\n  - name: A\n    workspaces:\n      - name: W\n        assistants:\n          - variant: { type: custom }\n",
            "organizations[0] (A).workspaces[0] (W): assistants[0]",
        ),
        (
            "organizations:\n  - name: A\n    workspaces:\n      - name: W\n        numbers: [\"555-0100\"]\n",
            "number 555-0100 is not E.164",
        ),
    ];
    for (yaml, expected) in cases {
        let error = match mirai_voice_mock::Seed::from_yaml(yaml) {
            Err(e) => e.to_string(),
            Ok(seed) => MockServer::builder()
                .seed(seed)
                .start()
                .await
                .map(|_| ())
                .unwrap_err()
                .to_string(),
        };
        assert!(error.contains(expected), "{yaml}\n=> {error}");
    }
    let error = mirai_voice_mock::Seed::from_yaml("organizations: [\n  - name: A\n").unwrap_err();
    assert!(error.to_string().contains("line"), "{error}");
}

#[tokio::test]
async fn a_state_file_restores_organizations_assistants_calls_and_the_clock() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let (organization, call, before) = {
        let server = MockServer::builder()
            .state_file(&path)
            .start()
            .await
            .unwrap();
        let control = server.control();
        let organization = control.create_organization(mirai_voice_mock::NewOrganization {
            name: Some("Kept".into()),
            ..Default::default()
        });
        let call = place_call(&server, "Kept assistant", "+14155550123").await;
        control.advance(7).await;
        let saved = server.save_state().unwrap();
        assert_eq!(saved, path);
        let before = control.call(&call).unwrap();
        (organization, call, before)
    };
    assert_eq!(before.status, Some(CallStatus::InProgress));

    let server = MockServer::builder()
        .state_file(&path)
        .start()
        .await
        .unwrap();
    let control = server.control();
    assert_eq!(control.clock().elapsed_seconds, 7);
    let restored = control.organization(&organization.organization_id).unwrap();
    assert_eq!(restored.public_key, organization.public_key);
    assert_eq!(control.call(&call).unwrap(), before);
    let keys = (DEFAULT_PUBLIC_KEY, DEFAULT_PRIVATE_KEY);
    assert_eq!(
        assistant_names(&server, keys, DEFAULT_WORKSPACE_ID).await,
        ["Kept assistant"]
    );
    // The call's next steps were restored with it.
    control.run_until_idle().await;
    let after = control.call(&call).unwrap();
    assert_eq!(after.status, Some(CallStatus::Completed));
    assert!(after.lifecycle_ended);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the file holds private keys: {mode:o}");
    }
}

#[tokio::test]
async fn deliveries_pending_when_the_state_was_saved_are_sent_after_the_restore() {
    use axum::http::StatusCode;
    // A receiver that fails until told to recover.
    let healthy = Arc::new(AtomicBool::new(false));
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post({
            let healthy = Arc::clone(&healthy);
            move || async move {
                if healthy.load(Ordering::SeqCst) {
                    (StatusCode::OK, "thanks")
                } else {
                    (StatusCode::SERVICE_UNAVAILABLE, "down")
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let first_id = {
        let server = MockServer::builder()
            .state_file(&path)
            .clock(ClockMode::Realtime { speed: 10.0 })
            .start()
            .await
            .unwrap();
        let control = server.control();
        control.set_webhook_config(mirai_voice_mock::WebhookConfig {
            max_attempts: 2,
            retry_delay_ms: 600_000,
            timeout_ms: 5_000,
        });
        let assistant = api(
            &server,
            "/v1/admin/assistant/create",
            json!({
                "name": "Hooks",
                "variant": { "type": "custom" },
                "agent": { "identity": { "name": "Priya" }, "systemPrompt": "Be helpful." },
            }),
        )
        .await["data"]["assistantId"]
            .as_str()
            .unwrap()
            .to_owned();
        api(
            &server,
            "/v2/call/initiate",
            json!({ "phoneNumber": "+14155550123", "assistant": assistant, "callbackUrl": hook }),
        )
        .await;
        let deadline = Instant::now() + Duration::from_secs(20);
        let first = loop {
            let deliveries = control.deliveries(None);
            if let Some(first) = deliveries.first().filter(|d| !d.attempts.is_empty()) {
                break first.clone();
            }
            assert!(Instant::now() < deadline, "no attempt: {deliveries:?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        assert_eq!(first.attempts[0].status, Some(503));
        assert_eq!(first.attempts[0].answer.as_deref(), Some("down"));
        server.save_state().unwrap();
        first.id
    };

    healthy.store(true, Ordering::SeqCst);
    let server = MockServer::builder()
        .state_file(&path)
        .start()
        .await
        .unwrap();
    let control = server.control();
    assert!(control.wait_for_deliveries(Duration::from_secs(20)).await);
    let deliveries = control.deliveries(None);
    let first = deliveries.iter().find(|d| d.id == first_id).unwrap();
    assert_eq!(first.state, mirai_voice_mock::DeliveryState::Delivered);
    let statuses: Vec<Option<u16>> = first.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(503), Some(200)]);
    assert_eq!(first.attempts[1].attempt, 2);
    assert!(
        deliveries
            .iter()
            .all(|d| d.state == mirai_voice_mock::DeliveryState::Delivered),
        "{deliveries:?}"
    );
}

#[tokio::test]
async fn a_bad_state_file_is_refused_with_its_name_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text, expected) in [
        ("notjson.json", "{", "not a JSON state file"),
        (
            "other.json",
            "{\"hello\": 1}",
            "not a mirai-voice-mock-state file",
        ),
        (
            "newer.json",
            "{\"format\": \"mirai-voice-mock-state\", \"version\": 99}",
            "version Some(99)",
        ),
        (
            "damaged.json",
            "{\"format\": \"mirai-voice-mock-state\", \"version\": 1, \"world\": {}}",
            "damaged state",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let error = MockServer::builder()
            .state_file(&path)
            .start()
            .await
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(error.contains(name), "{error}");
        assert!(error.contains(expected), "{error}");
    }
    // Saving without a configured file says so over HTTP too.
    let server = MockServer::start().await;
    let response = reqwest::Client::new()
        .post(format!("{}/__control/state/save", server.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(server.save_state().is_err());
}

#[tokio::test]
async fn the_state_is_also_saved_periodically() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let server = MockServer::builder()
        .state_file(&path)
        .save_every(Duration::from_millis(200))
        .start()
        .await
        .unwrap();
    server.control().advance(42).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let saved = std::fs::read_to_string(&path).unwrap_or_default();
        if saved.contains("\"elapsed\":42") {
            break;
        }
        assert!(Instant::now() < deadline, "not saved: {saved:.200}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
